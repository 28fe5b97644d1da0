"""The sync plan: typed changes in dependency order, and the guard that may refuse a plan.

Modelled on octodns (``record/change.py``, ``provider/plan.py``): a plan is data; a dry run
prints it; applying it is a separate step; a plan that would take away too much of what the sync
manages is refused unless forced.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from bridge.sync.items import Item


class Action(enum.StrEnum):
    CREATE = "create"
    ADOPT = "adopt"  # found in Moodle (made by hand or by an interrupted run): link it, write only what differs
    UPDATE = "update"
    REACTIVATE = "reactivate"
    SUSPEND = "suspend"
    REMOVE = "remove"


DESTRUCTIVE = frozenset({Action.SUSPEND, Action.REMOVE})


class Change(NamedTuple):
    """One change. ``item`` is the desired item (for a removal, rebuilt from what was applied);
    ``moodle_id`` is known for things that exist in Moodle; ``drift`` marks a change that puts back
    a manual edit made in Moodle to something the sync had applied. (A named tuple: cheap to make
    by the hundred thousand.)"""

    action: Action
    kind: str
    key: str
    item: Item | None = None
    moodle_id: int | None = None
    fields: tuple[str, ...] = ()
    drift: bool = False

    def describe(self) -> str:
        what = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{self.action.value} {self.kind} {self.key}{what}{' [drift]' if self.drift else ''}"


class PlanRefused(Exception):
    """The guard refused the plan; the message says why and how to override."""


@dataclass
class Plan:
    mode: str
    changes: list[Change] = field(default_factory=list)
    managed: dict[str, int] = field(default_factory=dict)  # things the sync manages (links) by kind

    def by_kind(self) -> dict[str, dict[str, int]]:
        counts: dict[str, Counter[str]] = {}
        for c in self.changes:
            counts.setdefault(c.kind, Counter())[c.action.value] += 1
        return {k: dict(v) for k, v in counts.items()}

    @property
    def destructive(self) -> list[Change]:
        return [c for c in self.changes if c.action in DESTRUCTIVE]

    @property
    def drift(self) -> list[Change]:
        return [c for c in self.changes if c.drift]

    def __len__(self) -> int:
        return len(self.changes)


def check_guard(plan: Plan, desired_count: int, *, ratio: float, minimum: int, force: bool) -> None:
    """Refuse a plan that suspends or removes too much of any one kind the sync manages.

    Kind by kind, because the kinds differ in number by orders of magnitude: a year of attendance
    sessions would otherwise dilute a withdrawal of a third of the students below any share of the
    whole. The limit of a kind is ``ratio`` of its managed things, but never below ``minimum``;
    ``force`` overrides it. An empty registry never empties Moodle, forced or not: that is far more
    often a wrong database URL than an intention.
    """
    destructive = Counter(c.kind for c in plan.destructive)
    if not destructive:
        return
    if desired_count == 0:
        raise PlanRefused(
            f"the registry is empty but the plan would suspend or remove {destructive.total()} things in Moodle; "
            "refusing (check NETCOURSES_DATABASE_URL)")
    if force:
        return
    over = []
    for kind, count in destructive.items():
        managed = plan.managed.get(kind, 0)
        limit = max(int(managed * ratio), minimum)
        if count > limit:
            over.append(f"{count} of {managed} managed {kind} items (limit {limit})")
    if over:
        raise PlanRefused(
            f"the plan would suspend or remove {'; '.join(over)}: more than {ratio:.0%} of a kind and more than "
            f"{minimum}; review it with --dry-run and run again with --force if it is intended")


def summarize(counts: Mapping[str, Mapping[str, int]]) -> list[str]:
    return [f"{kind}: " + ", ".join(f"{n} {a}" for a, n in sorted(acts.items()))
            for kind, acts in counts.items()]


def changed_fields(desired: Mapping[str, object], actual: Mapping[str, object], names: Iterable[str]) -> tuple[str, ...]:
    return tuple(n for n in names if desired.get(n) != actual.get(n))
