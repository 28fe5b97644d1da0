"""iCalendar feeds (RFC 5545 with the RFC 7986 calendar properties) of lessons and face-to-face sessions.

A feed shows a set of courses (:class:`FeedScope`): one course (public), a student's active
enrolments, a teacher's courses, or every course a school's students attend. Public feeds hold no
person's name: no student, no teacher, and no hand-written notes (they may name someone); private
feeds add the notes. Event UIDs are the entries' random ``uid`` at the host of ``web.public_url`` (else ``web.host``:
the same however the feed is reached).

Times carry the zone of the school that sets them (TZID with its VTIMEZONE), never floating.
A cancelled entry stays in the feed as STATUS:CANCELLED for :data:`CANCELLED_KEPT_DAYS` days after
its date, so subscribed calendars remove it instead of keeping a stale copy.

:func:`feed_version` answers "has anything changed?" from a few aggregate queries, so a conditional
request is answered without building the feed; the same rows always build the same bytes, which
makes its ETag a strong one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration
from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from bridge.calendar.tokens import OWNER_MODELS, FeedKind, FeedOwner
from bridge.db import utc
from bridge.models import (
    CourseTeacher,
    Enrolment,
    EnrolmentStatus,
    FaceToFaceSession,
    FaceToFaceSessionCourse,
    Lesson,
    NetworkCourse,
    School,
    ScheduledMixin,
    ScheduleStatus,
    SessionKind,
    Student,
)
from config import Settings

PRODID = "-//netcourses//Network courses calendar//RU"
CANCELLED_KEPT_DAYS = 30
REFRESH = dt.timedelta(hours=6)
# Raise when the layout of the feed changes, so that cached copies are not taken as current.
FORMAT_VERSION = 1


@dataclass(frozen=True)
class FeedScope:
    name: str  # the calendar's name in the subscriber's app (Russian, no person's name)
    course_ids: tuple[int, ...]
    private: bool
    filename: str


@dataclass(frozen=True)
class FeedContext:
    """What besides the rows shapes a feed: settings, and today's date (for cancelled entries)."""

    uid_domain: str
    moodle_url: str
    timezone: str
    today: dt.date

    @classmethod
    def from_settings(cls, settings: Settings, today: dt.date | None = None) -> FeedContext:
        tz = settings.district.timezone
        return cls(
            uid_domain=urlsplit(settings.web.public_url).hostname or settings.web.host,
            moodle_url=settings.moodle.url.rstrip("/"),
            timezone=tz,
            today=today or dt.datetime.now(ZoneInfo(tz)).date(),
        )

    @property
    def cancelled_since(self) -> dt.date:
        return self.today - dt.timedelta(days=CANCELLED_KEPT_DAYS)


# --- scopes ---


def course_scope(session: Session, code: str) -> FeedScope | None:
    course = session.scalar(select(NetworkCourse).where(NetworkCourse.code == code))
    if course is None:
        return None
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", code) + ".ics"
    return FeedScope(f"{course.title} — сетевой курс", (course.id,), private=False, filename=filename)


def owner_scope(session: Session, owner: FeedOwner) -> FeedScope | None:
    """The courses a private feed shows; None when its owner no longer exists."""
    row = session.get(OWNER_MODELS[owner.kind], owner.id)
    if row is None:
        return None
    if owner.kind is FeedKind.STUDENT:
        ids = select(Enrolment.course_id).where(
            Enrolment.student_id == owner.id, Enrolment.status == EnrolmentStatus.ACTIVE
        )
        name = "Сетевые курсы: моё расписание"
    elif owner.kind is FeedKind.TEACHER:
        ids = select(CourseTeacher.course_id).where(CourseTeacher.teacher_id == owner.id)
        name = "Сетевые курсы: мои занятия"
    else:
        ids = (
            select(Enrolment.course_id)
            .join(Student, Student.id == Enrolment.student_id)
            .where(Student.school_id == owner.id, Enrolment.status == EnrolmentStatus.ACTIVE)
        )
        name = f"Сетевые курсы: {row.short_name}"
    course_ids = tuple(sorted(set(session.scalars(ids))))
    return FeedScope(name, course_ids, private=True, filename="netcourses.ics")


