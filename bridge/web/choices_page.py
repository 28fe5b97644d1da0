"""Course choice in the console: the campaigns (``/choices``: listed; the administrator creates or
updates one with the same validation as a campaign file or the API, ``save_campaign``), the
allocation result page (``/choices/runs/<id>``) and its actions: run, a manual decision (pin or
forbid a student's offer, force an offer open or closed), «Утвердить».

The figures come from the run's stored report (:mod:`bridge.choices.allocation`); this module only
narrows them to the role: the administrator sees everything, a coordinator their own school's
students, a viewer the aggregates without a name. Reading names is audited.

Who acts: a coordinator runs and re-runs the solve and makes manual decisions for their own school
(:mod:`bridge.choices.decisions` refuses the rest, 403); «Утвердить», which turns a run into
enrolments of every school, stays the administrator's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from bridge import jobs
from bridge.audit import audit
from bridge.choices.allocation import JOB_KIND, queue_allocation, school_view
from bridge.choices.approval import ApprovalRefused, approve, difference
from bridge.choices.campaigns import CampaignError, find_campaign, save_campaign
from bridge.choices.decisions import DecisionError, DecisionRefused, decide, force_offer
from bridge.choices.instance import BASIS_CURRENT, BASIS_NEXT_GRADE
from bridge.models import (
    AcademicYear, AccountRole, AllocationRun, ChoiceCampaign, DecisionKind, Job, NetworkCourse, OfferState,
)
from bridge.web import db_session, get_or_404, runtime
from bridge.web.auth import current_account, require
from bridge.charts import bar_chart
from bridge.web.lists import paginate_rows

bp = Blueprint("choices_page", __name__)

ADMIN, COORDINATOR, VIEWER = AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.VIEWER
STATE = {"open": "открыта", "closed": "закрыта"}
FORCED = {"auto": "решает расчёт", "open": "открыта вручную", "closed": "закрыта вручную"}
# Confirmations after a redirect: fixed texts by key, so nothing from the query is echoed.
DONE = {"approved": "Распределение утверждено: зачисления созданы.", "decided": "Решение сохранено. Запустите "
        "расчёт заново, чтобы его учесть."}
BASIS = {BASIS_NEXT_GRADE: "расписания и учебные планы класса, в который переходит обучающийся (нынешние: реестр "
                           "хранит один на школу и класс)",
         BASIS_CURRENT: "нынешние расписания и учебные планы"}
JOB_STATE = {"queued": "расчёт в очереди", "running": "идёт расчёт"}
ACTIONS = {"pin": DecisionKind.PIN, "forbid": DecisionKind.FORBID, "free": None}
STATES = {"open": OfferState.OPEN, "closed": OfferState.CLOSED, "auto": OfferState.AUTO}


def _form_campaign(form: dict[str, str]) -> dict[str, Any]:
    """The form as the mapping ``save_campaign`` checks: times are the district's wall clock, the
    rules one line per grade («10 1 2»), the offer one line per course («NC-PY-11 8 25», «нет» after
    the sizes: the group opens whatever its size). A line that is not numbers is passed on as it is,
    so ``save_campaign`` names it."""
    zone = ZoneInfo(runtime().settings.district.timezone)

    def moment(text: str) -> Any:
        try:
            return dt.datetime.fromisoformat(text).replace(tzinfo=zone)
        except ValueError:
            return text

    def number(text: str) -> Any:
        return int(text) if text.isascii() and text.isdigit() else text

    rules = [dict(zip(("grade", "min_courses", "max_courses"), map(number, line.split()), strict=False))
             for line in form["rules"].splitlines() if line.strip()]
    offers = []
    for line in form["offers"].splitlines():
        if line.strip():
            course, *sizes = line.split()
            offer: dict[str, Any] = {"course": course, **dict(zip(("min_size", "max_size"), map(number, sizes)))}
            if len(sizes) > 2:
                offer["may_close"] = sizes[2].lower() != "нет"
            offers.append(offer)
    return {"code": form["code"], "title": form["title"], "year": form["year"], "opens_at": moment(form["opens_at"]),
            "closes_at": moment(form["closes_at"]), "max_choices": number(form["max_choices"]),
            "rank_weights": [number(w) for w in form["rank_weights"].replace(",", " ").split()],
            "rules": rules, "offers": offers}


CAMPAIGN_FIELDS = ("code", "title", "year", "opens_at", "closes_at", "max_choices", "rank_weights", "rules", "offers")


@bp.route("/choices", methods=["GET", "POST"])
@require(ADMIN, COORDINATOR, VIEWER)
def campaigns():
    """The campaigns with their latest run; the administrator's form creates or updates one."""
    session, account = db_session(), current_account()
    form = {k: request.form.get(k, "").strip() for k in CAMPAIGN_FIELDS}
    problems: list[str] = []
    if request.method == "POST":
        if account.role != ADMIN:
            abort(403)
        try:
            save_campaign(session, _form_campaign(form), by=account)
        except CampaignError as exc:
            session.rollback()
            problems = exc.problems
        else:
            session.commit()
            return redirect(url_for("choices_page.campaigns", done="saved"), 303)
    rows = session.scalars(select(ChoiceCampaign).order_by(ChoiceCampaign.id.desc())).all()
    latest = {c.id: session.scalar(select(AllocationRun.id).where(AllocationRun.campaign_id == c.id)
                                   .order_by(AllocationRun.id.desc()).limit(1)) for c in rows}
    pending = {job.params["campaign"]: job.status for job in session.scalars(
        select(Job).where(Job.kind == JOB_KIND, Job.status.in_(jobs.ACTIVE)).order_by(Job.id))}
    years = session.scalars(select(AcademicYear.code).order_by(AcademicYear.starts_on.desc())).all()
    return render_template("console/choices.html", campaigns=rows, latest=latest, years=years, form=form,
                           problems=problems, done=request.args.get("done"), pending=pending,
                           job_state=JOB_STATE), 400 if problems else 200


