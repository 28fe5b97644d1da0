"""Attendance marks and grades as a pull leaves them, written straight into the registry, for the
report tests (the pull itself is tested against the fake Moodle in test_pull.py).

Two terms (1-14 and 15-28 September): chemistry on 1, 8, 15, 22 September; programming (assessed
pass/fail) on 3, 10, 17, 24 September. Planted:
- SCH01-S2 missed two chemistry lessons of four (absent on 1st, excused on 15th): at risk by attendance;
- SCH29-S1 has 40% in chemistry: a failing year mark («2»), at risk by mark;
- SCH01-S1: 90% in term 1, 80% in term 2, course total 85% (a «5» for the year, exactly at the threshold).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bridge.models import (
    AssessmentForm,
    AttendanceKind,
    AttendanceMark,
    Grade,
    GradeItem,
    Lesson,
    NetworkCourse,
    Student,
)
from tests.attendance.district import D, TWO_TERMS, add_timetable

K = AttendanceKind
ATTENDANCE = {
    ("SCH01-S1", "NC-CHEM-11"): ["P", "P", "P", "L"],
    ("SCH01-S2", "NC-CHEM-11"): ["A", "P", "E", "P"],
    ("SCH29-S1", "NC-CHEM-11"): ["P", "P", "P", "P"],
    ("SCH29-S2", "NC-PY-11"): ["P", "P", "A", "P"],
}
KINDS = {"P": K.PRESENT, "L": K.LATE, "E": K.EXCUSED, "A": K.ABSENT}
# (student, course, item type, item name, percentage, day graded)
GRADES = [
    ("SCH01-S1", "NC-CHEM-11", "mod", "Лабораторная 1", 90.0, D(2026, 9, 10)),
    ("SCH01-S1", "NC-CHEM-11", "mod", "Лабораторная 2", 80.0, D(2026, 9, 20)),
    ("SCH01-S1", "NC-CHEM-11", "course", "Итог курса", 85.0, D(2026, 9, 20)),
    ("SCH29-S1", "NC-CHEM-11", "mod", "Лабораторная 1", 40.0, D(2026, 9, 10)),
    ("SCH29-S1", "NC-CHEM-11", "course", "Итог курса", 40.0, D(2026, 9, 10)),
    ("SCH29-S2", "NC-PY-11", "course", "Итог курса", 55.0, D(2026, 9, 24)),
]


def seed_results(session) -> None:
    add_timetable(session, TWO_TERMS)
    student = dict(session.execute(select(Student.external_id, Student.id)).all())
    course = {c.code: c for c in session.scalars(select(NetworkCourse))}
    course["NC-PY-11"].assessment_form = AssessmentForm.PASS_FAIL
    for (ext, code), statuses in ATTENDANCE.items():
        lessons = session.scalars(select(Lesson).where(Lesson.course_id == course[code].id).order_by(Lesson.date))
        for lesson, status in zip(lessons, statuses, strict=True):
            session.add(AttendanceMark(lesson_id=lesson.id, student_id=student[ext], status=status, kind=KINDS[status],
                                       taken_by="T-1"))
    items: dict[tuple[str, str], GradeItem] = {}
    for ext, code, item_type, name, pct, day in GRADES:
        item = items.get((code, name))
        if item is None:
            item = items[(code, name)] = GradeItem(course_id=course[code].id, moodle_id=len(items) + 1,
                                                   item_type=item_type, name=name)
            session.add(item)
            session.flush()
        session.add(Grade(item_id=item.id, student_id=student[ext], raw=pct, grade_min=0, grade_max=100,
                          percentage=pct, graded_at=dt.datetime.combine(day, dt.time(12), dt.UTC)))
    session.commit()
