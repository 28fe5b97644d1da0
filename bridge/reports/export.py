"""A report written as CSV (UTF-8 with BOM, so Excel shows Cyrillic) or XLSX (openpyxl): a title
row in XLSX only, then the Russian headers, then the rows; numbers stay numbers."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from bridge.reports.tables import Table

FORMATS = ("csv", "xlsx")


def write_report(table: Table, out: Path, fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}: use csv or xlsx")
    if fmt == "csv":
        with Path(out).open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(table.headers)
            writer.writerows(["" if v is None else v for v in row] for row in table.rows)
        return
    book = Workbook()
    sheet = book.active
    sheet.title = table.name
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True)
    sheet.append(table.headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A3"
    book.save(out)
