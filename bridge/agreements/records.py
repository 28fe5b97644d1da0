"""Agreements as records: their terms read from text (a form, a JSON body, a file's row) and checked,
saved, deleted and listed within what an account may see; every change is audited.

The terms are read from text fields by one function, :func:`read_terms`, so the console, the API and the
file import accept and refuse exactly the same things, each problem named by its field (a file adds its
row). Fields: ``provider`` and ``receiver`` (schools' external ids), ``year`` (e.g. 2026-2027),
``number``, ``date`` (YYYY-MM-DD or DD.MM.YYYY), ``courses`` (course codes separated by commas, or
``all``/``все``: every course of the provider that the receiver's students take) and ``rate`` (roubles per
academic hour, optional, e.g. 1500,00).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from bridge.audit import Actor, audit
from bridge.models import AcademicYear, Agreement, NetworkCourse, School
from bridge.sheets.problems import REASONS

FIELDS = ("provider", "receiver", "year", "number", "date", "courses", "rate")
ALL_COURSES = ("all", "все")
MAX_NUMBER = 64
MAX_RATE = Decimal("10000000")  # ten million roubles an hour: beyond it, a typo
_SPACES = re.compile(r"[\s\u00a0\u202f]")


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field: a reason code of :data:`bridge.sheets.problems.REASONS`."""

    field: str
    code: str
    params: Mapping[str, Any]

    def reason_in(self, language: str) -> str:
        return REASONS[self.code][("en", "ru").index(language)].format(**self.params)

    def __str__(self) -> str:
        return f"{self.field}: {self.reason_in('en')}"


class AgreementRefused(Exception):
    """The terms have problems; nothing was written."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class Terms:
    """An agreement's terms, checked. ``courses`` None: all the provider's courses the receiver's students take."""

    provider: School
    receiver: School
    year: AcademicYear
    number: str
    signed_on: dt.date
    courses: tuple[NetworkCourse, ...] | None
    rate_kopecks: int | None


