"""The checks narrowed to one school or one student: exactly the whole result filtered to it, and
read from the database at the cost of that share only (rows counted on the engine, not guessed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, func, select

from bridge.accounts import create_account
from bridge.calendar.conflicts import ConflictKind, find_conflicts
from bridge.calendar.load import LoadReport, check_load
from bridge.models import AccountRole, Enrolment, EnrolmentStatus, School, Student
from tests.calendars.district import District
from tests.conftest import PASSWORD
from tests.web.test_access import _login


def assert_scopes_agree(session) -> None:
    """Every school's and every student's scoped result is the whole result filtered to them."""
    whole, load = find_conflicts(session), check_load(session)
    for school in session.scalars(select(School)):
        assert find_conflicts(session, school_id=school.id) == [c for c in whole if c.school == school.external_id]
        assert check_load(session, school_id=school.id) == LoadReport(
            tuple(o for o in load.overloads if o.school == school.external_id),
            tuple(u for u in load.unchecked if u[0] == school.external_id))
    for student in session.scalars(select(Student)):
        theirs = [c for c in whole if c.person == student.external_id and c.kind != ConflictKind.TEACHER_OVERLAP]
        assert find_conflicts(session, student_id=student.id) == theirs
        assert find_conflicts(session, school_id=student.school_id, student_id=student.id) == theirs
        home = session.get(School, student.school_id).external_id
        active = session.scalar(select(func.count()).select_from(Enrolment).where(
            Enrolment.student_id == student.id, Enrolment.status == EnrolmentStatus.ACTIVE))
        assert check_load(session, student_id=student.id) == LoadReport(
            tuple(o for o in load.overloads if o.student == student.external_id),
            tuple(u for u in load.unchecked if active and u == (home, student.grade)))


def test_scoped_checks_are_the_whole_result_filtered(session, planted):
    whole = find_conflicts(session)
    p1 = find_conflicts(session, school_id=planted.schools["p1"].id)
    assert {c.kind for c in p1} == {ConflictKind.CLASS_LESSON, ConflictKind.HOME_HOLIDAY} and len(p1) == 6
    base = find_conflicts(session, school_id=planted.schools["base"].id)  # no students: t1's double lessons
    assert [(c.kind, c.person) for c in base] == [(ConflictKind.TEACHER_OVERLAP, "t1")]
    assert find_conflicts(session, school_id=planted.schools["rc-ekb"].id) == []
    clash = find_conflicts(session, student_id=planted.students["clash"].id)
    assert [(c.detail, c.dates) for c in clash] == [
        ("7 урок: Физика", (dt.date(2026, 9, 2), dt.date(2026, 9, 23), dt.date(2026, 9, 30))),
        ("День школы", (dt.date(2026, 9, 16),)),
    ]
    assert len(whole) == 8
    # Another school's id with the student's: nothing (both must hold).
    assert find_conflicts(session, school_id=planted.schools["p2"].id, student_id=planted.students["clash"].id) == []

    assert check_load(session, school_id=planted.schools["p2"].id).overloads[0].student == "samara2"
    ekb = check_load(session, student_id=planted.students["ekb"].id)
    assert ekb == LoadReport((), (("rc-ekb", 11),))
    assert check_load(session, student_id=planted.students["ok"].id) == LoadReport((), ())
    assert_scopes_agree(session)


@contextmanager
def rows_read(engine) -> Iterator[list[int]]:
    """How many rows each SELECT run on ``engine`` returns (run once more on a cursor of its own)."""
    counts: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            again = cursor.connection.cursor()
            again.execute(statement, parameters)
            counts.append(len(again.fetchall()))
            again.close()

    event.listen(engine, "after_cursor_execute", count)
    try:
        yield counts
    finally:
        event.remove(engine, "after_cursor_execute", count)


def _cost(session, engine, check, **scope) -> int:
    session.expire_all()
    with rows_read(engine) as counts:
        check(session, **scope)
    return sum(counts)


def _crowd(d: District, n: int) -> None:
    """``n`` students of a school of their own, in the planted students' courses, with a timetable."""
    d.school("crowd", tz="Asia/Yekaterinburg")
    d.curriculum("crowd", 9, 33)
    d.class_lesson("crowd", 9, "А", 3, 8, "Физика")
    for i in range(n):
        d.student(f"crowd-{i}", "crowd", 9, "А", "PHYS-9", "INFO-9")


def test_a_scope_reads_only_its_share(session, planted, engine):
    clash, p1 = planted.students["clash"].id, planted.schools["p1"].id
    scopes = [(find_conflicts, {"student_id": clash}), (find_conflicts, {"school_id": p1}),
              (check_load, {"student_id": clash}), (check_load, {"school_id": p1})]
    before = [_cost(session, engine, check, **scope) for check, scope in scopes]
    whole_before = [_cost(session, engine, check) for check in (find_conflicts, check_load)]
    assert before[0] < before[1] < whole_before[0] and before[2] < before[3] < whole_before[1]

    _crowd(planted, 150)  # 300 more enrolments, in the same courses, elsewhere
    session.commit()
    assert [_cost(session, engine, check, **scope) for check, scope in scopes] == before
    whole_after = [_cost(session, engine, check) for check in (find_conflicts, check_load)]
    assert all(after >= was + 300 for after, was in zip(whole_after, whole_before))
    # The crowd's class has physics when PHYS-9 is on (16:00 Yekaterinburg): each of them clashes.
    assert len(find_conflicts(session, school_id=session.scalar(
        select(School.id).where(School.external_id == "crowd")))) == 150
    assert_scopes_agree(session)


def test_student_page_shows_the_students_own_clashes(client, session, planted):
    # A student whose external id is a teacher's: t1's double lessons are not this student's.
    planted.student("t1", "p1", 10, "А", "MATH-10")
    create_account(session, "admin", PASSWORD, AccountRole.ADMIN)
    session.commit()
    _login(client, "admin")
    html = client.get("/students/t1").text
    assert "MATH-10: Тестовый праздник — 25.09" in html
    assert "INFO-9" not in html  # the course t1 teaches at the same time as MATH-10
    html = client.get("/students/clash").text
    assert "PHYS-9: 7 урок: Физика — 02.09, 23.09, 30.09" in html and "PHYS-9: День школы — 16.09" in html