@bp.post("/choices/<code>/run")
@require(ADMIN, COORDINATOR)
def first_run(code: str):
    """Form the groups of a campaign (a job for a worker, as ``netcourses allocate --queue``)."""
    campaign = find_campaign(db_session(), code)
    if campaign is None:
        abort(404, f"Нет кампании {code}")
    return _solve(campaign)


def _solve(campaign: ChoiceCampaign):
    """Queue the solve for a worker (the web process runs no job: a solve may take a minute); the
    campaigns' list shows it queued or running until its run appears there."""
    session = db_session()
    queue_allocation(session, runtime().settings, campaign, today=dt.date.today(), by=current_account())
    session.commit()
    return redirect(url_for("choices_page.campaigns", done="queued"), 303)


def _campaign(run: AllocationRun) -> ChoiceCampaign:
    return db_session().get_one(ChoiceCampaign, run.campaign_id)


def rank_label(place: int, max_choices: int) -> str:
    return f"{place + 1}-й выбор" if place < max_choices else "закреплено вне выбора"


@bp.get("/choices/runs/<int:key>")
@require(ADMIN, COORDINATOR, VIEWER)
def run_page(key: int):
    run = get_or_404(AllocationRun, key, "allocation run")
    account, session, campaign = current_account(), db_session(), _campaign(run)
    max_choices = campaign.max_choices
    report = school_view(run.report, account.school.external_id if account.role == COORDINATOR else None)
    ranks, unserved = report["ranks"], report["unserved"]
    totals = [sum(r["counts"][i] for r in ranks) for i in range(max_choices + 1)]
    chart = bar_chart({rank_label(i, max_choices): n for i, n in enumerate(totals) if n or i < max_choices})
    names = account.role != VIEWER
    if names:
        audit(session, account, "read allocation run", f"run {run.id}")
        session.commit()
    return render_template(
        "console/choices_run.html", run=run, report=report, ranks=ranks, chart=chart, max_choices=max_choices,
        rank_label=rank_label, unserved_total=len(unserved), page=paginate_rows(unserved) if names else None,
        difference=difference(session, run) if account.role == ADMIN else None, state=STATE, forced=FORCED,
        decides=account.role in (ADMIN, COORDINATOR), own=_own_offers(run, account),
        campaign=campaign, done=DONE.get(request.args.get("done", "")), basis=BASIS.get(report["basis"], report["basis"]))


def _own_offers(run: AllocationRun, account) -> set[str] | None:
    """The courses whose group ``account`` may force: all (None) for the administrator, their school's
    for a coordinator."""
    if account.role != COORDINATOR:
        return None
    return set(db_session().scalars(select(NetworkCourse.code).where(
        NetworkCourse.provider_school_id == account.school_id,
        NetworkCourse.code.in_([o["course"] for o in run.report["offers"]]))))


def _school_scope(account) -> int | None:
    """The school a coordinator's decisions are limited to; None for the administrator."""
    return account.school_id if account.role == COORDINATOR else None


@bp.post("/choices/runs/<int:key>/rerun")
@require(ADMIN, COORDINATOR)
def rerun(key: int):
    """Solve the campaign again as the registry holds it now (choices and decisions included)."""
    return _solve(_campaign(get_or_404(AllocationRun, key, "allocation run")))


@bp.post("/choices/runs/<int:key>/decide")
@require(ADMIN, COORDINATOR)
def decide_view(key: int):
    """A manual decision kept by every later run: ``student`` + ``action`` (pin, forbid, free) on
    ``course``, or ``state`` (open, closed, auto) of ``course``'s group."""
    run = get_or_404(AllocationRun, key, "allocation run")
    form = {k: request.form.get(k, "").strip() for k in ("course", "student", "action", "state")}
    session, account = db_session(), current_account()
    scope = _school_scope(account)
    try:
        if form["state"]:
            if form["state"] not in STATES:
                abort(400, "Состояние группы: open, closed или auto")
            force_offer(session, _campaign(run), form["course"], STATES[form["state"]], by=account, school_id=scope)
        else:
            if form["action"] not in ACTIONS or not form["student"]:
                abort(400, "Решение: укажите обучающегося и действие (закрепить, запретить, снять)")
            decide(session, _campaign(run), form["student"], form["course"], ACTIONS[form["action"]],
                   by=account, school_id=scope)
    except DecisionRefused:
        session.rollback()
        abort(403, "Решение не сохранено: координатор решает только за обучающихся своей школы и группы, "
                   "которые ведёт его школа")
    except DecisionError as exc:
        session.rollback()
        abort(400, f"Решение не сохранено: {exc}")
    session.commit()
    return redirect(url_for("choices_page.run_page", key=run.id, done="decided"), 303)


@bp.post("/choices/runs/<int:key>/approve")
@require(ADMIN)
def approve_view(key: int):
    """«Утвердить»: the run's grants become enrolments in one transaction (audited by approve)."""
    run = get_or_404(AllocationRun, key, "allocation run")
    session = db_session()
    try:
        approve(session, run, by=current_account(), withdraw=request.form.get("withdraw") == "1",
                today=runtime().settings.district.today())
    except (ApprovalRefused, ValueError) as exc:
        session.rollback()
        abort(409, f"Не утверждено: {exc}")
    session.commit()
    return redirect(url_for("choices_page.run_page", key=run.id, done="approved"), 303)