def parse_date(text: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_rate(text: str) -> int | None:
    """Roubles as text (``1500``, ``1 500,50``, ``1500.5``) → kopecks; None when it is no such sum."""
    cleaned = _SPACES.sub("", text).replace(",", ".")
    if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", cleaned):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None
    return int(value * 100) if value < MAX_RATE else None


def rate_text(kopecks: int | None) -> str:
    """A rate as the fields take it back (``1500.00``), empty for none."""
    return "" if kopecks is None else f"{Decimal(kopecks) / 100:.2f}"


def _school(session: Session, key: str) -> School | None:
    return session.scalar(select(School).where(School.external_id == key))


def read_terms(session: Session, raw: Mapping[str, str]) -> tuple[Terms | None, list[FieldProblem]]:
    """The terms from text fields, or every problem found (then no terms)."""
    text = {name: str(raw.get(name) or "").strip() for name in FIELDS}
    problems: list[FieldProblem] = []

    def problem(name: str, code: str, **params: Any) -> None:
        problems.append(FieldProblem(name, code, params))

    for name in ("provider", "receiver", "year", "number", "date", "courses"):
        if not text[name]:
            problem(name, "required")
    provider = _school(session, text["provider"]) if text["provider"] else None
    receiver = _school(session, text["receiver"]) if text["receiver"] else None
    for name, school in (("provider", provider), ("receiver", receiver)):
        if text[name] and school is None:
            problem(name, "unknown_school", value=text[name])
    if provider is not None and receiver is not None and provider.id == receiver.id:
        problem("receiver", "same_school")
    year = session.scalar(select(AcademicYear).where(AcademicYear.code == text["year"])) if text["year"] else None
    if text["year"] and year is None:
        problem("year", "unknown_year", value=text["year"])
    if len(text["number"]) > MAX_NUMBER:
        problem("number", "too_long", max=MAX_NUMBER)
    signed_on = parse_date(text["date"]) if text["date"] else None
    if text["date"] and signed_on is None:
        problem("date", "bad_date", value=text["date"])
    courses: tuple[NetworkCourse, ...] | None = None
    if text["courses"] and text["courses"].casefold() not in ALL_COURSES:
        codes = list(dict.fromkeys(c.strip() for c in text["courses"].split(",") if c.strip()))
        found = {c.code: c for c in session.scalars(select(NetworkCourse).where(NetworkCourse.code.in_(codes)))}
        for code in codes:
            course = found.get(code)
            if course is None:
                problem("courses", "unknown_course", value=code)
            elif provider is not None and year is not None and (
                    course.provider_school_id != provider.id or course.academic_year_id != year.id):
                problem("courses", "not_provider_course", value=code, provider=provider.external_id, year=year.code)
        courses = tuple(found[c] for c in codes if c in found)
        if not codes:
            problem("courses", "required")
    rate = parse_rate(text["rate"]) if text["rate"] else None
    if text["rate"] and rate is None:
        problem("rate", "bad_amount", value=text["rate"])
    if problems:
        return None, problems
    assert provider and receiver and year and signed_on
    return Terms(provider, receiver, year, text["number"], signed_on, courses, rate), []


def same_agreement(session: Session, terms: Terms) -> Agreement | None:
    """The agreement with these parties, year and number (the key a file's row updates by)."""
    return session.scalar(select(Agreement).where(
        Agreement.provider_school_id == terms.provider.id, Agreement.receiver_school_id == terms.receiver.id,
        Agreement.academic_year_id == terms.year.id, Agreement.number == terms.number))


def apply_terms(agreement: Agreement, terms: Terms) -> None:
    agreement.provider_school = terms.provider
    agreement.receiver_school = terms.receiver
    agreement.academic_year = terms.year
    agreement.number, agreement.signed_on, agreement.rate_kopecks = terms.number, terms.signed_on, terms.rate_kopecks
    agreement.all_courses = terms.courses is None
    agreement.courses = list(terms.courses or ())


def describe(agreement: Agreement) -> str:
    """What the audit log says of an agreement: its key, not its figures."""
    return (f"agreement {agreement.number} {agreement.provider_school.external_id}→"
            f"{agreement.receiver_school.external_id} {agreement.academic_year.code}")


def save_agreement(session: Session, raw: Mapping[str, str], *, by: Actor | None,
                   agreement: Agreement | None = None) -> Agreement:
    """Create an agreement (``agreement`` None) or change one, from text fields; raises
    :class:`AgreementRefused` naming every problem, having written nothing."""
    terms, problems = read_terms(session, raw)
    if terms is not None:
        other = same_agreement(session, terms)
        if other is not None and other is not agreement:
            problems = [FieldProblem("number", "agreement_exists", {"value": terms.number, "year": terms.year.code})]
    if problems:
        raise AgreementRefused(problems)
    assert terms is not None
    created = agreement is None
    agreement = agreement or Agreement()
    apply_terms(agreement, terms)
    session.add(agreement)
    session.flush()
    audit(session, by, "create agreement" if created else "change agreement", describe(agreement))
    return agreement


def delete_agreement(session: Session, agreement: Agreement, *, by: Actor | None) -> None:
    audit(session, by, "delete agreement", describe(agreement))
    session.delete(agreement)
    session.flush()


def as_fields(agreement: Agreement) -> dict[str, str]:
    """An agreement as the text fields :func:`read_terms` reads (a form's values, a file's row)."""
    return {"provider": agreement.provider_school.external_id, "receiver": agreement.receiver_school.external_id,
            "year": agreement.academic_year.code, "number": agreement.number,
            "date": agreement.signed_on.isoformat(),
            "courses": "all" if agreement.all_courses else ", ".join(c.code for c in agreement.courses),
            "rate": rate_text(agreement.rate_kopecks)}


def of_school(query: Select, school_id: int | None) -> Select:
    """Narrow a query over Agreement to those ``school_id`` is a party to (None: every agreement)."""
    if school_id is None:
        return query
    return query.where(or_(Agreement.provider_school_id == school_id, Agreement.receiver_school_id == school_id))


def list_agreements(session: Session, *, year: AcademicYear | None = None,
                    school_id: int | None = None) -> list[Agreement]:
    query = select(Agreement).join(Agreement.academic_year)
    if year is not None:
        query = query.where(Agreement.academic_year_id == year.id)
    rows = session.scalars(of_school(query, school_id).order_by(AcademicYear.starts_on.desc(), Agreement.signed_on,
                                                                Agreement.number, Agreement.id)).all()
    return list(rows)
