"""How the teaching goes, per network teacher and course, for a month or a week (issue 18, point 1).

- **Lessons**: *planned* are the registry's lessons of the period, not cancelled, up to today; *held*
  those whose attendance session was taken in Moodle (the pull keeps ``lasttaken`` on the lesson);
  *late* those taken more than ``[monitoring] late_after_hours`` after the lesson's end; *never* those
  not taken although the whole lesson day is past that delay (its date is before the date of "now −
  delay" in the district's zone); the rest not taken are still within the delay.
- **Grading**: latency is from the student's submission to the grade (Moodle's
  ``gradedatesubmitted`` → ``gradedategraded``), over the grades given in the period; the median and
  the 90th percentile are nearest-rank (the ⌈p·n⌉-th smallest). *Waiting* is work submitted and not
  graded today, whenever it was submitted, with the age of the oldest in days.
- **Inactive**: students enrolled (not withdrawn) who have not opened the course in Moodle for
  ``[monitoring] inactive_days`` (Moodle's ``lastcourseaccess``, read by the pull; counted from the
  enrolment's start when never or later), counted today by the at-risk rule's own test
  (:mod:`bridge.reports.risk`). A course the pull has not asked about yet counts nobody.

A course with two teachers is a row for each. Every figure is a grouped SQL query over the courses of
the period (lessons by ``(course, date)``, grades by item): nothing proportional to the region's
lessons or marks is loaded into Python. The names of students are only in :func:`inactive_students`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from bridge.db import utc
from bridge.models import (
    AcademicYear,
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
    Teacher,
)
from bridge.reports.risk import idle_days, inactive_sql
from config.settings import MonitoringSettings

PERCENTILES = (50, 90)


@dataclass(frozen=True)
class Period:
    """Days ``start`` ≤ day < ``end``: a calendar month or a week from Monday."""

    kind: str  # month | week
    start: dt.date
    end: dt.date

    @classmethod
    def month(cls, day: dt.date) -> Period:
        start = day.replace(day=1)
        return cls("month", start, (start + dt.timedelta(days=32)).replace(day=1))

    @classmethod
    def week(cls, day: dt.date) -> Period:
        start = day - dt.timedelta(days=day.weekday())
        return cls("week", start, start + dt.timedelta(days=7))

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%m.%Y}"
        return f"{self.start:%d.%m.%Y}–{self.end - dt.timedelta(days=1):%d.%m.%Y}"

    def instants(self, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """The period's bounds as instants of the district's zone (for timestamps such as ``graded_at``)."""
        return (dt.datetime.combine(self.start, dt.time(), zone).astimezone(dt.UTC),
                dt.datetime.combine(self.end, dt.time(), zone).astimezone(dt.UTC))


@dataclass(frozen=True)
class TeacherCourse:
    """One teacher's figures in one course for a period (hours are of grading latency)."""

    teacher: str  # external id
    teacher_name: str
    teacher_school: str
    course: str
    course_title: str
    planned: int = 0
    held: int = 0
    late: int = 0
    never: int = 0
    graded: int = 0
    latency_median_hours: float | None = None
    latency_p90_hours: float | None = None
    waiting: int = 0
    oldest_waiting_days: int | None = None
    inactive: int = 0

    @property
    def pending(self) -> int:
        """Lessons not taken yet but still within the delay."""
        return self.planned - self.held - self.never

    def as_json(self, *, named: bool = True) -> dict[str, Any]:
        out = asdict(self) | {"pending": self.pending}
        if not named:
            out["teacher"] = out["teacher_name"] = None
        return out


@dataclass(frozen=True)
class Scope:
    """Whose rows: ``school_id`` is the teachers' own school (a coordinator's), ``teacher_id`` one teacher."""

    school_id: int | None = None
    teacher_id: int | None = None


def _pairs(session: Session, period: Period, scope: Scope) -> list[tuple]:
    query = (select(Teacher.id, Teacher.external_id, Teacher.last_name, Teacher.first_name, Teacher.middle_name,
                    School.short_name, NetworkCourse.id, NetworkCourse.code, NetworkCourse.title)
             .select_from(CourseTeacher).join(Teacher, Teacher.id == CourseTeacher.teacher_id)
             .join(School, School.id == Teacher.school_id).join(NetworkCourse, NetworkCourse.id == CourseTeacher.course_id)
             .join(AcademicYear, AcademicYear.id == NetworkCourse.academic_year_id)
             .where(AcademicYear.starts_on < period.end, AcademicYear.ends_on >= period.start)
             .order_by(Teacher.last_name, Teacher.first_name, Teacher.external_id, NetworkCourse.code))
    if scope.school_id is not None:
        query = query.where(Teacher.school_id == scope.school_id)
    if scope.teacher_id is not None:
        query = query.where(Teacher.id == scope.teacher_id)
    return list(session.execute(query))