def _lessons(scope: FeedScope, ctx: FeedContext) -> Select:
    return select(Lesson).where(
        Lesson.course_id.in_(scope.course_ids),
        or_(Lesson.status != ScheduleStatus.CANCELLED, Lesson.date >= ctx.cancelled_since),
    )


def _sessions(scope: FeedScope, ctx: FeedContext) -> Select:
    """Sessions for any course of the scope, and sessions for all courses of the scope's years."""
    linked = select(FaceToFaceSessionCourse.session_id).where(FaceToFaceSessionCourse.course_id.in_(scope.course_ids))
    years = select(NetworkCourse.academic_year_id).where(NetworkCourse.id.in_(scope.course_ids))
    for_all = ~exists().where(FaceToFaceSessionCourse.session_id == FaceToFaceSession.id)
    return select(FaceToFaceSession).where(
        or_(FaceToFaceSession.id.in_(linked), and_(for_all, FaceToFaceSession.academic_year_id.in_(years))),
        or_(FaceToFaceSession.status != ScheduleStatus.CANCELLED, FaceToFaceSession.date >= ctx.cancelled_since),
    )


# --- version (ETag, Last-Modified) ---


@dataclass(frozen=True)
class FeedVersion:
    etag: str  # without quotes
    last_modified: dt.datetime | None


def feed_version(session: Session, scope: FeedScope, ctx: FeedContext) -> FeedVersion:
    """A digest of everything the feed is built from; changes whenever the feed's bytes would."""
    stamps: list[dt.datetime | None] = []
    parts: list[object] = [FORMAT_VERSION, scope, ctx]
    for model, query in ((Lesson, _lessons(scope, ctx)), (FaceToFaceSession, _sessions(scope, ctx))):
        rows = query.with_only_columns(
            func.max(model.updated_at),
            func.count(),
            func.coalesce(func.sum(model.sequence), 0),
            func.coalesce(func.sum(model.id), 0),
        ).order_by(None)
        latest, *totals = session.execute(rows).one()
        stamps.append(utc(latest))
        parts += totals
    # Course titles and school names appear in events; both tables are small.
    for model in (NetworkCourse, School):
        stamps.append(utc(session.scalar(select(func.max(model.updated_at)))))
    parts += stamps
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    known = [s for s in stamps if s is not None]
    return FeedVersion(etag=digest, last_modified=max(known) if known else None)


# --- building ---


def moodle_course_link(moodle_url: str, course: NetworkCourse) -> str | None:
    """Moodle finds a course by its idnumber, which the sync sets to the course code."""
    if not moodle_url:
        return None
    return f"{moodle_url}/course/view.php?idnumber={quote(course.code, safe='')}"


def _load(session: Session, scope: FeedScope, ctx: FeedContext, *, since: dt.date | None = None,
          until: dt.date | None = None) -> tuple[list[Lesson], list[FaceToFaceSession]]:
    lessons, sessions = _lessons(scope, ctx), _sessions(scope, ctx)
    if since is not None and until is not None:
        lessons = lessons.where(Lesson.date.between(since, until))
        sessions = sessions.where(FaceToFaceSession.date.between(since, until))
    return (
        list(session.scalars(lessons.options(joinedload(Lesson.course).joinedload(NetworkCourse.provider_school))
                             .order_by(Lesson.date, Lesson.starts_at, Lesson.id))),
        list(session.scalars(sessions.options(joinedload(FaceToFaceSession.school),
                                              selectinload(FaceToFaceSession.courses))
                             .order_by(FaceToFaceSession.date, FaceToFaceSession.starts_at, FaceToFaceSession.id))),
    )


@dataclass(frozen=True)
class Upcoming:
    """One line of the subscribe page."""

    start: dt.datetime  # local time of the place it happens
    end: dt.datetime
    title: str
    place: str
    status: str  # "" or "Перенесено" / "Отменено"


