"""Dynamics of results by month of the academic year: attendance and mean grade per home school
and per grade (class year). Aggregates only: no names, no student ids, so every role may see them
(the console dashboard and ``GET /api/v1/stats/dynamics``).

- **Attendance** counts what the attendance report counts (:mod:`bridge.reports.tables`): marks of
  lessons not cancelled; present and late are attended (:attr:`AttendanceKind.attended`), absent and
  excused are missed; a lesson without a mark counts neither way. The month is the lesson's own
  (local) date. Unlike the per-student reports, marks of students who have since withdrawn stay in:
  a month's figure is what happened that month and does not change when a student leaves later.
- **Results** are the mean of ``Grade.percentage`` over the items graded in the month (the day of
  ``graded_at`` in the district's zone), without the course total, which is cumulative (the same
  items a term mark takes, :func:`bridge.reports.marks.term_percentage`).

Only the courses of one academic year count (the current one unless asked), and only what is dated
within its months. The work is two grouped queries, whatever the size of the registry: each row is
put in its month by a ``CASE`` over the month boundaries (plain comparisons, so SQLite and PostgreSQL
agree, and the boundaries of grades are instants of the district's zone) and counted per month,
school, grade and kind; Python only folds those few rows. The counts are made per month
(:func:`month_cells`, for any months of the year at once) and the year assembled from them, so the
dashboard's cache can keep each month's and count again only the months a write touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from bridge.models import (
    AcademicYear,
    AttendanceKind,
    AttendanceMark,
    Grade,
    GradeItem,
    Lesson,
    NetworkCourse,
    ScheduleStatus,
    School,
    Student,
)
from bridge.years import current_year, year_by_code
from config import Settings


@dataclass(frozen=True)
class Attended:
    """Lessons with a mark and, of them, attended (present or late)."""

    marked: int
    attended: int

    @property
    def share(self) -> float:
        return round(self.attended / self.marked, 3)

    @property
    def percent(self) -> float:
        return round(100 * self.attended / self.marked, 1)


@dataclass(frozen=True)
class Graded:
    """Grades given in a month and the sum of their percentages."""

    grades: int
    total: float

    @property
    def percent(self) -> float:
        return round(self.total / self.grades, 2)


@dataclass(frozen=True)
class Dynamics:
    """Per month (the first day of it, in academic order): ``attendance_*`` and ``results_*`` by
    home school (external id; ``schools`` gives their short names) and by grade. A month without
    marks or grades for a school or grade is absent from its mapping, never zero."""

    year: str | None
    months: tuple[dt.date, ...]
    schools: dict[str, str]
    attendance_by_school: dict[str, dict[dt.date, Attended]]
    attendance_by_grade: dict[int, dict[dt.date, Attended]]
    results_by_school: dict[str, dict[dt.date, Graded]]
    results_by_grade: dict[int, dict[dt.date, Graded]]

    def percents(self, which: str) -> dict[str, dict[dt.date, float]]:
        """One of the four mappings as chart series: label (school's short name, "11 класс") →
        month → percent (0-100)."""
        data: dict[Any, dict[dt.date, Attended | Graded]] = getattr(self, which)
        out: dict[str, dict[dt.date, float]] = {}
        for key, months in data.items():
            label = f"{key} класс" if isinstance(key, int) else self.schools.get(key, key)
            if label in out:  # two schools of one short name
                label = f"{label} ({key})"
            out[label] = {m: cell.percent for m, cell in months.items()}
        return out

    def as_json(self) -> dict[str, Any]:
        def month(m: dt.date) -> str:
            return f"{m:%Y-%m}"

        def attended(data: dict[Any, dict[dt.date, Attended]]) -> dict[str, Any]:
            return {str(k): {month(m): {"marked": c.marked, "attended": c.attended, "share": c.share}
                             for m, c in v.items()} for k, v in data.items()}

        def graded(data: dict[Any, dict[dt.date, Graded]]) -> dict[str, Any]:
            return {str(k): {month(m): {"grades": c.grades, "percent": c.percent} for m, c in v.items()}
                    for k, v in data.items()}

        return {"academic_year": self.year, "months": [month(m) for m in self.months], "schools": self.schools,
                "attendance_by_school": attended(self.attendance_by_school),
                "attendance_by_grade": attended(self.attendance_by_grade),
                "results_by_school": graded(self.results_by_school),
                "results_by_grade": graded(self.results_by_grade)}


EMPTY = Dynamics(None, (), {}, {}, {}, {}, {})


def months_of(year: AcademicYear) -> tuple[dt.date, ...]:
    """The first days of the months the year spans, in order (September ... May)."""
    out, m = [], year.starts_on.replace(day=1)
    while m <= year.ends_on:
        out.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    return tuple(out)


def _month_index(column: ColumnElement, bounds: list[Any]) -> ColumnElement:
    """0 for ``bounds[0] <= column < bounds[1]``, 1 for the next month, ...; callers keep the column
    within ``[bounds[0], bounds[-1])``."""
    return case(*((column < b, i) for i, b in enumerate(bounds[1:])))


def _next(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def _midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The instant (UTC) a day of the district's zone begins: the grades of a month lie between two."""
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


MonthCells = dict[str, dict[str, dict[str, list]]]
"""A month's counts as JSON: ``{"attendance": {"school": {"12": [marked, attended]}, "grade": {"11": [...]}},
"results": {"school": {"12": [grades, sum of percentages]}, "grade": {...}}}`` (schools by their id)."""


def month_cells(session: Session, year: AcademicYear, months: list[dt.date],
                zone: ZoneInfo) -> dict[dt.date, MonthCells]:
    """The counts of each of ``months`` (first days, of ``year``): two grouped queries over the span from
    the first to the last of them, each row put in its month by a ``CASE`` over the month boundaries."""
    days = [min(months)]
    while days[-1] <= max(months):
        days.append(_next(days[-1]))
    instants = [_midnight(d, zone) for d in days]
    of_year = NetworkCourse.academic_year_id == year.id

    marks = (select(_month_index(Lesson.date, days).label("month"), Student.school_id, Student.grade,
                    AttendanceMark.kind)
             .select_from(AttendanceMark).join(Lesson, Lesson.id == AttendanceMark.lesson_id)
             .join(NetworkCourse, NetworkCourse.id == Lesson.course_id)
             .join(Student, Student.id == AttendanceMark.student_id)
             .where(of_year, Lesson.status != ScheduleStatus.CANCELLED, Lesson.date >= days[0],
                    Lesson.date < days[-1])).subquery()
    # Grouped over a subquery, not by the CASE itself: PostgreSQL binds the boundaries as parameters
    # and would not see a CASE in GROUP BY as the one in SELECT.
    attendance = session.execute(select(marks.c.month, marks.c.school_id, marks.c.grade, marks.c.kind, func.count())
                                 .group_by(marks.c.month, marks.c.school_id, marks.c.grade, marks.c.kind)).all()
    grades = (select(_month_index(Grade.graded_at, instants).label("month"), Student.school_id, Student.grade,
                     Grade.percentage)
              .select_from(Grade).join(GradeItem, GradeItem.id == Grade.item_id)
              .join(NetworkCourse, NetworkCourse.id == GradeItem.course_id)
              .join(Student, Student.id == Grade.student_id)
              .where(of_year, GradeItem.item_type != "course", Grade.percentage.is_not(None),
                     Grade.graded_at >= instants[0], Grade.graded_at < instants[-1])).subquery()
    results = session.execute(select(grades.c.month, grades.c.school_id, grades.c.grade, func.count(),
                                     func.sum(grades.c.percentage))
                              .group_by(grades.c.month, grades.c.school_id, grades.c.grade)).all()

    out: dict[dt.date, MonthCells] = {m: {"attendance": {"school": {}, "grade": {}},
                                          "results": {"school": {}, "grade": {}}} for m in months}

    def add(month: dt.date, what: str, school_id: int, grade: int, values: tuple) -> None:
        if month in out:  # a month of the span that was not asked for is left out
            for by, key in (("school", str(school_id)), ("grade", str(grade))):
                cell = out[month][what][by].setdefault(key, [0] * len(values))
                for i, v in enumerate(values):
                    cell[i] += v

    for index, school_id, grade, kind, n in attendance:
        add(days[index], "attendance", school_id, grade, (n, n if AttendanceKind(kind).attended else 0))
    for index, school_id, grade, n, total in results:
        add(days[index], "results", school_id, grade, (n, total))
    return out


CellsOf = Callable[[Session, AcademicYear, list[dt.date], ZoneInfo], dict[dt.date, MonthCells]]


def network_dynamics(session: Session, settings: Settings, year_code: str | None = None,
                     today: dt.date | None = None, cells: CellsOf = month_cells) -> Dynamics:
    """The dynamics of ``year_code`` (default: :func:`current_year` of ``today`` in the district's zone).
    An unknown ``year_code`` raises :class:`LookupError`; a registry without years gives :data:`EMPTY`.
    ``cells`` gives the months' counts (:func:`month_cells`; the dashboard's cache keeps them per month,
    ``bridge.reports.figures``)."""
    zone = ZoneInfo(settings.district.timezone)
    if year_code is not None:
        year = year_by_code(session, year_code)
    else:
        year = current_year(session, today or dt.datetime.now(zone).date())
    if year is None:
        return EMPTY
    months = months_of(year)
    counted = cells(session, year, list(months), zone)
    school_ids = {int(key) for cells in counted.values() for what in cells.values() for key in what["school"]}
    names = {sid: (ext, short) for sid, ext, short in session.execute(
        select(School.id, School.external_id, School.short_name).where(School.id.in_(school_ids)))}
    out: dict[tuple[str, str], dict[Any, dict[dt.date, Any]]] = {}
    for month in months:
        for what, make in (("attendance", Attended), ("results", Graded)):
            for by, keys in counted[month][what].items():
                for key, values in keys.items():
                    key = int(key) if by == "grade" else names[int(key)][0]
                    out.setdefault((what, by), {}).setdefault(key, {})[month] = make(*values)

    def sort(data: dict) -> dict:
        return {key: dict(sorted(data[key].items())) for key in sorted(data)}

    return Dynamics(
        year=year.code, months=months, schools=dict(sorted(names.values())),
        attendance_by_school=sort(out.get(("attendance", "school"), {})),
        attendance_by_grade=sort(out.get(("attendance", "grade"), {})),
        results_by_school=sort(out.get(("results", "school"), {})),
        results_by_grade=sort(out.get(("results", "grade"), {})))
