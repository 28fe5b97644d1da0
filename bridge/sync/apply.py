"""Apply a plan to Moodle in dependency order, recording every outcome.

Nothing is created blindly: before creating things Moodle may already have (made by hand, or by
a run that was killed before it could record them), the applier asks Moodle by idnumber and
adopts what it finds. Memberships (enrolments, group and cohort members) are idempotent in
Moodle, so re-sending them after an interruption is safe. Links are committed kind by kind, so
a killed run keeps what it finished and the next run completes the rest.

One bad record does not stop the run: it fails with Moodle's reason, whatever depends on it is
skipped, and both are tried again next run (no link is written for them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bridge.models import MoodleLink, SyncChange
from bridge.progress import bar
from bridge.sync.items import KINDS, MEMBERSHIPS, Ref
from bridge.sync.plan import Action, Change, Plan
from bridge.sync.reconcile import encode

ID_KINDS = tuple(k for k in KINDS if k not in MEMBERSHIPS)


@dataclass
class ApplyOutcome:
    applied: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    stopped: str = ""  # why the run stopped before its last kind (every item of one kind failed alike)

    def count(self, change: Change) -> None:
        self.applied.setdefault(change.kind, Counter())[change.action.value] += 1  # type: ignore[index]


@dataclass(frozen=True)
class Resolved:
    """A change whose references are resolved to Moodle ids, ready for the gateway."""

    change: Change
    ids: Mapping[str, int]  # ref field name -> Moodle id


class Applier:
    def __init__(self, session: Session, gateway, run_id: int, *, show_progress: bool = True,
                 checkpoint: Callable[[], None] | None = None) -> None:
        self.session = session
        self.checkpoint = checkpoint  # called after each kind is committed: a cancel stops there
        self.gateway = gateway
        self.run_id = run_id
        self.show_progress = show_progress
        self.ids: dict[tuple[str, str], int] = {
            (kind, key): mid for kind, key, mid in session.execute(
                select(MoodleLink.kind, MoodleLink.key, MoodleLink.moodle_id)
                .where(MoodleLink.kind.in_(ID_KINDS)))
            if mid is not None}
        self.created: set[tuple[str, str]] = set()  # made in this run: known to be empty inside
        self.outcome = ApplyOutcome()

    def apply(self, plan: Plan) -> ApplyOutcome:
        progress = bar(len(plan.changes), "sync") if self.show_progress else None
        by_kind: dict[str, list[Change]] = {}
        for change in plan.changes:
            by_kind.setdefault(change.kind, []).append(change)
        for kind in KINDS:
            changes = by_kind.get(kind, [])
            if changes:
                errors_before = len(self.outcome.errors)
                self._apply_kind(kind, changes)
                if self.gateway.fatal is None:
                    # The kind is done: what did not fail is applied. Marked kind by kind, so
                    # the run's changes show its progress to anyone reading them meanwhile.
                    self.session.execute(update(SyncChange).where(
                        SyncChange.run_id == self.run_id, SyncChange.kind == kind,
                        SyncChange.outcome == "planned").values(outcome="applied"))
                self.session.commit()
                if self.gateway.fatal is not None:
                    # Not about one item (site down, token revoked, outcome unknown): stop here.
                    # What was confirmed is linked; the next run re-reads and goes on.
                    raise self.gateway.fatal
                if self.checkpoint is not None:
                    self.checkpoint()
                if self._failed_alike(kind, changes, errors_before):
                    break
            if progress is not None:
                progress.update(len(changes))
        if progress is not None:
            progress.close()
        self.outcome.applied = {k: dict(v) for k, v in self.outcome.applied.items()}
        self.outcome.errors += [{"kind": "cohort_member", "key": "-", "action": "create", "reason": w}
                                for w in self.gateway.warnings]
        return self.outcome

    def _failed_alike(self, kind: str, changes: list[Change], errors_before: int) -> bool:
        """Every change of a kind failed, for one and the same reason (a setting Moodle refuses, a
        missing plugin): stop, so that nothing depending on them is tried, and say it once."""
        errors = self.outcome.errors[errors_before:]
        reasons = {e["reason"] for e in errors}
        if len(changes) < 2 or len(errors) != len(changes) or len(reasons) != 1:
            return False
        (reason,) = reasons
        self.outcome.errors[errors_before:] = [{"kind": kind, "key": f"all {len(changes)}", "action": "-",
                                                "reason": reason}]
        self.outcome.stopped = (f"every {kind} change ({len(changes)}) failed for one reason, so the run stopped "
                                f"before what depends on them: {reason}")
        return True

    # -- one kind ---------------------------------------------------------------------------

    def _apply_kind(self, kind: str, changes: list[Change]) -> None:
        creates = [c for c in changes if c.action == Action.CREATE]
        if creates and kind not in MEMBERSHIPS:
            creates = self._adopt_existing(kind, creates, changes)
        ready = self._resolve([c for c in changes if c.action != Action.CREATE] + creates)

        new = [r for r in ready if r.change.action == Action.CREATE]
        removes = [r for r in ready if r.change.action == Action.REMOVE]
        edits = [r for r in ready if r.change.action not in (Action.CREATE, Action.REMOVE)
                 and (r.change.fields or r.change.action != Action.ADOPT)]
        links_only = [r for r in ready if r.change.action == Action.ADOPT and not r.change.fields]

        if new:
            results = self.gateway.create(kind, new)
            self._settle(new, results, created=True)
        if edits:
            self._settle(edits, self.gateway.update(kind, edits))
        if removes:
            failed = self._failures(removes, self.gateway.remove(kind, removes))
            done = [r.change for r in removes if r.change.key not in failed]
            self._unlink(kind, [c.key for c in done])
            for c in done:
                self.outcome.count(c)
        if links_only:
            self._link(links_only)
            for r in links_only:
                self.outcome.count(r.change)

    def _adopt_existing(self, kind: str, creates: list[Change], all_changes: list[Change]) -> list[Change]:
        """Ask Moodle for things about to be created; what exists becomes an adoption."""
        found = self.gateway.find_existing(kind, [c.item for c in creates if c.item is not None],
                                           ids=self.ids, fresh=self.created)
        remaining = []
        for c in creates:
            thing = found.get(c.key)
            if thing is None:
                remaining.append(c)
                continue
            assert c.item is not None
            names = tuple(n for n in c.item.fields if n in thing.fields and thing.fields[n] != c.item.fields[n])
            remaining.append(Change(Action.ADOPT, kind, c.key, item=c.item, moodle_id=thing.moodle_id, fields=names))
        return remaining

    def _resolve(self, changes: Iterable[Change]) -> list[Resolved]:
        ready = []
        for c in changes:
            ids: dict[str, int] = {}
            missing = None
            fields = c.item.fields if c.item is not None else {}
            for name, value in fields.items():
                if isinstance(value, Ref):
                    mid = self.ids.get((value.kind, value.key))
                    if mid is None:
                        missing = value
                        break
                    ids[name] = mid
            if missing is not None:
                self._fail(c, f"skipped: {missing.kind} {missing.key} is not in Moodle yet", skipped=True)
                continue
            if c.moodle_id is not None:
                self.ids[(c.kind, c.key)] = c.moodle_id
            ready.append(Resolved(c, ids))
        return ready

    def _settle(self, items: list[Resolved], results: Mapping[str, object], *, created: bool = False) -> None:
        """Record gateway results: an int is a new Moodle id, None is success, an exception is a failure."""
        failed = self._failures(items, results)
        ok = []
        for r in items:
            if r.change.key in failed:
                continue
            result = results.get(r.change.key)
            if isinstance(result, int):
                self.ids[(r.change.kind, r.change.key)] = result
            if created:
                self.created.add((r.change.kind, r.change.key))
            ok.append(r)
            self.outcome.count(r.change)
        self._link(ok)

    def _failures(self, items: list[Resolved], results: Mapping[str, object]) -> set[str]:
        failed = set()
        for r in items:
            result = results.get(r.change.key)
            if isinstance(result, Exception):
                failed.add(r.change.key)
                self._fail(r.change, str(result))
        return failed

    def _fail(self, change: Change, reason: str, *, skipped: bool = False) -> None:
        self.outcome.errors.append({"kind": change.kind, "key": change.key, "action": change.action.value,
                                    "reason": reason})
        self.session.execute(update(SyncChange).where(
            SyncChange.run_id == self.run_id, SyncChange.kind == change.kind, SyncChange.key == change.key)
            .values(outcome="skipped" if skipped else "failed", detail=reason[:2000]))

    def _link(self, items: list[Resolved]) -> None:
        rows = [{"kind": r.change.kind, "key": r.change.key,
                 "moodle_id": self.ids.get((r.change.kind, r.change.key)),
                 "fingerprint": r.change.item.fingerprint if r.change.item else "",
                 "applied": encode(r.change.item.fields) if r.change.item else {}}
                for r in items]
        upsert_links(self.session, rows)

    def _unlink(self, kind: str, keys: list[str]) -> None:
        for start in range(0, len(keys), 500):
            self.session.execute(delete(MoodleLink).where(MoodleLink.kind == kind,
                                                          MoodleLink.key.in_(keys[start:start + 500])))


def upsert_links(session: Session, rows: list[dict]) -> None:
    """Insert or replace links by (kind, key), in bulk, on SQLite and PostgreSQL alike."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(rows), 2000):
        stmt = insert(MoodleLink).values(rows[start:start + 2000])
        stmt = stmt.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={"moodle_id": stmt.excluded.moodle_id, "fingerprint": stmt.excluded.fingerprint,
                  "applied": stmt.excluded.applied})
        session.execute(stmt)

