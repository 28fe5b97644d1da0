"""Course choice in the JSON API: the campaigns (listed, created or updated), an allocation run (queue one for a
worker, follow its job, read its report and
its difference against the approved state) and «Утвердить» (approve a run into enrolments).

A run's report names students (those not fully served), so reading it is audited; forming the
groups and approving them are the network administrator's.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, jsonify, url_for
from sqlalchemy import func, select

from bridge.audit import audit
from bridge.choices.allocation import JOB_KIND, queue_allocation
from bridge.choices.approval import ApprovalRefused, approve, approved_run, difference
from bridge.choices.campaigns import CampaignError, find_campaign, save_campaign
from bridge.models import AccountRole, AllocationRun, ChoiceCampaign, Job, StudentChoice
from bridge.web import db_session, get_or_404, json_fields, runtime
from bridge.web.auth import current_account, require
from bridge.web.inputs import request_json

bp = Blueprint("choices_api", __name__, url_prefix="/api/v1/choices")
ADMIN = AccountRole.ADMIN
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
    return {"id": run.id, "status": run.status, "objective": run.objective, "bound": run.bound,
            "wall_seconds": run.wall_seconds, "started_at": run.started_at.isoformat(),
            "approved_at": run.approved_at.isoformat() if run.approved_at else None, **run.report,
            "difference": difference(db_session(), run).as_dict()}


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
@require(ADMIN)
def start_run(code: str):
    """Form the groups: queue an allocation job (a worker runs the solver, at most ``time_limit``
    seconds) and answer 202 with where to follow it."""
    body = json_fields({"time_limit": (int, float)})
    limit = body.get("time_limit")
    if limit is not None and not 0 < limit <= MAX_TIME_LIMIT:
        abort(400, f"field 'time_limit' must be more than 0 and at most {MAX_TIME_LIMIT:g} seconds")
    session = db_session()
    campaign = find_campaign(session, code)
    if campaign is None:
        abort(404, f"no campaign {code}")
    job = queue_allocation(session, runtime().settings, campaign, today=dt.date.today(), time_limit=limit,
                           by=current_account())
    session.commit()
    return jsonify(_job(job)), 202


def _job(job: Job) -> dict:
    run = (job.outcome or {}).get("run")
    return {"job": job.id, "status": job.status, "error": job.error, "run": run,
            "run_url": url_for("choices_api.run_report", key=run) if run else None}


@bp.get("/jobs/<int:key>")
@require(ADMIN)
def allocation_job(key: int):
    """A queued allocation: queued, running, done (with its run) or failed (with its reason)."""
    job = get_or_404(Job, key, "job")
    if job.kind != JOB_KIND:
        abort(404, f"no allocation job {key}")
    return jsonify(_job(job))


@bp.get("/runs/<int:key>")
@require(ADMIN)
def run_report(key: int):
    run = get_or_404(AllocationRun, key, "allocation run")
    audit(db_session(), current_account(), "read allocation run", f"run {run.id}")
    db_session().commit()
    return jsonify(_run(run))


@bp.post("/runs/<int:key>/approve")
@require(ADMIN)
def approve_run(key: int):
    """«Утвердить»: the run's grants become enrolments; 409 when it would drop approved ones unless
    ``withdraw`` is true, or when it has no allocation."""
    body = json_fields({"withdraw": bool})
    run = get_or_404(AllocationRun, key, "allocation run")
    try:
        done = approve(db_session(), run, by=current_account(), withdraw=body.get("withdraw", False))
    except (ApprovalRefused, ValueError) as exc:
        db_session().rollback()
        abort(409, str(exc))
    db_session().commit()
    return jsonify({"run": done.run, "created": done.created, "reactivated": done.reactivated,
                    "withdrawn": done.withdrawn, "unchanged": done.unchanged})
