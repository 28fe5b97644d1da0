"""Management monitoring per school and for the district: the monitoring a district's methodical
centre does once a year, here live. Aggregates only: no names, no student ids.

For one academic year's courses and a period (the year so far, or a month):

- **Coverage**: a school's students with an enrolment in a network course in force on some day of
  the period (:meth:`bridge.models.Enrolment.in_force`: a past month counts who studied then, not who
  studies today), against the school's own ``student_count`` (from its list); a school whose count is
  unknown (0) has no share, never a made-up one. The district's share is over ``[district] total_students``, else the sum of
  the schools' counts, as the network statistics count it (:func:`bridge.reports.stats.district_students`).
- **Courses per education area** (``NetworkCourse.subject_area``): the district's courses and their
  students per area; per school, the courses its students take per area.
- **Attendance** as the other reports count it: marks of lessons not cancelled within the period,
  present and late attended, absent and excused missed, a lesson without a mark neither.
- **Results**: the grades of the items graded within the period (the course total left out, as it is
  cumulative): their mean percentage and the share at or above the pass mark of the course's form
  (:func:`bridge.reports.marks.pass_percentage`, per ``[marks]``).
- **Low results**: a school whose attendance is below ``[monitoring] low_attendance`` or whose share
  passing is below ``low_pass_share``. Only a school with at least ``min_students`` students in the
  network is judged: with two students one absence moves the share by fifty points, so a small school
  would be listed by chance.
- **At risk**: students counted per school (never named) by the at-risk list's own rule
  (:mod:`bridge.reports.risk`: attendance, mark, inactivity), judged on the period's last day or today
  when sooner.

Each figure is one grouped query over the whole registry (six in all, whatever its size); Python only
folds the few rows per school that come back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, distinct, func, select
from sqlalchemy.orm import Session

from bridge.figures import cached
from bridge.models import (
    AcademicYear,
    AttendanceMark,
    Enrolment,
    Grade,
    GradeItem,
    Lesson,
    NetworkCourse,
    ScheduleStatus,
    School,
    Student,
)
from bridge.reports.risk import Rule, Span, attended_flag, pass_mark
from bridge.reports.stats import district_students
from config import Settings

MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь",
          "декабрь")
ROLES_RU = {"base": "базовая школа", "resource_centre": "ресурсный центр", "participant": "школа-участник"}


@dataclass(frozen=True)
class Period:
    """Days ``[starts_on, ends_on)`` of one academic year's courses."""

    year: AcademicYear
    starts_on: dt.date
    ends_on: dt.date
    label: str

    @classmethod
    def whole_year(cls, year: AcademicYear) -> Period:
        return cls(year, year.starts_on, year.ends_on + dt.timedelta(days=1), f"{year.code} учебный год")

    @classmethod
    def month(cls, year: AcademicYear, first: dt.date) -> Period:
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return cls(year, first, following, f"{MONTHS[first.month - 1]} {first.year}")

    @property
    def last_day(self) -> dt.date:
        return self.ends_on - dt.timedelta(days=1)

    def span(self, today: dt.date) -> Span:
        """The period as the at-risk rule judges it: on its last day, or on ``today`` while it goes on."""
        return Span(self.year.id, self.starts_on, self.last_day, min(self.last_day, today),
                    whole_year=(self.starts_on, self.last_day) == (self.year.starts_on, self.year.ends_on))


@dataclass
class Figures:
    """What is counted for one school or for the district."""

    students: int = 0  # in the network: an active enrolment in a course of the year
    total: int | None = None  # all its students, when known
    courses: int = 0  # the courses its students take (the district: every course of the year)
    marked: int = 0
    attended: int = 0
    grades: int = 0
    percent_sum: float = 0.0
    passed: int = 0
    at_risk: int = 0
    areas: dict[str, int] = field(default_factory=dict)  # education area → courses

    @property
    def share(self) -> float | None:
        """Of all its students, the share in the network."""
        return round(self.students / self.total, 3) if self.total else None

    @property
    def attendance(self) -> float | None:
        return round(self.attended / self.marked, 3) if self.marked else None

    @property
    def mean_percent(self) -> float | None:
        return round(self.percent_sum / self.grades, 1) if self.grades else None

    @property
    def pass_share(self) -> float | None:
        return round(self.passed / self.grades, 3) if self.grades else None

    def as_json(self) -> dict[str, Any]:
        return {"students": self.students, "total_students": self.total, "share": self.share,
                "courses": self.courses, "courses_by_area": self.areas,
                "attendance": {"marked": self.marked, "attended": self.attended, "share": self.attendance},
                "results": {"grades": self.grades, "mean_percent": self.mean_percent, "passed": self.passed,
                            "pass_share": self.pass_share},
                "at_risk": self.at_risk}


