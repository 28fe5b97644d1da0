"""A small district with planted facts for the management monitoring (November 2026):

- SCH01 (base): 5 students, every chemistry lesson attended; share 5 of its 100 students;
- SCH29 (participant): 5 students, each attended 3 of the 5 lessons (0.6 < low_attendance 0.8):
  the school below threshold, and its 5 students at risk (0.6 < at_risk_attendance 0.75);
- SCH40 (participant): 2 students, absent from every lesson: below every threshold, but with fewer
  than min_students (5) it is not judged; its 2 students are at risk (counted, not named);
- SCH14 (resource centre): no students.
Every student's one graded work in November is 80% (passing).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bridge.models import (
    AttendanceKind, AttendanceMark, Enrolment, Grade, GradeItem, Lesson, ScheduleStatus, School,
    SchoolRole, Student,
)
from tests.builders import build_district

LESSON_DAYS = [dt.date(2026, 11, d) for d in (3, 10, 17, 24)] + [dt.date(2026, 12, 1)]
NOVEMBER = LESSON_DAYS[:4]


def plant(session) -> None:
    district = build_district(session, students_per_school=5)
    chem = district["courses"][0]
    small = School(external_id="SCH40", name="МОУ СОШ № 40", short_name="СОШ № 40", role=SchoolRole.PARTICIPANT)
    session.add(small)
    session.flush()
    for n in (1, 2):
        s = Student(external_id=f"SCH40-S{n}", last_name="Петров", first_name="Иван", school_id=small.id, grade=11)
        session.add(s)
        session.flush()
        session.add(Enrolment(student_id=s.id, course_id=chem.id, starts_on=dt.date(2026, 9, 1)))
    session.scalar(select(School).where(School.external_id == "SCH01")).student_count = 100
    students = session.scalars(select(Student).order_by(Student.id)).all()
    item = GradeItem(course_id=chem.id, moodle_id=1, item_type="mod", name="Работа 1")
    session.add(item)
    session.flush()
    for i, day in enumerate(NOVEMBER + [dt.date(2026, 11, 26)]):  # five lessons in November
        lesson = Lesson(course_id=chem.id, date=day, starts_at=dt.time(15, 30), duration_minutes=40,
                        timezone="Europe/Moscow", status=ScheduleStatus.SCHEDULED)
        session.add(lesson)
        session.flush()
        for s in students:
            school = s.external_id[:5]
            attended = school == "SCH01" or (school == "SCH29" and i < 3)
            kind = AttendanceKind.PRESENT if attended else AttendanceKind.ABSENT
            session.add(AttendanceMark(lesson_id=lesson.id, student_id=s.id, status=kind.value[0].upper(), kind=kind))
    for s in students:
        session.add(Grade(item_id=item.id, student_id=s.id, raw=80, grade_max=100, percentage=80.0,
                          graded_at=dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)))
    session.commit()


@pytest.fixture
def planted(session):
    plant(session)
