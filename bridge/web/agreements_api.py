"""Agreements between schools in the JSON API (``/api/v1/agreements``) and the teachers' network hours
(``/api/v1/teacher-hours``).

Who sees what: the administrator every agreement and changes them; a coordinator the agreements their
school is a party to (another's is 404, as an unknown one) and the uncovered enrolments where their school
is a party; a viewer the agreements and statements without teachers' names. Statements count students,
never name them. Teachers' hours: the administrator every teacher's, a coordinator their school's, a
teacher their own, a viewer the totals per school.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select

from bridge.agreements.hours import Month, Statement, months_of, statement, teacher_hours, uncovered
from bridge.agreements.records import (
    FIELDS,
    AgreementRefused,
    as_fields,
    delete_agreement,
    list_agreements,
    rate_text,
    save_agreement,
)
from bridge.agreements.statement import as_dict
from bridge.models import AcademicYear, AccountRole, Agreement
from bridge.web import db_session, get_or_404, json_fields
from bridge.web.auth import current_account, require
from bridge.web.lists import natural_key
from bridge.years import current_year

bp = Blueprint("agreements_api", __name__, url_prefix="/api/v1")

ADMIN, COORDINATOR = AccountRole.ADMIN, AccountRole.COORDINATOR
TEACHER, VIEWER = AccountRole.TEACHER, AccountRole.VIEWER
READERS = (ADMIN, COORDINATOR, VIEWER)
_BODY: dict[str, Any] = {name: str for name in FIELDS} | {"courses": (list, str), "rate": (str, int, float, type(None))}


def party_school() -> int | None:
    """The school a coordinator's view is narrowed to (None: every school)."""
    account = current_account()
    return account.school_id if account.role == COORDINATOR else None


def year_arg() -> AcademicYear:
    """``?year=`` (a code such as 2026-2027), by default the year today falls in; 404 when there is none."""
    session = db_session()
    code = request.args.get("year")
    year = (session.scalar(select(AcademicYear).where(AcademicYear.code == code)) if code
            else current_year(session, dt.date.today()))
    if year is None:
        abort(404, f"no academic year {code!r}" if code else "no academic year in the registry")
    return year


def month_arg(year: AcademicYear) -> Month:
    """``?month=YYYY-MM``, by default the month just ended (what a statement is made for), brought within
    ``year``'s months."""
    text = request.args.get("month")
    if text is None:
        ended = Month.of(dt.date.today().replace(day=1) - dt.timedelta(days=1))
        months = months_of(year)
        return min(max(ended, months[0]), months[-1])
    month = Month.parse(text)
    if month is None:
        abort(400, f"month: not a month YYYY-MM: {text[:20]!r}")
    return month


def visible_agreement(agreement_id: int) -> Agreement:
    """The agreement a URL names, if the caller may see it; another school's is 404, like an unknown one."""
    agreement = get_or_404(Agreement, agreement_id, "agreement")
    school = party_school()
    if school is not None and school not in (agreement.provider_school_id, agreement.receiver_school_id):
        abort(404, f"no agreement {agreement_id}")
    return agreement


def agreement_dict(agreement: Agreement) -> dict[str, Any]:
    return {"id": agreement.id, "number": agreement.number, "date": agreement.signed_on.isoformat(),
            "provider": agreement.provider_school.external_id, "receiver": agreement.receiver_school.external_id,
            "year": agreement.academic_year.code, "all_courses": agreement.all_courses,
            "courses": [c.code for c in agreement.courses], "rate": rate_text(agreement.rate_kopecks) or None}


def _fields(body: dict[str, Any], start: dict[str, str]) -> dict[str, str]:
    """The JSON body as the text fields the terms are read from; fields not sent keep ``start``'s."""
    fields = dict(start)
    for name, value in body.items():
        if name == "courses" and isinstance(value, list):
            if not all(isinstance(code, str) for code in value):
                abort(400, "field 'courses' must be a list of course codes or \"all\"")
            value = ", ".join(value)
        fields[name] = "" if value is None else str(value)
    return fields


def _save(agreement: Agreement | None):
    body = json_fields(_BODY)
    session = db_session()
    try:
        saved = save_agreement(session, _fields(body, as_fields(agreement) if agreement else {}),
                               by=current_account(), agreement=agreement)
    except AgreementRefused as exc:
        session.rollback()
        abort(409 if exc.problems[0].code == "agreement_exists" else 400, str(exc))
    session.commit()
    return agreement_dict(saved)


@bp.get("/agreements")
@require(*READERS)
def agreements():
    year = year_arg()
    found = list_agreements(db_session(), year=year, school_id=party_school())
    gaps = uncovered(db_session(), year, school_id=party_school())
    return jsonify(year=year.code, items=[agreement_dict(a) for a in found],
                   uncovered_enrolments=sum(u.students for u in gaps))


@bp.post("/agreements")
@require(ADMIN)
def create_agreement():
    return jsonify(_save(None)), 201


@bp.get("/agreements/<int:agreement_id>")
@require(*READERS)
def agreement(agreement_id: int):
    return jsonify(agreement_dict(visible_agreement(agreement_id)))


@bp.put("/agreements/<int:agreement_id>")
@require(ADMIN)
def change_agreement(agreement_id: int):
    return jsonify(_save(visible_agreement(agreement_id)))


@bp.delete("/agreements/<int:agreement_id>")
@require(ADMIN)
def remove_agreement(agreement_id: int):
    session = db_session()
    delete_agreement(session, visible_agreement(agreement_id), by=current_account())
    session.commit()
    return jsonify(deleted=agreement_id)


def requested_statement(agreement_id: int) -> Statement:
    """The statement a URL asks for (``?month=``), as the caller may see it: a viewer's without names."""
    found = visible_agreement(agreement_id)
    return statement(db_session(), found, month_arg(found.academic_year), names=current_account().role != VIEWER)


