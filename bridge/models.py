"""The home registry: the district's own record of schools, people, network courses and enrolments.

Every entity that comes from a school's list carries a stable ``external_id`` (the key imports
update by, and the idnumber it gets in Moodle). Students are minors: we keep names, home school,
grade and class, and an optional e-mail, nothing more (no birth dates, no addresses).
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    JSON,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Time,
    UniqueConstraint,
    func,
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

