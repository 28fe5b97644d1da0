"""The console's reports page: attendance, marks and students at risk per home school, shown and
downloaded as XLSX or CSV (sent from memory: no file with pupils' names is left behind). The role narrows
the rows exactly as the API does (the same scope)."""

from __future__ import annotations

import io

from flask import Blueprint, render_template, request, send_file
from sqlalchemy import select

from bridge.audit import audit
from bridge.models import AccountRole, School
from bridge.reports.export import FORMATS, report_bytes
from bridge.reports.tables import build_report
from bridge.web import db_session, runtime
from bridge.web.auth import current_account, require
from bridge.web.lists import natural_key, paginate_rows
from bridge.web.reports_api import scope_from_request

bp = Blueprint("reports_page", __name__)

REPORTS = {"attendance": "Посещаемость", "marks": "Отметки", "at-risk": "Группа риска"}
# On screen the names say it: the codes stay in the downloaded file, which has every column.
OFF_SCREEN = {"student", "course"}
WRAPPED = {"missed", "reasons"}  # long text: wraps instead of widening the table
SHARES = {"share"}  # a fraction in the file (Excel formats it), a percentage on screen


@bp.get("/reports")
@require(AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.TEACHER)
def reports():
    name = request.args.get("report", "attendance")
    if name not in REPORTS:
        name = "attendance"
    table = build_report(name, db_session(), runtime().settings, scope_from_request(), runtime().today())
    audit(db_session(), current_account(), f"read {name} report", request.full_path)
    db_session().commit()
    fmt = request.args.get("download")
    if fmt in FORMATS:
        return send_file(io.BytesIO(report_bytes(table, fmt)), as_attachment=True, download_name=f"{name}.{fmt}")
    schools = sorted(db_session().scalars(select(School)), key=lambda s: natural_key(s.short_name))
    shown = [(i, key) for i, (key, _) in enumerate(table.columns) if key not in OFF_SCREEN]
    return render_template("console/reports.html", table=table, page=paginate_rows(table.rows), name=name,
                           reports=REPORTS, schools=schools, args=request.args, shown=shown,
                           wrapped=WRAPPED, shares=SHARES)
