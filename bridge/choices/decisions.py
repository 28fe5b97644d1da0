"""A coordinator's manual decisions, kept by every later run: a student pinned to an offer or
forbidden one, an offer forced open or closed. Each is audited."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bridge.audit import Actor, audit
from bridge.models import (
    AllocationDecision,
    ChoiceCampaign,
    ChoiceOffer,
    DecisionKind,
    NetworkCourse,
    OfferState,
    Student,
)


class DecisionError(ValueError):
    """The student or the offer named is unknown."""


def _offer(session: Session, campaign: ChoiceCampaign, course: str) -> ChoiceOffer:
    offer = session.scalar(select(ChoiceOffer).join(NetworkCourse, NetworkCourse.id == ChoiceOffer.course_id)
                           .where(ChoiceOffer.campaign_id == campaign.id, NetworkCourse.code == course))
    if offer is None:
        raise DecisionError(f"course {course} is not offered in campaign {campaign.code}")
    return offer


def decide(session: Session, campaign: ChoiceCampaign, student: str, course: str, kind: DecisionKind | None,
           by: Actor | None = None) -> None:
    """Pin or forbid ``course`` for ``student`` (external id), or with ``kind`` None drop the decision."""
    offer = _offer(session, campaign, course)
    student_id = session.scalar(select(Student.id).where(Student.external_id == student))
    if student_id is None:
        raise DecisionError(f"unknown student {student}")
    session.execute(delete(AllocationDecision).where(AllocationDecision.campaign_id == campaign.id,
                                                     AllocationDecision.student_id == student_id,
                                                     AllocationDecision.offer_id == offer.id))
    if kind is not None:
        session.add(AllocationDecision(campaign_id=campaign.id, student_id=student_id, offer_id=offer.id, kind=kind))
    session.flush()
    audit(session, by, f"{kind.value if kind else 'free'} allocation", f"{campaign.code}: {student} {course}")


def force_offer(session: Session, campaign: ChoiceCampaign, course: str, state: OfferState,
                by: Actor | None = None) -> None:
    _offer(session, campaign, course).forced = state
    session.flush()
    audit(session, by, "force offer", f"{campaign.code}: {course} {state.value}")
