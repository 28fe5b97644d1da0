"""Management monitoring as JSON (``/api/v1/monitoring/...``): per school and for the district, and
the monthly reports for the education department. Aggregates only (no names), so nothing is audited;
the administrator and viewers see every school, a coordinator their own school beside the district.
Monthly reports (every school's figures) are for the administrator and viewers; only the
administrator makes one: asking queues a ``monthly_report`` job (202 and the job to follow), which a
worker makes and keeps."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, url_for

from bridge import jobs
from bridge.models import AccountRole, Job, MonthlyReport
from bridge.reports.monthly import JOB_KIND, kept_reports, parse_month, queue_monthly
from bridge.reports.schools import Monitoring, Period, monitoring
from bridge.web import db_session, get_or_404, runtime
from bridge.web.auth import current_account, require
from bridge.web.inputs import request_json
from bridge.years import current_year

bp = Blueprint("monitoring_api", __name__, url_prefix="/api/v1")

ADMIN, COORDINATOR, VIEWER = AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.VIEWER
TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def monitoring_from_request() -> Monitoring | None:
    """``?month=YYYY-MM``, else the current academic year; None when the registry has no year."""
    settings = runtime().settings
    month = request.args.get("month")
    try:
        first = parse_month(month) if month else None
    except ValueError as exc:
        abort(400, str(exc))
    year = current_year(db_session(), first or settings.district.today())
    if year is None:
        return None
    period = Period.month(year, first) if first else Period.whole_year(year)
    return monitoring(db_session(), settings, period)


def own_school() -> int | None:
    account = current_account()
    return account.school_id if account.role == COORDINATOR else None


@bp.get("/monitoring/schools")
@require(ADMIN, COORDINATOR, VIEWER)
def schools_monitoring():
    found = monitoring_from_request()
    if found is None:
        abort(404, "no academic year in the registry")
    return jsonify(found.as_json(only_school=own_school()))


def _files(month: str) -> dict[str, str]:
    return {fmt: f"/api/v1/monitoring/monthly/{month}.{fmt}" for fmt in TYPES}


def _listed(report: MonthlyReport) -> dict[str, Any]:
    month = f"{report.month:%Y-%m}"
    return {"month": month, "generated_at": report.generated_at.isoformat(), "generated_by": report.generated_by,
            "files": _files(month)}


@bp.get("/monitoring/monthly")
@require(ADMIN, VIEWER)
def monthly_list():
    return jsonify(items=[_listed(r) for r in kept_reports(db_session())])


def queue_monthly_report(month: str) -> Job:
    """Queue the making of a month's report (console and API); 400 on a bad month, 404 without a year."""
    try:
        first = parse_month(month)
    except ValueError as exc:
        abort(400, str(exc))
    if current_year(db_session(), first) is None:
        abort(404, "no academic year in the registry: nothing to report")
    job = queue_monthly(db_session(), runtime().settings, first, by=current_account().login)
    db_session().commit()
    return job


def monthly_job(job_id: int) -> Job:
    """A job that makes a monthly report, or 404."""
    job = get_or_404(Job, job_id, "monthly report job")
    if job.kind != JOB_KIND:
        abort(404, f"no monthly report job {job_id}")
    return job


def _job(job: Job) -> dict[str, Any]:
    month = job.params.get("month")
    return {"job": job.id, "status": job.status, "error": job.error, "month": month,
            "url": url_for("monitoring_api.monthly_job_state", job_id=job.id),
            "files": _files(month) if job.status == jobs.DONE else None}


@bp.post("/monitoring/monthly")
@require(ADMIN)
def monthly_make():
    body = request_json("an object {month: YYYY-MM}")
    if not isinstance(body, dict) or not isinstance(body.get("month"), str):
        abort(400, "month: expected YYYY-MM (e.g. 2026-11)")
    return jsonify(_job(queue_monthly_report(body["month"]))), 202


@bp.get("/monitoring/monthly/jobs/<int:job_id>")
@require(ADMIN)
def monthly_job_state(job_id: int):
    return jsonify(_job(monthly_job(job_id)))


def monthly_file(month: str, fmt: str) -> Response:
    """A kept report as XLSX, its printable HTML, or its PDF (all made by the worker, sent as kept)."""
    if fmt not in TYPES:
        abort(404, f"no format {fmt!r}: xlsx, html or pdf")
    try:
        first = parse_month(month)
    except ValueError as exc:
        abort(404, str(exc))
    from sqlalchemy import select

    kept = db_session().scalar(select(MonthlyReport).where(MonthlyReport.month == first))
    if kept is None:
        abort(404, f"no monthly report for {month}")
    content = {"xlsx": kept.xlsx, "html": kept.html.encode(), "pdf": kept.pdf}[fmt]
    if content is None:
        abort(404, f"the report for {month} was kept before its PDF was: make it again")
    response = Response(content, mimetype=TYPES[fmt])
    if fmt != "html":
        response.headers["Content-Disposition"] = f'attachment; filename="monthly-{month}.{fmt}"'
    return response


@bp.get("/monitoring/monthly/<month>.<fmt>")
@require(ADMIN, VIEWER)
def monthly_download(month: str, fmt: str):
    return monthly_file(month, fmt)


def openapi_paths(op) -> dict[str, Any]:
    """This blueprint's part of the OpenAPI document (``op`` builds an operation)."""
    obj = {"type": "object"}
    listed = {"type": "object", "properties": {"month": {"type": "string"}, "generated_at": {"type": "string"},
                                               "generated_by": {"type": "string"}, "files": obj}}
    job = {"type": "object", "required": ["job", "status", "url", "files"], "properties": {
        "job": {"type": "integer"}, "status": {"type": "string"}, "error": {"type": "string"},
        "month": {"type": "string"}, "url": {"type": "string", "description": "this job"},
        "files": {"type": ["object", "null"], "description": "the kept report's files, once made"}}}
    month_param = [{"name": "month", "in": "path", "required": True, "schema": {"type": "string"}},
                   {"name": "fmt", "in": "path", "required": True, "schema": {"enum": list(TYPES)}}]
    return {
        "/api/v1/monitoring/schools": op(
            "Per school and for the district: share in the network, courses per education area, attendance and "
            "results against the district, schools with low results, at-risk counts (aggregates)", obj,
            params=[{"name": "month", "in": "query", "schema": {"type": "string"},
                     "description": "YYYY-MM; default: the current academic year"}],
            not_found=True, roles="admin, viewer; coordinator (own school and the district)"),
        "/api/v1/monitoring/monthly": {
            **op("Kept monthly reports, newest first", {"type": "object", "properties": {
                "items": {"type": "array", "items": listed}}}, roles="admin, viewer"),
            **op("Make (or make again) a month's report and keep it: queue a job for a worker and follow it at "
                 "its url", job, method="post", status="202", roles="admin", not_found=True,
                 body={"type": "object", "required": ["month"], "properties": {"month": {"type": "string"}}},
                 answers={"400": "Bad month"})},
        "/api/v1/monitoring/monthly/jobs/{job_id}": op(
            "A queued monthly report: queued, running, done (with its files) or failed (with its reason)", job,
            params=[{"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            not_found=True, roles="admin"),
        "/api/v1/monitoring/monthly/{month}.{fmt}": op(
            "A kept monthly report as XLSX, printable HTML or PDF", {"type": "string"}, params=month_param,
            not_found=True, roles="admin, viewer"),
    }
