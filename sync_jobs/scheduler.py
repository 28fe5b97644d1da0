"""The scheduler process (``netcourses scheduler``, or ``netcourses worker --with-scheduler``):
APScheduler 3.x queueing the sync, the pull of attendance and grades, the webhook inbox and, on the
1st of each month, the previous month's report for the education department, for
the workers (:mod:`sync_jobs.worker`); it runs nothing itself.

Jobs with explicit ids, ``replace_existing``, ``max_instances=1``, ``coalesce=True`` and a real
misfire grace (APScheduler's FAQ). A tick does not queue a job while one of its kind is queued or
running (the later one logs that it skipped); the database lock in :mod:`bridge.job_lock` still
keeps a worker's sync and a manual ``netcourses sync`` apart.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bridge import jobs
from bridge.job_lock import LockBusy
from bridge.runtime import Runtime

log = logging.getLogger(__name__)


def _queued(what: str, enqueue: Callable[[], str]) -> str:
    """Queue one scheduled job for a worker; return a one-line outcome (also logged). Never raises:
    the next tick tries again."""
    try:
        outcome = enqueue()
    except LockBusy as exc:
        outcome = f"skipped {what}: {exc}"
    except Exception as exc:  # noqa: BLE001 - the scheduler must outlive a bad tick
        log.exception("%s not queued", what)
        outcome = f"{what} not queued: {type(exc).__name__}"
    log.info(outcome)
    return outcome


def _enqueue_once(rt: Runtime, kind: str, params: dict | None = None) -> str:
    """Queue ``kind`` unless one is queued or running already: ticks do not stack up behind a slow run."""
    with rt.sessions() as session:
        if (waiting := jobs.active(session, kind)) is not None:
            raise LockBusy(f"{kind} job {waiting.id} is {waiting.status}")
        job = jobs.enqueue(session, kind, params, max_attempts=rt.settings.jobs.max_attempts)
        session.commit()
        return f"{kind}: queued job {job.id}"


def sync_job(rt: Runtime, mode: str) -> str:
    from bridge.sync.run import start_sync

    return _queued(f"{mode} sync", lambda: f"{mode} sync run {start_sync(rt, mode=mode)}: queued")


def pull_job(rt: Runtime) -> str:
    return _queued("pull", lambda: _enqueue_once(rt, "pull"))


def webhooks_job(rt: Runtime) -> str:
    return _queued("webhooks", lambda: _enqueue_once(rt, "webhooks"))


def monthly_report_job(rt: Runtime, today: dt.date | None = None) -> str:
    """Queue the report of the month before ``today`` (the district's date): the tick on the 1st."""
    from bridge.reports.monthly import JOB_KIND, previous_month

    month = previous_month(today or rt.settings.district.today())
    return _queued("monthly report", lambda: _enqueue_once(rt, JOB_KIND, {"month": f"{month:%Y-%m}"}))


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
    hour, minute = (int(x) for x in rt.settings.monitoring.monthly_report_at.split(":"))
    scheduler.add_job(monthly_report_job, CronTrigger(day=1, hour=hour, minute=minute,
                                                      timezone=rt.settings.district.timezone),
                      args=(rt,), id="monthly-report", name="monthly report of the previous month", **common)
    return scheduler


def announce(scheduler: BaseScheduler, rt: Runtime, now: dt.datetime) -> None:
    """Log, as the process starts, what an operator needs to know: a Moodle that is not configured
    (every sync and pull it queues would fail), and when each job first runs."""
    if not rt.settings.moodle.configured:
        log.warning("Moodle is not configured (NETCOURSES_MOODLE_URL, NETCOURSES_MOODLE_TOKEN): "
                    "the syncs and pulls queued will fail until it is")
    zone = ZoneInfo(rt.settings.district.timezone)
    for job in scheduler.get_jobs():
        first = job.trigger.get_next_fire_time(None, now).astimezone(zone)
        log.info("%s (%s): %s, first at %s", job.name, job.id, job.trigger, f"{first:%Y-%m-%d %H:%M %Z}")


def build(rt: Runtime) -> BlockingScheduler:
    return configure(BlockingScheduler(timezone=rt.settings.district.timezone), rt)
