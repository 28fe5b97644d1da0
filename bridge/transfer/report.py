"""What an import did (or, in a dry run, would do), per template."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
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
    # template -> what each updated record changes, e.g. "S-0001: last_name «Иванов» → «Петров»"
    updates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_plan(cls, plan: Plan, *, source: str, dry_run: bool, notes: tuple[str, ...] = ()) -> ImportReport:
        counts = {
            name: Counts(len(c.created), len(c.updated), c.unchanged, len(c.deleted), c.replaced)
            for name, c in row_counts(plan)
        }
        updates = {name: tuple(_update_line(key, diff) for key, diff in c.diffs) for name, c in row_counts(plan)
                   if c.diffs}
        return cls(source, dry_run, counts, (), notes, updates)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportReport:
        """The report :meth:`to_dict` made (an import job keeps it as its outcome, for the console to show)."""
        return cls(data["source"], data["dry_run"], {n: Counts(**c) for n, c in data["counts"].items()},
                   notes=tuple(data["notes"]), updates={n: tuple(lines) for n, lines in data["updates"].items()})

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
            shown = self.updates.get(name, ())
            lines += [f"    ~ {u}" for u in shown[:UPDATES_SHOWN]]
            if len(shown) > UPDATES_SHOWN:
                lines.append(f"    ~ ... and {len(shown) - UPDATES_SHOWN} more updated")
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
            "updates": {name: list(lines) for name, lines in self.updates.items()},
        }


UPDATES_SHOWN = 20  # updates listed per template in the CLI's report (the console lists them all, folded)


def _update_line(key: tuple, diff: list[tuple[str, Any, Any]]) -> str:
    def text(value: Any) -> str:
        return "—" if value is None or value == "" else f"«{value}»"

    return "/".join(map(str, key)) + ": " + "; ".join(f"{c} {text(old)} → {text(new)}" for c, old, new in diff)