@dataclass(frozen=True)
class SchoolRow:
    id: int
    external_id: str
    short_name: str
    role: str
    figures: Figures
    judged: bool  # enough students in the network to be judged
    low: tuple[str, ...]  # why its results are low (empty: they are not, or it is not judged)

    def as_json(self) -> dict[str, Any]:
        return {"school": self.external_id, "short_name": self.short_name, "role": self.role,
                **self.figures.as_json(), "judged": self.judged, "low": list(self.low)}


@dataclass(frozen=True)
class Area:
    name: str
    courses: int
    students: int
    schools: int  # schools whose students take its courses


@dataclass(frozen=True)
class Monitoring:
    period: Period
    district: Figures
    schools: tuple[SchoolRow, ...]
    areas: tuple[Area, ...]
    thresholds: dict[str, float]

    @property
    def low_schools(self) -> tuple[SchoolRow, ...]:
        return tuple(s for s in self.schools if s.low)

    def school(self, school_id: int) -> SchoolRow | None:
        return next((s for s in self.schools if s.id == school_id), None)

    def as_json(self, only_school: int | None = None) -> dict[str, Any]:
        """All schools, or (``only_school``: a coordinator's) that school beside the district."""
        schools = [s for s in self.schools if only_school is None or s.id == only_school]
        return {"academic_year": self.period.year.code, "period": self.period.label,
                "from": self.period.starts_on.isoformat(),
                "to": self.period.last_day.isoformat(),
                "thresholds": self.thresholds, "district": self.district.as_json(),
                "areas": [{"area": a.name, "courses": a.courses, "students": a.students, "schools": a.schools}
                          for a in self.areas],
                "schools": [s.as_json() for s in schools],
                "low_schools": [s.external_id for s in schools if s.low]}


def _lesson_marks(period: Period):
    """Marks of lessons (not cancelled) of the year's courses within the period."""
    return (select().select_from(AttendanceMark).join(Lesson, Lesson.id == AttendanceMark.lesson_id)
            .join(NetworkCourse, NetworkCourse.id == Lesson.course_id)
            .join(Student, Student.id == AttendanceMark.student_id)
            .where(NetworkCourse.academic_year_id == period.year.id, Lesson.status != ScheduleStatus.CANCELLED,
                   Lesson.date >= period.starts_on, Lesson.date < period.ends_on))


# What the counts read: a write to any of them (an import, a pull, an approval) counts them again.
READS = (School, Student, Enrolment, NetworkCourse, AttendanceMark, Lesson, Grade, GradeItem)
COUNTED = ("students", "marked", "attended", "grades", "percent_sum", "passed", "at_risk")


def monitoring(session: Session, settings: Settings, period: Period, today: dt.date | None = None) -> Monitoring:
    """The period's figures. The counts (six grouped queries over the registry: at region scale up to
    20 s for a whole year) are cached by the data's versions (:mod:`bridge.figures`), so a page reads them
    until an import or a pull changes what they count; the rest is folded here from them and the settings."""
    cfg = settings.monitoring
    day = period.span(today or settings.district.today()).day
    rules = f"{settings.marks}|{cfg.inactive_days}|{settings.district.timezone}"
    scope = (f"{period.year.id}:{period.starts_on}:{period.ends_on}:{day}:"
             f"{hashlib.sha256(rules.encode()).hexdigest()[:16]}")
    counts = cached(session, "schools_monitoring", scope, lambda: _counts(session, settings, period, day), reads=READS)
    schools = session.execute(select(School.id, School.external_id, School.short_name, School.role,
                                     School.student_count).order_by(School.external_id)).all()
    figures = {}
    for sid, _, _, _, count in schools:
        got = counts["schools"].get(str(sid), {})
        figures[sid] = Figures(total=count or None, courses=sum(got.get("areas", {}).values()),
                               areas=dict(got.get("areas", {})), **{k: got.get(k, 0) for k in COUNTED})
    areas = tuple(Area(*row) for row in counts["areas"])
    district = Figures(total=district_students(session, settings) or None,
                       courses=sum(a.courses for a in areas), areas={a.name: a.courses for a in areas})
    for f in figures.values():
        for name in COUNTED:
            setattr(district, name, getattr(district, name) + getattr(f, name))

    rows = []
    for sid, ext, short, role, _ in schools:
        f = figures[sid]
        judged = f.students >= cfg.min_students
        rows.append(SchoolRow(sid, ext, short, str(getattr(role, "value", role)), f, judged,
                              _low(f, settings) if judged else ()))
    return Monitoring(period, district, tuple(rows), areas,
                      {"low_attendance": cfg.low_attendance, "low_pass_share": cfg.low_pass_share,
                       "min_students": cfg.min_students})


