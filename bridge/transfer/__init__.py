"""Imports and exports of the home registry: CSV/XLSX templates and OneRoster 1.1/1.2 packages.

The importer is the one upsert path of the product: the demo district and the benchmark
generators call :func:`import_tables` too. An import is all-or-nothing: everything is
validated first and every problem is reported (:class:`ImportRejected`); only then are the
changes written, in bulk, in the caller's transaction (the caller commits).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from config.settings import ImportSettings

from bridge.transfer.apply import apply
from bridge.transfer.export import ExportSummary, export_registry
from bridge.transfer.paths import read_bytes, read_path
from bridge.sheets.problems import REASONS, ImportRejected, Problem
from bridge.transfer.readers import Source, memory_tables
from bridge.transfer.report import Counts, ImportReport
from bridge.transfer.validation import validate

__all__ = [
    "REASONS",
    "Counts",
    "ExportSummary",
    "ImportRejected",
    "ImportReport",
    "Problem",
    "export_registry",
    "import_bytes",
    "import_path",
    "import_tables",
]


def _run(session: Session, source: Source, *, name: str, dry_run: bool, limits: ImportSettings) -> ImportReport:
    plan = validate(session, source, limits.max_problems)
    if not dry_run:
        apply(session, plan)
    return ImportReport.from_plan(plan, source=name, dry_run=dry_run, notes=tuple(source.notes))


def import_tables(
    session: Session,
    tables: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    source: str = "<memory>",
    dry_run: bool = False,
    limits: ImportSettings = ImportSettings(),
) -> ImportReport:
    """Import template tables given as template name -> rows of string cells (as a CSV gives them)."""
    return _run(session, memory_tables(tables, source), name=source, dry_run=dry_run, limits=limits)


def import_path(
    session: Session, path: Path, *, dry_run: bool = False, limits: ImportSettings = ImportSettings()
) -> ImportReport:
    """Import a CSV file, a folder of CSVs, an XLSX workbook, or a OneRoster folder or zip, within
    ``limits`` (the ``[imports]`` settings: unpacked sizes, problems listed)."""
    from bridge.transfer.oneroster import RegistryFacts

    source = read_path(Path(path), RegistryFacts(session), limits)
    return _run(session, source, name=str(path), dry_run=dry_run, limits=limits)


def import_bytes(
    session: Session, name: str, data: bytes, *, dry_run: bool = False, limits: ImportSettings = ImportSettings()
) -> ImportReport:
    """As :func:`import_path`, for one file (CSV, XLSX or zip) held in memory: the console's uploads."""
    from bridge.transfer.oneroster import RegistryFacts

    source = read_bytes(name, data, RegistryFacts(session), limits)
    return _run(session, source, name=name, dry_run=dry_run, limits=limits)
