"""The registry seen through the templates: rows keyed by external ids, values as templates hold them.

Import and export share this view, which is what makes a round trip change nothing: the export
writes what :func:`snapshot` reads, and the import compares the file with the same snapshot.
References are external ids here (a student's ``school_id`` is the school's external id); the
database ids are looked up only when rows are written (:func:`id_map`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bridge.models import (
    AcademicYear,
    BellPeriod,
    ClassLesson,
    CourseTeacher,
    CurriculumLoad,
    Enrolment,
    Holiday,
    LessonSlot,
    NetworkCourse,
    School,
    Student,
    Teacher,
    Term,
)
from bridge.transfer.templates import TEMPLATES

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Binding:
    """How a template maps onto a model.

    ``query`` selects the primary key column(s) (``ident`` of them), then the template's key
    columns, then its stored columns, in template order. ``attrs`` maps template columns to model
    attributes; a column the template lists in ``refs`` holds an external id, written as the id.
    """

    model: type
    query: Select
    attrs: Mapping[str, str]
    ident: int = 1


def _opt_school() -> Any:
    return func.coalesce(School.external_id, "")


_PERSON = ("last_name", "first_name", "middle_name", "email")

BINDINGS: dict[str, Binding] = {
    "schools": Binding(
        School,
        select(
            School.id, School.external_id, School.name, School.short_name, School.role, School.municipality,
            School.address, School.timezone, School.week_days, School.student_count,
        ).order_by(School.external_id),
        {"school_id": "external_id", **{c: c for c in TEMPLATES["schools"].stored}},
    ),
    "academic_years": Binding(
        AcademicYear,
        select(AcademicYear.id, AcademicYear.code, AcademicYear.starts_on, AcademicYear.ends_on).order_by(
            AcademicYear.code
        ),
        {"year_code": "code", "starts_on": "starts_on", "ends_on": "ends_on"},
    ),
    "terms": Binding(
        Term,
        select(Term.id, AcademicYear.code, _opt_school(), Term.number, Term.name, Term.starts_on, Term.ends_on)
        .join(AcademicYear, Term.academic_year_id == AcademicYear.id)
        .outerjoin(School, Term.school_id == School.id)
        .order_by(AcademicYear.code, _opt_school(), Term.number),
        {"year_code": "academic_year_id", "school_id": "school_id", "number": "number", "name": "name",
         "starts_on": "starts_on", "ends_on": "ends_on"},
    ),
    "holidays": Binding(
        Holiday,
        select(Holiday.id, AcademicYear.code, _opt_school(), Holiday.name, Holiday.starts_on, Holiday.ends_on)
        .join(AcademicYear, Holiday.academic_year_id == AcademicYear.id)
        .outerjoin(School, Holiday.school_id == School.id)
        .order_by(AcademicYear.code, _opt_school(), Holiday.starts_on, Holiday.name),
        {"year_code": "academic_year_id", "school_id": "school_id", "name": "name",
         "starts_on": "starts_on", "ends_on": "ends_on"},
    ),
    "bell_schedules": Binding(
        BellPeriod,
        select(BellPeriod.id, School.external_id, BellPeriod.period, BellPeriod.starts_at, BellPeriod.ends_at)
        .join(School, BellPeriod.school_id == School.id)
        .order_by(School.external_id, BellPeriod.period),
        {"school_id": "school_id", "period": "period", "starts_at": "starts_at", "ends_at": "ends_at"},
    ),
    "teachers": Binding(
        Teacher,
        select(Teacher.id, Teacher.external_id, *(getattr(Teacher, a) for a in _PERSON), School.external_id)
        .join(School, Teacher.school_id == School.id)
        .order_by(Teacher.external_id),
        {"teacher_id": "external_id", **{a: a for a in _PERSON}, "school_id": "school_id"},
    ),
    "students": Binding(
        Student,
        select(
            Student.id, Student.external_id, *(getattr(Student, a) for a in _PERSON), School.external_id,
            Student.grade, Student.class_letter,
        )
        .join(School, Student.school_id == School.id)
        .order_by(Student.external_id),
        {"student_id": "external_id", **{a: a for a in _PERSON}, "school_id": "school_id",
         "grade": "grade", "class_letter": "class_letter"},
    ),
    "courses": Binding(
        NetworkCourse,
        select(
            NetworkCourse.id, NetworkCourse.code, NetworkCourse.title, NetworkCourse.subject,
            NetworkCourse.subject_area, NetworkCourse.grade_from, NetworkCourse.grade_to,
            NetworkCourse.hours_per_week, School.external_id, AcademicYear.code,
        )
        .join(School, NetworkCourse.provider_school_id == School.id)
        .join(AcademicYear, NetworkCourse.academic_year_id == AcademicYear.id)
        .order_by(NetworkCourse.code),
        {"course_code": "code", "title": "title", "subject": "subject", "subject_area": "subject_area",
         "grade_from": "grade_from", "grade_to": "grade_to", "hours_per_week": "hours_per_week",
         "provider_school_id": "provider_school_id", "year_code": "academic_year_id"},
    ),
    "lesson_slots": Binding(
        LessonSlot,
        select(LessonSlot.id, NetworkCourse.code, LessonSlot.weekday, LessonSlot.starts_at, LessonSlot.duration_minutes)
        .join(NetworkCourse, LessonSlot.course_id == NetworkCourse.id)
        .order_by(NetworkCourse.code, LessonSlot.weekday, LessonSlot.starts_at),
        {"course_code": "course_id", "weekday": "weekday", "starts_at": "starts_at",
         "duration_minutes": "duration_minutes"},
    ),
    "enrolments": Binding(
        Enrolment,
        select(Enrolment.id, Student.external_id, NetworkCourse.code, Enrolment.status, Enrolment.starts_on,
               Enrolment.ends_on)
        .join(Student, Enrolment.student_id == Student.id)
        .join(NetworkCourse, Enrolment.course_id == NetworkCourse.id)
        .order_by(Student.external_id, NetworkCourse.code),
        {"student_id": "student_id", "course_code": "course_id", "status": "status",
         "starts_on": "starts_on", "ends_on": "ends_on"},
    ),
    "class_timetable": Binding(
        ClassLesson,
        select(ClassLesson.id, School.external_id, ClassLesson.grade, ClassLesson.class_letter, ClassLesson.weekday,
               ClassLesson.period, ClassLesson.subject)
        .join(School, ClassLesson.school_id == School.id)
        .order_by(School.external_id, ClassLesson.grade, ClassLesson.class_letter, ClassLesson.weekday,
                  ClassLesson.period),
        {"school_id": "school_id", "grade": "grade", "class_letter": "class_letter", "weekday": "weekday",
         "period": "period", "subject": "subject"},
    ),
    "curriculum_load": Binding(
        CurriculumLoad,
        select(CurriculumLoad.id, School.external_id, CurriculumLoad.grade, CurriculumLoad.hours_per_week)
        .join(School, CurriculumLoad.school_id == School.id)
        .order_by(School.external_id, CurriculumLoad.grade),
        {"school_id": "school_id", "grade": "grade", "hours_per_week": "hours_per_week"},
    ),
    "course_teachers": Binding(
        CourseTeacher,
        select(CourseTeacher.course_id, CourseTeacher.teacher_id, NetworkCourse.code, Teacher.external_id)
        .join(NetworkCourse, CourseTeacher.course_id == NetworkCourse.id)
        .join(Teacher, CourseTeacher.teacher_id == Teacher.id)
        .order_by(NetworkCourse.code, Teacher.external_id),
        {"course_code": "course_id", "teacher_id": "teacher_id"},
        ident=2,
    ),
}

# The column holding the external key of the templates others refer to.
_KEY_COLUMNS = {
    "schools": School.external_id,
    "academic_years": AcademicYear.code,
    "teachers": Teacher.external_id,
    "students": Student.external_id,
    "courses": NetworkCourse.code,
}


@dataclass(frozen=True, slots=True)
class Existing:
    ident: Any  # primary key (a tuple for course_teachers)
    values: tuple[Any, ...]  # stored columns, in template order


def rows(session: Session, template: str) -> Iterator[tuple[Any, ...]]:
    """Every row of the template in the registry: primary key column(s), key columns, stored columns."""
    # Core execution on the session's connection: plain tuples, no ORM row processing.
    result = session.connection().execute(BINDINGS[template].query, execution_options={"yield_per": 5000})
    yield from result


def snapshot(session: Session, template: str) -> dict[Key, Existing]:
    t = TEMPLATES[template]
    n, k = BINDINGS[template].ident, len(t.key)
    out: dict[Key, Existing] = {}
    for row in rows(session, template):
        ident = row[0] if n == 1 else tuple(row[:n])
        out[tuple(row[n : n + k])] = Existing(ident, tuple(row[n + k :]))
    return out


def id_map(session: Session, template: str) -> dict[Key, int]:
    """External key -> database id, for the templates others refer to."""
    column = _KEY_COLUMNS[template]
    model = BINDINGS[template].model
    return {(key,): ident for key, ident in session.execute(select(column, model.id))}
