"""One sync run: lock, plan, guard, apply, record, report.

The CLI runs one here; the console, the API and the scheduler queue one (:func:`start_sync`) for a
worker to run here. So they share the lock, the guard and the run record.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field

from sqlalchemy import delete, func, select, update

from bridge import jobs
from bridge.db import utc
from bridge.job_lock import LockBusy, job_lock
from bridge.models import Job, JobLock, SyncChange, SyncRun
from bridge.runtime import Runtime
from bridge.sync.desired import compute_desired
from bridge.sync.items import KINDS
from bridge.sync.plan import Plan, PlanRefused, check_guard, summarize
from bridge.sync.reconcile import plan_delta, plan_full, removal_rules
from moodle_client.errors import MoodleNotConfigured

log = logging.getLogger(__name__)

LOCK_NAME = "sync"


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


def _check_configured(rt: Runtime, mode: str, dry_run: bool, client) -> None:
    settings = rt.settings
    if client is None and _needs_moodle(mode, dry_run) and not settings.moodle.configured:
        raise MoodleNotConfigured(
            "Moodle is not configured: set NETCOURSES_MOODLE_URL and NETCOURSES_MOODLE_TOKEN "
            "(a delta dry run works without them)")


def _needs_moodle(mode: str, dry_run: bool) -> bool:
    return not dry_run or mode == "full"


def _new_run(session, mode: str, dry_run: bool, status: str) -> SyncRun:
    """Record a run (running, or queued); its id is what the console and the API answer with."""
    run = SyncRun(mode=mode, dry_run=dry_run, started_at=dt.datetime.now(dt.UTC), status=status)
    session.add(run)
    session.flush()
    return run


def _begin(rt: Runtime, mode: str, dry_run: bool) -> int:
    with rt.sessions() as session:
        run_id = _new_run(session, mode, dry_run, "running").id
        session.commit()
        return run_id


def run_sync(rt: Runtime, *, mode: str = "delta", dry_run: bool = False, force: bool = False,
             client=None, lock_wait: float = 0.0, show_progress: bool = True, run_id: int | None = None,
             checkpoint: Callable[[], None] | None = None) -> SyncReport:
    """Run the sync once. Raises LockBusy if another run holds the lock (after ``lock_wait``).

    A delta dry run needs no Moodle: the plan comes from the registry and the links alone.
    ``run_id`` is a run recorded when it was queued (:func:`start_sync`); run again after its worker
    died, it goes on from what the run recorded. ``checkpoint`` is called at each safe point
    (between kinds) and may raise to stop there (a cancelled job)."""
    _check_configured(rt, mode, dry_run, client)
    with ExitStack() as held:
        if not dry_run:
            held.enter_context(job_lock(rt.sessions, LOCK_NAME, wait=lock_wait))
        if run_id is None:
            run_id = _begin(rt, mode, dry_run)
        else:
            _restart(rt, run_id)
        return _execute(rt, run_id, mode, dry_run, force, client, show_progress, checkpoint)


JOB_KIND = "sync"


def start_sync(rt: Runtime, *, mode: str = "delta", dry_run: bool = False, force: bool = False) -> int:
    """Record a run and queue it for a worker (``netcourses worker``); return its id at once (the
    console, the API, the scheduler).

    A request must not wait for a sync, and a sync must not die with the web process that asked
    for it. An apply is refused at once (LockBusy) while another apply is queued or running (while
    the command line runs one, the job waits for the lock, retried with backoff). How far the run
    got is read from the database (:func:`run_progress`), so any process can show it."""
    _check_configured(rt, mode, dry_run, None)
    with rt.sessions() as session:
        if not dry_run:
            queued = session.scalars(select(Job).where(Job.kind == JOB_KIND, Job.status.in_(jobs.ACTIVE))).all()
            if any(not job.params.get("dry_run") for job in queued):
                raise LockBusy(f"{LOCK_NAME} is already running (or queued)")
        run = _new_run(session, mode, dry_run, "queued")
        jobs.enqueue(session, JOB_KIND, {"run_id": run.id, "mode": mode, "dry_run": dry_run, "force": force},
                     max_attempts=rt.settings.jobs.max_attempts)
        session.commit()
        return run.id


def give_up(rt: Runtime, run_id: int, reason: str) -> None:
    """A queued run whose job ended without starting it (cancelled, or failed waiting for the
    lock) ends failed, with the reason, instead of waiting for ever."""
    with rt.sessions() as session:
        session.execute(update(SyncRun).where(SyncRun.id == run_id, SyncRun.status == "queued").values(
            status="failed", finished_at=dt.datetime.now(dt.UTC), message=reason[:2000]))
        session.commit()


WAITING_TEXT = "ждёт: идёт другая синхронизация"


def waiting_for_lock(rt: Runtime, run_id: int, holder: str) -> None:
    """A queued run whose job waits because another run (of the command line) holds the lock says
    so on its page, in the console's words, until it starts."""
    with rt.sessions() as session:
        session.execute(update(SyncRun).where(SyncRun.id == run_id, SyncRun.status == "queued").values(
            message=f"{WAITING_TEXT} ({holder})"[:2000]))
        session.commit()


