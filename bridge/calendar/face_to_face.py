"""Face-to-face sessions at the base school: the monthly rule, its holidays, one-off events.

A rule gives one session a month (the ``nth`` ``weekday``, or the last one for -1) in its months of
the academic year. A date on a holiday (the district's, or the host school's own) is skipped or
shifted a week later or earlier, as the rule says, as many weeks as it takes while the date stays
in the same academic year. Sessions keep their identity like lessons: the key is the date the
rule gave before any shift, so a changed holiday moves the session instead of making a new one.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bridge.calendar.days import SchoolDays, SchoolDaysCache
from bridge.calendar.schedule import ExpandSummary, Planned, cancel_entry, reconcile
from bridge.models import (
    AcademicYear,
    FaceToFaceRule,
    FaceToFaceSession,
    HolidayPolicy,
    NetworkCourse,
    ScheduleStatus,
    School,
    SessionKind,
)

CONTEST_TITLE = "Конкурс сетевых курсов"
SHIFT_WEEKS_MAX = 4  # a holiday longer than this (summer) means the month has no session


def nth_weekday(year: int, month: int, nth: int, weekday: int) -> dt.date | None:
    """The ``nth`` ISO ``weekday`` of the month (``nth`` -1 = the last one), or None if there is none."""
    days_in_month = calendar.monthrange(year, month)[1]
    if nth == -1:
        last = dt.date(year, month, days_in_month)
        return last - dt.timedelta(days=(last.isoweekday() - weekday) % 7)
    first = dt.date(year, month, 1)
    day = 1 + (weekday - first.isoweekday()) % 7 + 7 * (nth - 1)
    return dt.date(year, month, day) if day <= days_in_month else None


def _months(year: AcademicYear, first_month: int, last_month: int) -> Iterator[tuple[int, int]]:
    y, m = year.starts_on.year, year.starts_on.month
    while (y, m) <= (year.ends_on.year, year.ends_on.month):
        inside = first_month <= m <= last_month if first_month <= last_month else m >= first_month or m <= last_month
        if inside:
            yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _place(day: dt.date, policy: HolidayPolicy, days: SchoolDays, year: AcademicYear) -> dt.date | None:
    step = {HolidayPolicy.NEXT_WEEK: 7, HolidayPolicy.PREVIOUS_WEEK: -7}.get(policy)
    for _ in range(SHIFT_WEEKS_MAX + 1):
        if days.holiday(day) is None:
            return day
        if step is None:
            return None
        day += dt.timedelta(days=step)
        if not year.starts_on <= day <= year.ends_on:
            return None
    return None


def planned_sessions(rule: FaceToFaceRule, days: SchoolDaysCache) -> dict[dt.date, Planned]:
    """The sessions a rule gives, keyed by the date before any holiday shift."""
    year = rule.academic_year
    holidays = days(year.id, rule.school_id)
    start = dt.datetime.combine(dt.date.min, rule.starts_at)
    duration = int((dt.datetime.combine(dt.date.min, rule.ends_at) - start).total_seconds() // 60)
    details = {
        "kind": SessionKind.SESSION,
        "title": rule.title,
        "school_id": rule.school_id,
        "room": rule.room,
        "courses": list(rule.courses),
    }
    planned = {}
    for y, m in _months(year, rule.first_month, rule.last_month):
        nominal = nth_weekday(y, m, rule.nth, rule.weekday)
        if nominal is None or not year.starts_on <= nominal <= year.ends_on:
            continue
        day = _place(nominal, rule.holiday_policy, holidays, year)
        if day is not None:
            planned[nominal] = Planned(day, rule.starts_at, duration, rule.school.timezone, details)
    return planned


def expand_sessions(session: Session, rule: FaceToFaceRule | None = None) -> ExpandSummary:
    """Create, update or cancel the sessions of one rule (or of all rules) to match the rule."""
    rules = [rule] if rule is not None else session.scalars(
        select(FaceToFaceRule)
        .options(
            selectinload(FaceToFaceRule.academic_year),
            selectinload(FaceToFaceRule.school),
            selectinload(FaceToFaceRule.courses),
        )
        .order_by(FaceToFaceRule.id)
    ).all()
    days = SchoolDaysCache(session)
    summary = ExpandSummary()
    for r in rules:
        stored = {
            s.rule_date: s
            for s in session.scalars(
                select(FaceToFaceSession)
                .where(FaceToFaceSession.rule_id == r.id)
                .options(selectinload(FaceToFaceSession.courses))
            )
        }

        def create(key, plan: Planned, r: FaceToFaceRule = r) -> FaceToFaceSession:
            fs = FaceToFaceSession(academic_year_id=r.academic_year_id, rule_id=r.id, rule_date=key, **plan.values())
            session.add(fs)
            return fs

        summary += reconcile(stored, planned_sessions(r, days), create)
    session.flush()
    return summary


def add_session(
    session: Session,
    *,
    academic_year: AcademicYear,
    school: School,
    start: dt.datetime,
    end: dt.datetime,
    kind: SessionKind = SessionKind.CONTEST,
    title: str = CONTEST_TITLE,
    room: str = "",
    courses: Sequence[NetworkCourse] = (),
) -> FaceToFaceSession:
    """A one-off event outside any rule (the end-of-year contest); ``start``/``end`` naive = the school's time."""
    fs = FaceToFaceSession(
        academic_year_id=academic_year.id,
        kind=kind,
        title=title,
        school=school,
        room=room,
        timezone=school.timezone,
        courses=list(courses),
        edited=True,  # nothing re-expands it
    )
    _set_time(fs, start, end)
    session.add(fs)
    session.flush()
    return fs


def edit_session(
    session: Session,
    fs: FaceToFaceSession,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    school: School | None = None,
    room: str | None = None,
    title: str | None = None,
    courses: Sequence[NetworkCourse] | None = None,
    note: str = "",
) -> FaceToFaceSession:
    """Change one session by hand; the rule leaves it alone from then on."""
    if school is not None:
        fs.school, fs.timezone = school, school.timezone
    if room is not None:
        fs.room = room
    if title is not None:
        fs.title = title
    if courses is not None:
        fs.courses = list(courses)
    status = fs.status
    if start is not None or end is not None:
        _set_time(fs, start or fs.start, end or fs.end)
        status = ScheduleStatus.MOVED
    fs.mark_edited(status, note)
    session.flush()
    return fs


cancel_session = cancel_entry  # cancel_session(session, face_to_face_session, note="")


def _set_time(fs: FaceToFaceSession, start: dt.datetime, end: dt.datetime) -> None:
    """Aware times are taken to the session's zone, naive ones are in it already."""
    zone = ZoneInfo(fs.timezone)
    start, end = (t.astimezone(zone).replace(tzinfo=None) if t.tzinfo else t for t in (start, end))
    if end <= start:
        raise ValueError("a session must end after it starts")
    fs.date, fs.starts_at = start.date(), start.time()
    fs.duration_minutes = int((end - start).total_seconds() // 60)
