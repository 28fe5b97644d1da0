"""Course choice in the JSON API: the campaigns (listed, created or updated), an allocation run (queue one for a
worker, follow its job, read its report and
its difference against the approved state) and «Утвердить» (approve a run into enrolments).

A run's report names students (those not fully served), so reading it is audited. A school coordinator
may queue a run, follow it, read its report narrowed to their school, and make manual decisions for their
school (pin or forbid their students' offers, force the groups their school teaches); creating campaigns
and approving runs are the network administrator's.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, jsonify, url_for
from sqlalchemy import func, select

from bridge.audit import audit
from bridge.choices.allocation import JOB_KIND, queue_allocation, school_view
from bridge.choices.approval import ApprovalRefused, approve, approved_run, difference
from bridge.choices.campaigns import CampaignError, find_campaign, save_campaign
from bridge.choices.decisions import DecisionError, DecisionRefused, decide, force_offer
from bridge.choices.links import NoStudents, class_students, issue_links, revoke_links
from bridge.models import (
    AccountRole, AllocationRun, ChoiceCampaign, DecisionKind, Job, OfferState, School, StudentChoice,
)
from bridge.web import db_session, get_or_404, json_fields, public_url, runtime
from bridge.web.auth import current_account, require
from bridge.web.inputs import request_json

bp = Blueprint("choices_api", __name__, url_prefix="/api/v1/choices")
ADMIN, COORDINATOR = AccountRole.ADMIN, AccountRole.COORDINATOR
ACTIONS = {"pin": DecisionKind.PIN, "forbid": DecisionKind.FORBID, "free": None}
# The longest a run asked for here may make the solver search: a longer run belongs to the command line.
MAX_TIME_LIMIT = 120.0


def _campaign(campaign: ChoiceCampaign) -> dict:
    session = db_session()
    answered = session.scalar(select(func.count(func.distinct(StudentChoice.student_id)))
                              .where(StudentChoice.campaign_id == campaign.id))
    approved = approved_run(session, campaign.id)
    return {"code": campaign.code, "title": campaign.title, "year": campaign.academic_year.code,
            "opens_at": campaign.opens_at.isoformat(), "closes_at": campaign.closes_at.isoformat(),
            "max_choices": campaign.max_choices, "rank_weights": list(campaign.weights),
            "rules": [{"grade": r.grade, "min_courses": r.min_courses, "max_courses": r.max_courses}
                      for r in campaign.rules],
            "offers": len(campaign.offers), "students_answered": answered,
            "approved_run": approved.id if approved else None}


def _run(run: AllocationRun) -> dict:
    """The run as the caller may read it: a coordinator gets their school's part of the report and no
    difference against the approved state (it names every school's students)."""
    account = current_account()
    coordinator = account.role == COORDINATOR
    return {"id": run.id, "status": run.status, "objective": run.objective, "bound": run.bound,
            "wall_seconds": run.wall_seconds, "started_at": run.started_at.isoformat(),
            "approved_at": run.approved_at.isoformat() if run.approved_at else None,
            **school_view(run.report, account.school.external_id if coordinator else None),
            "difference": None if coordinator else difference(db_session(), run).as_dict()}


def _scope() -> int | None:
    account = current_account()
    return account.school_id if account.role == COORDINATOR else None


def _found_campaign(code: str) -> ChoiceCampaign:
    campaign = find_campaign(db_session(), code)
    if campaign is None:
        abort(404, f"no campaign {code}")
    return campaign


@bp.get("/campaigns")
@require()
def campaigns():
    rows = db_session().scalars(select(ChoiceCampaign).order_by(ChoiceCampaign.id.desc())).all()
    return jsonify([_campaign(c) for c in rows])


@bp.post("/campaigns")
@require(ADMIN)
def save_campaign_view():
    """Create a campaign, or update the one with the body's code: the same mapping and the same
    validation as a campaign file (``bridge.choices.campaigns``); 400 names every bad field, nothing written."""
    body = request_json("a JSON object")
    if not isinstance(body, dict):
        abort(400, "the body must be a JSON object")
    session = db_session()
    existed = find_campaign(session, body["code"]) is not None if isinstance(body.get("code"), str) else False
    try:
        campaign = save_campaign(session, body, by=current_account())
    except CampaignError as exc:
        session.rollback()
        abort(400, "; ".join(exc.problems))
    session.commit()
    return jsonify(_campaign(campaign)), 200 if existed else 201


@bp.post("/campaigns/<code>/runs")
@require(ADMIN, COORDINATOR)
def start_run(code: str):
    """Form the groups: queue an allocation job (a worker runs the solver, at most ``time_limit``
    seconds) and answer 202 with where to follow it."""
    body = json_fields({"time_limit": (int, float)})
    limit = body.get("time_limit")
    if limit is not None and not 0 < limit <= MAX_TIME_LIMIT:
        abort(400, f"field 'time_limit' must be more than 0 and at most {MAX_TIME_LIMIT:g} seconds")
    session = db_session()
    job = queue_allocation(session, runtime().settings, _found_campaign(code), today=dt.date.today(),
                           time_limit=limit, by=current_account())
    session.commit()
    return jsonify(_job(job)), 202


def _job(job: Job) -> dict:
    run = (job.outcome or {}).get("run")
    return {"job": job.id, "status": job.status, "error": job.error, "run": run,
            "run_url": url_for("choices_api.run_report", key=run) if run else None}


@bp.get("/jobs/<int:key>")
@require(ADMIN, COORDINATOR)
def allocation_job(key: int):
    """A queued allocation: queued, running, done (with its run) or failed (with its reason)."""
    job = get_or_404(Job, key, "job")
    if job.kind != JOB_KIND:
        abort(404, f"no allocation job {key}")
    return jsonify(_job(job))


@bp.get("/runs/<int:key>")
@require(ADMIN, COORDINATOR)
def run_report(key: int):
    run = get_or_404(AllocationRun, key, "allocation run")
    audit(db_session(), current_account(), "read allocation run", f"run {run.id}")
    db_session().commit()
    return jsonify(_run(run))


def _decided(change) -> tuple:
    """Apply one manual decision with the caller's scope: 403 outside a coordinator's school, 400 for an
    unknown student or course; nothing is written then."""
    session = db_session()
    try:
        change(session, current_account(), _scope())
    except DecisionRefused as exc:
        session.rollback()
        abort(403, str(exc))
    except DecisionError as exc:
        session.rollback()
        abort(400, str(exc))
    session.commit()
    return jsonify({"saved": True}), 200


@bp.post("/campaigns/<code>/decisions")
@require(ADMIN, COORDINATOR)
def decision(code: str):
    """Pin a student to an offer, forbid it, or free it (``action``: pin, forbid, free); every later run
    keeps it."""
    body = json_fields({"student": str, "course": str, "action": str})
    missing = [name for name in ("student", "course", "action") if not body.get(name)]
    if missing:
        abort(400, f"missing field(s): {', '.join(missing)}")
    if body["action"] not in ACTIONS:
        abort(400, f"field 'action' must be one of: {', '.join(ACTIONS)}")
    campaign = _found_campaign(code)
    return _decided(lambda session, by, scope: decide(
        session, campaign, body["student"], body["course"], ACTIONS[body["action"]], by=by, school_id=scope))


@bp.post("/campaigns/<code>/offers/<course>/state")
@require(ADMIN, COORDINATOR)
def offer_state(code: str, course: str):
    """Force ``course``'s group open or closed whatever its size, or leave it to the solver (``auto``)."""
    body = json_fields({"state": str})
    states = [state.value for state in OfferState]
    if body.get("state") not in states:
        abort(400, f"field 'state' must be one of: {', '.join(states)}")
    campaign = _found_campaign(code)
    return _decided(lambda session, by, scope: force_offer(
        session, campaign, course, OfferState(body["state"]), by=by, school_id=scope))


def _link_students(body: dict):
    """The students the body names (a class, a student, or the whole school: a coordinator's own, the one
    an administrator names), and those words for the audit."""
    session, account = db_session(), current_account()
    if account.role == COORDINATOR:
        if body.get("school") not in (None, account.school.external_id):
            abort(403, "a coordinator issues and revokes links of their own school only")
        school = account.school
    else:
        school = session.scalar(select(School).where(School.external_id == body.get("school", "")))
        if school is None:
            abort(400, "field 'school' must name a school (its external id)")
    try:
        students = class_students(session, school, body.get("class"), body.get("student"))
    except NoStudents as exc:
        abort(404, str(exc))
    return students, " ".join(part for part in (school.external_id, body.get("class"), body.get("student")) if part)


_LINK_FIELDS = {"school": str, "class": str, "student": str}


@bp.post("/campaigns/<code>/links")
@require(ADMIN, COORDINATOR)
def issue_choice_links(code: str):
    """Students' private choice links: one for each student named (a class, a student, or the whole school)
    who has none, or with ``reissue`` for all of them (their old links stop working). The answer is the
    only copy of each new link (``no-store``); a student who keeps a working link gets ``url: null``."""
    body = json_fields({**_LINK_FIELDS, "reissue": bool})
    campaign = _found_campaign(code)
    students, scope = _link_students(body)
    links = issue_links(db_session(), campaign, students, public_url(), reissue=body.get("reissue", False),
                        by=current_account(), scope=scope)
    db_session().commit()
    return jsonify({"links": [{"student": link.student.external_id, "last_name": link.student.last_name,
                               "first_name": link.student.first_name, "class": link.student.class_name,
                               "url": link.url} for link in links]}), 201


@bp.post("/campaigns/<code>/links/revoke")
@require(ADMIN, COORDINATOR)
def revoke_choice_links(code: str):
    """Revoke the working links of a class or a student (a lost sheet)."""
    body = json_fields(_LINK_FIELDS)
    if not body.get("class") and not body.get("student"):
        abort(400, "name what to revoke: field 'class' or 'student'")
    campaign = _found_campaign(code)
    students, scope = _link_students(body)
    revoked = revoke_links(db_session(), campaign, students, by=current_account(), scope=scope)
    db_session().commit()
    return jsonify({"revoked": revoked})


@bp.post("/runs/<int:key>/approve")
@require(ADMIN)
def approve_run(key: int):
    """«Утвердить»: the run's grants become enrolments; 409 when it would drop approved ones unless
    ``withdraw`` is true, or when it has no allocation."""
    body = json_fields({"withdraw": bool})
    run = get_or_404(AllocationRun, key, "allocation run")
    try:
        done = approve(db_session(), run, by=current_account(), withdraw=body.get("withdraw", False),
                       today=runtime().settings.district.today())
    except (ApprovalRefused, ValueError) as exc:
        db_session().rollback()
        abort(409, str(exc))
    db_session().commit()
    return jsonify({"run": done.run, "created": done.created, "reactivated": done.reactivated,
                    "withdrawn": done.withdrawn, "unchanged": done.unchanged})