def _restart(rt: Runtime, run_id: int) -> None:
    """A queued run starts, or an interrupted one starts again: what it applied stays recorded
    (and linked, so it is not planned again); what it had only planned is planned afresh."""
    with rt.sessions() as session:
        session.execute(delete(SyncChange).where(SyncChange.run_id == run_id, SyncChange.outcome == "planned"))
        session.execute(update(SyncRun).where(SyncRun.id == run_id).values(
            status="running", started_at=dt.datetime.now(dt.UTC), finished_at=None, message=""))
        session.commit()


def _execute(rt: Runtime, run_id: int, mode: str, dry_run: bool, force: bool, client,
             show_progress: bool, checkpoint: Callable[[], None] | None) -> SyncReport:
    settings = rt.settings
    gateway = None
    if _needs_moodle(mode, dry_run):
        from bridge.sync.gateway import Gateway
        from moodle_client import MoodleClient

        gateway = Gateway(client or MoodleClient.from_settings(settings.moodle), settings)
    calls_before = gateway.calls() if gateway else (0, 0)
    with rt.sessions() as session:
        run = session.get(SyncRun, run_id)
        report = SyncReport(run_id=run.id, mode=mode, dry_run=dry_run, status="ok")
        try:
            desired = compute_desired(session, settings, today=rt.today())
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
            problem = gateway.preflight(plan) if gateway is not None and not dry_run else None
            if problem:
                report.status, report.message = "failed", f"nothing written: {problem}"
            elif not dry_run and plan.changes:
                from bridge.sync.apply import Applier

                assert gateway is not None
                outcome = Applier(session, gateway, run.id, show_progress=show_progress,
                                  checkpoint=checkpoint).apply(plan)
                report.applied = outcome.applied
                report.errors = outcome.errors
                report.message = outcome.stopped
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


@dataclass(frozen=True)
class RunProgress:
    """How far a run got, read from its recorded changes: planned ones are recorded before the
    apply starts and marked kind by kind as the apply goes (see Applier), so this works for a run
    of any process: the console's, the scheduler's, the CLI's."""

    run_id: int
    status: str
    dry_run: bool
    planned: dict[str, dict[str, int]]  # kind -> action -> count, in the order they are applied
    total: int
    done: int  # changes with an outcome (applied, failed, skipped)
    kind: str | None  # the kind being applied now; None while planning or once finished

    @property
    def plan_known(self) -> bool:
        """Whether the run got as far as a plan. One that stopped before (Moodle unreachable in a full
        run, its process killed) knows nothing of what differs, which must never read as "nothing does"."""
        return bool(self.planned) or self.status not in ("failed", "interrupted", "queued", "running")

    @property
    def step(self) -> int:
        """The current kind's place among the plan's kinds (1-based; 0 when not applying)."""
        return list(self.planned).index(self.kind) + 1 if self.kind else 0

    def as_json(self) -> dict:
        return {"id": self.run_id, "status": self.status, "dry_run": self.dry_run, "total": self.total,
                "done": self.done, "kind": self.kind, "step": self.step, "steps": len(self.planned),
                "planned": [{"kind": kind, "actions": actions} for kind, actions in self.planned.items()]}


def run_progress(session, run: SyncRun) -> RunProgress:
    counts = session.execute(select(SyncChange.kind, SyncChange.action, SyncChange.outcome, func.count())
                             .where(SyncChange.run_id == run.id)
                             .group_by(SyncChange.kind, SyncChange.action, SyncChange.outcome)).all()
    order = {kind: i for i, kind in enumerate(KINDS)}
    planned: dict[str, Counter[str]] = {}
    waiting: set[str] = set()
    done = 0
    for kind, action, outcome, n in sorted(counts, key=lambda row: order.get(row[0], len(order))):
        planned.setdefault(kind, Counter())[action] += n
        if outcome == "planned":
            waiting.add(kind)
        else:
            done += n
    status = run_status(session, run)
    kind = next((k for k in planned if k in waiting), None) if status == "running" and not run.dry_run else None
    return RunProgress(run.id, status, run.dry_run, {k: dict(v) for k, v in planned.items()},
                       sum(sum(v.values()) for v in planned.values()), done, kind)


def run_status(session, run: SyncRun) -> str:
    """The run's status as every view shows it: the recorded one, except that a run recorded as
    running whose process is gone (killed mid-apply) is ``interrupted``, for ever after."""
    if run.status == "running" and not run.dry_run and _lost(session, run):
        return "interrupted"
    return run.status


def _lost(session, run: SyncRun) -> bool:
    """A run that applies holds the sync lock from before it is recorded until after it is
    finished; without the lock (or with a lock taken after it started) its process is gone."""
    acquired = session.scalar(select(JobLock.acquired_at).where(JobLock.name == LOCK_NAME))
    return acquired is None or utc(acquired) > utc(run.started_at).replace(microsecond=0)


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