def _lessons(session: Session, courses: list[int], period: Period, cfg: MonitoringSettings, today: dt.date,
             overdue_before: dt.date) -> dict[int, tuple[int, int, int, int]]:
    """course id → (planned, held, late, never)."""
    taken = Lesson.attendance_taken_at.is_not(None)
    query = (select(Lesson.course_id, func.count(),
                    func.sum(case((taken, 1), else_=0)),
                    func.sum(case((Lesson.attendance_delay_minutes > cfg.late_after_hours * 60, 1), else_=0)),
                    func.sum(case((and_(~taken, Lesson.date < overdue_before), 1), else_=0)))
             .where(Lesson.course_id.in_(courses), Lesson.status != ScheduleStatus.CANCELLED,
                    Lesson.date >= period.start, Lesson.date < min(period.end, today + dt.timedelta(days=1)))
             .group_by(Lesson.course_id))
    return {course: (n, held or 0, late or 0, never or 0) for course, n, held, late, never in session.execute(query)}


def seconds_between(session: Session, later: Any, earlier: Any) -> ColumnElement:
    """``later − earlier`` in seconds, in SQL (SQLite keeps timestamps as text, PostgreSQL as timestamps)."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400
    return func.extract("epoch", later - earlier)


def _latency(session: Session, courses: list[int], bounds: tuple[dt.datetime, dt.datetime]
             ) -> dict[int, tuple[int, dict[int, float]]]:
    """course id → (grades, {percentile: hours}), ranked in SQL so only two rows a course come back."""
    seconds = seconds_between(session, Grade.graded_at, Grade.submitted_at)
    ranked = (select(GradeItem.course_id.label("course"), seconds.label("seconds"),
                     func.row_number().over(partition_by=GradeItem.course_id, order_by=seconds).label("rank"),
                     func.count().over(partition_by=GradeItem.course_id).label("n"))
              .join(GradeItem, GradeItem.id == Grade.item_id)
              .where(GradeItem.course_id.in_(courses), GradeItem.item_type != "course", Grade.raw.is_not(None),
                     Grade.submitted_at.is_not(None), Grade.graded_at >= bounds[0], Grade.graded_at < bounds[1])
              ).subquery()
    wanted = [(ranked.c.n * p + 99) // 100 for p in PERCENTILES]  # ⌈p·n/100⌉ in whole numbers
    query = select(ranked.c.course, ranked.c.n, ranked.c.rank, ranked.c.seconds, *wanted).where(
        or_(*(ranked.c.rank == w for w in wanted)))
    out: dict[int, tuple[int, dict[int, float]]] = {}
    for course, n, rank, secs, *ranks in session.execute(query):
        values = out.setdefault(course, (n, {}))[1]
        for p, r in zip(PERCENTILES, ranks, strict=True):
            if rank == r:
                values[p] = round(float(secs) / 3600, 1)
    return out


def _waiting(session: Session, courses: list[int], now: dt.datetime) -> dict[int, tuple[int, int]]:
    """course id → (works submitted and not graded, age in days of the oldest)."""
    query = (select(GradeItem.course_id, func.count(), func.min(Grade.submitted_at))
             .join(GradeItem, GradeItem.id == Grade.item_id)
             .where(GradeItem.course_id.in_(courses), Grade.raw.is_(None), Grade.submitted_at.is_not(None))
             .group_by(GradeItem.course_id))
    return {course: (n, (now - utc(oldest)).days) for course, n, oldest in session.execute(query)}


def inactive_filter(cfg: MonitoringSettings, today: dt.date, zone: ZoneInfo) -> ColumnElement[bool]:
    """Enrolments (not withdrawn) whose student is inactive today, by the at-risk rule's own test."""
    return and_(Enrolment.status != EnrolmentStatus.WITHDRAWN, inactive_sql(cfg.inactive_days, today, zone))


def _inactive(session: Session, courses: list[int], cfg: MonitoringSettings, today: dt.date,
              zone: ZoneInfo) -> dict[int, int]:
    query = (select(Enrolment.course_id, func.count()).where(Enrolment.course_id.in_(courses),
                                                             inactive_filter(cfg, today, zone))
             .group_by(Enrolment.course_id))
    return dict(session.execute(query).all())


