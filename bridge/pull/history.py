"""What a pull (or an entry in the registry) did, and the history of corrected marks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bridge.models import MarkChange


@dataclass
class Tally:
    created: int = 0
    changed: int = 0
    unchanged: int = 0

    def __iadd__(self, other: Tally) -> Tally:
        self.created += other.created
        self.changed += other.changed
        self.unchanged += other.unchanged
        return self

    def describe(self) -> str:
        return f"{self.created} new, {self.changed} changed, {self.unchanged} unchanged"


def record_change(session: Session, *, what: str, student_id: int, old: str, new: str, by: str,
                  attendance_mark_id: int | None = None, grade_id: int | None = None) -> None:
    session.add(MarkChange(what=what, student_id=student_id, attendance_mark_id=attendance_mark_id, grade_id=grade_id,
                           old_value=old[:100], new_value=new[:100], changed_by=by[:100],
                           seen_at=dt.datetime.now(dt.UTC)))
