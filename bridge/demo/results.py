"""A plausible year to date of attendance and grades for the demo district, as if pulled from Moodle.

Without it a new user's first look at the console is empty charts, zero reports and an empty at-risk
list. The results are generated, never pulled, so they are marked as such: attendance is ``taken_by``
:data:`DEMO_MARK` and grade items have negative Moodle ids (a real Moodle id is positive). They are
deterministic: every value is a hash of the student, the course and the lesson's date (not of random
uids), so two fresh demos on the same day hold the same marks. Running it again adds only what became
due since (lessons held, works graded) and changes nothing else. The caller makes sure the registry is
the demo's (:func:`bridge.demo.check_demo_registry`): generated marks must never mix with real ones.

The teachers' monitoring has something to show too: about one lesson in twelve has its attendance taken
two days late and one in twenty-five never (no marks); works are submitted before they are graded, and
about one in twelve submitted in the last two weeks waits ungraded; the students who struggle have
mostly stopped opening their courses (each enrolment's last course access, set afresh for ``today``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update

from bridge.models import (
    AttendanceKind,
    AttendanceMark,
    Enrolment,
    Grade,
    GradeItem,
    Lesson,
    NetworkCourse,
    ScheduleStatus,
    Student,
)

DEMO_MARK = "demo"
COURSE_TOTAL_ID = -1000  # the course total's item; works are -1, -2, ...
WORKS_A_MONTH = 2
NEVER_TAKEN, TAKEN_LATE = 0.04, 0.08  # shares of lessons
WAITING = 0.08  # share of the last two weeks' works not graded yet
STATUS = {AttendanceKind.PRESENT: "P", AttendanceKind.LATE: "L", AttendanceKind.EXCUSED: "E",
          AttendanceKind.ABSENT: "A"}


def _unit(*key: object) -> float:
    """A number in [0, 1) fixed by ``key``: the demo's only source of chance."""
    digest = hashlib.blake2b(":".join(map(str, key)).encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


def _struggles(student: str) -> bool:
    """About one student in eight misses lessons and fails works: the at-risk list has someone to show."""
    return _unit("struggles", student) < 0.125


def _attendance(student: str, course: str, day: dt.date) -> AttendanceKind:
    roll = _unit("attendance", student, course, day)
    absent, excused, late = (0.25, 0.12, 0.05) if _struggles(student) else (0.03, 0.05, 0.04)
    if roll < absent:
        return AttendanceKind.ABSENT
    if roll < absent + excused:
        return AttendanceKind.EXCUSED
    return AttendanceKind.LATE if roll < absent + excused + late else AttendanceKind.PRESENT


def _score(student: str, course: str, work: int) -> float:
    low, high = (15, 60) if _struggles(student) else (55, 100)
    return float(round(low + (high - low) * _unit("score", student, course, work)))


@dataclass(frozen=True)
class DemoResults:
    attendance: int
    grades: int

    def describe(self) -> str:
        return (f"demo results (generated, not from Moodle): {self.attendance} attendance marks and "
                f"{self.grades} grades added")


def generate_results(session, today: dt.date, timezone: str) -> DemoResults:
    """Attendance for every lesson held before ``today`` that has none, two graded works a month per course
    (the 10th and the 20th) up to ``today``, and each student's course total as the mean of their works."""
    codes = dict(session.execute(select(NetworkCourse.id, NetworkCourse.code)).all())
    enrolled: dict[int, list[tuple[int, str, dt.date]]] = defaultdict(list)
    for course_id, student_id, ext, starts in session.execute(
            select(Enrolment.course_id, Student.id, Student.external_id, Enrolment.starts_on).join(Student)):
        enrolled[course_id].append((student_id, ext, starts))
    marked = set(session.scalars(select(AttendanceMark.lesson_id).where(AttendanceMark.lesson_id.is_not(None))))
    durations = dict(session.execute(select(Lesson.id, Lesson.duration_minutes)).all())
    rows, lessons = [], []
    for lesson_id, course_id, day, at, zone in session.execute(
            select(Lesson.id, Lesson.course_id, Lesson.date, Lesson.starts_at, Lesson.timezone)
            .where(Lesson.date < today, Lesson.status != ScheduleStatus.CANCELLED).order_by(Lesson.id)):
        if lesson_id in marked:
            continue
        roll = _unit("taken", codes[course_id], day)
        if roll < NEVER_TAKEN:
            continue
        taken = dt.datetime.combine(day, at, ZoneInfo(zone)) + dt.timedelta(minutes=50)
        if roll < NEVER_TAKEN + TAKEN_LATE:
            taken += dt.timedelta(days=2)
        lessons.append({"id": lesson_id, "attendance_taken_at": taken.astimezone(dt.UTC),
                        "attendance_delay_minutes": int((taken - dt.datetime.combine(day, at, ZoneInfo(zone))
                                                         ).total_seconds() // 60) - durations[lesson_id]})
        for student_id, ext, starts in enrolled[course_id]:
            if starts <= day:
                kind = _attendance(ext, codes[course_id], day)
                rows.append({"lesson_id": lesson_id, "student_id": student_id, "status": STATUS[kind], "kind": kind,
                             "taken_by": DEMO_MARK, "taken_at": taken})
    if rows:
        session.execute(insert(AttendanceMark), rows)
    if lessons:
        session.execute(update(Lesson), lessons)
    _course_access(session, today, ZoneInfo(timezone))
    return DemoResults(len(rows), _grades(session, codes, enrolled, today, ZoneInfo(timezone)))


def _work_days(first: dt.date, today: dt.date) -> list[dt.date]:
    days, month = [], first.replace(day=1)
    while month < today:
        days += [month.replace(day=d) for d in (10, 20)[:WORKS_A_MONTH] if month.replace(day=d) < today]
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return days


def _grades(session, codes: dict[int, str], enrolled, today: dt.date, zone: ZoneInfo) -> int:
    items = {(c, m): i for c, m, i in session.execute(select(GradeItem.course_id, GradeItem.moodle_id, GradeItem.id))}
    graded = {(i, s): (g, p) for i, s, g, p in session.execute(select(Grade.item_id, Grade.student_id, Grade.id,
                                                                      Grade.percentage))}
    first_lesson = dict(session.execute(
        select(Lesson.course_id, func.min(Lesson.date)).group_by(Lesson.course_id)).all())
    added = 0
    for course_id, code in codes.items():
        if course_id not in first_lesson:
            continue
        works: dict[int, list[float]] = defaultdict(list)
        for number, day in enumerate(_work_days(first_lesson[course_id], today), start=1):
            item_id = items.get((course_id, -number))
            if item_id is None:
                item = GradeItem(course_id=course_id, moodle_id=-number, item_type="mod", name=f"Работа {number}")
                session.add(item)
                session.flush()
                item_id = items[course_id, -number] = item.id
            at = dt.datetime.combine(day, dt.time(18), zone)
            for student_id, ext, starts in enrolled[course_id]:
                if starts > day:
                    continue
                submitted = at - dt.timedelta(hours=4 + 68 * _unit("submitted", ext, code, number))
                if (day >= today - dt.timedelta(days=14) and _unit("waits", ext, code, number) < WAITING):
                    if (item_id, student_id) not in graded:
                        session.add(Grade(item_id=item_id, student_id=student_id, raw=None, grade_max=100.0,
                                          submitted_at=submitted))
                    continue
                score = _score(ext, code, number)
                works[student_id].append(score)
                if (item_id, student_id) not in graded:
                    session.add(Grade(item_id=item_id, student_id=student_id, raw=score, grade_max=100.0,
                                      percentage=score, graded_at=at, submitted_at=submitted))
                    added += 1
        added += _course_totals(session, course_id, works, items, graded, today, zone)
    return added


def _course_access(session, today: dt.date, zone: ZoneInfo) -> None:
    """Each enrolment's last visit to its course: a day or a few ago, or weeks ago for most who struggle."""
    rows = []
    for enrolment_id, ext, code in session.execute(select(Enrolment.id, Student.external_id, NetworkCourse.code)
                                                   .join(Student).join(NetworkCourse)):
        roll = _unit("access", ext, code)
        days = 20 + round(20 * roll) if _struggles(ext) and roll < 0.6 else 1 + round(4 * roll)
        seen = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(17), zone).astimezone(dt.UTC)
        rows.append({"id": enrolment_id, "last_course_access": seen, "course_access_read": True})
    if rows:
        session.execute(update(Enrolment), rows)


def _course_totals(session, course_id: int, works: dict[int, list[float]], items, graded, today: dt.date,
                   zone: ZoneInfo) -> int:
    """Moodle's course total: here the plain mean of the works, kept up to date as works are added."""
    if not works:
        return 0
    item_id = items.get((course_id, COURSE_TOTAL_ID))
    if item_id is None:
        item = GradeItem(course_id=course_id, moodle_id=COURSE_TOTAL_ID, item_type="course", name="Итог курса")
        session.add(item)
        session.flush()
        item_id = item.id
    added = 0
    for student_id, scores in works.items():
        total = round(sum(scores) / len(scores), 2)
        grade_id, old = graded.get((item_id, student_id), (None, None))
        if grade_id is None:
            session.add(Grade(item_id=item_id, student_id=student_id, raw=total, grade_max=100.0, percentage=total,
                              graded_at=dt.datetime.combine(today, dt.time(0), zone)))
            added += 1
        elif old != total:
            grade = session.get(Grade, grade_id)
            grade.raw = grade.percentage = total
    return added
