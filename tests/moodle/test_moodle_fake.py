"""The fake behaves like Moodle beyond the recorded samples, and its test API (seeding, faults, counts) works."""

from __future__ import annotations

import datetime as dt

import pytest

from fake_moodle import FakeMoodle
from fake_moodle.registry import REGISTRY
from moodle_client import (
    AccessDenied,
    CohortMemberRemoval,
    Enrolment,
    GradeUpdate,
    GradeUpdateStatus,
    GroupMember,
    InvalidParameter,
    MoodleClient,
    MoodleError,
    NewCourse,
    NewSession,
    NotFound,
    Unenrolment,
    UnknownFunction,
)
from moodle_client.functions import FUNCTIONS

T0 = 1795387080


def test_moodles_read_write_classification_matches_the_clients_table():
    """The fake records each function's type from Moodle's db/services.php; the client's table must agree."""
    assert {name: d.kind for name, d in REGISTRY.items()} == {name: f.kind.value for name, f in FUNCTIONS.items()}


def test_a_failed_batch_changes_nothing(fake_moodle, moodle):
    course = fake_moodle.add_course("CHEM")
    a, b = fake_moodle.add_user("a"), fake_moodle.add_user("b")
    with pytest.raises(MoodleError) as caught:
        moodle.call(
            "enrol_manual_enrol_users",
            {
                "enrolments": [
                    {"roleid": 5, "userid": a, "courseid": course},
                    {"roleid": 5, "userid": 999, "courseid": course},
                    {"roleid": 5, "userid": b, "courseid": course},
                ]
            },
        )
    assert caught.value.errorcode == "codingerror"
    assert fake_moodle.enrolments(course) == []
    assert fake_moodle.count(kind="write") == 1 and fake_moodle.calls[-1].committed is False


def test_enrolling_again_updates_times_and_suspension(fake_moodle, moodle):
    course = fake_moodle.add_course("CHEM")
    student = fake_moodle.add_user("s1")
    start = dt.datetime.fromtimestamp(T0 - 3600, dt.UTC)
    assert moodle.enrol_users([Enrolment(student, course, timestart=start)]).all_ok
    assert [u.id for u in moodle.get_enrolled_users(course, onlyactive=True)] == [student]
    assert moodle.enrol_users([Enrolment(student, course, timestart=start, suspend=True)]).all_ok
    enrolment = fake_moodle.enrolment(course, student)
    assert (enrolment.status, enrolment.timestart, enrolment.roles) == (1, T0 - 3600, {5})
    assert moodle.get_enrolled_users(course, onlyactive=True) == []
    assert [u.id for u in moodle.get_enrolled_users(course)] == [student]


def test_unenrolling_removes_group_membership(fake_moodle, moodle):
    course = fake_moodle.add_course("CHEM")
    student = fake_moodle.add_user("s1")
    fake_moodle.enrol(student, course)
    group = fake_moodle.add_group(course, "10А", members=(student,))
    (user,) = moodle.get_enrolled_users(course)
    assert [g.name for g in user.groups] == ["10А"]
    assert moodle.unenrol_users([Unenrolment(student, course)]).all_ok
    assert fake_moodle.enrolment(course, student) is None and fake_moodle.groups_of(course)[0].members == set()
    result = moodle.add_group_members([GroupMember(group, student)])
    assert result.failed[0].error.debuginfo == "Only enrolled users may be members of groups"


def test_course_contents_find_the_attendance_activity(fake_moodle, moodle):
    course = fake_moodle.add_course("CHEM", numsections=3)
    fake_moodle.add_assignment(course, "Лабораторная работа", grademax=5)
    attendance = moodle.add_attendance(course, "Посещаемость", groupmode=2)
    sections = moodle.get_course_contents(course)
    assert [(s.section, s.name) for s in sections] == [(0, "General"), (1, "Topic 1"), (2, "Topic 2"), (3, "Topic 3")]
    assert sorted(m.modname for m in sections[0].modules) == ["assign", "attendance"]
    (module,) = moodle.find_attendances(course)
    assert (module.instance, module.modname, module.name) == (attendance, "attendance", "Посещаемость")
    assert module.url == f"{fake_moodle.url}/mod/attendance/view.php?id={module.id}"
    with pytest.raises(NotFound):
        moodle.get_course_contents(999)


def test_attendance_sessions_marks_and_calendar(fake_moodle, moodle):
    course = fake_moodle.add_course("CHEM")
    students = [fake_moodle.add_user(f"s{i}", "Имя", f"Фамилия{i}") for i in range(2)]
    for s in students:
        fake_moodle.enrol(s, course)
    attendance = fake_moodle.add_attendance(course)
    start = dt.datetime.fromtimestamp(T0 + 3600, dt.UTC)
    session_id = moodle.add_session(NewSession(attendance, start, dt.timedelta(minutes=45), addcalendarevent=True))
    session = moodle.get_session(session_id)
    moodle.update_user_status(session_id, students[0], session.status("L").id, takenbyid=2)
    assert fake_moodle.marks(session_id) == {students[0]: "L"}
    (event,) = moodle.get_calendar_events(courseids=[course], timestart=start, timeend=start)
    assert (event.modulename, event.instance, event.timestart) == ("attendance", attendance, start)
    assert moodle.remove_session(session_id) is True
    assert fake_moodle.events_of(course) == [] and fake_moodle.sessions_of(attendance) == []
    with pytest.raises(InvalidParameter, match="Group id is specified"):
        moodle.add_session(NewSession(attendance, start, groupid=fake_moodle.add_group(course, "10А")))


