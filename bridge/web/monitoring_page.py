"""The console's «Мониторинг школ»: per school and for the district (coverage, courses per education
area, attendance and results against the district, schools with low results), and the monthly
reports for the education department. The administrator and viewers see every school; a
coordinator their own school beside the district. Aggregates only: nothing to audit. «Сформировать
отчёт» queues a job and opens its page (``/monitoring/monthly/jobs/N``), which links to the files once a
worker made them."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from bridge import jobs
from bridge.charts import bar_chart
from bridge.models import AccountRole
from bridge.reports.monthly import kept_reports, parse_month, previous_month
from bridge.reports.schools import MONTHS
from bridge.web import db_session, runtime
from bridge.web.auth import current_account, require
from bridge.web.lists import natural_key, paginate_rows
from bridge.web.monitoring_api import (
    monitoring_from_request,
    monthly_file,
    monthly_job,
    own_school,
    queue_monthly_report,
)

bp = Blueprint("monitoring_page", __name__)

ADMIN, COORDINATOR, VIEWER = AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.VIEWER


@bp.get("/monitoring")
@require(ADMIN, COORDINATOR, VIEWER)
def monitoring_page():
    found = monitoring_from_request()
    mine = own_school()
    schools, page, chart = [], None, None
    if found is not None:
        schools = sorted((s for s in found.schools if mine is None or s.id == mine),
                         key=lambda s: natural_key(s.short_name))
        page = paginate_rows([s for s in schools if s.figures.students or s.id == mine])
        chart = bar_chart({a.name: a.courses for a in found.areas})
    full = current_account().role in (ADMIN, VIEWER)
    return render_template("console/monitoring.html", found=found, page=page, own=mine, chart=chart,
                           reports=kept_reports(db_session()) if full else [], full=full,
                           default_month=f"{previous_month(runtime().settings.district.today()):%Y-%m}",
                           month=request.args.get("month", ""))


@bp.post("/monitoring/monthly")
@require(ADMIN)
def monthly_make_page():
    job = queue_monthly_report(request.form.get("month", ""))
    return redirect(url_for(".monthly_job_page", job_id=job.id), 303)


FILES = (("xlsx", "XLSX"), ("html", "Для печати (HTML)"), ("pdf", "PDF"))


def _month_words(month: str) -> str:
    """«ноябрь 2026» for ``2026-11`` (a job's month as it was asked, else as it is)."""
    try:
        first = parse_month(month)
    except ValueError:
        return month
    return f"{MONTHS[first.month - 1]} {first.year}"


@bp.get("/monitoring/monthly/jobs/<int:job_id>")
@require(ADMIN)
def monthly_job_page(job_id: int):
    """The making of a month's report: its state, then its files."""
    job = monthly_job(job_id)
    month = job.params.get("month", "")
    files = [(label, url_for(".monthly_page_download", month=month, fmt=fmt)) for fmt, label in FILES]
    return render_template(
        "console/file_job.html", job=job, heading=f"Ежемесячный отчёт: {_month_words(month)}",
        files=files if job.status == jobs.DONE else [], note="Отчёт сохранён и есть в списке отчётов.", gone="",
        back=(url_for(".monitoring_page", _anchor=f"monthly-{month}"), "К мониторингу"))


@bp.get("/monitoring/monthly/<month>.<fmt>")
@require(ADMIN, VIEWER)
def monthly_page_download(month: str, fmt: str):
    return monthly_file(month, fmt)
