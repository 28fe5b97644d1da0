"""The import templates: one table per registry entity, with the columns the administrator fills.

This module is the single description of the templates. The readers recognise files by it,
validation parses cells with its kinds, the export writes its columns, and
docs/import-templates.md is generated from it (``python -m bridge.transfer.docs``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from bridge.transfer.cells import (
    Choice,
    Date,
    Email,
    Ident,
    IdList,
    Integer,
    Kind,
    Text,
    Time,
    Timezone,
    Weekday,
    YearCode,
)

# A row check gets the parsed values of a row (only valid, present cells) and yields
# (column to blame, reason code, params).
RowCheck = Callable[[Mapping[str, Any]], Iterator[tuple[str, str, dict[str, Any]]]]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool
    example: str
    note: str = ""
    default: Any = None
    # The default of an empty cell is another column's value (short_name <- name), cut to fit.
    default_from: str | None = None


@dataclass(frozen=True)
class Template:
    name: str
    about: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Column -> template it refers to (by that template's key).
    refs: Mapping[str, str] = field(default_factory=dict)
    # Set templates: all rows of one owner (a school, a course) are replaced by the file's rows.
    owner: str | None = None
    checks: tuple[RowCheck, ...] = ()
    # Column -> internal template it feeds (courses.teacher_ids -> course_teachers).
    derived: Mapping[str, str] = field(default_factory=dict)
    # Internal templates are derived from another template's column and never read or written as files.
    internal: bool = False

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @cached_property
    def stored(self) -> tuple[str, ...]:
        """Columns kept on the entity's own row besides the key: what "unchanged" compares."""
        return tuple(c.name for c in self.columns if c.name not in self.key and c.name not in self.derived)

    @cached_property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def ordered(starts: str, ends: str, *, strict: bool = False) -> RowCheck:
    code = "ends_not_after_starts" if strict else "ends_before_starts"

    def check(values: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
        a, b = values.get(starts), values.get(ends)
        if a is not None and b is not None and (b <= a if strict else b < a):
            yield ends, code, {"starts": show(a), "ends": show(b)}

    return check


def show(value: Any) -> str:
    """A date or time as the templates write it."""
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value.isoformat()


def _grades(values: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    lo, hi = values.get("grade_from"), values.get("grade_to")
    if lo is not None and hi is not None and hi < lo:
        yield "grade_to", "grades_reversed", {"frm": lo, "to": hi}


def _col(name: str, kind: Kind, example: str, note: str = "", **kw: Any) -> Column:
    return Column(name, kind, kw.pop("required", True), example, note, **kw)


def _opt(name: str, kind: Kind, example: str, note: str = "", **kw: Any) -> Column:
    return Column(name, kind, False, example, note, **kw)


_GRADE = Integer(1, 11)
_PERIOD = Integer(0, 20)
_NAME = Text(100)
_SCHOOL = "school_id"

_PEOPLE = (
    _col("last_name", _NAME, "Иванова"),
    _col("first_name", _NAME, "Мария"),
    _opt("middle_name", _NAME, "Сергеевна", default=""),
    _opt("email", Email(), "m.ivanova@school8.example.ru"),
    _col(_SCHOOL, Ident(), "sch-08", "the person's school"),
)

TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "schools",
            "Schools of the network.",
            (
                _col(_SCHOOL, Ident(), "sch-08", "stable id of the school"),
                _col("name", Text(255), "МОУ СОШ № 8"),
                _opt("short_name", Text(64), "СОШ 8", "empty: the name (first 64 characters)", default_from="name"),
                _opt(
                    "role",
                    Choice(
                        ("base", "resource_centre", "participant"),
                        (
                            ("базовая школа", "base"),
                            ("ресурсный центр", "resource_centre"),
                            ("школа-участник", "participant"),
                        ),
                    ),
                    "resource_centre",
                    "empty: participant",
                    default="participant",
                ),
                _opt("municipality", Text(255), "г. Волжский", default=""),
                _opt("address", Text(500), "ул. Мира, 10", default=""),
                _opt("timezone", Timezone(), "Europe/Volgograd", "empty: Europe/Moscow", default="Europe/Moscow"),
                _opt("week_days", Integer(5, 6), "5", "5- or 6-day week; empty: 5", default=5),
                _opt("student_count", Integer(0, 100_000), "640", "all students of the school; empty: 0", default=0),
            ),
            key=(_SCHOOL,),
        ),
        Template(
            "academic_years",
            "Academic years.",
            (
                _col("year_code", YearCode(), "2026-2027"),
                _col("starts_on", Date(), "2026-09-01"),
                _col("ends_on", Date(), "2027-05-31"),
            ),
            key=("year_code",),
            checks=(ordered("starts_on", "ends_on", strict=True),),
        ),
        Template(
            "terms",
            "Terms (четверти, триместры, полугодия) of a year: the district's default ones or one school's own.",
            (
                _col("year_code", YearCode(), "2026-2027"),
                _opt(_SCHOOL, Ident(), "", "empty: the district's default terms", default=""),
                _col("number", Integer(1, 12), "1"),
                _col("name", Text(64), "1 четверть"),
                _col("starts_on", Date(), "2026-09-01"),
                _col("ends_on", Date(), "2026-10-24"),
            ),
            key=("year_code", _SCHOOL, "number"),
            refs={"year_code": "academic_years", _SCHOOL: "schools"},
            checks=(ordered("starts_on", "ends_on"),),
        ),
        Template(
            "holidays",
            "Days without lessons: district-wide or one school's. Keyed by year, school and name.",
            (
                _col("year_code", YearCode(), "2026-2027"),
                _opt(_SCHOOL, Ident(), "", "empty: district-wide", default=""),
                _col("name", Text(255), "Осенние каникулы"),
                _col("starts_on", Date(), "2026-10-26"),
                _col("ends_on", Date(), "2026-11-03"),
            ),
            key=("year_code", _SCHOOL, "name"),
            refs={"year_code": "academic_years", _SCHOOL: "schools"},
            checks=(ordered("starts_on", "ends_on"),),
        ),
        Template(
            "bell_schedules",
            "Bell schedule of a school (school's local time). Replaces the whole schedule of every school it names.",
            (
                _col(_SCHOOL, Ident(), "sch-08"),
                _col("period", _PERIOD, "1", "lesson number (0 for a lesson before the first)"),
                _col("starts_at", Time(), "08:30"),
                _col("ends_at", Time(), "09:10"),
            ),
            key=(_SCHOOL, "period"),
            owner=_SCHOOL,
            refs={_SCHOOL: "schools"},
            checks=(ordered("starts_at", "ends_at", strict=True),),
        ),
        Template(
            "teachers",
            "Network teachers.",
            (_col("teacher_id", Ident(), "t-0012", "stable id of the teacher"), *_PEOPLE),
            key=("teacher_id",),
            refs={_SCHOOL: "schools"},
        ),
        Template(
            "students",
            "Students (minors: names, school, grade and class only; e-mail optional).",
            (
                _col("student_id", Ident(), "s-000451", "stable id of the student"),
                *_PEOPLE,
                _col("grade", _GRADE, "9"),
                _opt("class_letter", Text(8), "А", default=""),
            ),
            key=("student_id",),
            refs={_SCHOOL: "schools"},
        ),
        Template(
            "courses",
            "Network courses. teacher_ids replaces the course's teachers when the column is present.",
            (
                _col("course_code", Ident(), "robot-9-2026", "stable code; the course's idnumber in Moodle"),
                _col("title", Text(255), "Робототехника"),
                _col("subject", Text(255), "Технология"),
                _opt("subject_area", Text(255), "Технология", default=""),
                _col("grade_from", _GRADE, "9"),
                _col("grade_to", _GRADE, "11"),
                _col("hours_per_week", Integer(1, 40), "3"),
                _col("provider_school_id", Ident(), "sch-08", "the school that teaches it"),
                _col("year_code", YearCode(), "2026-2027"),
                _opt("teacher_ids", IdList(), "t-0012,t-0031", "empty: no teachers", default=()),
            ),
            key=("course_code",),
            refs={"provider_school_id": "schools", "year_code": "academic_years", "teacher_ids": "teachers"},
            checks=(_grades,),
            derived={"teacher_ids": "course_teachers"},
        ),
        Template(
            "lesson_slots",
            "Weekly lesson slots of a course (provider school's time). Replaces all slots of every course it names.",
            (
                _col("course_code", Ident(), "robot-9-2026"),
                _col("weekday", Weekday(), "пн"),
                _col("starts_at", Time(), "14:30"),
                _opt("duration_minutes", Integer(1, 600), "40", "empty: 40", default=40),
            ),
            key=("course_code", "weekday", "starts_at"),
            owner="course_code",
            refs={"course_code": "courses"},
        ),
        Template(
            "enrolments",
            "Students enrolled in network courses, keyed by (student_id, course_code).",
            (
                _col("student_id", Ident(), "s-000451"),
                _col("course_code", Ident(), "robot-9-2026"),
                _opt(
                    "status",
                    Choice(("active", "withdrawn", "completed")),
                    "active",
                    "empty: active",
                    default="active",
                ),
                _col("starts_on", Date(), "2026-09-01"),
                _opt("ends_on", Date(), "", "empty: open-ended"),
            ),
            key=("student_id", "course_code"),
            refs={"student_id": "students", "course_code": "courses"},
            checks=(ordered("starts_on", "ends_on"),),
        ),
        Template(
            "class_timetable",
            "A school's own class timetable (for the clash check). Replaces the timetable of every school it names.",
            (
                _col(_SCHOOL, Ident(), "sch-01"),
                _col("grade", _GRADE, "9"),
                _opt("class_letter", Text(8), "Б", default=""),
                _col("weekday", Weekday(), "2"),
                _col("period", _PERIOD, "3"),
                _opt("subject", Text(255), "Алгебра", default=""),
            ),
            key=(_SCHOOL, "grade", "class_letter", "weekday", "period"),
            owner=_SCHOOL,
            refs={_SCHOOL: "schools"},
        ),
        Template(
            "curriculum_load",
            "Weekly hours of a school's own curriculum per grade (for the SanPiN load check). "
            "Replaces the loads of every school it names.",
            (
                _col(_SCHOOL, Ident(), "sch-01"),
                _col("grade", _GRADE, "9"),
                _col("hours_per_week", Integer(0, 60), "31"),
            ),
            key=(_SCHOOL, "grade"),
            owner=_SCHOOL,
            refs={_SCHOOL: "schools"},
        ),
        Template(
            "course_teachers",
            "Teachers of a course, from courses.teacher_ids.",
            (_col("course_code", Ident(), ""), _col("teacher_id", Ident(), "")),
            key=("course_code", "teacher_id"),
            owner="course_code",
            refs={"course_code": "courses", "teacher_id": "teachers"},
            internal=True,
        ),
    )
}

# Templates in the order they are written: a template only refers to earlier ones.
ORDER: tuple[str, ...] = tuple(TEMPLATES)
FILE_TEMPLATES: tuple[str, ...] = tuple(n for n in ORDER if not TEMPLATES[n].internal)

REF_REASONS = {
    "schools": "unknown_school",
    "academic_years": "unknown_year",
    "teachers": "unknown_teacher",
    "students": "unknown_student",
    "courses": "unknown_course",
}
