"""The home registry: the district's own record of schools, people, network courses and enrolments.

Every entity that comes from a school's list carries a stable ``external_id`` (the key imports
update by, and the idnumber it gets in Moodle). Students are minors: we keep names, home school,
grade and class, and an optional e-mail, nothing more (no birth dates, no addresses).
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    JSON,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Store the readable value ("resource_centre"), not the member name, and as a plain
    # VARCHAR + CHECK so adding a member later is an ordinary migration on every backend.
    return Enum(cls, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e], length=32)


class SchoolRole(enum.StrEnum):
    BASE = "base"
    RESOURCE_CENTRE = "resource_centre"
    PARTICIPANT = "participant"


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


class AssessmentForm(enum.StrEnum):
    """How a course's result becomes the mark a home school writes in its journal (bridge.marks)."""

    FIVE_POINT = "five_point"  # 5/4/3/2 from percentage thresholds
    PASS_FAIL = "pass_fail"  # зачёт / незачёт
    POINTS = "points"  # points out of 100


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class School(TimestampMixin, Base):
    __tablename__ = "school"
    __table_args__ = (
        CheckConstraint("week_days IN (5, 6)", name="week_days"),
        CheckConstraint("student_count >= 0", name="student_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[SchoolRole] = mapped_column(_enum(SchoolRole, "school_role"))
    municipality: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    week_days: Mapped[int] = mapped_column(Integer, default=5)
    student_count: Mapped[int] = mapped_column(Integer, default=0)

    bell_periods: Mapped[list[BellPeriod]] = relationship(
        back_populates="school", cascade="all, delete-orphan", order_by="BellPeriod.period"
    )


class AcademicYear(Base):
    __tablename__ = "academic_year"
    __table_args__ = (CheckConstraint("starts_on < ends_on", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # "2026-2027"
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)

    terms: Mapped[list[Term]] = relationship(
        back_populates="academic_year", cascade="all, delete-orphan", order_by="Term.starts_on"
    )


class Term(Base):
    """A term (четверть, триместр, полугодие). ``school_id`` empty = the district's default terms."""

    __tablename__ = "term"
    __table_args__ = (
        UniqueConstraint("academic_year_id", "school_id", "number", name="uq_term_year_school_number"),
        CheckConstraint("starts_on <= ends_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)

    academic_year: Mapped[AcademicYear] = relationship(back_populates="terms")


class Holiday(Base):
    """Days without lessons (каникулы, праздники). ``school_id`` empty = district-wide."""

    __tablename__ = "holiday"
    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)


class BellPeriod(Base):
    """One line of a school's bell schedule: period number → start and end (school's local time)."""

    __tablename__ = "bell_period"
    __table_args__ = (
        UniqueConstraint("school_id", "period", name="uq_bell_period_school_period"),
        CheckConstraint("starts_at < ends_at", name="times"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    period: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[dt.time] = mapped_column(Time)
    ends_at: Mapped[dt.time] = mapped_column(Time)

    school: Mapped[School] = relationship(back_populates="bell_periods")


class PersonMixin(TimestampMixin):
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(255))

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


class Teacher(PersonMixin, Base):
    __tablename__ = "teacher"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="RESTRICT"), index=True)

    school: Mapped[School] = relationship()


class Student(PersonMixin, Base):
    __tablename__ = "student"
    __table_args__ = (CheckConstraint("grade BETWEEN 1 AND 11", name="grade"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="RESTRICT"), index=True)
    grade: Mapped[int] = mapped_column(Integer)
    class_letter: Mapped[str] = mapped_column(String(8), default="")

    school: Mapped[School] = relationship()

    @property
    def class_name(self) -> str:
        return f"{self.grade}{self.class_letter}"


class NetworkCourse(TimestampMixin, Base):
    __tablename__ = "network_course"
    __table_args__ = (
        CheckConstraint("grade_from BETWEEN 1 AND 11 AND grade_to BETWEEN grade_from AND 11", name="grades"),
        CheckConstraint("hours_per_week > 0", name="hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # external id; Moodle idnumber
    title: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    subject_area: Mapped[str] = mapped_column(String(255))
    grade_from: Mapped[int] = mapped_column(Integer)
    grade_to: Mapped[int] = mapped_column(Integer)
    hours_per_week: Mapped[int] = mapped_column(Integer)
    provider_school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="RESTRICT"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="RESTRICT"), index=True)
    # Empty: the district's default ([marks] default_form).
    assessment_form: Mapped[AssessmentForm | None] = mapped_column(_enum(AssessmentForm, "assessment_form"))

    provider_school: Mapped[School] = relationship()
    academic_year: Mapped[AcademicYear] = relationship()
    teachers: Mapped[list[Teacher]] = relationship(secondary="course_teacher", order_by="Teacher.id")
    slots: Mapped[list[LessonSlot]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="(LessonSlot.weekday, LessonSlot.starts_at)"
    )

    def admits_grade(self, grade: int) -> bool:
        return self.grade_from <= grade <= self.grade_to


class CourseTeacher(Base):
    __tablename__ = "course_teacher"

    course_id: Mapped[int] = mapped_column(ForeignKey("network_course.id", ondelete="CASCADE"), primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teacher.id", ondelete="RESTRICT"), primary_key=True)


class LessonSlot(Base):
    """A weekly slot of a course: ISO weekday (1 = Monday), start in the provider school's time, length."""

    __tablename__ = "lesson_slot"
    __table_args__ = (
        UniqueConstraint("course_id", "weekday", "starts_at", name="uq_lesson_slot_course_weekday_start"),
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday"),
        CheckConstraint("duration_minutes BETWEEN 1 AND 600", name="duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("network_course.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[dt.time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=40)

    course: Mapped[NetworkCourse] = relationship(back_populates="slots")


class Enrolment(TimestampMixin, Base):
    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("student_id", "course_id", name="uq_enrolment_student_course"),
        CheckConstraint("ends_on IS NULL OR starts_on <= ends_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="RESTRICT"))
    course_id: Mapped[int] = mapped_column(ForeignKey("network_course.id", ondelete="RESTRICT"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        _enum(EnrolmentStatus, "enrolment_status"), default=EnrolmentStatus.ACTIVE
    )
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)

    student: Mapped[Student] = relationship()
    course: Mapped[NetworkCourse] = relationship()


class MoodleLink(Base):
    """What the sync last applied to Moodle for one managed thing.

    ``kind`` + ``key`` name the thing in registry terms (``user`` + external id,
    ``enrolment`` + ``course code/external id``, ...); ``moodle_id`` is Moodle's id where the thing
    has one; ``fingerprint`` is a hash of the fields last written. A delta run compares the
    registry's desired fingerprints with these rows, so when nothing changed it needs no Moodle
    call at all; a full run reads Moodle and repairs drift.
    """

    __tablename__ = "moodle_link"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_moodle_link_kind_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255))
    moodle_id: Mapped[int | None] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(32))
    # The fields last written (references as "kind:key"): what a suspension re-sends and
    # what a drift report compares with.
    applied: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class SyncRun(Base):
    """One run of the sync (or its dry run), with its outcome and call counts."""

    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))  # delta | full
    dry_run: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | failed | refused
    planned: Mapped[int] = mapped_column(Integer, default=0)
    applied: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    drift: Mapped[int] = mapped_column(Integer, default=0)
    read_calls: Mapped[int] = mapped_column(Integer, default=0)
    write_calls: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(2000), default="")

    changes: Mapped[list[SyncChange]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="SyncChange.id"
    )


class SyncChange(Base):
    """One planned change of a run and what became of it."""

    __tablename__ = "sync_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_run.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(16))  # create | update | suspend | reactivate | remove
    drift: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(String(16), default="planned")  # planned | applied | failed | skipped
    detail: Mapped[str] = mapped_column(String(2000), default="")

    run: Mapped[SyncRun] = relationship(back_populates="changes")


class JobLock(Base):
    """A lease on a named job, so two schedulers (or a manual run) never run one job at once."""

    __tablename__ = "job_lock"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WebhookEvent(Base):
    """A Moodle event received by the webhook endpoint: stored once, processed later.

    ``dedupe_key`` is the Standard Webhooks message id when signed, otherwise a hash of the
    event's own fields (the local_webhooks plugin sends no id), so a replay is stored once.
    The payload is kept without the plugin's token.
    """

    __tablename__ = "webhook_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    eventname: Mapped[str] = mapped_column(String(255))
    course_id: Mapped[int | None] = mapped_column(Integer)  # Moodle course id
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending | done | ignored | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str] = mapped_column(String(2000), default="")


