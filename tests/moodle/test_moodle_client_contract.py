"""Contract: each typed call sends exactly the recorded request and reads the recorded answer.

``responses`` answers with the recorded real response only if the form body the client sends is
exactly the recorded one (same fields, same PHP-array flattening, token in the body and not the URL).
Then the typed result is checked against the recorded values.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from responses.registries import OrderedRegistry

from moodle.samples import sample
from moodle_client import (
    AccessDenied,
    Enrolment,
    EventDeletion,
    FormatOption,
    GradeUpdate,
    GradeUpdateStatus,
    GroupMember,
    InvalidParameter,
    InvalidToken,
    MoodleClient,
    MoodleError,
    NewCategory,
    NewCohort,
    NewCohortMember,
    NewCourse,
    NewEvent,
    NewGroup,
    NewSession,
    NewUser,
    NotFound,
    Ref,
    Unenrolment,
    UnknownFunction,
    UserUpdate,
    CourseUpdate,
)
from moodle_client.core import ENDPOINT

URL = "https://moodle.example.org"
TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
UTC = dt.UTC


def ts(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, UTC)


@contextmanager
def recorded(*exchanges: str | tuple[dict[str, str], str]) -> Iterator[list[dict[str, str]]]:
    """Answer the client's POSTs, in order, with recorded answers; each request must match its recording.

    An exchange is a sample name (its params are the expected request) or (expected params, sample name).
    """
    sent: list[dict[str, str]] = []
    with responses.RequestsMock(registry=OrderedRegistry) as mock:
        for exchange in exchanges:
            params, name = exchange if isinstance(exchange, tuple) else (sample(exchange).params, exchange)
            s = sample(name)
            expected = list({**params, "wstoken": TOKEN if params["wstoken"] == "TOKEN" else params["wstoken"]}.items())

            def answer(request: Any, expected: list[tuple[str, str]] = expected, s: Any = s) -> tuple[int, dict, str]:
                assert urlsplit(request.url).query == "", "nothing may travel in the URL"
                assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
                fields = parse_qsl(request.body, keep_blank_values=True)
                assert sorted(fields) == sorted(expected)
                sent.append(dict(fields))
                return s.status, {"Content-Type": "application/json"}, json.dumps(s.response)

            mock.add_callback(responses.POST, URL + ENDPOINT, callback=answer)
        yield sent


@pytest.fixture
def client() -> Iterator[MoodleClient]:
    with MoodleClient(URL, TOKEN, sleep=lambda s: None) as c:
        yield c


@dataclass(frozen=True)
class Case:
    method: str
    samples: tuple[str | tuple[dict[str, str], str], ...]
    run: Callable[[MoodleClient], Any]
    check: Callable[[Any], None]

    def __str__(self) -> str:
        first = self.samples[0]
        return f"{self.method}:{first if isinstance(first, str) else first[1]}"


def failed_with(cls: type[MoodleError], errorcode: str) -> Callable[[Any], None]:
    def check(result: Any) -> None:
        assert not result.ok and len(result.failed) == 1
        error = result.failed[0].error
        assert type(error) is cls and error.errorcode == errorcode

    return check


def without(params: dict[str, str], *keys: str) -> dict[str, str]:
    return {k: v for k, v in params.items() if k not in keys}


SCH14_DESCRIPTION = (
    "<p>Муниципальное общеобразовательное учреждение «Средняя общеобразовательная школа №14», г. Тверь</p>"
)
CHEM = NewCourse(
    "Химия (углублённый), 10 класс",
    "SCH14-CHEM-10-2026",
    2,
    idnumber="SCH14-2026-CHEM-10",
    summary="<p>Углублённый курс химии для 10 классов МОУ СОШ 14.</p>",
    summaryformat=1,
    format="topics",
    showgrades=True,
    numsections=10,
    startdate=ts(1788210000),
    enddate=ts(1811710800),
    visible=True,
    enablecompletion=True,
    groupmode=0,
    courseformatoptions=(FormatOption("hiddensections", "0"),),
)


def student(
    username: str,
    first: str,
    last: str,
    middle: str,
    email: str,
    idnumber: str,
    dept: str,
    password: str = "Uchenik#2024",
) -> NewUser:
    return NewUser(
        username,
        first,
        last,
        email,
        password=password,
        middlename=middle,
        idnumber=idnumber,
        institution="МОУ СОШ 14",
        department=dept,
        city="Тверь",
        country="RU",
        timezone="Europe/Moscow",
        lang="en",
        auth="manual",
    )


SIDOROVA = student("sch14.sidorova.e", "Елена", "Сидорова", "", "e.sidorova@sch14.example.ru", "SCH14-S-0004", "10Б")
MOSCOW_DAY = dict(timestart=ts(1795381200), timeend=ts(1795467540))


def _check_site(info: Any) -> None:
    assert info.release == "4.1.10 (Build: 20240422)" and info.version == "2022112810"
    assert info.has_attendance and info.missing_functions() == () and info.userid == 2


def _check_courses(result: Any) -> None:
    assert [(r.id, r.shortname) for r in result.results] == [(2, "SCH14-CHEM-10-2026"), (3, "SCH14-ALG-8-2026")]
    assert result.ok[0].input is CHEM and result.calls == 1


def _check_course_hit(found: Any) -> None:
    (course,) = found.courses
    assert (course.id, course.categoryid, course.format, course.startdate) == (2, 2, "topics", ts(1788210000))
    assert course.courseformatoptions[0] == FormatOption("hiddensections", "0") and found.warnings == ()


def _check_update_warning(result: Any) -> None:
    assert result.ok == () and result.failed == ()
    (warning,) = result.warnings
    assert (warning.item, warning.itemid, warning.warningcode) == ("course", 3, "shortnametaken")


def _check_users_by_field(users: Any) -> None:
    assert [(u.id, u.idnumber, u.timezone, u.suspended) for u in users] == [
        (3, "SCH14-S-0001", "Europe/Moscow", False),
        (4, "SCH14-S-0002", "Europe/Moscow", False),
    ]


def _check_enrolled(users: Any) -> None:
    assert [(u.id, sorted(u.roleids)) for u in users] == [(3, [5]), (4, [5]), (5, [3]), (6, [5])]
    assert users[0].enrolledcourses[0].shortname == "SCH14-CHEM-10-2026" and users[0].department == "10Б"


def _check_cohort_members_warnings(result: Any) -> None:
    assert len(result.ok) == 4
    assert [(w.warningcode, w.message) for w in result.warnings] == [
        ("1", "invalid parameter: usertype=idnumber"),
        ("2", "user username=no.such.user not exists"),
    ]


def _check_events(result: Any) -> None:
    assert [(r.id, r.groupid, r.eventtype, r.timeduration) for r in result.results] == [
        (1, 0, "course", dt.timedelta(hours=1)),
        (2, 1, "group", dt.timedelta(minutes=45)),
    ]


def _check_report(report: Any) -> None:
    (user,) = report.usergrades
    items = {i.id: i for i in user.gradeitems}
    assert (items[2].cmid, items[2].graderaw, items[3].graderaw, items[1].graderaw) == (4, 5, 4, 9)
    assert items[3].idnumber == "kr1-q1" and items[3].feedback == "Хорошо, ошибки в задаче 3"
    assert items[2].gradedategraded == ts(1795387081)


def _check_report_all(report: Any) -> None:
    assert [(u.userid, u.gradeitems[0].graderaw) for u in report.usergrades] == [(3, 5), (6, None), (4, 3)]


def _check_session(session: Any) -> None:
    assert (session.id, session.courseid, session.sessdate, session.duration) == (
        1,
        2,
        ts(1795413600),
        dt.timedelta(minutes=45),
    )
    assert [s.acronym for s in session.statuses] == ["P", "L", "E", "A"] and session.status("A").id == 6
    assert [u.id for u in session.users] == [3, 6, 4] and session.attendance_log == ()


def _check_marked(session: Any) -> None:
    assert [(e.id, e.studentid, e.statusid) for e in session.attendance_log] == [(1, 3, 5), (2, 4, 7), (3, 6, 6)]
    assert session.lasttaken == ts(1795387083) and session.lasttakenby == 5


CASES = [
    Case("get_site_info", ("core_webservice_get_site_info",), lambda c: c.get_site_info(), _check_site),
    Case(
        "language_name",
        ("core_get_string__lang_installed",),
        lambda c: c.language_name("ru"),
        lambda r: r == "Русский" or pytest.fail(r),
    ),
    Case(
        "language_name",
        ("core_get_string__lang_not_installed",),
        lambda c: c.language_name("de"),
        lambda r: r is None or pytest.fail(r),
    ),
    Case(
        "get_categories",
        ("core_course_get_categories",),
        lambda c: c.get_categories(),
        lambda r: [(x.id, x.idnumber, x.name) for x in r] == [(1, None, "Category 1")] or pytest.fail(r),
    ),
    Case(
        "get_categories",
        ("core_course_get_categories__by_idnumber",),
        lambda c: c.get_categories({"idnumber": "SCH14"}),
        lambda r: [(x.id, x.path, x.visible) for x in r] == [(2, "/2", True)] or pytest.fail(r),
    ),
    Case(
        "create_categories",
        ("core_course_create_categories",),
        lambda c: c.create_categories(
            [
                NewCategory("МОУ СОШ 14", "SCH14", 0, SCH14_DESCRIPTION, 1),
                NewCategory("МОУ Гимназия №3", "GYM3", 0, "Гимназия №3", 1),
            ]
        ),
        lambda r: [(x.input.idnumber, x.result.id) for x in r.ok] == [("SCH14", 2), ("GYM3", 3)] or pytest.fail(r),
    ),
    Case(
        "create_categories",
        ("core_course_create_categories__duplicate_idnumber",),
        lambda c: c.create_categories([NewCategory("Дубль", "SCH14", 0)]),
        failed_with(MoodleError, "categoryidnumbertaken"),
    ),
    Case(
        "create_courses",
        ("core_course_create_courses",),
        lambda c: c.create_courses(
            [
                CHEM,
                NewCourse(
                    "Алгебра, 8 класс",
                    "SCH14-ALG-8-2026",
                    2,
                    idnumber="SCH14-2026-ALG-8",
                    summary="Алгебра, 8 класс, базовый уровень",
                    summaryformat=1,
                    format="topics",
                    startdate=ts(1788210000),
                    enddate=ts(1811710800),
                    enablecompletion=True,
                ),
            ]
        ),
        _check_courses,
    ),
    Case(
        "create_courses",
        ("core_course_create_courses__duplicate_idnumber",),
        lambda c: c.create_courses([replace(CHEM, shortname="SCH14-CHEM-10-2026-B")]),
        failed_with(MoodleError, "courseidnumbertaken"),
    ),
    Case(
        "get_courses_by_field",
        ("core_course_get_courses_by_field__idnumber_hit",),
        lambda c: c.get_courses_by_field("idnumber", "SCH14-2026-CHEM-10"),
        _check_course_hit,
    ),
    Case(
        "get_courses_by_field",
        ("core_course_get_courses_by_field__idnumber_miss",),
        lambda c: c.get_courses_by_field("idnumber", "SCH14-2026-NOPE"),
        lambda r: r.courses == () or pytest.fail(r),
    ),
    Case(
        "get_courses_by_field",
        ("core_course_get_courses_by_field__shortname_after_failed_batch",),
        lambda c: c.get_courses_by_field("shortname", "SCH14-PHYS-9-2026"),
        lambda r: r.courses == () or pytest.fail(r),
    ),
    Case(
        "update_courses",
        ("core_course_update_courses",),
        lambda c: c.update_courses(
            [
                CourseUpdate(
                    2,
                    fullname="Химия (углублённый), 10 класс — 2026/2027",
                    summary="<p>Углублённый курс химии. Учитель: О. Н. Смирнова.</p>",
                    summaryformat=1,
                )
            ]
        ),
        lambda r: (len(r.ok) == 1 and r.warnings == ()) or pytest.fail(r),
    ),
    Case(
        "update_courses",
        ("core_course_update_courses__duplicate_shortname_warning",),
        lambda c: c.update_courses([CourseUpdate(3, shortname="SCH14-CHEM-10-2026")]),
        _check_update_warning,
    ),
    Case(
        "create_users",
        ("core_user_create_users",),
        lambda c: c.create_users(
            [
                student(
                    "sch14.ivanova.m",
                    "Мария",
                    "Иванова",
                    "Сергеевна",
                    "m.ivanova@sch14.example.ru",
                    "SCH14-S-0001",
                    "10А",
                ),
                student(
                    "sch14.petrov.d",
                    "Дмитрий",
                    "Петров",
                    "Андреевич",
                    "d.petrov@sch14.example.ru",
                    "SCH14-S-0002",
                    "10Б",
                ),
            ]
        ),
        lambda r: (
            [(x.id, x.username) for x in r.results] == [(3, "sch14.ivanova.m"), (4, "sch14.petrov.d")] or pytest.fail(r)
        ),
    ),
    Case(
        "create_users",
        ("core_user_create_users__teacher_and_student",),
        lambda c: c.create_users(
            [
                student(
                    "sch14.smirnova.o",
                    "Ольга",
                    "Смирнова",
                    "Николаевна",
                    "o.smirnova@sch14.example.ru",
                    "SCH14-T-0101",
                    "Учителя",
                ),
                student(
                    "sch14.kuznetsov.a",
                    "Алексей",
                    "Кузнецов",
                    "",
                    "a.kuznetsov@sch14.example.ru",
                    "SCH14-S-0003",
                    "10А",
                ),
            ]
        ),
        lambda r: [x.id for x in r.results] == [5, 6] or pytest.fail(r),
    ),
    Case(
        "create_users",
        ("core_user_create_users__duplicate_email",),
        lambda c: c.create_users([replace(SIDOROVA, email="m.ivanova@sch14.example.ru")]),
        failed_with(InvalidParameter, "invalidparameter"),
    ),
    Case(
        "create_users",
        ("core_user_create_users__weak_password",),
        lambda c: c.create_users([replace(SIDOROVA, password="123")]),
        lambda r: "Passwords must be at least 8 characters long." in r.failed[0].error.message or pytest.fail(r),
    ),
    Case(
        "get_users_by_field",
        ("core_user_get_users_by_field",),
        lambda c: c.get_users_by_field("idnumber", ["SCH14-S-0001", "SCH14-S-0002", "SCH14-S-9999"]),
        _check_users_by_field,
    ),
    Case(
        "get_users_by_field",
        ("core_user_get_users_by_field__username_after_failed_batch",),
        lambda c: c.get_users_by_field("username", ["sch14.sidorova.e"]),
        lambda r: r == [] or pytest.fail(r),
    ),
    Case(
        "update_users",
        ("core_user_update_users",),
        lambda c: c.update_users(
            [UserUpdate(3, department="10Б", email="maria.ivanova@sch14.example.ru", phone1="+7 4822 00-00-14")]
        ),
        lambda r: (len(r.ok) == 1 and r.all_ok) or pytest.fail(r),
    ),
    Case(
        "update_users",
        ("core_user_update_users__duplicate_username",),
        lambda c: c.update_users([UserUpdate(4, username="sch14.ivanova.m")]),
        lambda r: (r.ok == () and r.warnings[0].warningcode == "dmlwriteexception") or pytest.fail(r),
    ),
    Case(
        "enrol_users",
        ("enrol_manual_enrol_users",),
        lambda c: c.enrol_users(
            [
                Enrolment(3, 2, 5),
                Enrolment(4, 2, 5),
                Enrolment(6, 2, 5),
                Enrolment(5, 2, 3),
                Enrolment(6, 3, 5, timestart=ts(1788210000), timeend=ts(1811797200)),
            ]
        ),
        lambda r: (len(r.ok) == 5 and r.results == [None] * 5) or pytest.fail(r),
    ),
    Case(
        "enrol_users",
        ("enrol_manual_enrol_users__nonexistent_course",),
        lambda c: c.enrol_users([Enrolment(3, 999999, 5)]),
        failed_with(InvalidParameter, "invalidparameter"),
    ),
    Case(
        "enrol_users",
        ("enrol_manual_enrol_users__nonexistent_user",),
        lambda c: c.enrol_users([Enrolment(999999, 2, 5)]),
        failed_with(MoodleError, "codingerror"),
    ),
    Case(
        "unenrol_users",
        ("enrol_manual_unenrol_users",),
        lambda c: c.unenrol_users([Unenrolment(6, 3)]),
        lambda r: len(r.ok) == 1 or pytest.fail(r),
    ),
    Case("get_enrolled_users", ("core_enrol_get_enrolled_users",), lambda c: c.get_enrolled_users(2), _check_enrolled),
    Case(
        "create_groups",
        ("core_group_create_groups",),
        lambda c: c.create_groups(
            [NewGroup(2, "10А", "10А класс", 1, "SCH14-CHEM-10A"), NewGroup(2, "10Б", "10Б класс", 1, "SCH14-CHEM-10B")]
        ),
        lambda r: (
            [(g.id, g.idnumber, g.enrolmentkey) for g in r.results]
            == [(1, "SCH14-CHEM-10A", ""), (2, "SCH14-CHEM-10B", "")]
            or pytest.fail(r)
        ),
    ),
    Case(
        "create_groups",
        ("core_group_create_groups__duplicate_name",),
        lambda c: c.create_groups([NewGroup(2, "10А", "")]),
        failed_with(InvalidParameter, "invalidparameter"),
    ),
    Case(
        "get_course_groups",
        ("core_group_get_course_groups",),
        lambda c: c.get_course_groups(2),
        lambda r: [(g.id, g.name, g.enrolmentkey) for g in r] == [(1, "10А", None), (2, "10Б", None)] or pytest.fail(r),
    ),
    Case(
        "add_group_members",
        ("core_group_add_group_members",),
        lambda c: c.add_group_members([GroupMember(1, 3), GroupMember(1, 6), GroupMember(2, 4)]),
        lambda r: len(r.ok) == 3 or pytest.fail(r),
    ),
    Case(
        "add_group_members",
        ("core_group_add_group_members__nonexistent_user",),
        lambda c: c.add_group_members([GroupMember(2, 999999)]),
        failed_with(NotFound, "invaliduser"),
    ),
    Case(
        "delete_group_members",
        ("core_group_delete_group_members",),
        lambda c: c.delete_group_members([GroupMember(1, 6)]),
        lambda r: len(r.ok) == 1 or pytest.fail(r),
    ),
    Case(
        "create_cohorts",
        ("core_cohort_create_cohorts",),
        lambda c: c.create_cohorts(
            [
                NewCohort(
                    "МОУ СОШ 14 — 10 классы",
                    "SCH14-GRADE10",
                    Ref.idnumber("SCH14"),
                    "Все учащиеся 10-х классов",
                    1,
                    True,
                ),
                NewCohort("Учителя сети школ", "NET-TEACHERS", Ref.system(), "", visible=True),
            ]
        ),
        lambda r: (
            [(x.id, x.idnumber, x.visible) for x in r.results]
            == [(1, "SCH14-GRADE10", True), (2, "NET-TEACHERS", True)]
            or pytest.fail(r)
        ),
    ),
    Case(
        "create_cohorts",
        ("core_cohort_create_cohorts__duplicate_idnumber",),
        lambda c: c.create_cohorts([NewCohort("Дубль", "NET-TEACHERS")]),
        failed_with(InvalidParameter, "invalidparameter"),
    ),
    Case(
        "add_cohort_members",
        ("core_cohort_add_cohort_members",),
        lambda c: c.add_cohort_members(
            [
                NewCohortMember(Ref.idnumber("SCH14-GRADE10"), Ref.username("sch14.ivanova.m")),
                NewCohortMember(Ref.idnumber("SCH14-GRADE10"), Ref.idnumber("SCH14-S-0002")),
                NewCohortMember(Ref.id(2), Ref.id(5)),
                NewCohortMember(Ref.idnumber("SCH14-GRADE10"), Ref.username("no.such.user")),
            ]
        ),
        _check_cohort_members_warnings,
    ),
    Case(
        "search_cohorts",
        ("core_cohort_search_cohorts",),
        lambda c: c.search_cohorts("СОШ"),
        lambda r: [x.idnumber for x in r] == ["SCH14-GRADE10"] or pytest.fail(r),
    ),
    Case(
        "get_cohorts",
        ("core_cohort_get_cohorts",),
        lambda c: c.get_cohorts([1, 2]),
        lambda r: [x.id for x in r] == [1, 2] or pytest.fail(r),
    ),
    Case(
        "get_cohort_members",
        ("core_cohort_get_cohort_members",),
        lambda c: c.get_cohort_members([1]),
        lambda r: [(x.cohortid, x.userids) for x in r] == [(1, (3,))] or pytest.fail(r),
    ),
    Case(
        "create_calendar_events",
        ("core_calendar_create_calendar_events",),
        lambda c: c.create_calendar_events(
            [
                NewEvent(
                    "Родительское собрание (химия, 10 классы)",
                    ts(1795447800),
                    "course",
                    2,
                    timeduration=dt.timedelta(hours=1),
                    description="<p>Кабинет 214</p>",
                    format=1,
                ),
                NewEvent(
                    "Консультация перед контрольной (10А)",
                    ts(1795435200),
                    "group",
                    2,
                    1,
                    timeduration=dt.timedelta(minutes=45),
                    description="",
                ),
            ]
        ),
        _check_events,
    ),
    Case(
        "get_calendar_events",
        ("core_calendar_get_calendar_events__groupids_only",),
        lambda c: c.get_calendar_events(groupids=[1], **MOSCOW_DAY),
        lambda r: [(e.id, e.groupid, e.courseid) for e in r] == [(2, 1, 2)] or pytest.fail(r),
    ),
    Case(
        "get_calendar_events",
        (
            (
                without(sample("core_calendar_get_calendar_events").params, "events[groupids][0]"),
                "core_calendar_get_calendar_events",
            ),
            "core_calendar_get_calendar_events__groupids_only",
        ),
        lambda c: c.get_calendar_events(courseids=[2], groupids=[1], **MOSCOW_DAY),
        lambda r: [(e.id, e.groupid) for e in r] == [(2, 1), (1, None)] or pytest.fail(r),
    ),
    Case(
        "delete_calendar_events",
        ("core_calendar_delete_calendar_events",),
        lambda c: c.delete_calendar_events([EventDeletion(2)]),
        lambda r: len(r.ok) == 1 or pytest.fail(r),
    ),
    Case(
        "delete_calendar_events",
        ("core_calendar_delete_calendar_events__nonexistent_event",),
        lambda c: c.delete_calendar_events([EventDeletion(999999)]),
        failed_with(NotFound, "invalidrecord"),
    ),
    Case(
        "update_grades",
        ("core_grades_update_grades",),
        lambda c: c.update_grades(2, "mod_assign", 4, [GradeUpdate(3, 5, "Отлично"), GradeUpdate(4, 3)]),
        lambda r: r.results == [GradeUpdateStatus.OK] * 2 or pytest.fail(r),
    ),
    Case(
        "get_grade_items",
        ("gradereport_user_get_grade_items",),
        lambda c: c.get_grade_items(2, userid=3),
        _check_report,
    ),
    Case(
        "get_grade_items",
        ("gradereport_user_get_grade_items__all_users",),
        lambda c: c.get_grade_items(2),
        _check_report_all,
    ),
    Case(
        "add_attendance",
        ("mod_attendance_add_attendance",),
        lambda c: c.add_attendance(2, "Посещаемость — Химия 10", intro="Журнал посещаемости", groupmode=2),
        lambda r: r == 1 or pytest.fail(r),
    ),
    Case(
        "add_session",
        ("mod_attendance_add_session",),
        lambda c: c.add_session(
            NewSession(1, ts(1795413600), dt.timedelta(minutes=45), "Урок 1. Скорость реакции", addcalendarevent=True)
        ),
        lambda r: r == 1 or pytest.fail(r),
    ),
    Case(
        "add_session",
        ("mod_attendance_add_session__group",),
        lambda c: c.add_session(
            NewSession(1, ts(1795417200), dt.timedelta(minutes=45), "Урок 2. Катализ (10А)", 1, addcalendarevent=False)
        ),
        lambda r: r == 2 or pytest.fail(r),
    ),
    Case(
        "get_sessions",
        ("mod_attendance_get_sessions",),
        lambda c: c.get_sessions(1),
        lambda r: (
            [(s.id, s.groupid, [u.id for u in s.users]) for s in r] == [(1, 0, [3, 6, 4]), (2, 1, [3])]
            or pytest.fail(r)
        ),
    ),
    Case("get_session", ("mod_attendance_get_session",), lambda c: c.get_session(1), _check_session),
    Case("get_session", ("mod_attendance_get_session__after_marking",), lambda c: c.get_session(1), _check_marked),
    Case(
        "update_user_status",
        ("mod_attendance_update_user_status__present",),
        lambda c: c.update_user_status(1, 3, 5, takenbyid=5),
        lambda r: r is None or pytest.fail(r),
    ),
    Case(
        "update_user_status",
        ("mod_attendance_update_user_status__late",),
        lambda c: c.update_user_status(1, 4, 7, takenbyid=5),
        lambda r: r is None or pytest.fail(r),
    ),
    Case(
        "update_user_status",
        ("mod_attendance_update_user_status__absent",),
        lambda c: c.update_user_status(1, 6, 6, takenbyid=5),
        lambda r: r is None or pytest.fail(r),
    ),
    Case(
        "remove_session",
        ("mod_attendance_remove_session",),
        lambda c: c.remove_session(2),
        lambda r: r is True or pytest.fail(r),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_typed_call_sends_the_recorded_request_and_reads_the_answer(client, case):
    with recorded(*case.samples) as sent:
        result = case.run(client)
    assert len(sent) == len(case.samples)
    assert callable(getattr(client, case.method))
    case.check(result)


RAISING = [
    ("core_webservice_get_site_info__invalid_token", lambda c: c.get_site_info(), InvalidToken, "invalidtoken"),
    (
        "local_netcourses_no_such_function__unknown_function",
        lambda c: c.call("local_netcourses_no_such_function"),
        UnknownFunction,
        "invalidrecord",
    ),
    (
        "core_user_get_users_by_field__missing_required_param",
        lambda c: c.call("core_user_get_users_by_field", {"values": ["SCH14-S-0001"]}),
        InvalidParameter,
        "invalidparameter",
    ),
    (
        "core_course_get_courses_by_field__unexpected_param",
        lambda c: c.call("core_course_get_courses_by_field", {"field": "idnumber", "value": "x", "unexpected": 1}),
        InvalidParameter,
        "invalidparameter",
    ),
    (
        "core_grades_update_grades__invalid_activity",
        lambda c: c.update_grades(2, "mod_assign", 999999, [GradeUpdate(3, 5)]),
        NotFound,
        "invalidcoursemodule",
    ),
    (
        "mod_attendance_add_session__invalid_group",
        lambda c: c.add_session(NewSession(1, ts(1795420800), groupid=999999)),
        InvalidParameter,
        "invalidparameter",
    ),
    ("mod_attendance_remove_session__nonexistent", lambda c: c.remove_session(999999), NotFound, "invalidrecord"),
    (
        "core_user_create_users__lang_not_installed",
        lambda c: c.call("core_user_create_users", {"users": [{
            "username": "ivanova.m.s-0001", "idnumber": "S-0001", "auth": "manual", "firstname": "Мария",
            "lastname": "Иванова", "email": "s-0001@students.invalid", "password": "Aa1!xxxxxxxxxxxxxxx",
            "lang": "de", "timezone": "Europe/Moscow"}]}),
        InvalidParameter,
        "invalidparameter",
    ),
    (
        "core_user_create_users__batch_duplicate_username",
        lambda c: c.call(
            "core_user_create_users",
            {
                "users": [
                    SIDOROVA.to_api(),
                    {
                        **student(
                            "sch14.ivanova.m",
                            "Мария",
                            "Иванова",
                            "Сергеевна",
                            "other@sch14.example.ru",
                            "SCH14-S-0005",
                            "10А",
                        ).to_api()
                    },
                ]
            },
        ),
        InvalidParameter,
        "invalidparameter",
    ),
    (
        "core_user_create_users__batch_invalid_username",
        lambda c: c.call(
            "core_user_create_users",
            {
                "users": [
                    SIDOROVA.to_api(),
                    student(
                        "Sch14 Ivanova", "Мария", "Иванова", "Сергеевна", "x@sch14.example.ru", "SCH14-S-0006", "10А"
                    ).to_api(),
                ]
            },
        ),
        InvalidParameter,
        "invalidparameter",
    ),
    (
        "core_course_create_courses__duplicate_shortname",
        lambda c: c.call(
            "core_course_create_courses",
            {
                "courses": [
                    {
                        "fullname": "Физика, 9 класс",
                        "shortname": "SCH14-PHYS-9-2026",
                        "categoryid": 2,
                        "idnumber": "SCH14-2026-PHYS-9",
                    },
                    {
                        **CHEM.to_api(),
                        "fullname": "Химия (углублённый), 10 класс (копия)",
                        "idnumber": "SCH14-2026-CHEM-10-B",
                    },
                ]
            },
        ),
        MoodleError,
        "shortnametaken",
    ),
]


@pytest.mark.parametrize(("name", "run", "cls", "errorcode"), RAISING, ids=[r[0] for r in RAISING])
def test_recorded_errors_raise_their_class(client, name, run, cls, errorcode):
    if name.endswith("invalid_token"):
        client = MoodleClient(URL, sample(name).params["wstoken"], sleep=lambda s: None)
    with recorded(name), pytest.raises(MoodleError) as caught:
        run(client)
    assert type(caught.value) is cls and caught.value.errorcode == errorcode
    body = sample(name).response
    assert caught.value.message == body["message"] and caught.value.debuginfo == body.get("debuginfo")
    assert caught.value.wsfunction == sample(name).wsfunction


def test_every_typed_call_is_covered():
    """Each public typed method has a recorded case here or a fake-only test (no recorded sample exists)."""
    from moodle_client.core import ClientCore

    typed = {n for n in dir(MoodleClient) if not n.startswith("_") and callable(getattr(MoodleClient, n))}
    typed -= set(dir(ClientCore))
    fake_only = {"get_course_contents", "get_course_modules", "find_attendances", "delete_cohort_members"}
    assert typed == {c.method for c in CASES} | fake_only


def test_access_denied_is_not_in_the_samples_but_maps_from_moodle_bodies():
    """Moodle's bodies for a function missing from the service and for a missing capability."""
    from moodle_client.errors import error_from_body

    service = {
        "exception": "webservice_access_exception",
        "errorcode": "accessexception",
        "message": "Access control exception",
    }
    capability = {
        "exception": "required_capability_exception",
        "errorcode": "nopermissions",
        "message": "Sorry, but you do not currently have permissions to do that (Create users).",
    }
    assert type(error_from_body(service)) is AccessDenied and type(error_from_body(capability)) is AccessDenied
