"""Who is at risk, said once for the at-risk list (:mod:`bridge.reports.tables`, names and reasons) and
for the count per school in the management figures (:mod:`bridge.reports.schools`, never names).

An enrolment is at risk on a day, over a span of days, for any of three reasons:

1. **attendance**: of the lessons (not cancelled) of the span with a mark, fewer than ``[marks]
   at_risk_attendance`` attended (present or late), i.e. ``attended < share × marked``;
2. **mark**: the span's result is below the pass mark of the course's form (:func:`pass_percentage`):
   over the whole year the course total, over a shorter span (a term, a month) the mean of the items
   graded within it (the course total is cumulative and cannot be split);
3. **inactivity**: Moodle has been asked (the pull) and the student has not opened the course for
   ``[monitoring] inactive_days``: the last visit, or the enrolment's start when never or later, is that
   many days before the day or more. For a past day a later visit says nothing about the day; such a
   student is not counted.

Only enrolments in force on the day count (:meth:`bridge.models.Enrolment.in_force`): the list judges
today's, a past month's figures the enrolments of its last day.

The list checks each enrolment in Python, on the facts it has loaded for its table anyway (one
school's students); the count per school is one grouped SQL query over the region (60,000 students
in a thousand schools: no per-student loop). Both are written here from one :class:`Rule`, comparison
for comparison, and ``tests/monitoring/test_at_risk.py`` checks they pick the same students.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, union
from sqlalchemy.orm import Session

from bridge.db import utc
from bridge.models import (
    AssessmentForm,
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
from bridge.reports.marks import pass_percentage
from config import Settings
from config.settings import MarksSettings

ATTENDED = (AttendanceKind.PRESENT, AttendanceKind.LATE)


def pass_mark(cfg: MarksSettings) -> ColumnElement:
    """The pass percentage of each grade's course, by its form (the district's default when empty)."""
    return case((NetworkCourse.assessment_form == AssessmentForm.FIVE_POINT, pass_percentage(AssessmentForm.FIVE_POINT, cfg)),
                (NetworkCourse.assessment_form.is_(None), pass_percentage(AssessmentForm(cfg.default_form), cfg)),
                else_=cfg.pass_threshold)


def attended_flag() -> ColumnElement:
    """1 for an attendance mark that counts as attended, else 0 (to be summed)."""
    return case((AttendanceMark.kind.in_(ATTENDED), 1), else_=0)


def idle_days(last_access: dt.datetime | None, starts_on: dt.date, day: dt.date, zone: ZoneInfo) -> int:
    """Whole days up to ``day`` since the last visit (in the district's zone) or the enrolment's start,
    whichever is later: nobody is idle in a course longer than they have been in it."""
    since = starts_on if last_access is None else max(starts_on, utc(last_access).astimezone(zone).date())
    return (day - since).days


def inactive_sql(inactive_days: int, day: dt.date, zone: ZoneInfo) -> ColumnElement[bool]:
    """Enrolments asked of Moodle whose student is inactive on ``day``: :func:`idle_days` of at least
    ``inactive_days``, in SQL."""
    last_day = day - dt.timedelta(days=inactive_days)
    cutoff = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    return and_(Enrolment.course_access_read, Enrolment.starts_on <= last_day,
                or_(Enrolment.last_course_access.is_(None), Enrolment.last_course_access < cutoff))


@dataclass(frozen=True)
class Span:
    """Days ``first`` ≤ day ≤ ``last`` of one academic year's courses, judged on ``day``."""

    year_id: int
    first: dt.date
    last: dt.date
    day: dt.date
    whole_year: bool  # the result is the course total, else the mean of the items graded within the span


@dataclass(frozen=True)
class Rule:
    marks: MarksSettings
    inactive_days: int
    zone: ZoneInfo

    @classmethod
    def of(cls, settings: Settings) -> Rule:
        return cls(settings.marks, settings.monitoring.inactive_days, ZoneInfo(settings.district.timezone))

    # --- one enrolment, in Python (the list) ---

    def low_attendance(self, marked: int, attended: int) -> bool:
        return attended < self.marks.at_risk_attendance * marked

    def failing(self, percent: float | None, form: AssessmentForm) -> bool:
        return percent is not None and percent < pass_percentage(form, self.marks)

    def inactive(self, read: bool, last_access: dt.datetime | None, starts_on: dt.date, day: dt.date) -> int | None:
        """The days idle when they make the student inactive, else None."""
        idle = idle_days(last_access, starts_on, day, self.zone)
        return idle if read and idle >= self.inactive_days else None

    def reasons(self, *, marked: int, attended: int, percent: float | None, form: AssessmentForm, mark: str | None,
                course_title: str, inactive_days: int | None) -> tuple[str, ...]:
        """Why an enrolment (in force on the day) is at risk, in Russian; empty: it is not."""
        out = []
        if self.low_attendance(marked, attended):
            out.append(f"посещаемость {attended / marked:.0%} ниже {self.marks.at_risk_attendance:.0%}")
        if self.failing(percent, form):
            out.append(f"отметка «{mark}» по курсу «{course_title}»")
        if inactive_days is not None:
            out.append(f"не заходит в курс {inactive_days} дн.")
        return tuple(out)

    # --- every enrolment, in SQL (the count) ---

    def at_risk(self, span: Span) -> Select:
        """``(school_id, student_id)`` of each home school's students with an enrolment at risk in the span."""
        of_year = NetworkCourse.academic_year_id == span.year_id
        low_attendance = (
            select(AttendanceMark.student_id.label("student_id"), Lesson.course_id.label("course_id"))
            .join(Lesson, Lesson.id == AttendanceMark.lesson_id).join(NetworkCourse, NetworkCourse.id == Lesson.course_id)
            .where(of_year, Lesson.status != ScheduleStatus.CANCELLED, Lesson.date.between(span.first, span.last))
            .group_by(AttendanceMark.student_id, Lesson.course_id)
            .having(func.sum(attended_flag()) < self.marks.at_risk_attendance * func.count()))
        grades = (select(Grade.student_id.label("student_id"), GradeItem.course_id.label("course_id"))
                  .join(GradeItem, GradeItem.id == Grade.item_id)
                  .join(NetworkCourse, NetworkCourse.id == GradeItem.course_id).where(of_year))
        if span.whole_year:
            failing = grades.where(GradeItem.item_type == "course", Grade.percentage < pass_mark(self.marks))
        else:
            since, until = (dt.datetime.combine(d, dt.time(), self.zone).astimezone(dt.UTC)
                            for d in (span.first, span.last + dt.timedelta(days=1)))
            failing = (grades.where(GradeItem.item_type != "course", Grade.percentage.is_not(None),
                                    Grade.graded_at >= since, Grade.graded_at < until)
                       .group_by(Grade.student_id, GradeItem.course_id, NetworkCourse.assessment_form)
                       .having(func.avg(Grade.percentage) < pass_mark(self.marks)))
        inactive = select(Enrolment.student_id.label("student_id"), Enrolment.course_id.label("course_id")).where(
            inactive_sql(self.inactive_days, span.day, self.zone))
        flagged = union(low_attendance, failing, inactive).subquery()
        return (select(Student.school_id.label("school_id"), Student.id.label("student_id")).distinct()
                .select_from(flagged)
                .join(Enrolment, (Enrolment.student_id == flagged.c.student_id)
                      & (Enrolment.course_id == flagged.c.course_id))
                .join(NetworkCourse, NetworkCourse.id == Enrolment.course_id)
                .join(Student, Student.id == Enrolment.student_id)
                .where(of_year, Enrolment.in_force(span.day, span.day)))

    def at_risk_by_school(self, session: Session, span: Span) -> dict[int, int]:
        """Home school id → how many of its students :meth:`at_risk` finds (one grouped query)."""
        found = self.at_risk(span).subquery()
        return {school: n for school, n in session.execute(
            select(found.c.school_id, func.count()).group_by(found.c.school_id))}
