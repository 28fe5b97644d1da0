"""Agreements from a file and back: a CSV or XLSX table (read as the registry's imports are:
bridge.sheets) with the columns of :data:`bridge.agreements.records.FIELDS`, one agreement a row.

The import is all-or-nothing: every problem is named by file:row:column (an unknown school, year or
course, a course that is not the provider's, a date or sum that is none, the same agreement twice) and
then nothing is written. Otherwise each row creates the agreement of its parties, year and number, or
changes it to the row's terms; the import is audited. The export writes the same columns, so a file
exported, edited and imported back changes what was edited.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bridge.agreements.records import FIELDS, apply_terms, as_fields, describe, read_terms, same_agreement
from bridge.audit import Actor, audit
from bridge.models import Agreement
from bridge.sheets.problems import ImportRejected, Problem
from bridge.sheets.reading import first_table
from bridge.spreadsheets import csv_cells

TEMPLATE = "agreements"
REQUIRED = tuple(f for f in FIELDS if f != "rate")


@dataclass(frozen=True)
class ImportSummary:
    created: int
    changed: int
    unchanged: int


def import_agreements(session: Session, name: str, data: bytes, *, by: Actor | None) -> ImportSummary:
    """Create or change the agreement of every row; raises :class:`ImportRejected` with every problem,
    having written nothing."""
    where, header, rows, problems = first_table(name, data)
    at: dict[str, int] = {}
    for index, title in enumerate(header):
        if not title:
            continue
        if title in at:
            problems.append(Problem(where, 1, title, "duplicate_column"))
        elif title not in FIELDS:
            problems.append(Problem(where, 1, title, "unknown_column", {"template": TEMPLATE}))
        at.setdefault(title, index)
    problems += [Problem(where, 1, f, "missing_column") for f in REQUIRED if header and f not in at]
    if not header:
        raise ImportRejected(problems or [Problem(where, 0, "", "no_files")])
    if problems:
        raise ImportRejected(problems)
    parsed = []
    first_row: dict[tuple, int] = {}
    for number, cells, _ in list(rows):
        raw = {f: cells[i] if i < len(cells) else "" for f, i in at.items()}
        terms, wrong = read_terms(session, raw)
        problems += [Problem(where, number, p.field, p.code, p.params) for p in wrong]
        if terms is None:
            continue
        key = (terms.provider.id, terms.receiver.id, terms.year.id, terms.number)
        if key in first_row:
            problems.append(Problem(where, number, "number", "duplicate", {"row": first_row[key]}))
        first_row.setdefault(key, number)
        parsed.append(terms)
    if problems:
        raise ImportRejected(problems)
    created = changed = 0
    for terms in parsed:
        agreement = same_agreement(session, terms)
        before = as_fields(agreement) if agreement is not None else None
        agreement = agreement or Agreement()
        apply_terms(agreement, terms)
        session.add(agreement)
        session.flush()
        if before is None:
            created += 1
        elif before != as_fields(agreement):
            changed += 1
            audit(session, by, "change agreement", describe(agreement))
    summary = ImportSummary(created, changed, len(parsed) - created - changed)
    audit(session, by, "import agreements", f"{name}: {created} created, {changed} changed, "
                                            f"{summary.unchanged} unchanged")
    return summary


def export_agreements(agreements: list[Agreement]) -> str:
    """The agreements as an import file (CSV, UTF-8 with BOM so Excel shows Cyrillic)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    for agreement in agreements:
        fields = as_fields(agreement)
        writer.writerow(csv_cells(fields[f] for f in FIELDS))
    return "\ufeff" + out.getvalue()
