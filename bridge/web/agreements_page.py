"""The agreements in the console: the year's agreements and how many enrolments none covers (/agreements),
the administrator's form, deletion and file import, a month's statement as a printable A4 page or XLSX,
the uncovered enrolments (/agreements/uncovered) and the teachers' network hours by month (/teacher-hours).

Who sees what is the API's rule (bridge.web.agreements_api): a coordinator the agreements their school is a
party to, a viewer everything without teachers' names, a teacher only their own hours.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from bridge.agreements.files import export_agreements, import_agreements
from bridge.agreements.hours import months_of, uncovered
from bridge.agreements.records import (
    AgreementRefused,
    as_fields,
    delete_agreement,
    list_agreements,
    rate_text,
    save_agreement,
)
from bridge.agreements.statement import statement_xlsx, title
from bridge.models import AcademicYear, AccountRole, NetworkCourse, School
from bridge.reports.export import FORMATS, report_bytes
from bridge.reports.tables import Table
from bridge.sheets.problems import ImportRejected
from bridge.web import db_session
from bridge.web.agreements_api import (
    READERS,
    hours_rows,
    month_arg,
    party_school,
    requested_statement,
    visible_agreement,
    year_arg,
)
from bridge.web.auth import current_account, require
from bridge.web.lists import natural_key, paginate_rows

bp = Blueprint("agreements_page", __name__)
ADMIN, VIEWER = AccountRole.ADMIN, AccountRole.VIEWER
MAX_FILE = 2 * 1024 * 1024  # a district's agreements are tens of rows


def _choices(year: AcademicYear) -> dict:
    """What the pages' selects offer: the years, the schools in natural order, the year's courses."""
    session = db_session()
    return {"years": session.scalars(select(AcademicYear).order_by(AcademicYear.starts_on)).all(),
            "schools": sorted(session.scalars(select(School)).all(), key=lambda s: natural_key(s.short_name)),
            "courses": session.scalars(select(NetworkCourse).where(NetworkCourse.academic_year_id == year.id)
                                       .order_by(NetworkCourse.code)).all()}


def _list_page(year: AcademicYear, *, problems=(), done: str = "", status: int = 200):
    session = db_session()
    found = list_agreements(session, year=year, school_id=party_school())
    if request.args.get("download") == "csv" and current_account().role == ADMIN:
        return send_file(io.BytesIO(export_agreements(found).encode()), as_attachment=True,
                         download_name=f"agreements-{year.code}.csv")
    gaps = uncovered(session, year, school_id=party_school())
    return render_template("console/agreements.html", year=year, agreements=found, rate_text=rate_text,
                           month=month_arg(year), months=months_of(year), uncovered=sum(u.students for u in gaps),
                           problems=problems, done=done, **_choices(year)), status


@bp.get("/agreements")
@require(*READERS)
def agreements():
    return _list_page(year_arg())


@bp.post("/agreements/import")
@require(ADMIN)
def import_file():
    """A file of agreements, all or nothing; its problems in Russian, each at file:row:column."""
    upload = request.files.get("file")
    year = year_arg()
    if upload is None or not upload.filename:
        abort(400, "выберите файл CSV или XLSX")
    data = upload.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        abort(413)
    session = db_session()
    try:
        summary = import_agreements(session, upload.filename, data, by=current_account())
    except ImportRejected as exc:
        session.rollback()
        return _list_page(year, problems=exc.problems, status=400)
    session.commit()
    return _list_page(year, done=f"Загружено: создано {summary.created}, изменено {summary.changed}, "
                                 f"без изменений {summary.unchanged}.")


def _form(agreement_id: int | None):
    session = db_session()
    agreement = visible_agreement(agreement_id) if agreement_id is not None else None
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("provider", "receiver", "year", "number", "date", "rate")}
        form["courses"] = "all" if request.form.get("all_courses") else ", ".join(request.form.getlist("courses"))
        try:
            saved = save_agreement(session, form, by=current_account(), agreement=agreement)
        except AgreementRefused as exc:
            session.rollback()
            errors = {p.field: p.reason_in("ru") for p in exc.problems}
        else:
            session.commit()
            return redirect(url_for(".agreements", year=saved.academic_year.code))
    else:
        form = as_fields(agreement) if agreement else {"year": year_arg().code, "courses": ""}
    year = session.scalar(select(AcademicYear).where(AcademicYear.code == form.get("year"))) or year_arg()
    chosen = {c.strip() for c in form.get("courses", "").split(",")}
    return render_template("console/agreement_form.html", agreement=agreement, form=form, errors=errors,
                           chosen=chosen, **_choices(year)), 400 if errors else 200


@bp.route("/agreements/new", methods=["GET", "POST"])
@require(ADMIN)
def new_agreement():
    return _form(None)


@bp.route("/agreements/<int:agreement_id>/edit", methods=["GET", "POST"])
@require(ADMIN)
def edit_agreement(agreement_id: int):
    return _form(agreement_id)


@bp.post("/agreements/<int:agreement_id>/delete")
@require(ADMIN)
def remove(agreement_id: int):
    agreement = visible_agreement(agreement_id)
    year = agreement.academic_year.code
    delete_agreement(db_session(), agreement, by=current_account())
    db_session().commit()
    return redirect(url_for(".agreements", year=year))


@bp.get("/agreements/<int:agreement_id>/statement")
@require(*READERS)
def statement_page(agreement_id: int):
    st = requested_statement(agreement_id)
    agreement = st.agreement
    if request.args.get("download") == "xlsx":
        return send_file(io.BytesIO(statement_xlsx(st)), as_attachment=True,
                         download_name=f"statement-{agreement.id}-{st.month}.xlsx")
    return render_template("console/agreement_statement.html", st=st, title=title(st),
                           months=months_of(agreement.academic_year), rate_text=rate_text)


def _download_or_page(table: Table, endpoint: str, *, year: AcademicYear, **context):
    """A year's table as CSV or XLSX (``?download=``), or as a page of the console with a year to choose."""
    fmt = request.args.get("download")
    if fmt:
        if fmt not in FORMATS:
            abort(400, "download: csv or xlsx")
        return send_file(io.BytesIO(report_bytes(table, fmt)), as_attachment=True,
                         download_name=f"{table.name}.{fmt}")
    return render_template("console/year_table.html", table=table, page=paginate_rows(table.rows), year=year,
                           endpoint=f"agreements_page.{endpoint}", years=_choices(year)["years"], **context)


