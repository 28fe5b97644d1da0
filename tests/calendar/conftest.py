"""Districts for the calendar tests, committed so that the app and the CLI (own sessions) see them."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bridge.calendar.face_to_face import add_session, expand_sessions
from bridge.lessons import cancel_lesson, expand_lessons, move_lesson
from bridge.models import FaceToFaceRule, HolidayPolicy, Lesson
from tests.calendar.district import District, build_district, planted_district


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


@pytest.fixture
def year_district(session) -> District:
    """A full academic year: students, lessons, monthly face-to-face sessions and the contest."""
    d = build_district(session)
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
