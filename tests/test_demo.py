"""The demo district: the Volzhsky figures of DESIGN.md, deterministic, and loading it twice changes nothing."""

import datetime as dt
import re

from sqlalchemy import delete, func, select

from bridge.calendar.lessons import expand_lessons
from bridge.demo import load_demo
from bridge.demo.results import DEMO_MARK, DemoResults, generate_results
from bridge.models import (
    Account,
    AttendanceMark,
    Enrolment,
    FaceToFaceRule,
    FaceToFaceSession,
    Grade,
    GradeItem,
    Lesson,
    LessonSlot,
    NetworkCourse,
    School,
    Student,
    Teacher,
)
from bridge.reports.data import Scope
from bridge.reports.dynamics import network_dynamics
from bridge.reports.stats import network_stats
from bridge.reports.tables import build_report
from bridge.reports.teachers import Period, inactive_students, teacher_figures
from bridge.transfer import import_tables
from config.settings import MonitoringSettings

TODAY = dt.date(2026, 11, 23)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_demo_is_the_volzhsky_network(session, runtime):
    load_demo(session, TODAY)
    session.commit()
    stats = network_stats(session, runtime.settings)
    assert stats.schools_by_role == {"base": 1, "participant": 6, "resource_centre": 6}
    assert count(session, Teacher) == 12 and stats.teachers == 12
    assert count(session, NetworkCourse) == 14 and len(stats.courses_by_subject_area) == 5
    assert count(session, Student) == 106 and stats.students_by_grade == {9: 26, 11: 80}
    assert count(session, LessonSlot) > 0 and count(session, FaceToFaceRule) == 1
    assert session.scalar(select(NetworkCourse.academic_year_id).limit(1)) is not None
    assert {s.role.value for s in session.scalars(select(School))} == {"base", "resource_centre", "participant"}


def test_loading_the_demo_twice_changes_nothing(session):
    load_demo(session, TODAY)
    session.commit()
    first = {m.__name__: count(session, m) for m in (School, Teacher, Student, NetworkCourse, FaceToFaceRule,
                                                     FaceToFaceSession)}
    report = load_demo(session, TODAY)
    session.commit()
    assert not report.changed
    assert {m.__name__: count(session, m) for m in (School, Teacher, Student, NetworkCourse, FaceToFaceRule,
                                                    FaceToFaceSession)} == first


def test_demo_command(runner, session):
    """The command does what the README says of the demo: the district with its year of lessons and
    face-to-face sessions (a sync after it has sessions to create), and running it again changes nothing."""
    first = runner.invoke(["demo"])
    assert first.exit_code == 0, first.output
    lessons = count(session, Lesson)
    assert lessons > 500 and count(session, FaceToFaceSession) >= 9
    assert f"lessons: {lessons} created, 0 updated" in first.output
    again = runner.invoke(["demo"])
    assert again.exit_code == 0 and "students         0 created, 0 updated, 106 unchanged" in again.output
    assert f"lessons: 0 created, 0 updated, 0 cancelled, {lessons} unchanged" in again.output
    assert count(session, Lesson) == lessons


def _marks(session) -> set[tuple]:
    return set(session.execute(
        select(Student.external_id, NetworkCourse.code, Lesson.date, AttendanceMark.kind, AttendanceMark.taken_by)
        .join(Student, AttendanceMark.student_id == Student.id).join(Lesson).join(NetworkCourse)))


def _grades(session) -> set[tuple]:
    return set(session.execute(
        select(Student.external_id, NetworkCourse.code, GradeItem.moodle_id, GradeItem.item_type, Grade.percentage)
        .join(Student, Grade.student_id == Student.id).join(GradeItem).join(NetworkCourse)))


def test_demo_results_fill_the_year_to_date_deterministically(session, runtime):
    """Attendance for every lesson held, graded works and course totals, marked as generated (taken by
    "demo", negative Moodle ids), the same for the same day however often and from scratch."""
    load_demo(session, TODAY)
    expand_lessons(session)
    first = generate_results(session, TODAY, runtime.settings.district.timezone)
    session.commit()
    held = session.scalar(select(func.count()).select_from(Lesson).where(Lesson.date < TODAY))
    assert held > 100 and first.attendance >= held * 4 and first.grades > 500
    assert {by for *_, by in _marks(session)} == {DEMO_MARK}
    assert max(d for _, _, d, _, _ in _marks(session)) < TODAY
    assert all(m < 0 for _, _, m, _, _ in _grades(session))
    marks, grades = _marks(session), _grades(session)
    assert generate_results(session, TODAY, runtime.settings.district.timezone) == DemoResults(0, 0)
    for model in (AttendanceMark, Grade, GradeItem):
        session.execute(delete(model))
    assert generate_results(session, TODAY, runtime.settings.district.timezone) == first
    assert (_marks(session), _grades(session)) == (marks, grades)


