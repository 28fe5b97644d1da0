"""Reading a spreadsheet file into a header and numbered rows of text, whatever its template.

The encodings and cell forms administrators actually send (UTF-8 with or without BOM, the
Windows-1251 ``;``-separated CSV Russian Excel saves, XLSX cells as the text a CSV would hold);
rows are numbered as a spreadsheet shows them (the header is row 1). The registry's imports
(bridge.transfer) and the survey answers of course choice (bridge.choices) both read files so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from bridge.sheets.problems import Problem

# Where a template cell came from, when that is not (table file, row, same column):
# OneRoster rows map template columns to the OneRoster file, row and column.
Origin = Mapping[str, tuple[str, int, str]]
Row = tuple[int, Sequence[str], Origin | None]


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


# ---- CSV -------------------------------------------------------------------------------------


def checked(rows: Iterable[Sequence[str]], name: str, width: int, problems: list[Problem]) -> Iterator[Row]:
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
    return header, checked(records, name, len(header), problems), problems


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


def xlsx_sheets(name: str, data: bytes) -> Iterator[tuple[str, str, tuple[str, ...], Iterator[Row], list[Problem]]]:
    """Each sheet with a header: (name in problems, sheet title, header, numbered rows, problems that
    fill in while the rows are read). A file that is no workbook raises :class:`Unreadable`."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise Unreadable(Problem(name, 0, "", "unreadable", {"detail": f"not an XLSX workbook ({exc})"})) from None
    for sheet in book.worksheets:
        sheet_name = f"{name}[{sheet.title}]"
        values = sheet.iter_rows(values_only=True)
        header = [cell_text(v).strip() for v in next(values, ())]
        while header and not header[-1]:
            header.pop()
        if not header:
            continue
        problems: list[Problem] = []
        rows = checked(([cell_text(v) for v in raw] for raw in values), sheet_name, len(header), problems)
        yield sheet_name, sheet.title, tuple(header), rows, problems


class Unreadable(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def first_table(name: str, data: bytes) -> tuple[str, tuple[str, ...], Iterator[Row], list[Problem]]:
    """Name in problems, header, numbered rows and reading problems of a CSV file, or of an XLSX
    workbook's first sheet with a header: what a one-table import (survey answers, agreements) reads."""
    if name.lower().endswith(".xlsx"):
        try:
            for sheet_name, _, header, rows, problems in xlsx_sheets(name, data):
                return sheet_name, header, rows, problems
        except Unreadable as exc:
            return name, (), iter(()), [exc.problem]
        return name, (), iter(()), []
    header, rows, problems = parse_csv(name, data)
    return name, header, rows, problems
