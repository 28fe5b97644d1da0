"""Which days a school teaches: its terms and its holidays within an academic year.

A school with its own Term rows uses them, else the district's default terms (``school_id`` empty);
its holidays are the district's plus its own. Lesson expansion, face-to-face rules and the conflict
check all ask the same question, so they share this one answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bridge.models import Holiday, Term


@dataclass(frozen=True)
class SchoolDays:
    terms: tuple[tuple[dt.date, dt.date], ...]
    holidays: dict[dt.date, str]  # every day of every holiday → its name

    def holiday(self, day: dt.date) -> str | None:
        return self.holidays.get(day)

    def in_term(self, day: dt.date) -> bool:
        return any(start <= day <= end for start, end in self.terms)

    def teaching_days(self, weekday: int):
        """Dates with ISO ``weekday`` inside a term and not on a holiday, in order."""
        for start, end in self.terms:
            day = start + dt.timedelta(days=(weekday - start.isoweekday()) % 7)
            while day <= end:
                if day not in self.holidays:
                    yield day
                day += dt.timedelta(days=7)


def school_days(session: Session, academic_year_id: int, school_id: int | None) -> SchoolDays:
    terms = _terms(session, academic_year_id, school_id) if school_id is not None else ()
    if not terms:
        terms = _terms(session, academic_year_id, None)
    rows = session.scalars(
        select(Holiday).where(
            Holiday.academic_year_id == academic_year_id,
            or_(Holiday.school_id.is_(None), Holiday.school_id == school_id),
        ).order_by(Holiday.starts_on)
    )
    holidays: dict[dt.date, str] = {}
    for h in rows:
        day = h.starts_on
        while day <= h.ends_on:
            holidays.setdefault(day, h.name)
            day += dt.timedelta(days=1)
    return SchoolDays(terms=terms, holidays=holidays)


def _terms(session: Session, academic_year_id: int, school_id: int | None) -> tuple[tuple[dt.date, dt.date], ...]:
    owner = Term.school_id.is_(None) if school_id is None else Term.school_id == school_id
    rows = session.execute(
        select(Term.starts_on, Term.ends_on)
        .where(Term.academic_year_id == academic_year_id, owner)
        .order_by(Term.starts_on)
    )
    return tuple((a, b) for a, b in rows)


class SchoolDaysCache:
    """``school_days`` once per (year, school) within one piece of work."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._known: dict[tuple[int, int | None], SchoolDays] = {}

    def __call__(self, academic_year_id: int, school_id: int | None) -> SchoolDays:
        key = (academic_year_id, school_id)
        if key not in self._known:
            self._known[key] = school_days(self._session, academic_year_id, school_id)
        return self._known[key]