def _counts(session: Session, settings: Settings, period: Period, day: dt.date) -> dict[str, Any]:
    """The period's counts per school id (as a string: JSON) and per education area, judged on ``day``."""
    of_year = NetworkCourse.academic_year_id == period.year.id
    in_force = Enrolment.in_force(period.starts_on, period.last_day)
    active = (select().select_from(Enrolment).join(Student, Student.id == Enrolment.student_id)
              .join(NetworkCourse, NetworkCourse.id == Enrolment.course_id).where(of_year, in_force))
    schools: dict[str, dict[str, Any]] = defaultdict(lambda: {"areas": {}})
    for sid, n in session.execute(active.add_columns(Student.school_id, func.count(distinct(Student.id)))
                                  .group_by(Student.school_id)):
        schools[str(sid)]["students"] = n
    area_schools: dict[str, set[int]] = defaultdict(set)
    for sid, area, n in session.execute(active.add_columns(Student.school_id, NetworkCourse.subject_area,
                                                           func.count(distinct(NetworkCourse.id)))
                                        .group_by(Student.school_id, NetworkCourse.subject_area)):
        schools[str(sid)]["areas"][area] = n
        area_schools[area].add(sid)
    for sid, marked, attended in session.execute(
            _lesson_marks(period).add_columns(Student.school_id, func.count(), func.sum(attended_flag()))
            .group_by(Student.school_id)):
        schools[str(sid)].update(marked=marked, attended=int(attended or 0))
    zone = ZoneInfo(settings.district.timezone)
    since, until = (dt.datetime.combine(d, dt.time(), zone).astimezone(dt.UTC)
                    for d in (period.starts_on, period.ends_on))
    for sid, n, total, passed in session.execute(
            select(Student.school_id, func.count(), func.sum(Grade.percentage),
                   func.sum(case((Grade.percentage >= pass_mark(settings.marks), 1), else_=0).cast(Integer)))
            .select_from(Grade).join(GradeItem, GradeItem.id == Grade.item_id)
            .join(NetworkCourse, NetworkCourse.id == GradeItem.course_id)
            .join(Student, Student.id == Grade.student_id)
            .where(of_year, GradeItem.item_type != "course", Grade.percentage.is_not(None),
                   Grade.graded_at >= since, Grade.graded_at < until)
            .group_by(Student.school_id)):
        schools[str(sid)].update(grades=n, percent_sum=float(total), passed=int(passed))
    for sid, n in Rule.of(settings).at_risk_by_school(session, period.span(day)).items():
        schools[str(sid)]["at_risk"] = n
    areas = [[area, courses, students, len(area_schools.get(area, ()))] for area, courses, students in
             session.execute(select(NetworkCourse.subject_area, func.count(distinct(NetworkCourse.id)),
                                    func.count(distinct(Enrolment.student_id)))
                             .outerjoin(Enrolment, (Enrolment.course_id == NetworkCourse.id) & in_force)
                             .where(of_year).group_by(NetworkCourse.subject_area)
                             .order_by(NetworkCourse.subject_area))]
    return {"schools": dict(schools), "areas": areas}


def _low(f: Figures, settings: Settings) -> tuple[str, ...]:
    cfg = settings.monitoring
    reasons = []
    if f.attendance is not None and f.attendance < cfg.low_attendance:
        reasons.append(f"посещаемость {f.attendance:.0%} ниже {cfg.low_attendance:.0%}")
    if f.pass_share is not None and f.pass_share < cfg.low_pass_share:
        reasons.append(f"доля положительных результатов {f.pass_share:.0%} ниже {cfg.low_pass_share:.0%}")
    return tuple(reasons)
