"""«Утвердить»: an allocation run becomes enrolments, in the caller's one transaction, audited; and
what a newer run would change against the approved state.

The approved state is the campaign's last approved run. Approving a run creates the enrolments its
grants lack (or makes a withdrawn one active again), from the first day of the campaign's year; the
next sync takes them to Moodle. Approving the same run again changes nothing. A run that no longer
grants an enrolment the approved state holds is refused unless the withdrawals are asked for by
name (``withdraw=True``): an approved enrolment is never silently dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.audit import Actor, audit
from bridge.models import (
    AcademicYear,
    AllocationGrant,
    AllocationRun,
    ChoiceCampaign,
    ChoiceOffer,
    Enrolment,
    EnrolmentStatus,
    NetworkCourse,
    Student,
)

Pair = tuple[str, str]  # (student external id, course code)


class ApprovalRefused(ValueError):
    """Approving would withdraw approved enrolments that were not asked to be withdrawn."""

    def __init__(self, dropped: list[Pair]) -> None:
        self.dropped = dropped
        super().__init__(f"the run drops {len(dropped)} approved enrolment(s): "
                         + ", ".join(f"{s} {c}" for s, c in dropped[:10])
                         + ("" if len(dropped) <= 10 else ", ...") + "; approve with withdrawal to drop them")


@dataclass(frozen=True)
class Difference:
    """A run against the approved state: the enrolments it adds and those it would drop."""

    approved_run: int | None
    added: tuple[Pair, ...]
    dropped: tuple[Pair, ...]

    def as_dict(self) -> dict:
        return {"approved_run": self.approved_run, "added": [list(p) for p in self.added],
                "dropped": [list(p) for p in self.dropped]}


@dataclass(frozen=True)
class Approval:
    run: int
    created: int
    reactivated: int
    withdrawn: int
    unchanged: int


def approved_run(session: Session, campaign_id: int) -> AllocationRun | None:
    return session.scalars(
        select(AllocationRun).where(AllocationRun.campaign_id == campaign_id, AllocationRun.approved_at.is_not(None))
        .order_by(AllocationRun.approved_at.desc(), AllocationRun.id.desc()).limit(1)).first()


def _pairs(session: Session, run_id: int) -> set[tuple[int, int, str, str]]:
    """(student id, course id, student external id, course code) of a run's grants."""
    return {tuple(row) for row in session.execute(
        select(AllocationGrant.student_id, ChoiceOffer.course_id, Student.external_id, NetworkCourse.code)
        .join(ChoiceOffer, ChoiceOffer.id == AllocationGrant.offer_id)
        .join(NetworkCourse, NetworkCourse.id == ChoiceOffer.course_id)
        .join(Student, Student.id == AllocationGrant.student_id)
        .where(AllocationGrant.run_id == run_id))}


def difference(session: Session, run: AllocationRun) -> Difference:
    base = approved_run(session, run.campaign_id)
    mine = _pairs(session, run.id)
    theirs = _pairs(session, base.id) if base is not None else set()
    key = {(s, c): (ext, code) for s, c, ext, code in mine | theirs}
    now, before = {(s, c) for s, c, *_ in mine}, {(s, c) for s, c, *_ in theirs}
    return Difference(base.id if base is not None else None,
                      tuple(sorted(key[p] for p in now - before)), tuple(sorted(key[p] for p in before - now)))


def approve(session: Session, run: AllocationRun, *, by: Actor | None = None, withdraw: bool = False,
            today: dt.date | None = None) -> Approval:
    """Make ``run`` the approved state (see the module's doc). Raises :class:`ApprovalRefused`."""
    today = today or dt.date.today()
    if run.status not in ("OPTIMAL", "FEASIBLE"):
        raise ValueError(f"run {run.id} has no allocation to approve ({run.status})")
    change = difference(session, run)
    if change.dropped and not withdraw:
        raise ApprovalRefused(list(change.dropped))
    granted = {(s, c) for s, c, *_ in _pairs(session, run.id)}
    base = approved_run(session, run.campaign_id)
    dropped = {(s, c) for s, c, *_ in _pairs(session, base.id)} - granted if base is not None else set()
    courses = {c for _, c in granted | dropped}
    existing = {(e.student_id, e.course_id): e for e in session.scalars(
        select(Enrolment).where(Enrolment.course_id.in_(courses)))} if courses else {}
    year_starts = session.scalar(
        select(AcademicYear.starts_on).join(ChoiceCampaign, ChoiceCampaign.academic_year_id == AcademicYear.id)
        .where(ChoiceCampaign.id == run.campaign_id))
    created = reactivated = unchanged = withdrawn = 0
    for student_id, course_id in sorted(granted):
        enrolment = existing.get((student_id, course_id))
        if enrolment is None:
            session.add(Enrolment(student_id=student_id, course_id=course_id, starts_on=year_starts))
            created += 1
        elif enrolment.status != EnrolmentStatus.ACTIVE:
            if enrolment.status == EnrolmentStatus.WITHDRAWN:
                enrolment.ends_on = None  # the end an earlier approval recorded no longer holds
            enrolment.status = EnrolmentStatus.ACTIVE
            reactivated += 1
        else:
            unchanged += 1
    for pair in sorted(dropped):
        enrolment = existing.get(pair)
        if enrolment is not None and enrolment.status == EnrolmentStatus.ACTIVE:
            enrolment.status = EnrolmentStatus.WITHDRAWN
            # In force until today when the year has started (the month's figures count it up to now);
            # withdrawn before its start it never was, and an enrolment withdrawn without an end never counts.
            if enrolment.starts_on <= today and (enrolment.ends_on is None or enrolment.ends_on > today):
                enrolment.ends_on = today
            withdrawn += 1
    if run.approved_at is None or base is None or base.id != run.id:
        run.approved_at = dt.datetime.now(dt.UTC)
    session.flush()
    if created or reactivated or withdrawn or base is None or base.id != run.id:
        audit(session, by, "approve allocation",
              f"run {run.id}: {created} created, {reactivated} reactivated, {withdrawn} withdrawn")
    return Approval(run.id, created, reactivated, withdrawn, unchanged)

