"""Course choice (выбор курсов) and network group formation (комплектование сетевых групп).

A campaign is run for one academic year (usually in the spring, for the next): it offers network
courses of that year with a minimum and maximum group size, sets how many courses a student of each
grade must and may take and what a 1st, 2nd, ... choice is worth, and collects each student's ranked
choices inside its window. An allocation run stores what the solver granted and why students were
not fully served; approving a run turns its grants into enrolments (bridge.choices.approval).
The offer's provider school, teachers, grades, weekly slots and hours are the course's own
(bridge.models.registry): an offer adds only what forming a group needs.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.models.base import Base, TimestampMixin, _enum

if TYPE_CHECKING:
    from bridge.models.registry import AcademicYear, NetworkCourse, Student


class OfferState(enum.StrEnum):
    """A coordinator's decision on a group: the solver decides, or it is forced open or closed."""

    AUTO = "auto"
    OPEN = "open"
    CLOSED = "closed"


class DecisionKind(enum.StrEnum):
    """A coordinator's decision on one student and offer, kept by every later run."""

    PIN = "pin"
    FORBID = "forbid"


class ChoiceCampaign(TimestampMixin, Base):
    __tablename__ = "choice_campaign"
    __table_args__ = (
        CheckConstraint("opens_at < closes_at", name="window"),
        CheckConstraint("max_choices BETWEEN 1 AND 10", name="max_choices"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    # The year the groups are formed for (the offers are its courses).
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="RESTRICT"), index=True)
    opens_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    max_choices: Mapped[int] = mapped_column(Integer, default=5)
    # What a 1st, 2nd, ... choice is worth, as "5,4,3,2,1": the solver maximises their sum.
    rank_weights: Mapped[str] = mapped_column(String(100), default="5,4,3,2,1")

    academic_year: Mapped[AcademicYear] = relationship()
    rules: Mapped[list[ChoiceRule]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="ChoiceRule.grade")
    offers: Mapped[list[ChoiceOffer]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="ChoiceOffer.id")

    @property
    def weights(self) -> tuple[int, ...]:
        return tuple(int(w) for w in self.rank_weights.split(","))


class ChoiceRule(Base):
    """How many network courses a student of one grade (in the campaign's year) must and may take."""

    __tablename__ = "choice_rule"
    __table_args__ = (
        UniqueConstraint("campaign_id", "grade", name="uq_choice_rule_campaign_grade"),
        CheckConstraint("grade BETWEEN 1 AND 11", name="grade"),
        CheckConstraint("min_courses >= 0 AND max_courses >= min_courses", name="counts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("choice_campaign.id", ondelete="CASCADE"))
    grade: Mapped[int] = mapped_column(Integer)
    min_courses: Mapped[int] = mapped_column(Integer)
    max_courses: Mapped[int] = mapped_column(Integer)

    campaign: Mapped[ChoiceCampaign] = relationship(back_populates="rules")


class ChoiceOffer(Base):
    """A course offered in a campaign, with the group sizes it opens with."""

    __tablename__ = "choice_offer"
    __table_args__ = (
        UniqueConstraint("campaign_id", "course_id", name="uq_choice_offer_campaign_course"),
        CheckConstraint("min_size >= 0 AND max_size >= 1 AND max_size >= min_size", name="sizes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("choice_campaign.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("network_course.id", ondelete="RESTRICT"), index=True)
    min_size: Mapped[int] = mapped_column(Integer)
    max_size: Mapped[int] = mapped_column(Integer)
    # False: the group opens whatever its size (the provider has promised it).
    may_close: Mapped[bool] = mapped_column(Boolean, default=True)
    forced: Mapped[OfferState] = mapped_column(_enum(OfferState, "offer_state"), default=OfferState.AUTO)

    campaign: Mapped[ChoiceCampaign] = relationship(back_populates="offers")
    course: Mapped[NetworkCourse] = relationship()


class StudentChoice(TimestampMixin, Base):
    """One ranked choice of a student (rank 1 = most wanted)."""

    __tablename__ = "student_choice"
    __table_args__ = (
        UniqueConstraint("campaign_id", "student_id", "rank", name="uq_student_choice_rank"),
        UniqueConstraint("campaign_id", "student_id", "offer_id", name="uq_student_choice_offer"),
        CheckConstraint("rank >= 1", name="rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("choice_campaign.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("choice_offer.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)

    student: Mapped[Student] = relationship()
    offer: Mapped[ChoiceOffer] = relationship()


class AllocationDecision(Base):
    """A coordinator's pin (the student takes this offer) or forbid (never this offer)."""

    __tablename__ = "allocation_decision"
    __table_args__ = (UniqueConstraint("campaign_id", "student_id", "offer_id", name="uq_allocation_decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("choice_campaign.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("choice_offer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DecisionKind] = mapped_column(_enum(DecisionKind, "decision_kind"))


class AllocationRun(Base):
    """One solve: the solver's figures, what it was based on, and its report (offers' sizes and
    states, the students not fully served with the reason). Approved once its grants became
    enrolments."""

    __tablename__ = "allocation_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("choice_campaign.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(32))  # the solver's: OPTIMAL, FEASIBLE, INFEASIBLE, ...
    objective: Mapped[float] = mapped_column(Float)
    bound: Mapped[float] = mapped_column(Float)
    wall_seconds: Mapped[float] = mapped_column(Float)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    grants: Mapped[list[AllocationGrant]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="(AllocationGrant.student_id, AllocationGrant.offer_id)")


class AllocationGrant(Base):
    """A student granted an offer by a run; ``rank`` empty when granted by a pin outside their choices."""

    __tablename__ = "allocation_grant"

    run_id: Mapped[int] = mapped_column(ForeignKey("allocation_run.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("choice_offer.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int | None] = mapped_column(Integer)

    run: Mapped[AllocationRun] = relationship(back_populates="grants")
