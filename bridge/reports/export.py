"""A report as the bytes of a CSV file as Russian Excel opens it with a double click (UTF-8 with BOM, so it
shows Cyrillic; ``;`` between cells, the list separator of the Russian locale, where ``,`` is the decimal mark)
or an XLSX workbook
(openpyxl): a title row in XLSX only, then the Russian headers, then the rows; numbers stay numbers, text is
text (:mod:`bridge.spreadsheets`). Made in memory: the console sends it without leaving pupils' names and
marks in a temporary file."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from bridge.reports.tables import Table
from bridge.spreadsheets import csv_cells, xlsx_cells

FORMATS = ("csv", "xlsx")
CSV_DELIMITER = ";"


def _decimal_comma(value):
    """A fraction as the Russian locale writes it (0,75), so Excel reads it as a number."""
    return str(value).replace(".", ",") if isinstance(value, float) else value


def report_bytes(table: Table, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}: use csv or xlsx")
    if fmt == "csv":
        text = io.StringIO(newline="")
        writer = csv.writer(text, delimiter=CSV_DELIMITER)
        writer.writerow(csv_cells(table.headers))
        writer.writerows(csv_cells("" if v is None else _decimal_comma(v) for v in row) for row in table.rows)
        return text.getvalue().encode("utf-8-sig")
    return workbook_bytes([table])


def workbook_bytes(tables: list[Table]) -> bytes:
    """An XLSX workbook of one sheet per table, each named by the table: its title, headers, rows."""
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.name)
        sheet.append(xlsx_cells(sheet, [table.title]))
        sheet["A1"].font = Font(bold=True)
        sheet.append(xlsx_cells(sheet, table.headers))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(xlsx_cells(sheet, row))
        sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
