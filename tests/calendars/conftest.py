"""Districts for the calendar tests, committed so that the app and the CLI (own sessions) see them."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from bridge.calendar.face_to_face import add_session, expand_sessions
from bridge.calendar.lessons import cancel_lesson, expand_lessons, move_lesson
from bridge.calendar.tokens import FeedKind, FeedOwner, issue_token
from bridge.models import FaceToFaceRule, HolidayPolicy, Lesson
from bridge.web.calendar_feeds import BODIES
from tests.calendars.district import FULL_YEAR_TERMS, District, build_district, planted_district


@pytest.fixture(autouse=True)
def _fresh_feed_bodies() -> Iterator[None]:
    """Each test builds its own district (new random UIDs, possibly the same ids and timestamps as
    the previous test's): feeds cached by the previous test must not be served."""
    BODIES.clear()
    yield
    BODIES.clear()


def lesson_on(session, course, day: dt.date) -> Lesson:
    return session.scalar(select(Lesson).where(Lesson.course_id == course.id, Lesson.slot_date == day))


@pytest.fixture
def planted(session) -> District:
    """``planted_district`` with its lessons expanded, the PHYS-9 lesson of 9 September cancelled,
    and the MATH-10 lesson of Tuesday 22 September moved onto the district holiday (Friday 25th)."""
    d = planted_district(session)
    expand_lessons(session)
    cancel_lesson(session, lesson_on(session, d.courses["PHYS-9"], dt.date(2026, 9, 9)))
    move_lesson(session, lesson_on(session, d.courses["MATH-10"], dt.date(2026, 9, 22)), dt.datetime(2026, 9, 25, 15, 30))
    session.commit()
    return d


def populated(session, terms=FULL_YEAR_TERMS) -> District:
    """Students, lessons, monthly face-to-face sessions (third Saturday, 10:00-14:00) and the contest."""
    d = build_district(session, terms=terms)
    d.student("s1", "p1", 9, "А", "PHYS-9", "INFO-9", last_name="Иванова")
    d.student("s2", "p2", 10, "Б", "MATH-10", last_name="Петрова")
    d.student("s3", "p1", 11, "А", "CHEM-11", "MATH-10", last_name="Сидорова")
    rule = FaceToFaceRule(academic_year=d.year, school=d.schools["base"], room="актовый зал 2", nth=3, weekday=6,
                          starts_at=dt.time(10), ends_at=dt.time(14), first_month=9, last_month=5,
                          holiday_policy=HolidayPolicy.NEXT_WEEK)
    session.add(rule)
    session.flush()
    expand_lessons(session)
    expand_sessions(session)
    add_session(session, academic_year=d.year, school=d.schools["base"], room="спортзал",
                start=dt.datetime(2027, 5, 22, 10), end=dt.datetime(2027, 5, 22, 15))
    session.commit()
    return d


@pytest.fixture
def year_district(session) -> District:
    return populated(session)


@pytest.fixture
def term_district(session) -> District:
    """Like ``year_district`` with its first term only: smaller feeds for the slower parser."""
    return populated(session, terms=FULL_YEAR_TERMS[:1])


@pytest.fixture
def live_url(app) -> Iterator[str]:
    """The app served by werkzeug on a free loopback port, for real HTTP through requests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def feed_links(session, d: District) -> dict[str, str]:
    """Paths of every kind of feed of ``year_district`` (tokens issued here)."""
    paths = {code: f"/calendar/course/{code}.ics" for code in d.courses}
    for name, owner in (("student", FeedOwner(FeedKind.STUDENT, d.students["s1"].id)),
                        ("teacher", FeedOwner(FeedKind.TEACHER, d.teachers["t1"].id)),
                        ("school", FeedOwner(FeedKind.SCHOOL, d.schools["p1"].id))):
        paths[name] = f"/calendar/feed/{issue_token(session, owner)}.ics"
    session.commit()
    return paths
