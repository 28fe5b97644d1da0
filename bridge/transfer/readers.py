"""Reading import files into :class:`Table` objects: the template they hold, a header, and rows.

Supports what administrators actually get: CSV in UTF-8 (with or without BOM) or in the
Windows-1251, ``;``-separated form Russian Excel saves; XLSX workbooks with a sheet per
template (folders, zips and OneRoster packages are opened by :mod:`bridge.transfer.paths`).
Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from bridge.spreadsheets import csv_read
from bridge.transfer.problems import Problem
from bridge.transfer.templates import FILE_TEMPLATES, TEMPLATES

# Where a template cell came from, when that is not (table file, row, same column):
# OneRoster rows map template columns to the OneRoster file, row and column.
Origin = Mapping[str, tuple[str, int, str]]
Row = tuple[int, Sequence[str], Origin | None]


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


# ---- encodings -------------------------------------------------------------------------------

_BOM = b"\xef\xbb\xbf"
_RUSSIAN = re.compile(r"[А-Яа-яЁё«»№–—“”„]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class WrongEncoding(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _plausible_cp1251(text: str) -> bool:
    """Windows-1251 decodes almost any bytes; real Russian text is Russian letters and typography,
    while UTF-8 read as cp1251 (or binary) is a mess of rare symbols and control characters."""
    if _CONTROL.search(text):
        return False
    non_ascii = len(_NON_ASCII.findall(text))
    return non_ascii == 0 or len(_RUSSIAN.findall(text)) >= 0.95 * non_ascii


def decode(data: bytes) -> str:
    """UTF-8 (BOM optional), else plausible Windows-1251; else :class:`WrongEncoding` at the first bad line."""
    body = data[len(_BOM):] if data.startswith(_BOM) else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    else:
        if _CONTROL.search(text):
            raise WrongEncoding(body.count(b"\n", 0, _CONTROL.search(text).start()) + 1)
        return text
    if body is data:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            pass
        else:
            if _plausible_cp1251(text):
                return text
    raise WrongEncoding(body.count(b"\n", 0, bad_at) + 1)


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


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


def _checked(rows: Iterable[Sequence[str]], name: str, width: int, problems: list[Problem]) -> Iterator[Row]:
    """Number the data rows (header = row 1); a cell beyond the header must be empty."""
    for number, cells in enumerate(rows, start=2):
        for extra in range(width, len(cells)):
            if cells[extra].strip():
                problems.append(Problem(name, number, get_column_letter(extra + 1), "unnamed_column"))
        yield number, cells, None


def _csv_records(text: str, name: str, problems: list[Problem]) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        yield from reader
    except csv.Error as exc:
        problems.append(Problem(name, reader.line_num, "", "csv_error", {"detail": str(exc)}))


def parse_csv(name: str, data: bytes) -> tuple[tuple[str, ...], Iterator[Row], list[Problem]]:
    """Header and numbered rows of a CSV file; problems fill in while the rows are read."""
    problems: list[Problem] = []
    try:
        text = decode(data)
    except WrongEncoding as exc:
        return (), iter(()), [Problem(name, exc.line, "", "wrong_encoding")]
    records = _csv_records(text, name, problems)
    header = tuple(h.strip() for h in next(records, []))
    return header, _checked(records, name, len(header), problems), problems


def read_csv(name: str, data: bytes) -> Source:
    """A template CSV; a cell the export wrote with a leading ``'`` (so that no spreadsheet program runs
    it as a formula) is read back as it was."""
    header, rows, problems = parse_csv(name, data)
    if not any(header):
        return Source(problems=problems)
    return _table(name, header, ((n, [csv_read(c) for c in cells], o) for n, cells, o in rows), problems)


# ---- XLSX ------------------------------------------------------------------------------------

_EXCEL_EPOCHS = {dt.date(1899, 12, 30), dt.date(1899, 12, 31), dt.date(1900, 1, 1)}


def cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV would hold: dates ISO, times HH:MM, whole numbers without .0."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        if value.date() in _EXCEL_EPOCHS:
            value = value.time()
        elif value.time() == dt.time():
            return value.date().isoformat()
        else:
            return value.isoformat(sep=" ")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M" if not value.second else "%H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(name: str, data: bytes) -> Source:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        return Source(problems=[Problem(name, 0, "", "unreadable", {"detail": f"not an XLSX workbook ({exc})"})])
    out = Source()
    for sheet in book.worksheets:
        sheet_name = f"{name}[{sheet.title}]"
        values = sheet.iter_rows(values_only=True)
        header = [cell_text(v).strip() for v in next(values, ())]
        while header and not header[-1]:
            header.pop()
        if not header:
            continue
        problems: list[Problem] = []
        rows = _checked(([cell_text(v) for v in raw] for raw in values), sheet_name, len(header), problems)
        out.extend(_table(sheet_name, header, rows, problems, title=sheet.title))
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