def test_cohort_members_can_be_removed_all_or_nothing(fake_moodle, moodle):
    a, b = fake_moodle.add_user("a"), fake_moodle.add_user("b")
    cohort = fake_moodle.add_cohort("10 классы", "SCH14-10", members=(a, b))
    result = moodle.delete_cohort_members([CohortMemberRemoval(cohort, a), CohortMemberRemoval(999, b)])
    assert [f.input.cohortid for f in result.failed] == [999] and isinstance(result.failed[0].error, NotFound)
    assert fake_moodle.cohort("SCH14-10").members == {b}
    assert [m.userids for m in moodle.get_cohort_members([cohort])] == [(b,)]


def test_grades_pushed_then_read_back(fake_moodle, moodle):
    course = fake_moodle.add_course("CHEM")
    student = fake_moodle.add_user("s1")
    fake_moodle.enrol(student, course)
    cmid = fake_moodle.add_assignment(course, "Контрольная", grademax=10)
    assert moodle.update_grades(course, "mod_assign", cmid, [GradeUpdate(student, 7.5)]).results == [
        GradeUpdateStatus.OK
    ]
    assert fake_moodle.grade(fake_moodle.item_of(cmid), student) == 7.5
    (report,) = moodle.get_grade_items(course).usergrades
    assert [(i.itemtype, i.graderaw, i.grademax) for i in report.gradeitems] == [("mod", 7.5, 10), ("course", 7.5, 10)]
    fake_moodle.site.grade_items.rows[fake_moodle.item_of(cmid)].locked = 1
    status = moodle.update_grades(course, "mod_assign", cmid, [GradeUpdate(student, 9)]).results
    assert status == [GradeUpdateStatus.ITEM_LOCKED]


def test_function_missing_from_the_service(fake_moodle, moodle):
    fake_moodle.remove_from_service("core_group_get_course_groups")
    with pytest.raises(AccessDenied) as caught:
        moodle.get_course_groups(1)
    assert caught.value.exception == "webservice_access_exception"
    assert "core_group_get_course_groups() is not allowed" in caught.value.debuginfo


def test_missing_capability_and_plugin(fake_moodle, moodle):
    fake_moodle.revoke("moodle/course:create")
    with pytest.raises(AccessDenied) as caught:
        moodle.create_courses([NewCourse("Химия", "CHEM", 1)])
    assert (caught.value.exception, caught.value.debuginfo) == ("required_capability_exception", "moodle/course:create")
    fake_moodle.attendance_installed = False
    with pytest.raises(UnknownFunction):
        moodle.get_sessions(1)
    info = moodle.get_site_info()
    assert not info.has_attendance and "mod_attendance_add_session" in info.missing_functions()


def test_production_sites_send_no_debuginfo(fake_moodle):
    fake_moodle.debug = False
    with MoodleClient(fake_moodle.url, fake_moodle.token) as client:
        with pytest.raises(InvalidParameter) as caught:
            client.call("core_user_get_users_by_field", {"values": ["x"]})
    assert caught.value.debuginfo is None and str(caught.value) == (
        "core_user_get_users_by_field: Invalid parameter value detected [invalidparameter]"
    )


def test_faults_hit_the_chosen_call_of_the_chosen_function(fake_moodle, moodle):
    fake_moodle.inject("http_error", function="core_webservice_get_site_info", call=2, status=502)
    moodle.get_site_info()
    moodle.get_categories()
    moodle.get_site_info()  # the 2nd site-info call fails once and is retried
    assert [(c.function, c.number, c.outcome) for c in fake_moodle.calls] == [
        ("core_webservice_get_site_info", 1, "ok"),
        ("core_course_get_categories", 1, "ok"),
        ("core_webservice_get_site_info", 2, "http_error"),
        ("core_webservice_get_site_info", 3, "ok"),
    ]
    assert (fake_moodle.reads, fake_moodle.writes) == (4, 0)
    fake_moodle.reset_counts()
    assert fake_moodle.count() == 0


def test_unknown_fault_kinds_are_refused():
    with pytest.raises(ValueError, match="unknown fault"):
        FakeMoodle().inject("meteor")


def test_cohort_search_reads_every_page(fake_moodle, moodle):
    for i in range(30):
        fake_moodle.add_cohort(f"МОУ СОШ {i}", f"SCH{i}")
    found = moodle.search_cohorts("СОШ")
    assert len(found) == 30 and fake_moodle.count("core_cohort_search_cohorts") == 2
