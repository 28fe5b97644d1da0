"""Shared test helpers: the sample district as editable tables, writing them as files, and a
fingerprint of the whole registry to prove an import changed nothing."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.models import Base

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"
DISTRICT = FIXTURES / "district"

Tables = dict[str, list[dict[str, str]]]


def district() -> Tables:
    """The sample district (tests/fixtures/imports/district) as template -> rows, fresh each call."""
    out: Tables = {}
    for path in sorted(DISTRICT.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            out[path.stem] = list(csv.DictReader(fh))
    return out


def write_csv(path: Path, rows: list[dict[str, str]], *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    header = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, delimiter=delimiter, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_folder(tables: Tables, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        write_csv(folder / f"{name}.csv", rows)
    return folder


def registry_state(session: Session) -> tuple[dict[str, int], str]:
    """Row counts per table and a hash of every row (timestamps included)."""
    session.flush()
    counts, digest = {}, hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        counts[table.name] = len(rows)
        digest.update(repr(rows).encode())
    return counts, digest.hexdigest()
