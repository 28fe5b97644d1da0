"""Typed records from answers, parameters to form fields, error bodies to classes."""

from __future__ import annotations

import datetime as dt

import pytest

from moodle_client import (
    AccessDenied,
    AttendanceSession,
    Course,
    InvalidParameter,
    InvalidToken,
    MoodleError,
    NewEvent,
    NotFound,
    SiteMaintenance,
    UnexpectedResponse,
    UnknownFunction,
)
from moodle_client.errors import error_from_body, is_item_level
from moodle_client.php_params import flatten


def test_records_convert_by_annotation_and_ignore_unknown_keys():
    course = Course.from_api(
        {
            "id": "2",
            "shortname": "S",
            "fullname": "F",
            "visible": 0,
            "startdate": 1788210000,
            "enddate": 0,
            "added_in_moodle_5": {"x": 1},
        }
    )
    assert course.id == 2 and course.visible is False and course.enddate is None
    assert course.startdate == dt.datetime(2026, 8, 31, 21, 0, tzinfo=dt.UTC)
    session = AttendanceSession.from_api(
        {
            "id": 1,
            "attendanceid": 1,
            "sessdate": 1795413600,
            "duration": 2700,
            "attendance_log": [{"id": "3", "studentid": 6, "statusid": "6"}],
        }
    )
    assert session.duration == dt.timedelta(minutes=45) and session.attendance_log[0].statusid == 6
    with pytest.raises(UnexpectedResponse, match="no 'shortname' for Course"):
        Course.from_api({"id": 1, "fullname": "F"})


def test_parameters_flatten_to_php_arrays_with_explicit_indices():
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    event = NewEvent("Урок", start, courseid=2, timeduration=dt.timedelta(minutes=45), visible=True)
    assert flatten({"events": [event.to_api()], "options": {"userevents": False, "skip": None}}) == [
        ("events[0][name]", "Урок"),
        ("events[0][timestart]", str(int(start.timestamp()))),
        ("events[0][eventtype]", "course"),
        ("events[0][courseid]", "2"),
        ("events[0][timeduration]", "2700"),
        ("events[0][visible]", "1"),
        ("options[userevents]", "0"),
    ]
    with pytest.raises(ValueError, match="naive datetime"):
        flatten({"t": dt.datetime(2026, 1, 1)})


@pytest.mark.parametrize(
    ("body", "cls"),
    [
        (
            {
                "exception": "moodle_exception",
                "errorcode": "invalidtoken",
                "message": "Invalid token - token not found",
            },
            InvalidToken,
        ),
        ({"exception": "moodle_exception", "errorcode": "sitemaintenance", "message": "maintenance"}, SiteMaintenance),
        (
            {
                "exception": "dml_missing_record_exception",
                "errorcode": "invalidrecord",
                "message": "Can't find data record in database table external_functions.",
            },
            UnknownFunction,
        ),
        (
            {
                "exception": "webservice_access_exception",
                "errorcode": "accessexception",
                "message": "Access control exception",
            },
            AccessDenied,
        ),
        (
            {"exception": "required_capability_exception", "errorcode": "nopermissions", "message": "Sorry"},
            AccessDenied,
        ),
        (
            {"exception": "invalid_parameter_exception", "errorcode": "invalidparameter", "message": "Invalid"},
            InvalidParameter,
        ),
        (
            {"exception": "dml_missing_record_exception", "errorcode": "invaliduser", "message": "Invalid user"},
            NotFound,
        ),
        (
            {"exception": "moodle_exception", "errorcode": "shortnametaken", "message": "Short name is taken"},
            MoodleError,
        ),
    ],
)
def test_error_bodies_map_to_one_class_each(body, cls):
    error = error_from_body(body, "f")
    assert type(error) is cls and error.debuginfo is None
    assert is_item_level(error) is (cls in (InvalidParameter, NotFound, MoodleError))
