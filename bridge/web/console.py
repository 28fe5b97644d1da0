"""The console (Russian UI): dashboard and sync pages for the network administrator and others."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from bridge.calendar.conflicts import find_conflicts
from bridge.calendar.load import check_load
from bridge.models import AccountRole, AuditEntry, School, SyncChange, SyncRun
from bridge.stats import network_stats
from bridge.sync.desired import compute_desired
from bridge.sync.reconcile import plan_delta
from bridge.web import db_session, runtime
from bridge.web.auth import current_account, require
from bridge.web.charts import bar_chart

bp = Blueprint("console", __name__)

ROLE_NAMES = {"base": "Базовая школа", "resource_centre": "Ресурсные центры", "participant": "Школы-участники"}
RUN_STATUS = {"ok": "успешно", "failed": "с ошибками", "refused": "отклонён", "running": "выполняется"}


@bp.get("/")
@require()
def dashboard():
    """The network's figures and, by month of the academic year, attendance and results per home
    school and per grade, for every role: they are aggregates (no names), which a viewer may see.
    A coordinator gets every school's line too, not only their own: the point of the chart is to
    read their school against the rest of the network. Administrators also get the sync's state."""
    session = db_session()
    stats = network_stats(session, runtime().settings)
    runs, problems, pending = [], [], None
    if current_account().role == AccountRole.ADMIN:
        # What the next sync would do: a delta plan needs the registry and the links only.
        pending = plan_delta(session, compute_desired(session, runtime().settings)).by_kind()
        runs = session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(10)).all()
        if runs:
            problems = session.scalars(select(SyncChange).where(
                SyncChange.run_id == runs[0].id, SyncChange.outcome.in_(("failed", "skipped")))
                .order_by(SyncChange.id).limit(50)).all()
    warnings = None
    account = current_account()
    if account.role in (AccountRole.ADMIN, AccountRole.COORDINATOR):
        school = session.get(School, account.school_id).external_id if account.school_id else None
        conflicts = [c for c in find_conflicts(session) if school is None or c.school == school]
        overloads = [o for o in check_load(session).overloads if school is None or o.school == school]
        warnings = {"conflicts": len(conflicts), "overloads": len(overloads)}
    charts = {
        "roles": bar_chart({ROLE_NAMES.get(k, k): v for k, v in stats.schools_by_role.items()}),
        "areas": bar_chart(stats.courses_by_subject_area),
        "grades": bar_chart({f"{g} класс": n for g, n in stats.students_by_grade.items()}),
    }
    from bridge.reports.dynamics import network_dynamics
    from bridge.web.charts import line_chart, month_label

    dynamics = network_dynamics(session, runtime().settings)
    months = {m: month_label(m) for m in dynamics.months}
    charts |= {which: line_chart(dynamics.percents(which), months) for which in (
        "attendance_by_school", "results_by_grade", "attendance_by_grade", "results_by_school")}
    return render_template("console/dashboard.html", stats=stats, charts=charts, runs=runs, problems=problems,
                           run_status=RUN_STATUS, warnings=warnings, pending=pending, dynamics_year=dynamics.year)


@bp.get("/sync/runs/<int:run_id>")
@require(AccountRole.ADMIN)
def sync_run_page(run_id: int):
    """One run with every change and what became of it (failures and skips first)."""
    run = db_session().get(SyncRun, run_id) if run_id < 2**31 else None
    if run is None:
        abort(404, "no such sync run")
    changes = db_session().scalars(select(SyncChange).where(SyncChange.run_id == run_id).order_by(
        SyncChange.outcome.in_(("failed", "skipped")).desc(), SyncChange.id).limit(5000)).all()
    return render_template("console/sync_run.html", run=run, changes=changes, run_status=RUN_STATUS)


@bp.get("/audit")
@require(AccountRole.ADMIN)
def audit_log():
    """Who read or exported student-level data, and when (the last 500 entries)."""
    entries = db_session().scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(500)).all()
    return render_template("console/audit.html", entries=entries)


@bp.route("/sync", methods=["GET", "POST"])
@require(AccountRole.ADMIN)
def sync_page():
    """Preview the plan (a dry run) and apply it; the history of runs below."""
    from bridge.sync.run import MoodleNotConfigured, run_sync
    from sync_jobs.lock import LockBusy

    report, error = None, None
    if request.method == "POST":
        action = request.form.get("action")
        try:
            report = run_sync(runtime(), mode="full" if request.form.get("full") else "delta",
                              dry_run=action != "apply", force=bool(request.form.get("force")),
                              show_progress=False)
        except (MoodleNotConfigured, LockBusy) as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - shown to the administrator, recorded in the run
            error = f"Синхронизация остановлена: {exc}"
    runs = db_session().scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(20)).all()
    return render_template("console/sync.html", report=report, error=error, runs=runs, run_status=RUN_STATUS)
