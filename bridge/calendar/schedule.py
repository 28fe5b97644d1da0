"""Planned occurrences against stored ones: the one reconcile that lesson expansion and
face-to-face rules both use, so that both keep identities, sequences and hand edits the same way.

An occurrence has a key (its place in its pattern: slot + slot date, rule + rule date). Running the
expansion again must change nothing: a stored entry whose key is still planned is kept (and brought
in line if the pattern moved it, raising SEQUENCE); one whose key is no longer planned is cancelled,
never deleted (subscribers must see the cancellation); an entry edited by hand is left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from bridge.models import ScheduledMixin, ScheduleStatus

E = TypeVar("E", bound=ScheduledMixin)


@dataclass(frozen=True)
class Planned:
    date: dt.date
    starts_at: dt.time
    duration_minutes: int
    timezone: str
    # Further attributes the pattern decides (a session's room, title, courses...).
    details: Mapping[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "starts_at": self.starts_at,
            "duration_minutes": self.duration_minutes,
            "timezone": self.timezone,
            "status": ScheduleStatus.SCHEDULED,
            **self.details,
        }


@dataclass(frozen=True)
class ExpandSummary:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    edited_kept: int = 0
    # Patterns that gave nothing, with the reason (e.g. a course of a year without terms).
    warnings: tuple[str, ...] = ()

    def __add__(self, other: ExpandSummary) -> ExpandSummary:
        return ExpandSummary(
            self.created + other.created,
            self.updated + other.updated,
            self.cancelled + other.cancelled,
            self.unchanged + other.unchanged,
            self.edited_kept + other.edited_kept,
            self.warnings + other.warnings,
        )

    def describe(self, what: str) -> str:
        text = (
            f"{what}: {self.created} created, {self.updated} updated, {self.cancelled} cancelled, "
            f"{self.unchanged} unchanged, {self.edited_kept} edited by hand and kept"
        )
        return "\n".join([text, *(f"warning: {w}" for w in self.warnings)])


def apply_plan(entry: ScheduledMixin, plan: Planned) -> bool:
    """Bring an unedited entry in line with its plan; True (and SEQUENCE raised) when anything changed."""
    changed = False
    for name, value in plan.values().items():
        if getattr(entry, name) != value:
            setattr(entry, name, value)
            changed = True
    if changed:
        entry.changed()
    return changed


def reconcile(
    stored: Mapping[Hashable, ScheduledMixin],
    planned: Mapping[Hashable, Planned],
    create: Callable[[Hashable, Planned], ScheduledMixin],
) -> ExpandSummary:
    created = updated = cancelled = unchanged = edited = 0
    for key, entry in stored.items():
        if entry.edited:
            edited += 1
            continue
        plan = planned.get(key)
        if plan is None:
            if entry.cancelled:
                unchanged += 1
            else:
                entry.status = ScheduleStatus.CANCELLED
                entry.changed()
                cancelled += 1
        elif apply_plan(entry, plan):
            updated += 1
        else:
            unchanged += 1
    for key, plan in planned.items():
        if key not in stored:
            create(key, plan)
            created += 1
    return ExpandSummary(created, updated, cancelled, unchanged, edited)


def cancel_entry(session: Session, entry: E, note: str = "") -> E:
    """Cancel one lesson or session by hand; it stays, as cancelled, so calendars show the cancellation."""
    entry.cancel(note)
    session.flush()
    return entry