class AccountRole(enum.StrEnum):
    ADMIN = "admin"  # network administrator: everything, runs the sync
    COORDINATOR = "coordinator"  # school coordinator: their own school's students, marks, feeds
    TEACHER = "teacher"  # network teacher: their own courses
    VIEWER = "viewer"  # aggregates only, no names


class Account(Base):
    """A person who signs in to the console or calls the API."""

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("role <> 'coordinator' OR school_id IS NOT NULL", name="coordinator_school"),
        CheckConstraint("role <> 'teacher' OR teacher_id IS NOT NULL", name="teacher_link"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[AccountRole] = mapped_column(_enum(AccountRole, "account_role"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="RESTRICT"))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teacher.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    school: Mapped[School | None] = relationship()
    teacher: Mapped[Teacher | None] = relationship()


class ApiToken(Base):
    """A token for scripts; only its SHA-256 is stored, so a leaked database leaks no token."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    account: Mapped[Account] = relationship()


class AuditEntry(Base):
    """Who read or exported student-level data, or changed something, and when (152-FZ)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    login: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(500))


class ClassLesson(Base):
    """A lesson of a school's own class timetable (for the conflict check): class, weekday, period."""

    __tablename__ = "class_lesson"
    __table_args__ = (
        UniqueConstraint("school_id", "grade", "class_letter", "weekday", "period", name="uq_class_lesson_slot"),
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    grade: Mapped[int] = mapped_column(Integer)
    class_letter: Mapped[str] = mapped_column(String(8), default="")
    weekday: Mapped[int] = mapped_column(Integer)
    period: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(255), default="")


