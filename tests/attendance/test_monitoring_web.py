"""The teachers' monitoring page and API by role, the at-risk reason and trend on hand-made weeks, and a
student's timeline (role scopes as the student page, audited reads)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bridge.models import AttendanceKind, AuditEntry, Enrolment, Lesson, NetworkCourse, Student
from bridge.reports.data import Attendance, Scope
from bridge.reports.marks import GradePoint
from bridge.reports.tables import build_report
from bridge.reports.trend import Trend, trend
from config import Settings
from tests.attendance.district import D
from tests.attendance.results import seed_results
from tests.web.conftest import bearer

K = AttendanceKind


@pytest.fixture
def results(session, accounts):
    """The report tests' results; chemistry's lesson of 1 September taken late, SCH01-S2 and SCH29-S3 not in
    chemistry since 1 September (both asked of Moodle), everyone else never asked."""
    seed_results(session)
    chem1 = session.scalar(select(Lesson).join(NetworkCourse).where(NetworkCourse.code == "NC-CHEM-11",
                                                                    Lesson.date == D(2026, 9, 1)))
    chem1.attendance_taken_at, chem1.attendance_delay_minutes = dt.datetime(2026, 9, 3, tzinfo=dt.UTC), 2000
    for ext in ("SCH01-S2", "SCH29-S3"):
        e = session.scalar(select(Enrolment).join(Student).join(NetworkCourse).where(
            Student.external_id == ext, NetworkCourse.code == "NC-CHEM-11"))
        e.last_course_access, e.course_access_read = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC), True
    session.commit()
    return accounts


def teachers(client, accounts, role):
    response = client.get("/api/v1/monitoring/teachers?month=2026-09", headers=bearer(accounts, role))
    assert response.status_code == 200, response.json
    return response.json


def test_each_role_sees_its_teachers_and_the_students_it_may(client, session, results):
    admin = teachers(client, results, "admin")
    assert [(r["teacher"], r["course"], r["late"]) for r in admin["items"]] == [
        ("T-1", "NC-CHEM-11", 1), ("T-2", "NC-PY-11", 0)]
    assert {s["student"] for s in admin["inactive_students"]} == {"SCH01-S2", "SCH29-S3"}
    teacher = teachers(client, results, "teacher")  # T-2: programming, where nobody is inactive
    assert [r["teacher"] for r in teacher["items"]] == ["T-2"] and teacher["inactive_students"] == []
    coordinator = teachers(client, results, "coordinator")  # SCH29 has no network teacher
    assert coordinator["items"] == [] and coordinator["inactive_students"] == []
    viewer = teachers(client, results, "viewer")
    assert [(r["teacher"], r["teacher_name"], r["course"]) for r in viewer["items"]] == [
        (None, None, "NC-CHEM-11"), (None, None, "NC-PY-11")]
    assert viewer["inactive_students"] == []
    audited = session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "read teachers' monitoring"))
    assert audited == 3  # not the viewer's
    assert client.get("/api/v1/monitoring/teachers?month=2026-13", headers=bearer(results, "admin")).status_code == 400


def test_the_console_page(client, results):
    page = client.get("/monitoring/teachers?month=2026-09", headers=bearer(results, "admin"))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Преподаватели: месяц 09.2026" in text and "Кузнецова Ирина Владимировна" in text
    viewer = client.get("/monitoring/teachers?month=2026-09", headers=bearer(results, "viewer")).get_data(as_text=True)
    assert "Кузнецова" not in viewer and "NC-CHEM-11" in viewer and "Иванов" not in viewer


def test_at_risk_names_the_inactive_student_and_the_trend(session, results):
    table = build_report("at-risk", session, Settings(), Scope(), today=D(2026, 9, 28))
    rows = {(r["student"], r["course"]): r for r in table.as_dicts()}
    assert set(rows) == {("SCH01-S2", "NC-CHEM-11"), ("SCH29-S1", "NC-CHEM-11"), ("SCH29-S3", "NC-CHEM-11")}
    assert rows[("SCH29-S3", "NC-CHEM-11")]["reasons"] == "не заходит в курс 27 дн."
    assert rows[("SCH01-S2", "NC-CHEM-11")]["reasons"] == "посещаемость 50% ниже 75%; не заходит в курс 27 дн."
    # SCH01-S2: absent 1 Sep, present 8 Sep (50%) against excused 15 Sep, present 22 Sep (50%): steady.
    assert rows[("SCH01-S2", "NC-CHEM-11")]["trend"] == "steady"
    assert rows[("SCH29-S3", "NC-CHEM-11")]["trend_ru"] == "нет данных"


def _marks(*days_kinds):
    return [Attendance(day, "", kind) for day, kind in days_kinds]


def test_trend_on_hand_made_weeks():
    today = D(2026, 10, 28)  # recent half: 15-28 October; before: 1-14 October
    before, recent = D(2026, 10, 5), D(2026, 10, 20)
    worse = _marks((before, K.PRESENT), (before, K.PRESENT), (recent, K.PRESENT), (recent, K.ABSENT))
    assert trend(worse, [], today) is Trend.WORSE  # 100% → 50%
    better_marks = [GradePoint(40.0, before), GradePoint(70.0, recent), GradePoint(99.0, recent, total=True)]
    assert trend([], better_marks, today) is Trend.BETTER  # 40% → 70%, the course total not counted
    # −10 points of attendance and +5 of marks: −5 in all, steady.
    att = _marks(*[(before, K.PRESENT)] * 10, *[(recent, K.PRESENT)] * 9, (recent, K.LATE), (recent, K.EXCUSED))
    mixed = _marks(*[(before, K.PRESENT)] * 10, *[(recent, K.PRESENT)] * 9, (recent, K.ABSENT))
    assert trend(att, [], today) is Trend.STEADY  # late is attended: 100% → 90.9%
    assert trend(mixed, [GradePoint(60.0, before), GradePoint(65.0, recent)], today) is Trend.STEADY
    assert trend(_marks((recent, K.ABSENT)), [], today) is None  # nothing before: no trend
    assert trend(_marks((D(2026, 9, 30), K.PRESENT), (recent, K.ABSENT)), [], today) is None  # 30 Sep is outside


def test_student_timeline_by_week_and_its_scope(client, session, results):
    response = client.get("/api/v1/students/SCH01-S2/timeline", headers=bearer(results, "admin"))
    assert response.status_code == 200
    assert [(w["week"], w["attendance_percent"]) for w in response.json["weeks"]] == [
        ("2026-08-31", 0.0), ("2026-09-07", 100.0), ("2026-09-14", 0.0), ("2026-09-21", 100.0)]
    sch01 = client.get("/api/v1/students/SCH01-S1/timeline", headers=bearer(results, "admin")).json["weeks"]
    assert [(w["week"], w["grade_percent"]) for w in sch01 if w["grades"]] == [("2026-09-07", 90.0),
                                                                               ("2026-09-14", 80.0)]
    assert client.get("/api/v1/students/SCH01-S2/timeline", headers=bearer(results, "coordinator")).status_code == 404
    assert client.get("/api/v1/students/SCH01-S2/timeline", headers=bearer(results, "viewer")).status_code == 403
    page = client.get("/students/SCH01-S2/timeline", headers=bearer(results, "admin")).get_data(as_text=True)
    assert "<svg" in page and "по неделям" in page
    card = client.get("/students/SCH01-S2", headers=bearer(results, "admin")).get_data(as_text=True)
    assert "/students/SCH01-S2/timeline" in card
    audited = session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "read student timeline"))
    assert audited == 3
