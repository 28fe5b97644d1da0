"""The hours of the planted district (tests/agreements/district.py), checked against figures worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select

from bridge.agreements.hours import Month, lessons_held, statement, teacher_hours, uncovered
from bridge.models import AcademicYear, Lesson
from tests.agreements.district import OCTOBER, agreement, build


def _year(session):
    return session.scalar(select(AcademicYear))


def test_lessons_held_are_those_with_attendance_taken(session):
    build(session)
    lessons = session.scalars(select(Lesson).order_by(Lesson.date)).all()
    held = lessons_held(session, [lesson.id for lesson in lessons])
    not_held = {(lesson.course.code, lesson.date.isoformat()) for lesson in lessons if lesson.id not in held}
    # The lesson of 27 October has no mark; the cancelled one has one (lessons_held does not judge status).
    assert not_held == {("NC-CHEM-11", "2026-10-27")}


def test_chemistry_hours_split_between_the_two_receiving_schools_by_their_share(session):
    build(session)
    october = Month.parse(OCTOBER)
    to_base = statement(session, agreement(session, "12/СВ"), october)
    to_part = statement(session, agreement(session, "7-Н"), october)
    chem_base, = to_base.groups
    chem_part = next(g for g in to_part.groups if g.code == "NC-CHEM-11")
    for group in (chem_base, chem_part):
        # 4 lessons not cancelled, 3 of them held (the 27th was not; the cancelled 29th is not counted at all)
        assert (group.lessons_planned, group.lessons_held, group.hours_held, group.group_students) == (4, 3, 3, 5)
    assert (chem_base.receiver_students, chem_base.share, chem_base.hours) == (3, Fraction(3, 5), Decimal("1.80"))
    assert (chem_part.receiver_students, chem_part.share, chem_part.hours) == (2, Fraction(2, 5), Decimal("1.20"))
    assert chem_base.hours_exact + chem_part.hours_exact == chem_base.hours_held  # nothing lost, nothing twice
    assert chem_base.amount == Decimal("2700.00") and to_base.amount == Decimal("2700.00")
    assert to_base.note == ""


def test_all_courses_agreement_takes_every_course_of_the_provider_its_students_take(session):
    build(session)
    st = statement(session, agreement(session, "7-Н"), Month.parse(OCTOBER))
    assert [g.code for g in st.groups] == ["NC-CHEM-11", "NC-PY-11"]
    prog = st.groups[1]
    assert (prog.lessons_held, prog.group_students, prog.receiver_students, prog.share) == (2, 3, 1, Fraction(1, 3))
    assert prog.hours == Decimal("0.67") and prog.amount == Decimal("666.67")
    assert st.groups[0].amount == Decimal("1200.01")
    assert st.hours == Decimal("1.87") and st.lessons_held == 5 and st.hours_held == 5
    # The total is the lines' sum; rounding the exact total once would give a kopeck more, and the note says so.
    assert st.amount == Decimal("1866.68")
    assert "1866.69" in st.note and "-0.01" in st.note


def test_a_month_without_lessons_has_no_hours_and_no_amount_owed(session):
    build(session)
    st = statement(session, agreement(session, "12/СВ"), Month(2026, 11))
    assert [(g.lessons_held, g.hours, g.amount) for g in st.groups] == [(0, Decimal("0.00"), Decimal("0.00"))]
    assert st.amount == Decimal("0.00")


def test_teachers_hours_by_month(session):
    build(session)
    hours = {t.key: {str(m): h for m, h in t.by_month.items()} for t in teacher_hours(session, _year(session))}
    assert hours == {"T-1": {"2026-09": 1, "2026-10": 3}, "T-2": {"2026-10": 2}}


def test_the_enrolment_without_agreement_is_flagged_and_nothing_else(session):
    build(session)
    found = uncovered(session, _year(session))
    assert [(u.course, u.provider, u.receiver, u.students) for u in found] == [("NC-PY-11", "SCH14", "SCH01", 2)]


def test_coordinator_scope_of_the_flags(session):
    district = build(session)
    base, rc, part = district["schools"]
    year = _year(session)
    assert uncovered(session, year, school_id=part.id) == []
    assert [u.receiver for u in uncovered(session, year, school_id=base.id)] == ["SCH01"]
    assert [u.receiver for u in uncovered(session, year, school_id=rc.id)] == ["SCH01"]  # as the provider


def test_an_agreement_covering_the_course_clears_the_flag(session, runtime):
    from bridge.agreements.records import save_agreement

    build(session)
    save_agreement(session, {"provider": "SCH14", "receiver": "SCH01", "year": "2026-2027", "number": "13/СВ",
                             "date": "2026-09-01", "courses": "NC-PY-11"}, by="test")
    session.commit()
    assert uncovered(session, _year(session)) == []


def test_statement_xlsx_keeps_a_formula_like_title_as_text(session):
    import io

    from openpyxl import load_workbook

    from bridge.agreements.statement import statement_xlsx

    district = build(session)
    district["courses"][0].title = '=HYPERLINK("http://evil.example","x")'
    session.commit()
    book = load_workbook(io.BytesIO(statement_xlsx(statement(session, agreement(session, "12/СВ"),
                                                             Month.parse(OCTOBER)))))
    cell = next(c for row in book.active.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