def upcoming(session: Session, scope: FeedScope, ctx: FeedContext, *, days: int) -> list[Upcoming]:
    """What is coming in the next ``days`` days, lessons and sessions together, in time order."""
    lessons, sessions = _load(session, scope, ctx, since=ctx.today, until=ctx.today + dt.timedelta(days=days))
    rows = [Upcoming(x.start, x.end, x.course.title, "Дистанционно", _STATUS_TEXT.get(x.status, ""))
            for x in lessons]
    rows += [Upcoming(x.start, x.end, x.title, ", ".join(p for p in (x.school.short_name, x.room) if p),
                      _STATUS_TEXT.get(x.status, "")) for x in sessions]
    return sorted(rows, key=lambda r: r.start)


def build_feed(session: Session, scope: FeedScope, ctx: FeedContext) -> bytes:
    lessons, sessions = _load(session, scope, ctx)
    events = [_lesson_event(lesson, scope, ctx) for lesson in lessons]
    events += [_session_event(fs, scope, ctx) for fs in sessions]

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", scope.name)
    cal.add("x-wr-calname", scope.name)
    cal.add("x-wr-timezone", ctx.timezone)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    entries: list[ScheduledMixin] = [*lessons, *sessions]
    if entries:
        first = min(e.date for e in entries) - dt.timedelta(days=1)
        last = max(e.date for e in entries) + dt.timedelta(days=2)
        for tzid in sorted({e.timezone for e in entries}):
            cal.add_component(_vtimezone(tzid, first, last))
    for event in events:
        cal.add_component(event)
    return cal.to_ical()


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, first: dt.date, last: dt.date) -> Timezone:
    """VTIMEZONE from the zoneinfo database, limited to the feed's dates (small, and cached:
    generating one takes tens of milliseconds). Components are only read after this."""
    return Timezone.from_tzid(tzid, first_date=first, last_date=last)


def _lesson_event(lesson: Lesson, scope: FeedScope, ctx: FeedContext) -> Event:
    course = lesson.course
    link = moodle_course_link(ctx.moodle_url, course)
    lines = [
        f"Сетевой курс «{course.title}» ({course.subject}, {_grades(course)})",
        f"Проводит: {course.provider_school.short_name}",
        f"Занятие в Moodle: {link}" if link else "Дистанционное занятие",
    ]
    return _event(
        lesson,
        scope,
        ctx,
        summary=course.title,
        location="Дистанционно (Moodle)" if link else "Дистанционно",
        lines=lines,
        url=link,
    )


def _session_event(fs: FaceToFaceSession, scope: FeedScope, ctx: FeedContext) -> Event:
    school = fs.school
    heading = "Конкурс сетевых курсов" if fs.kind is SessionKind.CONTEST else "Очная сессия сетевых курсов"
    courses = ", ".join(c.title for c in fs.courses) if fs.courses else "все сетевые курсы"
    return _event(
        fs,
        scope,
        ctx,
        summary=fs.title,
        location=", ".join(p for p in (school.name, school.address, fs.room) if p),
        lines=[f"{heading}: {school.short_name}", f"Для курсов: {courses}"],
        url=None,
    )


def _grades(course: NetworkCourse) -> str:
    if course.grade_from == course.grade_to:
        return f"{course.grade_from} класс"
    return f"{course.grade_from}–{course.grade_to} классы"


_STATUS_TEXT = {ScheduleStatus.MOVED: "Перенесено", ScheduleStatus.CANCELLED: "Отменено"}


def _event(
    entry: ScheduledMixin,
    scope: FeedScope,
    ctx: FeedContext,
    *,
    summary: str,
    location: str,
    lines: Iterable[str],
    url: str | None,
) -> Event:
    lines = list(lines)
    if entry.status in _STATUS_TEXT:
        # Hand-written notes may name a person: only private feeds show them.
        note = f": {entry.note}" if entry.note and scope.private else ""
        lines.append(_STATUS_TEXT[entry.status] + note)
    if entry.cancelled:
        summary = f"Отменено: {summary}"
    stamp = utc(entry.updated_at)
    event = Event()
    event.add("uid", f"{entry.uid}@{ctx.uid_domain}")
    event.add("dtstamp", stamp)
    event.add("created", utc(entry.created_at))
    event.add("last-modified", stamp)
    event.add("sequence", entry.sequence)
    event.add("dtstart", entry.start)
    event.add("dtend", entry.end)
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", "\n".join(lines))
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if entry.cancelled else "OPAQUE")
    return event
