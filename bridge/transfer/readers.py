"""Reading import files into :class:`Table` objects: the template they hold, a header, and rows.

Supports what administrators actually get: CSV in UTF-8 (with or without BOM) or in the
Windows-1251, ``;``-separated form Russian Excel saves; XLSX workbooks with a sheet per
template (folders, zips and OneRoster packages are opened by :mod:`bridge.transfer.paths`).
Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from bridge.sheets.problems import Problem
from bridge.sheets.reading import (
    Row,
    Unreadable,
    cell_text,
    parse_csv,
    xlsx_sheets,
)
from bridge.spreadsheets import csv_read
from bridge.transfer.templates import FILE_TEMPLATES, TEMPLATES


@dataclass
class Table:
    template: str
    file: str
    header: tuple[str, ...]
    rows: Iterable[Row]
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Source:
    """What a path yielded: tables to import, problems found while reading, notes for the report."""

    tables: list[Table] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Templates whose file could not be read: references to them are not checked (no cascades).
    broken: set[str] = field(default_factory=set)

    def extend(self, other: Source) -> None:
        self.tables += other.tables
        self.problems += other.problems
        self.notes += other.notes
        self.broken |= other.broken


# ---- recognising templates -------------------------------------------------------------------


def recognise(name: str, header: Sequence[str]) -> str | None:
    """The template a file or sheet holds: by its name (students.csv), else by its header."""
    stem = PurePosixPath(name).stem.strip().lower()
    if stem in FILE_TEMPLATES:
        return stem
    present = {h for h in header if h}
    fits = [
        (len(present & set(TEMPLATES[t].column_names)), t)
        for t in FILE_TEMPLATES
        if set(TEMPLATES[t].required) <= present
    ]
    fits.sort(reverse=True)
    if fits and (len(fits) == 1 or fits[0][0] > fits[1][0]):
        return fits[0][1]
    return None


def _table(name: str, header: Sequence[str], rows: Iterable[Row], problems: list[Problem], title: str = "") -> Source:
    """A table named ``name`` in problems, recognised by ``title`` (a sheet's name) or by ``name``."""
    header = tuple(h.strip() for h in header)
    template = recognise(title or name, header)
    if template is None:
        return Source(problems=[*problems, Problem(name, 0, "", "unknown_template")])
    return Source(tables=[Table(template, name, header, rows, problems)])


# ---- CSV -------------------------------------------------------------------------------------


def read_csv(name: str, data: bytes) -> Source:
    """A template CSV; a cell the export wrote with a leading ``'`` (so that no spreadsheet program runs
    it as a formula) is read back as it was."""
    header, rows, problems = parse_csv(name, data)
    if not any(header):
        return Source(problems=problems)
    return _table(name, header, ((n, [csv_read(c) for c in cells], o) for n, cells, o in rows), problems)


# ---- XLSX ------------------------------------------------------------------------------------


def read_xlsx(name: str, data: bytes) -> Source:
    out = Source()
    try:
        for sheet_name, title, header, rows, problems in xlsx_sheets(name, data):
            out.extend(_table(sheet_name, header, rows, problems, title=title))
    except Unreadable as exc:
        out.problems.append(exc.problem)
    return out


# ---- in-memory tables ------------------------------------------------------------------------


def memory_tables(tables: Mapping[str, Iterable[Mapping[str, Any]]], source: str) -> Source:
    """Tables given as template name -> rows of cells (what the demo and the generators produce)."""
    out = Source()
    for template, rows in tables.items():
        name = template if source == "<memory>" else f"{source}[{template}]"
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            continue
        if template not in FILE_TEMPLATES:
            out.problems.append(Problem(name, 0, "", "unknown_template"))
            continue
        header = tuple(first)
        problems: list[Problem] = []
        rows = _dict_rows(template, first, iterator, header, name, problems)
        out.tables.append(Table(template, name, header, rows, problems))
    return out


def _dict_rows(
    template: str,
    first: Mapping[str, Any], rest: Iterator[Mapping[str, Any]], header: tuple[str, ...], name: str,
    problems: list[Problem],
) -> Iterator[Row]:
    known = set(header)
    row: Mapping[str, Any] = first
    number = 2
    while True:
        if row.keys() - known:
            for column in sorted(row.keys() - known):
                problems.append(Problem(name, number, column, "unknown_column", {"template": template}))
        yield number, [_text(row.get(c)) for c in header], None
        row = next(rest, None)  # type: ignore[assignment]
        if row is None:
            return
        number += 1


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else cell_text(value)