def teacher_figures(session: Session, period: Period, cfg: MonitoringSettings, *, now: dt.datetime,
                    timezone: str = "Europe/Moscow", scope: Scope = Scope()) -> list[TeacherCourse]:
    """Every teacher-and-course row of the period within ``scope``, by teacher's name and course."""
    zone = ZoneInfo(timezone)
    pairs = _pairs(session, period, scope)
    courses = sorted({p[6] for p in pairs})
    if not courses:
        return []
    today = now.astimezone(zone).date()
    overdue_before = (now - dt.timedelta(hours=cfg.late_after_hours)).astimezone(zone).date()
    lessons = _lessons(session, courses, period, cfg, today, overdue_before)
    latency = _latency(session, courses, period.instants(zone))
    waiting = _waiting(session, courses, now)
    inactive = _inactive(session, courses, cfg, today, zone)
    rows = []
    for _tid, ext, last, first, middle, school, cid, code, title in pairs:
        planned, held, late, never = lessons.get(cid, (0, 0, 0, 0))
        graded, ranks = latency.get(cid, (0, {}))
        n_waiting, oldest = waiting.get(cid, (0, None))
        rows.append(TeacherCourse(ext, " ".join(p for p in (last, first, middle) if p), school, code, title,
                                  planned, held, late, never, graded, ranks.get(50), ranks.get(90), n_waiting,
                                  oldest, inactive.get(cid, 0)))
    return rows


COLUMNS = (("teacher_name", "Преподаватель"), ("teacher_school", "Школа преподавателя"), ("course", "Код курса"),
           ("course_title", "Курс"), ("planned", "Уроков по плану"), ("held", "Проведено (отмечено)"),
           ("late", "Отмечено с опозданием"), ("never", "Не отмечено"), ("graded", "Оценено работ"),
           ("latency_median_hours", "Проверка, медиана (ч)"), ("latency_p90_hours", "Проверка, 90-й процентиль (ч)"),
           ("waiting", "Ждут проверки"), ("inactive", "Не заходят в курс"))


def teacher_rows(session: Session, month: dt.date, school_id: int | None = None, *,
                 cfg: MonitoringSettings = MonitoringSettings(), now: dt.datetime | None = None,
                 timezone: str = "Europe/Moscow") -> tuple[tuple[str, ...], list[tuple]]:
    """The month's rows as a sheet: (headers in Russian, rows in :data:`COLUMNS` order), for the monthly
    report; ``school_id`` keeps the teachers of one school."""
    figures = teacher_figures(session, Period.month(month), cfg, now=now or dt.datetime.now(dt.UTC),
                              timezone=timezone, scope=Scope(school_id=school_id))
    return (tuple(h for _, h in COLUMNS),
            [tuple(f.as_json()[k] for k, _ in COLUMNS) for f in figures])


@dataclass(frozen=True)
class InactiveStudent:
    student: str  # external id
    name: str
    school: str
    course: str
    last_access: dt.datetime | None
    days: int  # since the last visit, or the enrolment's start when never or later


def inactive_students(session: Session, cfg: MonitoringSettings, *, now: dt.datetime, timezone: str = "Europe/Moscow",
                      narrow: Select | None = None, teacher_id: int | None = None,
                      teachers_school_id: int | None = None) -> list[InactiveStudent]:
    """Students inactive today in the courses of ``teacher_id`` (or of ``teachers_school_id``'s teachers),
    within ``narrow`` (a ``select(Student.id)`` of the students the reader may see), by course and name."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    query = (select(Student.external_id, Student.last_name, Student.first_name, Student.middle_name, School.short_name,
                    NetworkCourse.code, Enrolment.last_course_access, Enrolment.starts_on)
             .select_from(Enrolment).join(Student, Student.id == Enrolment.student_id)
             .join(School, School.id == Student.school_id).join(NetworkCourse, NetworkCourse.id == Enrolment.course_id)
             .where(inactive_filter(cfg, today, zone))
             .order_by(NetworkCourse.code, Student.last_name, Student.first_name, Student.external_id))
    if teacher_id is not None or teachers_school_id is not None:
        taught = select(CourseTeacher.course_id).join(Teacher, Teacher.id == CourseTeacher.teacher_id)
        if teacher_id is not None:
            taught = taught.where(Teacher.id == teacher_id)
        if teachers_school_id is not None:
            taught = taught.where(Teacher.school_id == teachers_school_id)
        query = query.where(Enrolment.course_id.in_(taught))
    if narrow is not None:
        query = query.where(Student.id.in_(narrow))
    return [InactiveStudent(ext, " ".join(p for p in (last, first, middle) if p), school, code, utc(seen),
                            idle_days(seen, starts, today, zone))
            for ext, last, first, middle, school, code, seen, starts in session.execute(query)]
