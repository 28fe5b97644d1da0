"""What the reports read from the registry: enrolled students by home school and course, their
attendance marks, their grades, and each home school's terms."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bridge.db import utc
from bridge.models import (
    AssessmentForm,
    AttendanceKind,
    AttendanceMark,
    CourseTeacher,
    Enrolment,
    EnrolmentStatus,
    Grade,
    GradeItem,
    Lesson,
    NetworkCourse,
    ScheduleStatus,
    School,
    Student,
    Term,
)
from bridge.reports.marks import GradePoint


@dataclass(frozen=True)
class Scope:
    """Which students a report covers. ``school_id`` is asked for; ``own_school_id`` (a coordinator's)
    and ``teacher_id`` (a teacher's courses) are imposed by the role; all apply together."""

    school_id: int | None = None
    own_school_id: int | None = None
    teacher_id: int | None = None
    term: int | None = None

    def narrow(self, query: Select) -> Select:
        for school in (self.school_id, self.own_school_id):
            if school is not None:
                query = query.where(Student.school_id == school)
        if self.teacher_id is not None:
            query = query.where(NetworkCourse.id.in_(
                select(CourseTeacher.course_id).where(CourseTeacher.teacher_id == self.teacher_id)))
        return query


@dataclass(frozen=True)
class Enrolled:
    student_id: int
    student: str
    name: str
    class_name: str
    school_id: int
    school: str
    school_name: str
    course_id: int
    course: str
    course_title: str
    year_id: int
    form: AssessmentForm | None
    starts_on: dt.date
    last_access: dt.datetime | None  # the last visit to the course in Moodle (bridge.pull.access)
    access_read: bool  # whether a pull has asked Moodle (else no last access says nothing)
    in_force: bool  # on the day asked for (bridge.models.Enrolment.in_force): only then can it be at risk


def enrolled(session: Session, scope: Scope, day: dt.date) -> list[Enrolled]:
    """Students enrolled (not withdrawn), by home school, course and name; whether in force on ``day``."""
    query = scope.narrow(
        select(Student.id, Student.external_id, Student.last_name, Student.first_name, Student.middle_name,
               Student.grade, Student.class_letter, School.id, School.external_id, School.short_name,
               NetworkCourse.id, NetworkCourse.code, NetworkCourse.title, NetworkCourse.academic_year_id,
               NetworkCourse.assessment_form, Enrolment.starts_on, Enrolment.last_course_access,
               Enrolment.course_access_read, Enrolment.in_force(day, day))
        .select_from(Enrolment).join(Student, Student.id == Enrolment.student_id)
        .join(School, School.id == Student.school_id).join(NetworkCourse, NetworkCourse.id == Enrolment.course_id)
        .where(Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .order_by(School.external_id, NetworkCourse.code, Student.last_name, Student.first_name, Student.external_id))
    return [Enrolled(sid, ext, " ".join(p for p in (last, first, middle) if p), f"{grade}{letter}", school_id,
                     school_ext, school_name, cid, code, title, year_id, form, starts, utc(seen), read, bool(in_force))
            for (sid, ext, last, first, middle, grade, letter, school_id, school_ext, school_name, cid, code, title,
                 year_id, form, starts, seen, read, in_force) in session.execute(query)]


@dataclass(frozen=True)
class Attendance:
    day: dt.date
    status: str
    kind: AttendanceKind


def attendance_of(session: Session, scope: Scope) -> dict[tuple[int, int], list[Attendance]]:
    """(student id, course id) → marks of lessons not cancelled, by date."""
    query = scope.narrow(
        select(AttendanceMark.student_id, Lesson.course_id, Lesson.date, AttendanceMark.status, AttendanceMark.kind)
        .join(Lesson, Lesson.id == AttendanceMark.lesson_id).join(Student, Student.id == AttendanceMark.student_id)
        .join(NetworkCourse, NetworkCourse.id == Lesson.course_id)
        .where(Lesson.status != ScheduleStatus.CANCELLED).order_by(Lesson.date, Lesson.starts_at))
    out: dict[tuple[int, int], list[Attendance]] = defaultdict(list)
    for student_id, course_id, day, status, kind in session.execute(query):
        out[(student_id, course_id)].append(Attendance(day, status, kind))
    return out


def grades_of(session: Session, scope: Scope, timezone: str) -> dict[tuple[int, int], list[GradePoint]]:
    """(student id, course id) → grades, dated in the district's zone."""
    zone = ZoneInfo(timezone)
    query = scope.narrow(
        select(Grade.student_id, GradeItem.course_id, Grade.percentage, Grade.graded_at, GradeItem.item_type)
        .join(GradeItem, GradeItem.id == Grade.item_id).join(Student, Student.id == Grade.student_id)
        .join(NetworkCourse, NetworkCourse.id == GradeItem.course_id))
    out: dict[tuple[int, int], list[GradePoint]] = defaultdict(list)
    for student_id, course_id, pct, graded_at, item_type in session.execute(query):
        graded_at = utc(graded_at)
        day = graded_at.astimezone(zone).date() if graded_at else None
        out[(student_id, course_id)].append(GradePoint(pct, day, total=item_type == "course"))
    return out


class HomeTerms:
    """Each home school's terms (its own, else the district's) by academic year and number."""

    def __init__(self, session: Session) -> None:
        self._terms: dict[tuple[int, int | None], dict[int, tuple[dt.date, dt.date]]] = defaultdict(dict)
        for year_id, school_id, number, start, end in session.execute(
                select(Term.academic_year_id, Term.school_id, Term.number, Term.starts_on, Term.ends_on)):
            self._terms[(year_id, school_id)][number] = (start, end)

    def span(self, year_id: int, school_id: int, number: int) -> tuple[dt.date, dt.date] | None:
        own = self._terms.get((year_id, school_id)) or self._terms.get((year_id, None), {})
        return own.get(number)
