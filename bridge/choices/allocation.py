"""An allocation run: the campaign read from the registry, solved, and stored with its report.

A run changes no enrolment (bridge.choices.approval does, when a run is approved): it records what
the solver granted, each offer's size against its minimum and maximum and whether it opens, how
many students of each school and grade got their 1st, 2nd, ... choice, and for each student not
fully served why, in the words the coordinator reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge import jobs
from bridge.audit import Actor, audit
from bridge.choices.instance import read_campaign
from bridge.choices.solver import Reason, solve
from bridge.models import Account, AllocationGrant, AllocationRun, ChoiceCampaign, Job
from config import Settings

REASON_TEXT = {
    "forbidden": "{course}: запрещено координатором",
    "closed_forced": "{course}: группа закрыта координатором",
    "closed_few": "{course}: группа не открылась — записалось меньше {amount}",
    "home_clash": "{course}: пересекается с уроком своего класса ({detail})",
    "overlap": "{course}: пересекается с курсом {other}",
    "overload": "{course}: превышение недельной нагрузки на {amount} ч",
    "full": "{course}: группа заполнена ({amount} мест)",
    "at_max": "{course}: уже взято наибольшее допустимое число курсов",
    "not_chosen": "{course}: место отдано другим ради лучшего распределения в целом",
}
NO_CHOICES = "нет выбранных курсов"


def reason_fields(reason: Reason, codes: dict[int, str]) -> dict[str, Any]:
    """A reason as the run's report keeps it: its code and what it names, for any language to word."""
    return {"code": reason.code, "course": codes[reason.offer], "other": codes.get(reason.other, ""),
            "detail": reason.detail, "amount": reason.amount}


def reason_text(reason: Reason, codes: dict[int, str]) -> str:
    return REASON_TEXT[reason.code].format(**reason_fields(reason, codes))


def run_allocation(
    session: Session, settings: Settings, campaign: ChoiceCampaign, *, today: dt.date,
    time_limit: float | None = None, by: Actor | None = None,
) -> AllocationRun:
    """Solve the campaign as the registry holds it now and store the run (not approved)."""
    data = read_campaign(session, campaign, today)
    result = solve(data.instance, time_limit=time_limit or settings.choices.time_limit,
                   workers=settings.choices.workers, deterministic=settings.choices.deterministic,
                   relative_gap=settings.choices.relative_gap)
    codes, pupils = data.codes, {p.id: p for p in data.instance.pupils}
    offers = []
    for offer in campaign.offers:
        offers.append({"offer": offer.id, "course": codes[offer.id], "min": offer.min_size, "max": offer.max_size,
                       "size": result.sizes.get(offer.id, 0), "open": offer.id in result.open_offers,
                       "forced": offer.forced.value, "may_close": offer.may_close})
    ranks: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0] * (campaign.max_choices + 1))
    for student_id, granted in result.grants.items():
        _, grade, school = data.students[student_id]
        for offer_id in granted:
            chosen = pupils[student_id].choices
            # the last place counts grants outside the choices (pins)
            ranks[(school, grade)][chosen.index(offer_id) if offer_id in chosen else campaign.max_choices] += 1
    unserved = []
    for student_id, reasons in sorted(result.unserved.items(), key=lambda item: data.students[item[0]]):
        external_id, grade, school = data.students[student_id]
        unserved.append({"student": external_id, "school": school, "grade": grade,
                         "granted": [codes[o] for o in result.grants.get(student_id, ())],
                         "reasons": [reason_text(r, codes) for r in reasons] or [NO_CHOICES],
                         "why": [reason_fields(r, codes) for r in reasons]})
    report: dict[str, Any] = {
        "basis": data.basis,
        "unchecked_load": [list(pair) for pair in data.unchecked_load],
        "status": result.status, "objective": result.objective, "bound": result.bound, "gap": result.gap,
        "shortfall": result.shortfall, "problems": list(result.problems),
        "students": len(data.instance.pupils),
        "offers": offers,
        "ranks": [{"school": school, "grade": grade, "counts": counts}
                  for (school, grade), counts in sorted(ranks.items())],
        "unserved": unserved,
    }
    run = AllocationRun(campaign_id=campaign.id, started_at=dt.datetime.now(dt.UTC), status=result.status,
                        objective=result.objective, bound=result.bound, wall_seconds=result.wall_seconds,
                        report=report)
    session.add(run)
    session.flush()
    session.add_all(
        AllocationGrant(run_id=run.id, student_id=student_id, offer_id=offer_id,
                        rank=pupils[student_id].choices.index(offer_id) + 1
                        if offer_id in pupils[student_id].choices else None)
        for student_id, granted in result.grants.items() for offer_id in granted)
    session.flush()
    audit(session, by, "run allocation", f"{campaign.code}: run {run.id}, {result.status}")
    return run


def school_view(report: dict[str, Any], school: str | None) -> dict[str, Any]:
    """The run's report as a coordinator of ``school`` (external id) may read it: the groups and the
    solver's figures whole, the rank counts and the students not fully served of their school only.
    ``None`` (the administrator) leaves it whole."""
    if school is None:
        return report
    return {**report, "ranks": [r for r in report["ranks"] if r["school"] == school],
            "unserved": [u for u in report["unserved"] if u["school"] == school]}


JOB_KIND = "allocate"  # the queue's kind that sync_jobs.worker runs with run_allocation


def queue_allocation(session: Session, settings: Settings, campaign: ChoiceCampaign, *, today: dt.date,
                     time_limit: float | None = None, by: Account | None = None) -> Job:
    """Queue a run for a worker (the API; ``netcourses allocate --queue``): a solve may take minutes and
    must not die with the process that asked for it. The caller commits.

    A run already queued for the campaign (and not yet started) is returned instead of a second one: it
    will read the registry as it is when it starts, decisions made meanwhile included, so coordinators
    pressing «Рассчитать заново» one after another do not stack solves."""
    for job in session.scalars(select(Job).where(Job.kind == JOB_KIND, Job.status == jobs.QUEUED)):
        if job.params.get("campaign") == campaign.code:
            return job
    return jobs.enqueue(session, JOB_KIND, {"campaign": campaign.code, "time_limit": time_limit,
                                            "by": by.id if by else None, "today": today.isoformat()},
                        max_attempts=settings.jobs.max_attempts)
