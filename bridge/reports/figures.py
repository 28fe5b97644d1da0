"""The network's statistics and dynamics as the dashboard and ``/api/v1/stats*`` show them, cached per
version of their inputs (bridge.figures): every role's dashboard shows both, and the dynamics read
every attendance mark and grade of the year (millions at region scale).

The cache holds JSON; these functions give back the same :class:`NetworkStats` and
:class:`Dynamics` the uncached functions give (the stored JSON keeps the raw counts and sums, not the
rounded percentages, so every figure derived from them is the same). The dynamics are keyed by the
academic year they are of, resolved from today first: a new year starts a new entry. They are made of
the counts of each month (``dynamics-month``), each cached by the counters of its own month
(:func:`bridge.models.version_keys`): a pull that writes this month's marks (and notes this month's
lessons held) makes only this month's counts be counted again, not the whole year's millions of marks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bridge.charts import bar_chart, line_chart, month_label
from bridge.figures import cached, cached_parts
from bridge.models import (
    AcademicYear,
    AttendanceMark,
    CourseTeacher,
    Enrolment,
    Grade,
    GradeItem,
    Lesson,
    NetworkCourse,
    School,
    Student,
)
from bridge.reports.dynamics import (
    EMPTY,
    Attended,
    Dynamics,
    Graded,
    MonthCells,
    month_cells,
    network_dynamics,
)
from bridge.reports.stats import NetworkStats, network_stats
from bridge.years import current_year, year_by_code
from config import Settings

STATS_READS = (School, NetworkCourse, CourseTeacher, Enrolment, Student)
MONTH_READS = (AcademicYear, AttendanceMark, Lesson, NetworkCourse, Student, Grade, GradeItem)  # schools by id
DYNAMICS_READS = (*MONTH_READS, School)  # the schools' names


def cached_month_cells(session: Session, year: AcademicYear, months: list[dt.date],
                       zone: ZoneInfo) -> dict[dt.date, MonthCells]:
    """:func:`month_cells`, each month cached by its own month's counters (a grade is dated in every zone,
    so in the district's too: ``bridge.models.figures``): only the months not stored at their current
    versions are counted, in one pair of queries."""
    def scope(month: dt.date) -> str:
        return f"year:{year.code}:month:{month:%Y-%m}:zone={zone.key}"

    scopes = {scope(m): m for m in months}
    values = cached_parts(
        session, "dynamics-month", {s: [f"{m:%Y-%m}"] for s, m in scopes.items()},
        lambda missing: {scope(m): cells for m, cells in
                         month_cells(session, year, [scopes[s] for s in missing], zone).items()},
        reads=MONTH_READS, observations=False)
    return {m: values[scope] for scope, m in scopes.items()}


def stats_figure(session: Session, settings: Settings) -> NetworkStats:
    """:func:`network_stats`, cached (the district's size from the settings is part of its scope)."""
    data = cached(session, "stats", f"network:district-students={settings.district.total_students}",
                  lambda: network_stats(session, settings).as_json(), reads=STATS_READS,
                  observations=False)
    return NetworkStats(**{**data, "students_by_grade": {int(k): v for k, v in data["students_by_grade"].items()}})


def dynamics_figure(session: Session, settings: Settings, year_code: str | None = None,
                    today: dt.date | None = None) -> Dynamics:
    """:func:`network_dynamics`, cached per academic year (an unknown ``year_code`` raises LookupError)."""
    if year_code is None:
        year = current_year(session, today or settings.district.today())
        if year is None:
            return EMPTY
        year_code = year.code
    else:
        year_by_code(session, year_code)  # raises LookupError for an unknown year
    data = cached(session, "dynamics", f"year:{year_code}:zone={settings.district.timezone}",
                  lambda: _dump(network_dynamics(session, settings, year_code, cells=cached_month_cells)),
                  reads=DYNAMICS_READS, observations=False)
    return _load(data)


ROLE_NAMES = {"base": "Базовая школа", "resource_centre": "Ресурсные центры", "participant": "Школы-участники"}


def dashboard_charts(session: Session, settings: Settings) -> dict[str, Any]:
    """The dashboard's charts (statistics and dynamics) as SVG text and the academic year they show:
    ``{"charts": {name: svg}, "year": code}``, drawn once per version of the data they draw: at region
    scale the lines of a thousand schools take longer to draw than the rest of the page to make. Keyed
    as the figures are: year, zone, district size."""
    year = current_year(session, settings.district.today())

    def draw() -> dict:
        stats = stats_figure(session, settings)
        dynamics = dynamics_figure(session, settings)
        charts = {
            "roles": bar_chart({ROLE_NAMES.get(k, k): v for k, v in stats.schools_by_role.items()}),
            "areas": bar_chart(stats.courses_by_subject_area),
            "grades": bar_chart({f"{g} класс": n for g, n in stats.students_by_grade.items()}),
        }
        months = {m: month_label(m) for m in dynamics.months}
        charts |= {which: line_chart(dynamics.percents(which), months) for which in (
            "attendance_by_school", "results_by_grade", "attendance_by_grade", "results_by_school")}
        return {"charts": {k: str(v) for k, v in charts.items()}, "year": dynamics.year}

    scope = (f"year:{year.code if year else None}:zone={settings.district.timezone}"
             f":district-students={settings.district.total_students}")
    return cached(session, "dashboard-charts", scope, draw, reads=STATS_READS + DYNAMICS_READS, observations=False)


def _dump(d: Dynamics) -> dict[str, Any]:
    def cells(data: dict, raw) -> dict[str, Any]:
        return {str(key): {m.isoformat(): raw(c) for m, c in months.items()} for key, months in data.items()}

    def attended(c: Attended) -> list:
        return [c.marked, c.attended]

    def graded(c: Graded) -> list:
        return [c.grades, c.total]

    return {"year": d.year, "months": [m.isoformat() for m in d.months], "schools": d.schools,
            "attendance_by_school": cells(d.attendance_by_school, attended),
            "attendance_by_grade": cells(d.attendance_by_grade, attended),
            "results_by_school": cells(d.results_by_school, graded),
            "results_by_grade": cells(d.results_by_grade, graded)}


def _load(data: dict[str, Any]) -> Dynamics:
    def cells(raw: dict, make, key=str) -> dict:
        return {key(k): {dt.date.fromisoformat(m): make(*v) for m, v in months.items()} for k, months in raw.items()}

    return Dynamics(
        year=data["year"], months=tuple(dt.date.fromisoformat(m) for m in data["months"]), schools=data["schools"],
        attendance_by_school=cells(data["attendance_by_school"], Attended),
        attendance_by_grade=cells(data["attendance_by_grade"], Attended, int),
        results_by_school=cells(data["results_by_school"], Graded),
        results_by_grade=cells(data["results_by_grade"], Graded, int))
