"""Dynamics by month of the academic year: attendance and results per home school and per grade,
computed from the registry (bridge.reports.dynamics), drawn on the dashboard for every role and
served by ``GET /api/v1/stats/dynamics``; aggregates only, never a name.

The small district of tests/builders.py, chemistry (all six students), with SCH01-S3 and SCH29-S2
moved to the 10th grade. Planted marks (P present, L late, A absent, E excused):

    lesson      SCH01-S1 SCH01-S2 SCH01-S3 | SCH29-S1 SCH29-S2 SCH29-S3
    01.09        P        A        L       |  P        E        -
    08.09        P        P        -       |  A        A        -
    15.09 (cancelled: not counted)  A      |  A
    06.10        A        L        P       |  P        -        -
    13.10        P        -        -       |  L        -        P
    20.10        (no marks: counts neither way)
    12.01        P        -        -       |  -        -        -

so SCH01 attended 4 of 5 marked lessons in September (0.8), 3 of 4 in October, 1 of 1 in January;
SCH29 1 of 4, then 3 of 3; the 11th grade 4 of 6, then 5 of 6, then 1 of 1; the 10th 1 of 3, then 1 of 1.
Grades: see GRADES (the course total and an ungraded item do not count; 22:30 UTC on 30 September
is already 1 October in Moscow, the district's zone).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from bridge.accounts import create_account, issue_token
from bridge.models import (
    AcademicYear,
    AccountRole,
    AttendanceKind,
    AttendanceMark,
    Grade,
    GradeItem,
    Lesson,
    NetworkCourse,
    ScheduleStatus,
    School,
    Student,
)
from bridge.reports.dynamics import network_dynamics
from bridge.years import current_year
from bridge.charts import line_chart
from tests.conftest import PASSWORD
from tests.web.conftest import bearer
from tests.web.test_access import _login

D = dt.date
ROLES = ("admin", "coordinator", "teacher", "viewer")
KINDS = {"P": AttendanceKind.PRESENT, "L": AttendanceKind.LATE, "E": AttendanceKind.EXCUSED,
         "A": AttendanceKind.ABSENT}
MARKS = {
    D(2026, 9, 1): {"SCH01-S1": "P", "SCH01-S2": "A", "SCH01-S3": "L", "SCH29-S1": "P", "SCH29-S2": "E"},
    D(2026, 9, 8): {"SCH01-S1": "P", "SCH01-S2": "P", "SCH29-S1": "A", "SCH29-S2": "A"},
    D(2026, 9, 15): {"SCH01-S2": "A", "SCH29-S1": "A"},  # cancelled lesson
    D(2026, 10, 6): {"SCH01-S1": "A", "SCH01-S2": "L", "SCH01-S3": "P", "SCH29-S1": "P"},
    D(2026, 10, 13): {"SCH01-S1": "P", "SCH29-S1": "L", "SCH29-S3": "P"},
    D(2026, 10, 20): {},
    D(2027, 1, 12): {"SCH01-S1": "P"},
}
UTC = dt.UTC
# (student, item, percentage, graded at, UTC)
GRADES = [
    ("SCH01-S1", "Лабораторная 1", 90.0, dt.datetime(2026, 9, 10, 12, tzinfo=UTC)),
    ("SCH29-S1", "Лабораторная 1", 60.0, dt.datetime(2026, 9, 11, 12, tzinfo=UTC)),
    ("SCH01-S3", "Лабораторная 1", 50.0, dt.datetime(2026, 9, 12, 12, tzinfo=UTC)),
    ("SCH29-S3", "Лабораторная 1", 70.0, dt.datetime(2026, 9, 30, 22, 30, tzinfo=UTC)),  # 1 October in Moscow
    ("SCH01-S1", "Лабораторная 2", 80.0, dt.datetime(2026, 10, 20, 12, tzinfo=UTC)),
    ("SCH01-S2", "Лабораторная 2", 65.0, dt.datetime(2026, 10, 21, 12, tzinfo=UTC)),
    ("SCH29-S2", "Лабораторная 2", 45.0, dt.datetime(2026, 10, 22, 12, tzinfo=UTC)),
    ("SCH01-S3", "Лабораторная 2", None, dt.datetime(2026, 10, 22, 12, tzinfo=UTC)),  # not graded yet
    ("SCH01-S2", "Лабораторная 1", 99.0, None),  # no date: no month
    ("SCH01-S1", "Итог курса", 85.0, dt.datetime(2026, 10, 20, 12, tzinfo=UTC)),  # the total: cumulative
]
MONTHS = ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05"]


def att(marked: int, attended: int, share: float) -> dict:
    return {"marked": marked, "attended": attended, "share": share}


EXPECTED = {
    "academic_year": "2026-2027",
    "months": MONTHS,
    "schools": {"SCH01": "СОШ № 1", "SCH29": "СОШ № 29"},
    "attendance_by_school": {
        "SCH01": {"2026-09": att(5, 4, 0.8), "2026-10": att(4, 3, 0.75), "2027-01": att(1, 1, 1.0)},
        "SCH29": {"2026-09": att(4, 1, 0.25), "2026-10": att(3, 3, 1.0)}},
    "attendance_by_grade": {
        "10": {"2026-09": att(3, 1, 0.333), "2026-10": att(1, 1, 1.0)},
        "11": {"2026-09": att(6, 4, 0.667), "2026-10": att(6, 5, 0.833), "2027-01": att(1, 1, 1.0)}},
    "results_by_school": {
        "SCH01": {"2026-09": {"grades": 2, "percent": 70.0}, "2026-10": {"grades": 2, "percent": 72.5}},
        "SCH29": {"2026-09": {"grades": 1, "percent": 60.0}, "2026-10": {"grades": 2, "percent": 57.5}}},
    "results_by_grade": {
        "10": {"2026-09": {"grades": 1, "percent": 50.0}, "2026-10": {"grades": 1, "percent": 45.0}},
        "11": {"2026-09": {"grades": 2, "percent": 75.0}, "2026-10": {"grades": 3, "percent": 71.67}}},
}


def plant(session) -> None:
    students = {s.external_id: s for s in session.scalars(select(Student))}
    students["SCH01-S3"].grade = students["SCH29-S2"].grade = 10
    chem = session.scalar(select(NetworkCourse).where(NetworkCourse.code == "NC-CHEM-11"))
    for day, marks in MARKS.items():
        lesson = Lesson(course_id=chem.id, date=day, starts_at=dt.time(15, 30), duration_minutes=40,
                        timezone="Europe/Moscow",
                        status=ScheduleStatus.CANCELLED if day == D(2026, 9, 15) else ScheduleStatus.SCHEDULED)
        session.add(lesson)
        session.flush()
        session.add_all(AttendanceMark(lesson_id=lesson.id, student_id=students[ext].id, status=status,
                                       kind=KINDS[status]) for ext, status in marks.items())
    items: dict[str, GradeItem] = {}
    for ext, name, pct, at in GRADES:
        if name not in items:
            items[name] = GradeItem(course_id=chem.id, moodle_id=len(items) + 1,
                                    item_type="course" if name == "Итог курса" else "mod", name=name)
            session.add(items[name])
            session.flush()
        session.add(Grade(item_id=items[name].id, student_id=students[ext].id, raw=pct, grade_max=100,
                          percentage=pct, graded_at=at))
    session.commit()


@pytest.fixture
def planted(session, accounts):
    plant(session)
    return accounts


def test_shares_and_means_per_month_school_and_grade(session, runtime, planted):
    dynamics = network_dynamics(session, runtime.settings)
    assert dynamics.as_json() == EXPECTED
    # The months run in the academic year's order, September first, January after December.
    assert [f"{m:%m}" for m in dynamics.months] == ["09", "10", "11", "12", "01", "02", "03", "04", "05"]
    assert list(dynamics.attendance_by_school["SCH01"]) == [D(2026, 9, 1), D(2026, 10, 1), D(2027, 1, 1)]
    assert dynamics.percents("attendance_by_school")["СОШ № 1"] == {
        D(2026, 9, 1): 80.0, D(2026, 10, 1): 75.0, D(2027, 1, 1): 100.0}
    assert dynamics.percents("results_by_grade") == {"10 класс": {D(2026, 9, 1): 50.0, D(2026, 10, 1): 45.0},
                                                      "11 класс": {D(2026, 9, 1): 75.0, D(2026, 10, 1): 71.67}}


def test_a_few_queries_whatever_the_number_of_marks(session, runtime, planted):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        network_dynamics(session, runtime.settings)
        before = len(statements)
        chem = session.scalar(select(NetworkCourse).where(NetworkCourse.code == "NC-CHEM-11"))
        for n in range(40):
            lesson = Lesson(course_id=chem.id, date=D(2026, 11, 2) + dt.timedelta(days=n), starts_at=dt.time(9),
                            duration_minutes=40, timezone="Europe/Moscow")
            session.add(lesson)
            session.flush()
            session.add_all(AttendanceMark(lesson_id=lesson.id, student_id=s.id, status="P",
                                           kind=AttendanceKind.PRESENT) for s in session.scalars(select(Student)))
        session.commit()
        statements.clear()
        again = network_dynamics(session, runtime.settings)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == before <= 4
    assert again.attendance_by_school["SCH29"][D(2026, 11, 1)].marked == 3 * 29  # 2-30 November


def test_academic_year_by_date_and_by_code(session, runtime, planted, client):
    later = AcademicYear(code="2027-2028", starts_on=D(2027, 9, 1), ends_on=D(2028, 5, 31))
    session.add(later)
    session.commit()
    assert current_year(session, D(2026, 12, 1)).code == "2026-2027"
    assert current_year(session, D(2027, 7, 1)).code == "2026-2027"  # summer: the year just ended
    assert current_year(session, D(2027, 9, 1)).code == "2027-2028"
    assert current_year(session, D(2025, 1, 1)).code == "2026-2027"  # before any: the first
    empty = network_dynamics(session, runtime.settings, "2027-2028")
    assert empty.year == "2027-2028" and empty.attendance_by_school == {} and empty.results_by_grade == {}
    headers = bearer(planted, "viewer")
    assert client.get("/api/v1/stats/dynamics?year=2026-2027", headers=headers).json == EXPECTED
    assert client.get("/api/v1/stats/dynamics?year=2027-2028", headers=headers).json["months"][0] == "2027-09"
    missing = client.get("/api/v1/stats/dynamics?year=1999-2000", headers=headers)
    assert missing.status_code == 404 and "1999-2000" in missing.json["message"]


@pytest.mark.parametrize("role", ROLES)
def test_api_answers_every_role_with_the_same_numbers(client, planted, role):
    response = client.get("/api/v1/stats/dynamics", headers=bearer(planted, role))
    assert response.status_code == 200 and response.json == EXPECTED


def test_api_needs_a_sign_in(client, planted):
    assert client.get("/api/v1/stats/dynamics").status_code == 401


def _card(html: str, card_id: str) -> str:
    return html.split(f'id="{card_id}"')[1].split("</section>")[0]


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_draws_every_line_and_no_name(client, planted, role):
    _login(client, role)
    html = client.get("/?view=network" if role == "teacher" else "/").text  # a teacher lands on their courses
    schools, grades = _card(html, "attendance-by-school"), _card(html, "results-by-grade")
    assert "Посещаемость по школам" in schools and "Успеваемость по классам" in grades
    # Every school's line for every role, a coordinator of SCH29 included.
    assert "<svg" in schools and "СОШ № 1" in schools and "СОШ № 29" in schools
    assert len(re.findall(r"<polyline", schools)) == 2  # SCH01: Sep-Oct (Jan apart), SCH29: Sep-Oct
    assert "<title>СОШ № 1, сен: 80,0%</title>" in schools and "<title>СОШ № 1, янв: 100,0%</title>" in schools
    assert "<title>СОШ № 29, сен: 25,0%</title>" in schools
    assert schools.index(">сен<") < schools.index(">окт<") < schools.index(">дек<") < schools.index(">янв<")
    assert "<title>11 класс, окт: 71,7%</title>" in grades and "<title>10 класс, сен: 50,0%</title>" in grades
    assert "<title>10 класс, окт: 100,0%</title>" in _card(html, "attendance-by-grade")
    assert "<title>СОШ № 29, окт: 57,5%</title>" in _card(html, "results-by-school")
    dynamics = html.split('id="dynamics"')[1]
    assert "Иванов" not in dynamics and "Пётр" not in dynamics and "SCH01-S" not in dynamics


def test_labels_are_escaped(client, session, planted):
    session.scalar(select(School).where(School.external_id == "SCH29")).short_name = '<b>Лицей "29"</b>'
    session.commit()
    _login(client, "viewer")
    schools = _card(client.get("/").text, "attendance-by-school")
    assert "&lt;b&gt;Лицей &#34;29&#34;&lt;/b&gt;" in schools and "<b>" not in schools


def test_no_marks_no_grades_says_no_data(client, accounts):
    _login(client, "viewer")
    dynamics = client.get("/").text.split('id="dynamics"')[1].split("</div>")[0]
    assert dynamics.count("<p>Нет данных</p>") == 4 and "<svg" not in dynamics
    body = client.get("/api/v1/stats/dynamics", headers=bearer(accounts, "viewer")).json
    assert body["months"] == MONTHS and body["attendance_by_school"] == {} and body["results_by_grade"] == {}


def test_empty_registry_says_no_data(client, session):
    account = create_account(session, "viewer", PASSWORD, AccountRole.VIEWER)
    token = issue_token(session, account, "tests")
    session.commit()
    body = client.get("/api/v1/stats/dynamics", headers={"Authorization": f"Bearer {token}"}).json
    assert body == {"academic_year": None, "months": [], "schools": {}, "attendance_by_school": {},
                    "attendance_by_grade": {}, "results_by_school": {}, "results_by_grade": {}}
    _login(client, "viewer")
    dynamics = client.get("/").text.split('id="dynamics"')[1].split("</div>")[0]
    assert dynamics.count("<p>Нет данных</p>") == 4


def test_line_chart_breaks_at_a_missing_month_and_clamps():
    x = {1: "сен", 2: "окт", 3: "ноя", 4: "дек"}
    svg = str(line_chart({"А": {1: 10.0, 2: 20.0, 4: 150.0}, "Б": {3: 50.0}}, x))
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 4  # А: Sep-Oct joined, Dec alone; Б: one point
    assert 'cy="8.0"' in svg  # 150% drawn at the 100% line (the top)
    assert "<title>А, дек: 150,0%</title>" in svg  # but told as it is
    assert str(line_chart({}, x)) == str(line_chart({"А": {}}, x)) == "<p>Нет данных</p>"
    assert str(line_chart({"А": {1: 5.0}}, {})) == "<p>Нет данных</p>"
