"""``netcourses export``: the registry written in the import templates, as a folder of CSV files
(UTF-8 with BOM, so Excel shows Cyrillic) or one XLSX workbook with a sheet per template; text is
written as text, never as a formula (:mod:`bridge.spreadsheets`). Importing the export back changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from bridge.spreadsheets import csv_cells, xlsx_cells
from bridge.transfer.registry import BINDINGS, rows
from bridge.transfer.templates import FILE_TEMPLATES, TEMPLATES

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ExportSummary:
    out: Path
    format: str
    rows: Mapping[str, int]

    def describe(self) -> str:
        counts = ", ".join(f"{n} {c}" for n, c in self.rows.items())
        return f"exported to {self.out} ({self.format}): {counts}"


def template_values(session: Session, template: str) -> Iterator[list[Any]]:
    """The registry's rows of a template as typed values in the template's column order."""
    t, binding = TEMPLATES[template], BINDINGS[template]
    names = t.key + t.stored
    derived: dict[str, dict[Any, list[str]]] = {}
    for column, target in t.derived.items():
        derived[column] = defaultdict(list)
        for row in rows(session, target):
            owner, item = row[BINDINGS[target].ident :]
            derived[column][owner].append(item)
    for row in rows(session, template):
        values = dict(zip(names, row[binding.ident :]))
        for column, items in derived.items():
            values[column] = tuple(items.get(values[t.key[0]], ()))
        yield [values[c] for c in t.column_names]


def _text_row(template: str, values: list[Any]) -> list[str]:
    return [c.kind.format(v) if v is not None else "" for c, v in zip(TEMPLATES[template].columns, values)]


def _cell(kind: Any, value: Any) -> Any:
    """Dates, times and numbers stay real cells in XLSX; everything else is the template text."""
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.time, int)) and not isinstance(value, bool):
        return value
    return kind.format(value)


def export_registry(session: Session, out: Path, fmt: str) -> ExportSummary:
    """Write every file template; ``out`` is a folder for csv and a file for xlsx."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use csv or xlsx")
    out = Path(out)
    counts: dict[str, int] = {}
    if fmt == "csv":
        out.mkdir(parents=True, exist_ok=True)
        for name in FILE_TEMPLATES:
            with (out / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(TEMPLATES[name].column_names)
                counts[name] = 0
                for values in template_values(session, name):
                    writer.writerow(csv_cells(_text_row(name, values)))
                    counts[name] += 1
    else:
        book = Workbook(write_only=True)
        for name in FILE_TEMPLATES:
            sheet = book.create_sheet(title=name)
            columns = TEMPLATES[name].columns
            sheet.append(xlsx_cells(sheet, TEMPLATES[name].column_names))
            counts[name] = 0
            for values in template_values(session, name):
                sheet.append(xlsx_cells(sheet, [_cell(c.kind, v) for c, v in zip(columns, values)]))
                counts[name] += 1
        out.parent.mkdir(parents=True, exist_ok=True)
        book.save(out)
    return ExportSummary(out, fmt, counts)
