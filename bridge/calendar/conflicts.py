"""Where network lessons clash with the schools' own calendars and daily regimes.

Three checks, each comparing real instants (a network lesson is set in the provider school's zone,
a class lesson in the home school's zone by its bell schedule):

- a student's network lesson overlaps a lesson of their own class at their home school (only on
  the home school's teaching days: inside its terms, not on its holidays);
- a network lesson falls on a holiday of the student's home school (its own or the district's);
- a teacher has two lessons at once (overlapping, whatever their courses).

Cancelled lessons count for nothing; a student's lessons count from the start to the end of the
enrolment. Findings are grouped by what clashes with what, each with its dates.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bridge.calendar.days import SchoolDaysCache
from bridge.models import (
    BellPeriod,
    ClassLesson,
    CourseTeacher,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    NetworkCourse,
    School,
    ScheduleStatus,
    Student,
    Teacher,
)


class ConflictKind(enum.StrEnum):
    CLASS_LESSON = "class_lesson"
    HOME_HOLIDAY = "home_holiday"
    TEACHER_OVERLAP = "teacher_overlap"


KIND_TEXT = {
    ConflictKind.CLASS_LESSON: "урок своего класса",
    ConflictKind.HOME_HOLIDAY: "выходной в своей школе",
    ConflictKind.TEACHER_OVERLAP: "два занятия сразу",
}


@dataclass(frozen=True)
class Conflict:
    kind: ConflictKind
    school: str  # external id of the home school (students) or the teacher's school
    school_name: str
    person: str  # external id of the student or teacher
    person_name: str
    course: str
    detail: str  # the class lesson, the holiday, or the other course
    dates: tuple[dt.date, ...]

    def as_dict(self) -> dict:
        return {**asdict(self), "kind": self.kind.value, "dates": [d.isoformat() for d in self.dates]}


@dataclass(frozen=True)
class _Timed:
    lesson: Lesson
    start: dt.datetime
    end: dt.datetime


def find_conflicts(session: Session) -> list[Conflict]:
    lessons: dict[int, list[_Timed]] = defaultdict(list)
    for lesson in session.scalars(
        select(Lesson)
        .where(Lesson.status != ScheduleStatus.CANCELLED)
        .options(joinedload(Lesson.course))
        .order_by(Lesson.date, Lesson.starts_at)
    ):
        lessons[lesson.course_id].append(_Timed(lesson, lesson.start, lesson.end))
    found = _student_conflicts(session, lessons) + _teacher_conflicts(session, lessons)
    return sorted(found, key=lambda c: (c.school, c.kind, c.person, c.course, c.detail))


def _class_periods(session: Session) -> dict[tuple[int, int, str], dict[int, list[tuple[int, str, BellPeriod]]]]:
    """(school, grade, class letter) → weekday → [(period, subject, bell period)]; a lesson whose
    period has no bell time cannot be placed in time and is left out."""
    bells = {(b.school_id, b.period): b for b in session.scalars(select(BellPeriod))}
    table: dict = defaultdict(lambda: defaultdict(list))
    for cl in session.scalars(select(ClassLesson).order_by(ClassLesson.period)):
        bell = bells.get((cl.school_id, cl.period))
        if bell is not None:
            table[(cl.school_id, cl.grade, cl.class_letter)][cl.weekday].append((cl.period, cl.subject, bell))
    return table


def _student_conflicts(session: Session, lessons: dict[int, list[_Timed]]) -> list[Conflict]:
    enrolments = session.scalars(
        select(Enrolment)
        .where(Enrolment.status == EnrolmentStatus.ACTIVE)
        .options(joinedload(Enrolment.student).joinedload(Student.school), joinedload(Enrolment.course))
    ).all()
    # Students of one class in one course share every clash: work it out once per class.
    groups: dict[tuple[int, int, int, str], list[Enrolment]] = defaultdict(list)
    for e in enrolments:
        groups[(e.course_id, e.student.school_id, e.student.grade, e.student.class_letter)].append(e)
    periods = _class_periods(session)
    days = SchoolDaysCache(session)
    found = []
    for (course_id, school_id, grade, letter), members in groups.items():
        home: School = members[0].student.school
        course: NetworkCourse = members[0].course
        calendar = days(course.academic_year_id, school_id)
        timetable = periods.get((school_id, grade, letter), {})
        tz = ZoneInfo(home.timezone)
        clashes: dict[tuple[ConflictKind, str], list[dt.date]] = defaultdict(list)
        for timed in lessons.get(course_id, ()):
            start, end = timed.start.astimezone(tz), timed.end.astimezone(tz)
            day = start.date()
            holiday = calendar.holiday(day)
            if holiday is not None:
                clashes[(ConflictKind.HOME_HOLIDAY, holiday)].append(day)
                continue
            if not calendar.in_term(day):
                continue
            for period, subject, bell in timetable.get(day.isoweekday(), ()):
                if start < dt.datetime.combine(day, bell.ends_at, tz) and dt.datetime.combine(day, bell.starts_at, tz) < end:
                    clashes[(ConflictKind.CLASS_LESSON, f"{period} урок" + (f": {subject}" if subject else ""))].append(day)
        for e in members:
            for (kind, detail), dates in clashes.items():
                mine = tuple(d for d in dates if e.starts_on <= d and (e.ends_on is None or d <= e.ends_on))
                if mine:
                    found.append(
                        Conflict(kind, home.external_id, home.short_name, e.student.external_id,
                                 e.student.full_name, course.code, detail, mine)
                    )
    return found


def _teacher_conflicts(session: Session, lessons: dict[int, list[_Timed]]) -> list[Conflict]:
    courses_of: dict[int, list[int]] = defaultdict(list)
    for teacher_id, course_id in session.execute(select(CourseTeacher.teacher_id, CourseTeacher.course_id)):
        courses_of[teacher_id].append(course_id)
    teachers = {t.id: t for t in session.scalars(select(Teacher).options(joinedload(Teacher.school)))}
    found = []
    for teacher_id, course_ids in courses_of.items():
        teacher = teachers[teacher_id]
        timed = sorted((t for c in course_ids for t in lessons.get(c, ())), key=lambda t: t.start)
        clashes: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        for i, first in enumerate(timed):
            for second in timed[i + 1 :]:
                if second.start >= first.end:
                    break
                a, b = sorted((first.lesson.course.code, second.lesson.course.code))
                clashes[(a, b)].append(first.lesson.date)
        for (a, b), dates in clashes.items():
            found.append(
                Conflict(ConflictKind.TEACHER_OVERLAP, teacher.school.external_id, teacher.school.short_name,
                         teacher.external_id, teacher.full_name, a, f"одновременно с {b}", tuple(sorted(set(dates))))
            )
    return found
