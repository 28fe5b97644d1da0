"""Attendance and grades pulled from Moodle (issue 5), and the history of their changes.

(How a course's result becomes a home-school mark, ``AssessmentForm``, is a column of the course:
see :mod:`bridge.models.registry`.)
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.models.base import Base, TimestampMixin, _enum

if TYPE_CHECKING:
    from bridge.models.calendar import Lesson
    from bridge.models.registry import NetworkCourse, Student


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


WAITING = text("raw IS NULL AND submitted_at IS NOT NULL")


class Grade(TimestampMixin, Base):
    """A student's grade in one item as Moodle last reported it. The range is per grade, not per
    item: Moodle's course total counts only the items a student has a grade in."""

    __tablename__ = "grade"
    __table_args__ = (
        UniqueConstraint("item_id", "student_id", name="uq_grade_item_student"),
        Index("ix_grade_student", "student_id"),
        # The teachers' report: grades given in a month, and work waiting to be graded (few rows).
        Index("ix_grade_graded_at", "graded_at"),
        Index("ix_grade_waiting", "item_id", "submitted_at", sqlite_where=WAITING, postgresql_where=WAITING),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("grade_item.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    raw: Mapped[float | None] = mapped_column(Float)
    grade_min: Mapped[float] = mapped_column(Float, default=0.0)
    grade_max: Mapped[float] = mapped_column(Float, default=0.0)
    percentage: Mapped[float | None] = mapped_column(Float)
    graded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # When the student submitted the work (Moodle's gradedatesubmitted; assignments only). A grade
    # with a submission and no raw grade is work waiting for the teacher.
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

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