class CurriculumLoad(Base):
    """Weekly hours of a school's own curriculum for one grade (for the SanPiN load check)."""

    __tablename__ = "curriculum_load"
    __table_args__ = (
        UniqueConstraint("school_id", "grade", name="uq_curriculum_load_school_grade"),
        CheckConstraint("hours_per_week >= 0", name="hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    grade: Mapped[int] = mapped_column(Integer)
    hours_per_week: Mapped[int] = mapped_column(Integer)


# --- Lessons, face-to-face sessions and calendar tokens (issue 6; lessons are item 1 of issue 5) ---


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


class CalendarToken(Base):
    """A secret calendar link of one student, teacher or school. Only the SHA-256 of the token is kept,
    so the database alone cannot rebuild a link; a revoked token stays for the record."""

    __tablename__ = "calendar_token"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN student_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN teacher_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN school_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_owner",
        ),
        # At most one working link per owner, even when two requests issue one at the same moment.
        *(Index(f"uq_calendar_token_active_{owner}", f"{owner}_id", unique=True,
                sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL"))
          for owner in ("student", "teacher", "school")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teacher.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


# --- Attendance and grades pulled from Moodle (issue 5) ---


class AttendanceKind(enum.StrEnum):
    """What a mark means for the reports, whatever the site calls its statuses (bridge.pull.attendance)."""

    PRESENT = "present"
    LATE = "late"  # attended
    EXCUSED = "excused"  # missed, for a reason the school accepts
    ABSENT = "absent"

    @property
    def attended(self) -> bool:
        return self in (AttendanceKind.PRESENT, AttendanceKind.LATE)


class AttendanceMark(TimestampMixin, Base):
    """A student's attendance at one lesson (pulled from Moodle) or one face-to-face session
    (entered in the registry). ``status`` is the site's own acronym; ``kind`` its meaning."""

    __tablename__ = "attendance_mark"
    __table_args__ = (
        UniqueConstraint("lesson_id", "student_id", name="uq_attendance_mark_lesson_student"),
        UniqueConstraint("face_to_face_session_id", "student_id", name="uq_attendance_mark_session_student"),
        CheckConstraint(
            "(CASE WHEN lesson_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN face_to_face_session_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_occasion",
        ),
        Index("ix_attendance_mark_student", "student_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    face_to_face_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("face_to_face_session.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    kind: Mapped[AttendanceKind] = mapped_column(_enum(AttendanceKind, "attendance_kind"))
    remarks: Mapped[str] = mapped_column(String(500), default="")
    # Who took it: "moodle:<user id>" (a teacher's external id when the sync knows them) or a login.
    taken_by: Mapped[str] = mapped_column(String(100), default="")
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    lesson: Mapped[Lesson | None] = relationship()
    student: Mapped[Student] = relationship()


class GradeItem(Base):
    """A column of a course's Moodle gradebook (an activity, a manual item, or the course total)."""

    __tablename__ = "grade_item"
    __table_args__ = (UniqueConstraint("course_id", "moodle_id", name="uq_grade_item_course_moodle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("network_course.id", ondelete="CASCADE"))
    moodle_id: Mapped[int] = mapped_column(Integer)
    item_type: Mapped[str] = mapped_column(String(16))  # mod | manual | course (the total)
    name: Mapped[str] = mapped_column(String(255), default="")

    course: Mapped[NetworkCourse] = relationship()


class Grade(TimestampMixin, Base):
    """A student's grade in one item as Moodle last reported it. The range is per grade, not per
    item: Moodle's course total counts only the items a student has a grade in."""

    __tablename__ = "grade"
    __table_args__ = (
        UniqueConstraint("item_id", "student_id", name="uq_grade_item_student"),
        Index("ix_grade_student", "student_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("grade_item.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    raw: Mapped[float | None] = mapped_column(Float)
    grade_min: Mapped[float] = mapped_column(Float, default=0.0)
    grade_max: Mapped[float] = mapped_column(Float, default=0.0)
    percentage: Mapped[float | None] = mapped_column(Float)
    graded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    item: Mapped[GradeItem] = relationship()
    student: Mapped[Student] = relationship()


class MarkChange(Base):
    """A mark or grade that changed after it was first seen: the old and new value, who changed it
    (when known) and when the registry saw it. First sightings are not changes."""

    __tablename__ = "mark_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    what: Mapped[str] = mapped_column(String(16))  # attendance | grade
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    attendance_mark_id: Mapped[int | None] = mapped_column(ForeignKey("attendance_mark.id", ondelete="CASCADE"))
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("grade.id", ondelete="CASCADE"))
    old_value: Mapped[str] = mapped_column(String(100))
    new_value: Mapped[str] = mapped_column(String(100))
    changed_by: Mapped[str] = mapped_column(String(100), default="")
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
