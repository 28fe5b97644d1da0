"""Agreements between schools (договор о сетевой форме реализации образовательной программы).

A providing school's teacher teaches a receiving school's students under an agreement for one academic
year; the hours given are counted per month for the settlement between the schools and the teacher's
workload (bridge.agreements). The rate is kept in kopecks, an integer: money is never a float, and an
integer column is exact on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from bridge.models.registry import AcademicYear, NetworkCourse, School


class Agreement(TimestampMixin, Base):
    """One agreement: its parties, year, number and date, what it covers, and its rate per academic hour.

    ``all_courses``: every course of the provider (in the year) that the receiver's students take, and then
    ``courses`` is empty; otherwise ``courses`` lists the covered courses, each the provider's, of the year.
    """

    __tablename__ = "agreement"
    __table_args__ = (
        UniqueConstraint("provider_school_id", "receiver_school_id", "academic_year_id", "number",
                         name="uq_agreement_parties_year_number"),
        CheckConstraint("provider_school_id <> receiver_school_id", name="two_schools"),
        CheckConstraint("rate_kopecks IS NULL OR rate_kopecks >= 0", name="rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="RESTRICT"), index=True)
    receiver_school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="RESTRICT"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="RESTRICT"))
    number: Mapped[str] = mapped_column(String(64))
    signed_on: Mapped[dt.date] = mapped_column(Date)
    all_courses: Mapped[bool] = mapped_column(Boolean, default=False)
    rate_kopecks: Mapped[int | None] = mapped_column(Integer)

    provider_school: Mapped[School] = relationship(foreign_keys=[provider_school_id])
    receiver_school: Mapped[School] = relationship(foreign_keys=[receiver_school_id])
    academic_year: Mapped[AcademicYear] = relationship()
    courses: Mapped[list[NetworkCourse]] = relationship(secondary="agreement_course", order_by="NetworkCourse.code")

    @property
    def rate(self) -> Decimal | None:
        """Roubles per academic hour, or None when the agreement sets no rate."""
        return None if self.rate_kopecks is None else Decimal(self.rate_kopecks) / 100


class AgreementCourse(Base):
    __tablename__ = "agreement_course"

    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("network_course.id", ondelete="RESTRICT"), primary_key=True,
                                           index=True)
