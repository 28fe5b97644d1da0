"""Academic years: the one a day falls in, the one a page shows by default, one by its code."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.models import AcademicYear


def year_of(session: Session, day: dt.date) -> AcademicYear | None:
    return session.scalar(select(AcademicYear).where(AcademicYear.starts_on <= day, AcademicYear.ends_on >= day))


def current_year(session: Session, today: dt.date) -> AcademicYear | None:
    """The academic year ``today`` falls in; between years the last one begun; before any, the first."""
    years = session.scalars(select(AcademicYear).order_by(AcademicYear.starts_on)).all()
    begun = [y for y in years if y.starts_on <= today]
    return next((y for y in begun if today <= y.ends_on), begun[-1] if begun else next(iter(years), None))


def year_by_code(session: Session, code: str) -> AcademicYear:
    """The year called ``code`` (e.g. 2026-2027); LookupError if there is none."""
    year = session.scalar(select(AcademicYear).where(AcademicYear.code == code))
    if year is None:
        raise LookupError(f"no academic year {code!r}")
    return year