@bp.get("/agreements/<int:agreement_id>/statement")
@require(*READERS)
def agreement_statement(agreement_id: int):
    return jsonify(as_dict(requested_statement(agreement_id)))


@bp.get("/agreements/uncovered")
@require(*READERS)
def uncovered_enrolments():
    year = year_arg()
    gaps = uncovered(db_session(), year, school_id=party_school())
    return jsonify(year=year.code, items=[vars(u) for u in gaps], total=sum(u.students for u in gaps))


def hours_rows(year: AcademicYear) -> tuple[list[Month], list[tuple[str, str, str, dict[Month, int]]]]:
    """The year's months and a row per teacher the caller may see (key, name, school, hours by month);
    a viewer gets a row per school instead, without names."""
    account = current_account()
    found = teacher_hours(db_session(), year, school_id=party_school(),
                          teacher_id=account.teacher_id if account.role == TEACHER else None)
    if account.role != VIEWER:
        found = sorted(found, key=lambda t: (natural_key(t.school), t.name, t.key))
        return months_of(year), [(t.key, t.name, t.school, t.by_month) for t in found]
    schools: dict[str, dict[Month, int]] = {}
    for t in found:
        for month, hours in t.by_month.items():
            schools.setdefault(t.school, {})
            schools[t.school][month] = schools[t.school].get(month, 0) + hours
    return months_of(year), [("", "", school, schools[school]) for school in sorted(schools, key=natural_key)]


@bp.get("/teacher-hours")
@require()
def teachers_hours():
    year = year_arg()
    months, rows = hours_rows(year)
    return jsonify(year=year.code, months=[str(m) for m in months], items=[
        {"teacher": key or None, "name": name or None, "school": school,
         "hours": {str(m): h for m, h in by_month.items()}, "total": sum(by_month.values())}
        for key, name, school, by_month in rows])


_AGREEMENT = {"type": "object", "required": ["id", "number", "provider", "receiver", "year"], "properties": {
    "id": {"type": "integer"}, "number": {"type": "string"}, "date": {"type": "string", "format": "date"},
    "provider": {"type": "string"}, "receiver": {"type": "string"}, "year": {"type": "string"},
    "all_courses": {"type": "boolean"}, "courses": {"type": "array", "items": {"type": "string"}},
    "rate": {"type": ["string", "null"], "description": "roubles per academic hour, e.g. 1500.00"}}}
_TERMS = {"type": "object", "additionalProperties": False, "properties": {
    "provider": {"type": "string", "description": "providing school's external id"},
    "receiver": {"type": "string", "description": "receiving school's external id"},
    "year": {"type": "string", "description": "academic year code, e.g. 2026-2027"},
    "number": {"type": "string", "maxLength": 64}, "date": {"type": "string", "description": "YYYY-MM-DD"},
    "courses": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"enum": ["all", "все"]}],
                "description": "the provider's course codes, or all: every course the receiver's students take"},
    "rate": {"type": ["string", "number", "null"], "description": "roubles per academic hour; null: none"}}}
_STATEMENT = {"type": "object", "required": ["agreement", "month", "groups", "totals"], "properties": {
    "agreement": _AGREEMENT, "month": {"type": "string"},
    "groups": {"type": "array", "items": {"type": "object"},
               "description": "per group (course): lessons planned and held, academic hours, students in the group "
                              "and of the receiving school, its share, the hours attributed to it and the amount"},
    "totals": {"type": "object"}, "note": {"type": "string", "description": "how the totals were rounded"}}}


def openapi_paths(op) -> dict[str, Any]:
    """This blueprint's part of the OpenAPI document (``op`` builds an operation)."""
    year = [{"name": "year", "in": "query", "schema": {"type": "string"},
             "description": "academic year code; default: the current one"}]
    key = [{"name": "agreement_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    readers = "admin, coordinator (agreements of their school), viewer"
    refused = {"400": "Bad terms (each named by its field); nothing saved",
               "409": "An agreement with these schools, year and number exists"}
    return {
        "/api/v1/agreements": {
            **op("Agreements of a year and how many enrolments no agreement covers", {"type": "object"},
                 params=year, not_found=True, roles=readers),
            **op("Create an agreement (audited)", _AGREEMENT, method="post", status="201", body=_TERMS,
                 roles="admin", answers=refused)},
        "/api/v1/agreements/{agreement_id}": {
            **op("One agreement", _AGREEMENT, params=key, not_found=True, roles=readers),
            **op("Change an agreement; fields not sent keep their value (audited)", _AGREEMENT, method="put",
                 params=key, body=_TERMS, not_found=True, roles="admin", answers=refused),
            **op("Delete an agreement (audited)", {"type": "object", "properties": {"deleted": {"type": "integer"}}},
                 method="delete", params=key, not_found=True, roles="admin")},
        "/api/v1/agreements/{agreement_id}/statement": op(
            "A month's statement: per group lessons held, academic hours, the receiving school's students and "
            "share, hours attributed and amount (no student names)", _STATEMENT, not_found=True, roles=readers,
            params=key + [{"name": "month", "in": "query", "schema": {"type": "string"},
                           "description": "YYYY-MM; default: the month just ended, within the agreement's year"}]),
        "/api/v1/agreements/uncovered": op(
            "Enrolments of a receiving school's students in a course no agreement of the year covers, per course "
            "and school (counts)", {"type": "object"}, params=year, not_found=True, roles=readers),
        "/api/v1/teacher-hours": op(
            "Academic hours held in the network per teacher and month (a viewer: per school)", {"type": "object"},
            params=year, not_found=True,
            roles="admin (all), coordinator (their school's teachers), teacher (own), viewer (per school)"),
    }