@bp.get("/agreements/uncovered")
@require(*READERS)
def uncovered_page():
    year = year_arg()
    gaps = uncovered(db_session(), year, school_id=party_school())
    total = sum(u.students for u in gaps)
    table = Table("uncovered", f"Зачисления без договора, {year.code} учебный год", (
        ("course", "Курс"), ("title", "Название"), ("provider", "Школа-исполнитель"),
        ("receiver", "Школа обучающихся"), ("name", "Школа"), ("students", "Зачислено")),
        tuple((u.course, u.title, u.provider, u.receiver, u.receiver_name, u.students) for u in gaps))
    return _download_or_page(table, "uncovered_page", year=year, found=f"Зачислений без договора: {total}",
                             intro="Обучающиеся этих школ зачислены на курсы другой школы, а договора, который "
                                   "покрывает курс, на этот учебный год нет. Имена не показываются: чтобы исправить, "
                                   "нужен договор между школами.")


@bp.get("/teacher-hours")
@require()
def teacher_hours_page():
    year = year_arg()
    months, rows = hours_rows(year)
    by_school = current_account().role == VIEWER
    columns = ((("school", "Школа"),) if by_school else (("teacher", "Код"), ("name", "Педагог"), ("school", "Школа")))
    columns += tuple((str(m), m.label) for m in months) + (("total", "Всего"),)
    table = Table("teacher-hours", f"Часы педагогов в сети (академические часы), {year.code} учебный год", columns,
                  tuple(((school,) if by_school else (key, name, school))
                        + tuple(by_month.get(m, 0) for m in months) + (sum(by_month.values()),)
                        for key, name, school, by_month in rows))
    return _download_or_page(table, "teacher_hours_page", year=year, found="",
                             intro="Проведённые занятия (посещаемость отмечена в Moodle), по одному академическому "
                                   "часу за занятие; отменённые не считаются. Занятия курса с несколькими педагогами "
                                   "засчитываются каждому из них.")

