"""One sync run: lock, plan, guard, apply, record, report.

The CLI, the scheduler and the web console all start runs here, so they share the lock, the
guard and the run record.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import asdict, dataclass, field

from bridge.runtime import Runtime
from bridge.sync.desired import compute_desired
from bridge.sync.plan import Plan, PlanRefused, check_guard, summarize
from bridge.sync.reconcile import plan_delta, plan_full, removal_rules
from bridge.models import SyncChange, SyncRun
from sync_jobs.lock import job_lock

log = logging.getLogger(__name__)

LOCK_NAME = "sync"


class MoodleNotConfigured(Exception):
    pass


@dataclass
class SyncReport:
    run_id: int
    mode: str
    dry_run: bool
    status: str  # ok | failed | refused
    planned: dict[str, dict[str, int]] = field(default_factory=dict)
    applied: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)
    read_calls: int = 0
    write_calls: int = 0
    message: str = ""
    changes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("changes")
        return data

    def describe(self, *, verbose: bool = False) -> str:
        head = f"sync run {self.run_id} ({self.mode}{', dry run' if self.dry_run else ''}): {self.status}"
        lines = [head]
        if self.message:
            lines.append(self.message)
        planned = summarize(self.planned)
        lines.append("planned: " + ("nothing to do" if not planned else ""))
        lines += [f"  {line}" for line in planned]
        if not self.dry_run and self.applied:
            lines.append("applied:")
            lines += [f"  {line}" for line in summarize(self.applied)]
        if self.drift:
            lines.append(f"drift (manual changes in Moodle put back): {len(self.drift)}")
            lines += [f"  {d}" for d in self.drift[:50]]
        if self.errors:
            lines.append(f"errors: {len(self.errors)} (retried next run)")
            lines += [f"  {e['kind']} {e['key']}: {e['reason']}" for e in self.errors[:200]]
        if verbose:
            lines += [f"  {c}" for c in self.changes]
        lines.append(f"Moodle calls: {self.read_calls} read, {self.write_calls} write")
        return "\n".join(lines)


def _record_plan(rt: Runtime, run_id: int, plan: Plan) -> None:
    if not plan.changes:
        return
    with rt.sessions() as session:
        session.execute(
            SyncChange.__table__.insert(),
            [{"run_id": run_id, "kind": c.kind, "key": c.key, "action": c.action.value, "drift": c.drift,
              "outcome": "planned", "detail": ", ".join(c.fields)[:2000]} for c in plan.changes])
        session.commit()


def run_sync(rt: Runtime, *, mode: str = "delta", dry_run: bool = False, force: bool = False,
             client=None, lock_wait: float = 0.0, show_progress: bool = True) -> SyncReport:
    """Run the sync once. Raises LockBusy if another run holds the lock (after ``lock_wait``).

    A delta dry run needs no Moodle: the plan comes from the registry and the links alone."""
    settings = rt.settings
    needs_moodle = not dry_run or mode == "full"
    if client is None and needs_moodle and not (settings.moodle.url and settings.moodle.token):
        raise MoodleNotConfigured(
            "Moodle is not configured: set NETCOURSES_MOODLE_URL and NETCOURSES_MOODLE_TOKEN "
            "(a delta dry run works without them)")
    if dry_run:
        return _execute(rt, mode, dry_run, force, client if needs_moodle else None, show_progress)
    with job_lock(rt.sessions, LOCK_NAME, wait=lock_wait):
        return _execute(rt, mode, dry_run, force, client, show_progress)


def _execute(rt: Runtime, mode: str, dry_run: bool, force: bool, client, show_progress: bool) -> SyncReport:
    settings = rt.settings
    gateway = None
    if client is None and (not dry_run or mode == "full"):
        from moodle_client import MoodleClient

        client = MoodleClient.from_settings(settings.moodle)
    if client is not None:
        from bridge.sync.gateway import Gateway

        gateway = Gateway(client, settings)
    calls_before = gateway.calls() if gateway else (0, 0)
    with rt.sessions() as session:
        run = SyncRun(mode=mode, dry_run=dry_run, started_at=dt.datetime.now(dt.UTC))
        session.add(run)
        session.commit()
        report = SyncReport(run_id=run.id, mode=mode, dry_run=dry_run, status="ok")
        try:
            desired = compute_desired(session, settings)
            rules = removal_rules(settings.sync.withdrawn)
            if mode == "full":
                assert gateway is not None
                plan = plan_full(session, desired, gateway.read_actual(session, desired), rules)
            else:
                plan = plan_delta(session, desired, rules)
            report.planned = plan.by_kind()
            report.drift = [c.describe() for c in plan.drift]
            report.changes = [c.describe() for c in plan.changes]
            _record_plan(rt, run.id, plan)
            check_guard(plan, desired.count(), ratio=settings.sync.guard_ratio,
                        minimum=settings.sync.guard_min, force=force)
            if not dry_run and plan.changes:
                from bridge.sync.apply import Applier

                assert gateway is not None
                outcome = Applier(session, gateway, run.id, show_progress=show_progress).apply(plan)
                report.applied = outcome.applied
                report.errors = outcome.errors
                if outcome.errors:
                    report.status = "failed"
        except PlanRefused as exc:
            report.status, report.message = "refused", str(exc)
        except Exception as exc:  # the run is recorded as failed, then the error goes on up
            session.rollback()
            report.status, report.message = "failed", f"{type(exc).__name__}: {exc}"
            _finish(session, run, report, gateway, calls_before)
            raise
        _finish(session, run, report, gateway, calls_before)
        return report


def _finish(session, run: SyncRun, report: SyncReport, gateway, calls_before: tuple[int, int]) -> None:
    if gateway is not None:
        reads, writes = gateway.calls()
        report.read_calls, report.write_calls = reads - calls_before[0], writes - calls_before[1]
    run = session.merge(run)
    run.finished_at = dt.datetime.now(dt.UTC)
    run.status = report.status
    run.planned = sum(sum(v.values()) for v in report.planned.values())
    run.applied = sum(sum(v.values()) for v in report.applied.values())
    run.failed = len(report.errors)
    run.drift = len(report.drift)
    run.read_calls, run.write_calls = report.read_calls, report.write_calls
    run.message = report.message[:2000]
    session.commit()
    log.info("sync run %s %s: %s", run.id, report.mode, Counter({"planned": run.planned, "failed": run.failed}))
