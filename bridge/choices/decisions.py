"""A coordinator's manual decisions, kept by every later run: a student pinned to an offer or
forbidden one, an offer forced open or closed. Each is audited.

The administrator decides for anyone. A school coordinator decides for their own school only: pins
and forbids for their school's students, and forcing the groups their school teaches (it is the
provider that promises or cancels a group). ``school_id`` carries that scope; a decision outside it is
refused before anything is written."""

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


class DecisionRefused(PermissionError):
    """The decision is outside the deciding coordinator's school."""


def _offer(session: Session, campaign: ChoiceCampaign, course: str) -> ChoiceOffer:
    offer = session.scalar(select(ChoiceOffer).join(NetworkCourse, NetworkCourse.id == ChoiceOffer.course_id)
                           .where(ChoiceOffer.campaign_id == campaign.id, NetworkCourse.code == course))
    if offer is None:
        raise DecisionError(f"course {course} is not offered in campaign {campaign.code}")
    return offer


def decide(session: Session, campaign: ChoiceCampaign, student: str, course: str, kind: DecisionKind | None,
           by: Actor | None = None, school_id: int | None = None) -> None:
    """Pin or forbid ``course`` for ``student`` (external id), or with ``kind`` None drop the decision;
    with ``school_id``, only for a student of that school."""
    offer = _offer(session, campaign, course)
    row = session.execute(select(Student.id, Student.school_id).where(Student.external_id == student)).first()
    if row is None:
        raise DecisionError(f"unknown student {student}")
    student_id, student_school = row
    if school_id is not None and student_school != school_id:
        raise DecisionRefused(f"student {student} is not of your school")
    session.execute(delete(AllocationDecision).where(AllocationDecision.campaign_id == campaign.id,
                                                     AllocationDecision.student_id == student_id,
                                                     AllocationDecision.offer_id == offer.id))
    if kind is not None:
        session.add(AllocationDecision(campaign_id=campaign.id, student_id=student_id, offer_id=offer.id, kind=kind))
    session.flush()
    audit(session, by, f"{kind.value if kind else 'free'} allocation", f"{campaign.code}: {student} {course}")


def force_offer(session: Session, campaign: ChoiceCampaign, course: str, state: OfferState,
                by: Actor | None = None, school_id: int | None = None) -> None:
    """Force ``course``'s group open or closed, or leave it to the solver (``OfferState.AUTO``); with
    ``school_id``, only a group that school teaches."""
    offer = _offer(session, campaign, course)
    if school_id is not None and offer.course.provider_school_id != school_id:
        raise DecisionRefused(f"course {course} is not taught by your school")
    offer.forced = state
    session.flush()
    audit(session, by, "force offer", f"{campaign.code}: {course} {state.value}")
