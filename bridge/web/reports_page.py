"""The console's reports page: attendance, marks and students at risk per home school, shown and
downloaded as XLSX or CSV. The role narrows the rows exactly as the API does (the same scope)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, render_template, request, send_file
from sqlalchemy import select

from bridge.audit import audit
from bridge.models import AccountRole, School
from bridge.reports.export import FORMATS, write_report
from bridge.reports.tables import build_report
from bridge.web import db_session, runtime
from bridge.web.auth import current_account, require
from bridge.web.reports_api import scope_from_request

bp = Blueprint("reports_page", __name__)

REPORTS = {"attendance": "Посещаемость", "marks": "Отметки", "at-risk": "Группа риска"}


@bp.get("/reports")
@require(AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.TEACHER)
def reports():
    name = request.args.get("report", "attendance")
    if name not in REPORTS:
        name = "attendance"
    table = build_report(name, db_session(), runtime().settings, scope_from_request())
    audit(db_session(), current_account(), f"read {name} report", request.full_path)
    db_session().commit()
    fmt = request.args.get("download")
    if fmt in FORMATS:
        out = Path(tempfile.mkdtemp(prefix="nc-report-")) / f"{name}.{fmt}"
        write_report(table, out, fmt)
        return send_file(out, as_attachment=True, download_name=out.name)
    schools = db_session().scalars(select(School).order_by(School.short_name)).all()
    return render_template("console/reports.html", table=table, name=name, reports=REPORTS, schools=schools,
                           args=request.args)
