"""The console's reports page: attendance, marks and students at risk per home school, shown, and
downloaded as XLSX or CSV. The role narrows the rows exactly as the API does (the same scope).

A download is a job (:mod:`bridge.reports.queued`): «Скачать» queues the file of the report on screen and
opens the job's page (``/reports/jobs/N``), which follows it and then links to the file, kept in the
database (nothing with pupils' names on disk) for the account that asked (or an administrator) until
``jobs.report_ttl_minutes``."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from bridge.audit import audit
from bridge.models import AccountRole, School
from bridge.reports.queued import MEDIA_TYPES, file_kept
from bridge.reports.tables import build_report
from bridge.web import db_session, runtime
from bridge.web.auth import current_account, require
from bridge.web.lists import natural_key, paginate_rows
from bridge.web.reports_api import queue_report_file, report_file, report_job, scope_from_request

bp = Blueprint("reports_page", __name__)

ROLES = (AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.TEACHER)
REPORTS = {"attendance": "Посещаемость", "marks": "Отметки", "at-risk": "Группа риска"}
# On screen the names say it: the codes stay in the downloaded file, which has every column.
OFF_SCREEN = {"student", "course"}
WRAPPED = {"missed", "reasons"}  # long text: wraps instead of widening the table
SHARES = {"share"}  # a fraction in the file (Excel formats it), a percentage on screen


def _name() -> str:
    name = request.args.get("report", "attendance")
    return name if name in REPORTS else "attendance"


@bp.get("/reports")
@require(*ROLES)
def reports():
    name = _name()
    table = build_report(name, db_session(), runtime().settings, scope_from_request(), runtime().today())
    audit(db_session(), current_account(), f"read {name} report", request.full_path)
    db_session().commit()
    schools = sorted(db_session().scalars(select(School)), key=lambda s: natural_key(s.short_name))
    shown = [(i, key) for i, (key, _) in enumerate(table.columns) if key not in OFF_SCREEN]
    filters = {k: v for k in ("report", "school", "term") if (v := request.args.get(k))}
    return render_template("console/reports.html", table=table, page=paginate_rows(table.rows), name=name,
                           reports=REPORTS, schools=schools, args=request.args, shown=shown,
                           wrapped=WRAPPED, shares=SHARES, filters=filters, formats=MEDIA_TYPES)


@bp.post("/reports/exports")
@require(*ROLES)
def export():
    """«Скачать XLSX/CSV»: queue the file of the report on screen (its filters are in the address)."""
    job = queue_report_file(_name(), request.form.get("format"))
    return redirect(url_for(".report_job_page", job_id=job.id), 303)


@bp.get("/reports/jobs/<int:job_id>")
@require(*ROLES)
def report_job_page(job_id: int):
    """A report file's job: its state, then the link to the file (or why there is none)."""
    job = report_job(job_id)
    done = job.outcome if file_kept(db_session(), job) else None
    ttl = runtime().settings.jobs.report_ttl_minutes
    return render_template(
        "console/file_job.html", job=job, heading=f"Файл отчёта «{REPORTS.get(job.params['report'], job.params['report'])}»",
        files=[(f"Скачать {done['filename']}", url_for(".report_job_file", job_id=job.id))] if done else [],
        note=f"Строк: {done['rows']}. Файл хранится {ttl} мин." if done else "",
        gone="Файл удалён по истечении срока хранения: сформируйте его ещё раз.",
        back=(url_for(".reports", report=job.params["report"]), "К отчётам"))


@bp.get("/reports/jobs/<int:job_id>/file")
@require(*ROLES)
def report_job_file(job_id: int):
    return report_file(job_id)
