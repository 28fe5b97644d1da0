"""What an import did (or, in a dry run, would do), per template."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from bridge.sheets.problems import Problem
from bridge.transfer.validation import Plan, row_counts


@dataclass(frozen=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0  # rows removed by set replacement
    replaced: int = 0  # owners (schools, courses) whose set changed

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


@dataclass(frozen=True)
class ImportReport:
    source: str
    dry_run: bool
    counts: Mapping[str, Counts]
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()

    @classmethod
    def from_plan(cls, plan: Plan, *, source: str, dry_run: bool, notes: tuple[str, ...] = ()) -> ImportReport:
        counts = {
            name: Counts(len(c.created), len(c.updated), c.unchanged, len(c.deleted), c.replaced)
            for name, c in row_counts(plan)
        }
        return cls(source, dry_run, counts, (), notes)

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.counts.values())

    def total(self, what: str) -> int:
        return sum(getattr(c, what) for c in self.counts.values())

    def describe(self) -> str:
        head = f"{'Dry run of the import' if self.dry_run else 'Imported'} {self.source}"
        if self.dry_run:
            head += " (nothing was written)"
        lines = [head + ":"]
        for name, c in self.counts.items():
            line = f"  {name:<16} {c.created} created, {c.updated} updated, {c.unchanged} unchanged"
            if c.deleted or c.replaced:
                line += f", {c.deleted} deleted ({c.replaced} set(s) replaced)"
            lines.append(line)
        if not self.counts:
            lines.append("  nothing to import")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "changed": self.changed,
            "counts": {n: asdict(c) for n, c in self.counts.items()},
            "problems": [p.to_dict() for p in self.problems],
            "notes": list(self.notes),
        }
