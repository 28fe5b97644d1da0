"""The home registry: the district's own record of schools, people, network courses and enrolments.

Every entity that comes from a school's list carries a stable ``external_id`` (the key imports
update by, and the idnumber it gets in Moodle). Students are minors: we keep names, home school,
grade and class, and an optional e-mail, nothing more (no birth dates, no addresses).

Also here: academic years, terms, holidays and bells, and the schools' own class timetables and
curriculum loads (for the conflict and load checks). ``AssessmentForm`` lives here, not with the
marks, because it is a column of a network course.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.models.base import Base, TimestampMixin, _enum


class SchoolRole(enum.StrEnum):
    BASE = "base"
    RESOURCE_CENTRE = "resource_centre"
    PARTICIPANT = "participant"


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


class AssessmentForm(enum.StrEnum):
    """How a course's result becomes the mark a home school writes in its journal (bridge.reports.marks)."""

    FIVE_POINT = "five_point"  # 5/4/3/2 from percentage thresholds
    PASS_FAIL = "pass_fail"  # зачёт / незачёт
    POINTS = "points"  # points out of 100


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
    # The student's last visit to the course in Moodle (lastcourseaccess), read by the pull; empty with
    # ``course_access_read`` set means Moodle says never, empty without it that no pull has asked yet.
    last_course_access: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    course_access_read: Mapped[bool] = mapped_column(Boolean, default=False)

    student: Mapped[Student] = relationship()
    course: Mapped[NetworkCourse] = relationship()

    @classmethod
    def in_force(cls, first: dt.date, last: dt.date) -> ColumnElement[bool]:
        """Enrolments in force on some day from ``first`` to ``last``: started by ``last``, not ended before
        ``first``. A withdrawn enrolment counts up to its ``ends_on`` (an approval that withdraws one records
        the day; an import may give it), and never when it has none (when it was in force is unknown)."""
        return (cls.starts_on <= last) & or_(cls.ends_on.is_(None), cls.ends_on >= first) & or_(
            cls.status != EnrolmentStatus.WITHDRAWN, cls.ends_on.is_not(None))


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
