"""Lessons, face-to-face sessions and calendar tokens (issue 6; lessons are item 1 of issue 5).

Lessons are the dated entries expanded from a course's weekly slots; face-to-face sessions come
from the face-to-face rules or are one-off events. Both share :class:`ScheduledMixin`.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.models.base import Base, TimestampMixin, _enum

if TYPE_CHECKING:
    from bridge.models.registry import AcademicYear, LessonSlot, NetworkCourse, School


class ScheduleStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    MOVED = "moved"
    CANCELLED = "cancelled"


class SessionKind(enum.StrEnum):
    SESSION = "session"  # the monthly face-to-face day
    CONTEST = "contest"  # the end-of-year contest event


class HolidayPolicy(enum.StrEnum):
    """What a face-to-face rule does when its date falls on a holiday."""

    SKIP = "skip"
    NEXT_WEEK = "next_week"
    PREVIOUS_WEEK = "previous_week"


def new_uid() -> str:
    """An opaque identity for a calendar entry: random, so it tells nothing about anyone."""
    return secrets.token_hex(16)


class ScheduledMixin(TimestampMixin):
    """What lessons and face-to-face sessions share: a fixed identity and a wall-clock time.

    Time is stored as the local date and time of a named zone (the provider school's for a lesson,
    the host school's for a session), not as UTC: that is how schools set their timetables, it
    survives a change of the zone's rules, and it is the same on SQLite and PostgreSQL.
    :attr:`start` gives the aware instant. ``uid`` never changes; ``sequence`` grows on every change
    (iCalendar SEQUENCE); ``edited`` marks an entry changed by hand, which re-expansion leaves alone.
    """

    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    date: Mapped[dt.date] = mapped_column(Date)
    starts_at: Mapped[dt.time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[ScheduleStatus] = mapped_column(
        _enum(ScheduleStatus, "schedule_status"), default=ScheduleStatus.SCHEDULED
    )
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(500), default="")

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.starts_at, ZoneInfo(self.timezone))

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.duration_minutes)

    @property
    def cancelled(self) -> bool:
        return self.status == ScheduleStatus.CANCELLED

    def changed(self) -> None:
        """Every change of what a calendar shows raises SEQUENCE, so clients replace their copy."""
        self.sequence = (self.sequence or 0) + 1

    def move(self, new_start: dt.datetime, duration_minutes: int | None = None, note: str = "") -> None:
        """Move by hand to ``new_start`` (aware, or naive in the entry's own zone)."""
        if new_start.tzinfo is not None:
            new_start = new_start.astimezone(ZoneInfo(self.timezone))
        if duration_minutes is not None and not 1 <= duration_minutes <= 600:
            raise ValueError(f"duration must be 1 to 600 minutes, got {duration_minutes}")
        self.date, self.starts_at = new_start.date(), new_start.time()
        if duration_minutes is not None:
            self.duration_minutes = duration_minutes
        self.mark_edited(ScheduleStatus.MOVED, note)

    def cancel(self, note: str = "") -> None:
        self.mark_edited(ScheduleStatus.CANCELLED, note)

    def mark_edited(self, status: ScheduleStatus, note: str = "") -> None:
        """Record a change by hand: expansion leaves the entry alone from now on."""
        self.status, self.edited = status, True
        if note:
            self.note = note
        self.changed()


class Lesson(ScheduledMixin, Base):
    """One dated lesson of a network course, expanded from a weekly slot.

    ``slot_id`` + ``slot_date`` (the date the slot gave it) is where the lesson sits in the weekly
    pattern; both stay through a move so re-expansion recognises the lesson. ``slot_id`` becomes
    empty when the slot is deleted, and re-expansion then cancels the lesson unless it was edited.
    """

    __tablename__ = "lesson"
    __table_args__ = (
        UniqueConstraint("slot_id", "slot_date", name="uq_lesson_slot_date"),
        CheckConstraint("duration_minutes BETWEEN 1 AND 600", name="duration"),
        Index("ix_lesson_course_date", "course_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("network_course.id", ondelete="CASCADE"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("lesson_slot.id", ondelete="SET NULL"))
    slot_date: Mapped[dt.date | None] = mapped_column(Date)
    # The attendance session this lesson gets in Moodle (mod_attendance), filled by the sync.
    moodle_session_id: Mapped[int | None] = mapped_column(Integer)
    # When the teacher last took attendance in that session (Moodle's lasttaken), read by the pull: a
    # lesson with attendance taken was held. The delay is minutes from the lesson's end to then (negative
    # when taken during the lesson), kept so the teachers' report compares it with a setting in SQL.
    attendance_taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attendance_delay_minutes: Mapped[int | None] = mapped_column(Integer)

    course: Mapped[NetworkCourse] = relationship()
    slot: Mapped[LessonSlot | None] = relationship()


class FaceToFaceRule(TimestampMixin, Base):
    """How the face-to-face sessions of a year recur: "the 3rd Saturday of each month, 10:00-14:00".

    ``nth`` is 1-5, or -1 for the last such weekday of the month; months ``first_month`` to
    ``last_month`` may wrap over the new year (9 to 5 = September to May). No courses = all courses.
    """

    __tablename__ = "face_to_face_rule"
    __table_args__ = (
        CheckConstraint("nth IN (1, 2, 3, 4, 5, -1)", name="nth"),
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday"),
        CheckConstraint("starts_at < ends_at", name="times"),
        CheckConstraint("first_month BETWEEN 1 AND 12 AND last_month BETWEEN 1 AND 12", name="months"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="RESTRICT"))
    room: Mapped[str] = mapped_column(String(255), default="")
    title: Mapped[str] = mapped_column(String(255), default="Очная сессия")
    nth: Mapped[int] = mapped_column(Integer)
    weekday: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[dt.time] = mapped_column(Time)
    ends_at: Mapped[dt.time] = mapped_column(Time)
    first_month: Mapped[int] = mapped_column(Integer, default=9)
    last_month: Mapped[int] = mapped_column(Integer, default=5)
    holiday_policy: Mapped[HolidayPolicy] = mapped_column(
        _enum(HolidayPolicy, "holiday_policy"), default=HolidayPolicy.SKIP
    )

    academic_year: Mapped[AcademicYear] = relationship()
    school: Mapped[School] = relationship()
    courses: Mapped[list[NetworkCourse]] = relationship(secondary="face_to_face_rule_course", order_by="NetworkCourse.id")


class FaceToFaceRuleCourse(Base):
    __tablename__ = "face_to_face_rule_course"

    rule_id: Mapped[int] = mapped_column(ForeignKey("face_to_face_rule.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("network_course.id", ondelete="CASCADE"), primary_key=True)


class FaceToFaceSession(ScheduledMixin, Base):
    """One face-to-face day (or the contest) at a school. ``rule_id`` + ``rule_date`` (the date the rule
    gave before any holiday shift) is its place in the rule; one-off events have no rule."""

    __tablename__ = "face_to_face_session"
    __table_args__ = (
        UniqueConstraint("rule_id", "rule_date", name="uq_face_to_face_session_rule_date"),
        CheckConstraint("duration_minutes BETWEEN 1 AND 1440", name="duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("face_to_face_rule.id", ondelete="SET NULL"))
    rule_date: Mapped[dt.date | None] = mapped_column(Date)
    kind: Mapped[SessionKind] = mapped_column(_enum(SessionKind, "session_kind"), default=SessionKind.SESSION)
    title: Mapped[str] = mapped_column(String(255))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="RESTRICT"))
    room: Mapped[str] = mapped_column(String(255), default="")
    # The Moodle calendar event of this session, filled by the sync.
    moodle_event_id: Mapped[int | None] = mapped_column(Integer)

    school: Mapped[School] = relationship()
    courses: Mapped[list[NetworkCourse]] = relationship(
        secondary="face_to_face_session_course", order_by="NetworkCourse.id"
    )


class FaceToFaceSessionCourse(Base):
    __tablename__ = "face_to_face_session_course"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("face_to_face_session.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("network_course.id", ondelete="CASCADE"), primary_key=True)


_FEED_ACTIVE = "revoked_at IS NULL AND campaign_id IS NULL"
_CHOICE_ACTIVE = "revoked_at IS NULL AND campaign_id IS NOT NULL"


def token_hash(token: str) -> str:
    """What is kept of a link's token (a calendar feed, a student's choice page): its SHA-256, so the
    token itself exists only with its holder."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class CalendarToken(Base):
    """A secret calendar link of one student, teacher or school. Only the SHA-256 of the token is kept,
    so the database alone cannot rebuild a link; a revoked token stays for the record.

    With ``campaign_id`` set, the token is instead a student's private course-choice link for that
    campaign (``/choose/<token>``, issue 16): the same hashing and revocation, never a calendar feed."""

    __tablename__ = "calendar_token"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN student_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN teacher_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN school_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_owner",
        ),
        # At most one working link per owner, even when two requests issue one at the same moment.
        *(Index(f"uq_calendar_token_active_{owner}", f"{owner}_id", unique=True,
                sqlite_where=text(_FEED_ACTIVE), postgresql_where=text(_FEED_ACTIVE))
          for owner in ("student", "teacher", "school")),
        # At most one working choice link per student and campaign.
        Index("uq_calendar_token_active_choice", "student_id", "campaign_id", unique=True,
              sqlite_where=text(_CHOICE_ACTIVE), postgresql_where=text(_CHOICE_ACTIVE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teacher.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("choice_campaign.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
