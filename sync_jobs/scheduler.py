"""The scheduler process (``netcourses scheduler``): APScheduler 3.x running the sync, the pull
of attendance and grades, and the webhook worker.

Its own process, jobs with explicit ids, ``replace_existing``, ``max_instances=1``,
``coalesce=True`` and a real misfire grace (APScheduler's FAQ); the database lock in
:mod:`bridge.job_lock` keeps two schedulers, or a manual ``netcourses sync``, from running a
sync at once: the later one logs that it skipped. The pull ("pull") and the webhook worker
("webhooks") have locks of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bridge.job_lock import LockBusy
from bridge.runtime import Runtime

log = logging.getLogger(__name__)


def _guarded(what: str, run: Callable[[], str]) -> str:
    """Run one scheduled job; return a one-line outcome (also logged). Never raises: a failed run
    is recorded and logged, and the next tick tries again."""
    try:
        outcome = run()
    except LockBusy as exc:
        outcome = f"skipped {what}: {exc}"
    except Exception as exc:  # noqa: BLE001 - the scheduler must outlive a bad run
        log.exception("%s failed", what)
        outcome = f"{what} failed: {type(exc).__name__}"
    log.info(outcome)
    return outcome


def sync_job(rt: Runtime, mode: str) -> str:
    from bridge.sync.run import run_sync

    def run() -> str:
        report = run_sync(rt, mode=mode, show_progress=False)
        return f"{mode} sync run {report.run_id}: {report.status}"

    return _guarded(f"{mode} sync", run)


def pull_job(rt: Runtime) -> str:
    from bridge.pull.run import run_pull

    return _guarded("pull", lambda: f"pull: {len(run_pull(rt, show_progress=False).courses)} courses")


def webhooks_job(rt: Runtime) -> str:
    from webhooks.worker import work

    return _guarded("webhooks", lambda: work(rt).describe())


def configure(scheduler: BaseScheduler, rt: Runtime, job: Callable[[Runtime, str], str] = sync_job) -> BaseScheduler:
    cfg = rt.settings.sync
    hour, minute = (int(x) for x in cfg.full_at.split(":"))
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": cfg.misfire_grace_seconds,
              "replace_existing": True}
    scheduler.add_job(job, IntervalTrigger(minutes=cfg.delta_every_minutes), args=(rt, "delta"),
                      id="sync-delta", name="delta sync", **common)
    scheduler.add_job(job, CronTrigger(hour=hour, minute=minute, timezone=rt.settings.district.timezone),
                      args=(rt, "full"), id="sync-full", name="full sync", **common)
    scheduler.add_job(pull_job, IntervalTrigger(minutes=rt.settings.pull.every_minutes), args=(rt,),
                      id="pull", name="pull attendance and grades", **common)
    scheduler.add_job(webhooks_job, IntervalTrigger(seconds=rt.settings.pull.webhooks_every_seconds), args=(rt,),
                      id="webhooks", name="webhook worker", **common)
    return scheduler


def build(rt: Runtime) -> BlockingScheduler:
    return configure(BlockingScheduler(timezone=rt.settings.district.timezone), rt)
