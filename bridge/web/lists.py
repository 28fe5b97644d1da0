"""Long lists in the console: server-side pages, the page number read strictly, and the natural order of
names with numbers («СОШ № 6» before «СОШ № 14», which a text sort puts the other way round)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import abort, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

PER_PAGE = 50
_NUMBER = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Sort key that compares runs of digits as numbers: «№ 6» < «№ 14»."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in _NUMBER.split(text or ""))


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    number: int
    pages: int
    total: int

    def args(self, number: int) -> dict[str, str]:
        """The request's path arguments and query with another page number: the links keep the
        page's key, the search and the filters."""
        return {**(request.view_args or {}), **request.args.to_dict(), "page": str(number)}


def page_number() -> int:
    """``?page=N``: ASCII digits from 1 (a Unicode digit or 0 is no page), else 400."""
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1 or len(raw) > 9:
        abort(400, "page: a page number is a whole number from 1")
    return int(raw)


def _numbered(total: int, per_page: int) -> tuple[int, int]:
    """The page asked for (a page past the last shows the last) and how many pages there are."""
    pages = max(1, math.ceil(total / per_page))
    return min(page_number(), pages), pages


def paginate(session: Session, query: Select, per_page: int = PER_PAGE) -> Page:
    """One page of ``query``, counted in the database."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    number, pages = _numbered(total, per_page)
    items = session.scalars(query.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(items, number, pages, total)


def paginate_rows(rows: Sequence[Any], per_page: int = PER_PAGE) -> Page:
    """One page of rows already built (a report's table)."""
    number, pages = _numbered(len(rows), per_page)
    return Page(rows[(number - 1) * per_page:number * per_page], number, pages, len(rows))