def test_demo_results_fill_the_reports_and_charts(session, runtime):
    """What the newcomer's first screens show: monthly attendance and results, marks, an at-risk list."""
    load_demo(session, TODAY)
    expand_lessons(session)
    generate_results(session, TODAY, runtime.settings.district.timezone)
    session.commit()
    dynamics = network_dynamics(session, runtime.settings, today=TODAY).as_json()
    assert all(dynamics[chart] for chart in ("attendance_by_school", "attendance_by_grade", "results_by_school",
                                             "results_by_grade"))
    at_risk = build_report("at-risk", session, runtime.settings, Scope(), TODAY)
    marks = build_report("marks", session, runtime.settings, Scope())
    assert 0 < len(at_risk.rows) < len(marks.rows) // 2 and len(marks.rows) >= 180


def test_demo_creates_an_administrator_to_sign_in_with(runner, client):
    result = runner.invoke(["demo"])
    assert result.exit_code == 0, result.output
    login, password = re.search(r"login (\S+), password (\S+) \(shown once\)", result.output).groups()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    signed_in = client.post("/login", data={"login": login, "password": password, "csrf_token": token})
    assert signed_in.status_code == 302 and client.get("/").status_code == 200
    again = runner.invoke(["demo"])
    assert again.exit_code == 0 and f"account {login} exists, its password unchanged" in again.output
    assert password not in again.output


def test_demo_refuses_a_registry_that_is_not_the_demos(runner, session):
    """Generated marks must never mix with a real registry's: nothing is loaded, one line says why."""
    import_tables(session, {"schools": [{"school_id": "REAL-1", "name": "МОУ СОШ № 99", "role": "participant",
                                         "municipality": "Энск"}]})
    session.commit()
    result = runner.invoke(["demo"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: this registry is not the demo's: 1 of its 1 ")
    assert count(session, School) == 1 and count(session, Student) == 0 and count(session, Account) == 0


def test_demo_takes_the_administrators_login_and_password(runner, session):
    result = runner.invoke(["demo", "--admin-login", "metodist", "--admin-password", "short"])
    assert result.exit_code == 1 and "--admin-login/--admin-password: the password must have at least" in result.output
    assert count(session, Student) == 0  # nothing half-written
    result = runner.invoke(["demo", "--admin-login", "metodist", "--admin-password", "a long enough secret"])
    assert result.exit_code == 0 and "login metodist, password a long enough secret" in result.output


def test_the_demo_campaign_forms_groups_from_every_students_answers(session):
    from bridge.choices.allocation import run_allocation
    from bridge.choices.campaigns import find_campaign
    from config import Settings

    load_demo(session, TODAY)
    session.commit()
    run = run_allocation(session, Settings(), find_campaign(session, None), today=TODAY, time_limit=20)
    assert run.status in ("OPTIMAL", "FEASIBLE")
    assert run.report["students"] == 106
    opened = [o for o in run.report["offers"] if o["open"]]
    assert opened and all(5 <= o["size"] <= 15 for o in opened)


def test_the_demo_agreements_give_a_statement_with_hours_and_flag_some_enrolments(session, runtime):
    """Three agreements, loaded once; with the generated attendance, October's statements have hours held,
    and the enrolments of schools without an agreement are flagged (the console's pages are not empty)."""
    from bridge.agreements.hours import Month, statement, uncovered
    from bridge.models import AcademicYear, Agreement

    load_demo(session, TODAY)
    expand_lessons(session)
    generate_results(session, TODAY, runtime.settings.district.timezone)
    load_demo(session, TODAY)
    session.commit()
    agreements = session.scalars(select(Agreement).order_by(Agreement.number)).all()
    assert [a.number for a in agreements] == ["СФ-14/29", "СФ-30/06", "СФ-30/29"]
    october = [statement(session, a, Month(2026, 10)) for a in agreements]
    assert all(st.lessons_held > 0 and st.hours > 0 for st in october)
    assert october[0].amount > 0 and october[2].amount is None
    gaps = uncovered(session, session.scalar(select(AcademicYear)))
    assert gaps and not {(u.receiver, u.course) for u in gaps} & {("VLZ-29", "NC-2026-INF-PY-11"),
                                                                  ("VLZ-06", "NC-2026-MATH-PROF-11")}


def test_demo_results_give_the_teachers_monitoring_something_to_show(session, runtime):
    """Late and never-taken attendance, work waiting to be graded and inactive students, each a minority."""
    load_demo(session, TODAY)
    expand_lessons(session)
    generate_results(session, TODAY, runtime.settings.district.timezone)
    session.commit()
    now = dt.datetime.combine(TODAY, dt.time(12), dt.UTC)
    rows = [r for month in (TODAY.replace(day=1) - dt.timedelta(days=1), TODAY)
            for r in teacher_figures(session, Period.month(month), MonitoringSettings(), now=now)]
    planned = sum(r.planned for r in rows)
    assert 0 < sum(r.late for r in rows) < planned // 5 and 0 < sum(r.never for r in rows) < planned // 5
    assert sum(r.waiting for r in rows) > 0 and any(r.latency_median_hours for r in rows)
    inactive = inactive_students(session, MonitoringSettings(), now=now)
    assert 0 < len(inactive) < session.scalar(select(func.count()).select_from(Enrolment)) // 4
