"""A small district with planted facts for the agreements (issue 18, point 4), on ``tests.builders``.

The resource centre SCH14 provides two courses: chemistry (T-1) and programming (T-2). Students of the base
school SCH01 and of SCH29 take them (``build_district``: three students a school, all in chemistry, every
other one in programming). Planted:

- SCH29-S3 left chemistry on 30 September (withdrawn, with an end date): in October the chemistry group is
  3 of SCH01 + 2 of SCH29 = 5, so its hours split 3/5 to SCH01 and 2/5 to SCH29;
- programming in October: SCH01-S1 and SCH01-S3 (2) + SCH29-S2 (1) = 3;
- agreement 12/СВ: SCH14 → SCH01, chemistry only, 1500.00 roubles an academic hour;
- agreement 7-Н: SCH14 → SCH29, all courses, 1000.01 roubles (a rate whose per-line rounding differs from
  rounding the total once, by a kopeck);
- so SCH01's two programming enrolments are the only ones no agreement covers;
- October lessons: chemistry on the 6th, 13th and 20th held (attendance taken), on the 27th not held (no
  mark), on the 29th cancelled (with a stray mark: still not counted); programming on the 1st and 8th held;
  one chemistry lesson held in September (the 29th).

By hand, October: chemistry 3 held → SCH01 3 × 3/5 = 1.8 h, 2700.00 roubles; SCH29 3 × 2/5 = 1.2 h,
1200.012 → 1200.01 roubles; programming 2 held → SCH29 2 × 1/3 = 0.666… → 0.67 h, 666.673… → 666.67 roubles.
SCH29's total: 1.866… → 1.87 h; 1200.01 + 666.67 = 1866.68 roubles, while 1.866… × 1000.01 = 1866.685…
rounded once would be 1866.69. Teachers: T-1 1 hour in September and 3 in October, T-2 2 in October.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bridge.models import (
    Agreement,
    AttendanceKind,
    AttendanceMark,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    NetworkCourse,
    ScheduleStatus,
    Student,
)
from tests.builders import build_district

OCTOBER = "2026-10"


def _lesson(session, course: NetworkCourse, day: int, month: int = 10, *, marks=(), cancelled: bool = False) -> None:
    lesson = Lesson(course_id=course.id, date=dt.date(2026, month, day), starts_at=dt.time(15, 30),
                    duration_minutes=40, timezone="Europe/Moscow",
                    status=ScheduleStatus.CANCELLED if cancelled else ScheduleStatus.SCHEDULED)
    session.add(lesson)
    session.flush()
    for student in marks:
        session.add(AttendanceMark(lesson_id=lesson.id, student_id=student.id, status="P",
                                   kind=AttendanceKind.PRESENT, taken_by="moodle:5",
                                   taken_at=dt.datetime(2026, month, day, 13, 0, tzinfo=dt.UTC)))


def build(session) -> dict:
    district = build_district(session)
    year = district["year"]
    base, rc, part = district["schools"]
    chem, prog = district["courses"]
    students = {s.external_id: s for s in session.scalars(select(Student))}
    left = session.scalar(select(Enrolment).where(Enrolment.student_id == students["SCH29-S3"].id,
                                                  Enrolment.course_id == chem.id))
    left.status, left.ends_on = EnrolmentStatus.WITHDRAWN, dt.date(2026, 9, 30)
    one = [students["SCH01-S1"]]
    _lesson(session, chem, 29, month=9, marks=one)
    for day in (6, 13, 20):
        _lesson(session, chem, day, marks=[students["SCH01-S1"], students["SCH29-S1"]])
    _lesson(session, chem, 27)
    _lesson(session, chem, 29, cancelled=True, marks=one)
    for day in (1, 8):
        _lesson(session, prog, day, marks=[students["SCH29-S2"]])
    session.add_all([
        Agreement(provider_school_id=rc.id, receiver_school_id=base.id, academic_year_id=year.id, number="12/СВ",
                  signed_on=dt.date(2026, 8, 25), rate_kopecks=150000, courses=[chem]),
        Agreement(provider_school_id=rc.id, receiver_school_id=part.id, academic_year_id=year.id, number="7-Н",
                  signed_on=dt.date(2026, 8, 28), rate_kopecks=100001, all_courses=True),
    ])
    session.commit()
    return district


def agreement(session, number: str) -> Agreement:
    return session.scalar(select(Agreement).where(Agreement.number == number))
