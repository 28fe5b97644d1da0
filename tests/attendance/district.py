"""The sync tests' district with a timetable: district terms, lessons expanded from the weekly slots
(chemistry on Tuesdays 15:30, programming on Thursdays 14:30, Moscow time) and one face-to-face
session for both courses at the base school."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bridge.calendar.face_to_face import add_session
from bridge.calendar.lessons import expand_lessons
from bridge.models import AcademicYear, FaceToFaceSession, Lesson, NetworkCourse, School, SessionKind, Term
from tests.builders import build_district

D = dt.date
# Two weeks: lessons on 1 and 8 September (chemistry), 3 and 10 September (programming).
ONE_TERM = [(D(2026, 9, 1), D(2026, 9, 14))]
TWO_TERMS = ONE_TERM + [(D(2026, 9, 15), D(2026, 9, 28))]


def build_timetable(session, *, terms=ONE_TERM, students_per_school: int = 3) -> dict:
    d = build_district(session, students_per_school=students_per_school)
    d["face_to_face"] = add_timetable(session, terms)
    return d


def add_timetable(session, terms=ONE_TERM) -> FaceToFaceSession:
    """Terms, lessons and the face-to-face session, added to a district of ``build_district``."""
    year = session.scalar(select(AcademicYear))
    for n, (a, b) in enumerate(terms, 1):
        session.add(Term(academic_year_id=year.id, number=n, name=f"{n} четверть", starts_on=a, ends_on=b))
    session.flush()
    expand_lessons(session)
    fs = add_session(
        session, academic_year=year, school=session.scalar(select(School).where(School.external_id == "SCH01")),
        start=dt.datetime(2026, 9, 19, 10), end=dt.datetime(2026, 9, 19, 14), kind=SessionKind.SESSION,
        title="Очная сессия", room="актовый зал", courses=session.scalars(select(NetworkCourse)).all())
    session.commit()
    return fs


def lesson(session, code: str, day: dt.date) -> Lesson:
    return session.scalar(select(Lesson).join(NetworkCourse).where(NetworkCourse.code == code, Lesson.date == day))


def moscow(day: dt.date, hour: int, minute: int = 0) -> int:
    """Unix seconds of a Moscow wall-clock time (what Moodle stores)."""
    return int(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=3)))
               .timestamp())
