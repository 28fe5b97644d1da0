"""The timetable checks as pages: clashes of network lessons with home timetables, holidays and teachers'
other lessons (/conflicts), and students over the SanPiN weekly load (/load), for the administrator and a
school's coordinator (their school only), found by school, course and student, downloadable as CSV or XLSX.

The dashboard counts them; these pages are where a coordinator, who has no command line, reads them.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, request, send_file
from sqlalchemy import select

from bridge.audit import audit
from bridge.calendar.conflicts import KIND_TEXT, find_conflicts
from bridge.calendar.load import check_load
from bridge.models import AccountRole, NetworkCourse, School, Student
from bridge.reports.export import FORMATS, report_bytes
from bridge.reports.tables import Table
from bridge.web import db_session
from bridge.web.auth import current_account, require
from bridge.web.lists import natural_key, paginate_rows

bp = Blueprint("checks_page", __name__)

ROLES = (AccountRole.ADMIN, AccountRole.COORDINATOR)


def _scope() -> tuple[dict[str, int], dict[str, str]]:
    """The checks' scope from ?school= and ?student= (a coordinator: their own school, whatever is asked)."""
    session, account = db_session(), current_account()
    args = {k: request.args.get(k, "").strip() for k in ("school", "course", "student")}
    scope: dict[str, int] = {}
    if account.role == AccountRole.COORDINATOR:
        scope["school_id"] = account.school_id
    elif args["school"]:
        scope["school_id"] = session.scalar(select(School.id).where(School.external_id == args["school"])) or -1
    if args["student"]:
        scope["student_id"] = session.scalar(select(Student.id).where(Student.external_id == args["student"])) or -1
    return scope, args


def _page(name: str, title: str, columns: tuple[tuple[str, str], ...], rows: list[tuple], args: dict[str, str]):
    table = Table(name, title, columns, tuple(rows))
    session = db_session()
    audit(session, current_account(), f"read {name}", request.full_path.rstrip("?"))
    session.commit()
    fmt = request.args.get("download")
    if fmt:
        if fmt not in FORMATS:
            abort(400, "download: csv or xlsx")
        return send_file(io.BytesIO(report_bytes(table, fmt)), as_attachment=True, download_name=f"{name}.{fmt}")
    schools = sorted(session.execute(select(School.external_id, School.short_name)).all(),
                     key=lambda row: natural_key(row.short_name))
    courses = session.scalars(select(NetworkCourse.code).order_by(NetworkCourse.code)).all()
    return render_template("console/checks.html", name=name, table=table, page=paginate_rows(table.rows),
                           args=args, schools=schools, courses=courses)


@bp.get("/conflicts")
@require(*ROLES)
def conflicts():
    scope, args = _scope()
    found = [c for c in find_conflicts(db_session(), **scope) if not args["course"] or c.course == args["course"]]
    rows = [(c.school_name, c.person, c.person_name, c.course, KIND_TEXT[c.kind], c.detail,
             ", ".join(d.strftime("%d.%m.%Y") for d in c.dates)) for c in found]
    return _page("conflicts", "Пересечения сетевых занятий", (
        ("school", "Школа"), ("person", "Код"), ("name", "Кто"), ("course", "Курс"), ("kind", "Вид"),
        ("detail", "С чем"), ("dates", "Даты")), rows, args)


@bp.get("/load")
@require(*ROLES)
def load():
    scope, args = _scope()
    report = check_load(db_session(), **scope)
    found = [o for o in report.overloads if not args["course"] or args["course"] in o.courses]
    rows = [(o.school_name, o.student, o.student_name, o.class_name, f"{o.week_days} дн.", o.home_hours,
             o.network_hours, o.total, o.limit, ", ".join(o.courses)) for o in found]
    return _page("load", "Превышение недельной нагрузки (СанПиН 1.2.3685-21)", (
        ("school", "Школа"), ("student", "Код"), ("name", "Обучающийся"), ("class", "Класс"), ("week", "Неделя"),
        ("home", "Школа, ч"), ("network", "Сеть, ч"), ("total", "Всего, ч"), ("limit", "Максимум, ч"),
        ("courses", "Курсы")), rows, args)
