"""The worker process (``netcourses worker``): claims jobs from the queue (:mod:`bridge.jobs`) and
runs them, one at a time, under a lease its heartbeat keeps alive.

Every job kind is written to be run again: a sync goes on from its recorded run (what it applied is
linked, what it created but could not record is adopted by idnumber), a pull writes only what
changed, course by course, and the webhook inbox keeps each event's status; an import, an
allocation and a report file record their outcome on the job in the transaction that does their work, and a re-run
that finds it stops there. So a job taken over after its worker died (kill -9, machine gone) simply
runs again, and a transient failure (Moodle unreachable, 5xx, timeouts) is retried with backoff. A
job whose lock is held by a run of the command line waits for it, without using an attempt.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import requests

from bridge import job_lock, jobs
from bridge.logs import job_context
from bridge.models import Job
from bridge.runtime import Runtime
from sync_jobs import metrics

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """The job was cancelled; raised at its next safe point."""


class JobFailed(Exception):
    """The job ran and failed for a reason retrying will not fix (its message says which)."""


@dataclass
class JobContext:
    """What a job's handler gets: the runtime, its parameters and a safe point."""

    rt: Runtime
    job: Job
    worker: Worker

    @property
    def params(self) -> Mapping:
        return self.job.params

    def checkpoint(self) -> None:
        """A safe point: renew the lease, and stop here if a cancel was asked for (or if the job is
        no longer ours: our lease ran out and another worker took it over)."""
        beat = jobs.heartbeat(self.rt.sessions, self.job.id, self.worker.name, self.worker.lease)
        if beat is None:
            raise Cancelled("the lease ran out and another worker took the job over")
        if beat:
            raise Cancelled("cancelled")


def _sync(ctx: JobContext) -> str:
    from bridge.sync.run import run_sync

    p = ctx.params
    report = run_sync(ctx.rt, mode=p["mode"], dry_run=p["dry_run"], force=p["force"], run_id=p["run_id"],
                      checkpoint=ctx.checkpoint, show_progress=False)
    outcome = f"sync run {report.run_id} ({report.mode}): {report.status}"
    if report.status == "failed":
        raise JobFailed(f"{outcome}, {len(report.errors)} errors (retried by the next run)")
    return outcome


def _pull(ctx: JobContext) -> str:
    from bridge.pull.run import run_pull

    report = run_pull(ctx.rt, course_code=ctx.params.get("course"), show_progress=False)
    return f"pull: {len(report.courses)} courses"


def _refresh_figures(ctx: JobContext) -> str:
    refresh_figures(ctx.rt)
    return "figures refreshed"


def refresh_figures(rt: Runtime) -> None:
    """The network's dashboard figures and charts, and the schools' monitoring of the year so far, computed
    here if a change made them stale (a pull makes the dynamics so: millions of marks at region scale), so
    the next page load reads them (bridge.figures) instead. Queued by every commit that writes what they
    read (bridge.models.figures, ``REFRESH_JOB``)."""
    from bridge.calendar.figures import conflict_counts, load_counts
    from bridge.reports.figures import dashboard_charts
    from bridge.reports.schools import Period, monitoring
    from bridge.years import current_year

    with rt.sessions() as session:
        dashboard_charts(session, rt.settings)  # the statistics and the dynamics, and their charts
        conflict_counts(session)
        load_counts(session)
        year = current_year(session, rt.settings.district.today())
        if year is not None:  # «Мониторинг школ» opens on the year so far: its counts are the costliest
            monitoring(session, rt.settings, Period.whole_year(year))


def _webhooks(ctx: JobContext) -> str:
    from webhooks.worker import work

    return work(ctx.rt).describe().splitlines()[0]


def _allocate(ctx: JobContext) -> str:
    """Form the groups (one solve, one transaction that stores the run and records it on the job): a
    re-run after a takeover finds the recorded run and solves nothing again."""
    from bridge.choices.allocation import run_allocation
    from bridge.choices.campaigns import find_campaign
    from bridge.models import Account

    if (done := jobs.recorded(ctx.rt.sessions, ctx.job.id)) is not None:
        return f"allocation run {done['run']}: {done['status']} (recorded before a takeover)"
    p = ctx.params
    with ctx.rt.sessions() as session:
        campaign = find_campaign(session, p["campaign"])
        if campaign is None:
            raise JobFailed(f"no campaign {p['campaign']}")
        by = session.get(Account, p["by"]) if p.get("by") is not None else None
        run = run_allocation(session, ctx.rt.settings, campaign, today=dt.date.fromisoformat(p["today"]),
                             time_limit=p.get("time_limit"), by=by)
        jobs.commit_outcome(session, ctx.job, ctx.worker.name, {"run": run.id, "status": run.status})
        return f"allocation run {run.id}: {run.status}"


def _import(ctx: JobContext) -> str:
    """Apply an upload of the console (one transaction that imports it, deletes it and records the
    outcome on the job): a re-run after a takeover finds the outcome and imports nothing again. A
    rejected file ends the job failed, its problems in the outcome for the console to list."""
    from bridge.transfer.queued import UploadGone, apply_upload, describe

    outcome = jobs.recorded(ctx.rt.sessions, ctx.job.id)
    taken_over = outcome is not None
    if outcome is None:
        with ctx.rt.sessions() as session:
            try:
                outcome = apply_upload(session, ctx.rt.settings, ctx.job, ctx.worker.name)
            except UploadGone as exc:
                raise JobFailed(str(exc)) from None
    line = describe(outcome) + (" (recorded before a takeover)" if taken_over else "")
    if "rejected" in outcome:
        raise JobFailed(line)
    return line


def _report(ctx: JobContext) -> str:
    """Build a report file asked for on the console or the API (one transaction that stores it, audits it
    and records the outcome on the job): a re-run after a takeover finds the outcome and builds nothing
    again."""
    from bridge.reports.queued import describe, make_file

    if (done := jobs.recorded(ctx.rt.sessions, ctx.job.id)) is not None:
        return describe(done) + " (recorded before a takeover)"
    with ctx.rt.sessions() as session:
        return describe(make_file(session, ctx.rt.settings, ctx.job, ctx.worker.name))


def _monthly_report(ctx: JobContext) -> str:
    """Make and keep a month's report (one transaction that keeps it and records it on the job): a re-run
    after a takeover finds the outcome and makes nothing again."""
    from bridge.reports.monthly import make_for_job

    if (done := jobs.recorded(ctx.rt.sessions, ctx.job.id)) is not None:
        return f"monthly report {done['month']}: made (recorded before a takeover)"
    with ctx.rt.sessions() as session:
        try:
            outcome = make_for_job(session, ctx.rt.settings, ctx.job, ctx.worker.name)
        except (ValueError, LookupError) as exc:
            raise JobFailed(f"monthly report {ctx.params.get('month')}: {exc}") from None
    return f"monthly report {outcome['month']}: made"


Handler = Callable[[JobContext], str]
HANDLERS: dict[str, Handler] = {"sync": _sync, "pull": _pull, "webhooks": _webhooks, "allocate": _allocate,
                                "monthly_report": _monthly_report, "import": _import, "report": _report,
                                "refresh_figures": _refresh_figures}


def _sync_given_up(rt: Runtime, job: Job, reason: str) -> None:
    from bridge.sync.run import give_up

    give_up(rt, job.params["run_id"], reason)


def _import_given_up(rt: Runtime, job: Job, reason: str) -> None:
    """The upload of an import that ended failed or cancelled goes; not when the job only slipped from
    this worker (its lease was taken over): the successor imports it."""
    from bridge.transfer.queued import given_up as discard_upload

    with rt.sessions() as session:
        if session.get(Job, job.id).status in (jobs.FAILED, jobs.CANCELLED):
            discard_upload(session, job)
            session.commit()


# What a kind closes when its job ends failed or cancelled (a sync's run recorded as queued, an
# import's upload).
GIVEN_UP: dict[str, Callable[[Runtime, Job, str], None]] = {"sync": _sync_given_up, "import": _import_given_up}


def given_up(rt: Runtime, job: Job, reason: str) -> None:
    if (close := GIVEN_UP.get(job.kind)) is not None:
        close(rt, job, reason)


def _sync_waiting(rt: Runtime, job: Job, holder: str) -> None:
    from bridge.sync.run import waiting_for_lock

    waiting_for_lock(rt, job.params["run_id"], holder)


# What a kind shows while its job waits for a lock held by someone else (a sync's queued run says so).
WAITING: dict[str, Callable[[Runtime, Job, str], None]] = {"sync": _sync_waiting}


def waiting(rt: Runtime, job: Job, holder: str) -> None:
    if (show := WAITING.get(job.kind)) is not None:
        show(rt, job, holder)


def is_transient(exc: BaseException) -> bool:
    """Worth trying again later: Moodle unreachable or overloaded, a timeout. (A busy lock is not a
    failure at all: the job waits for it, :func:`jobs.wait`.)"""
    from moodle_client.errors import OutcomeUnknown, SiteMaintenance, TransportError, UnexpectedResponse

    if isinstance(exc, UnexpectedResponse):
        return exc.status >= 500 or exc.status == 429
    return isinstance(exc, (TransportError, SiteMaintenance, OutcomeUnknown, requests.ConnectionError,
                            requests.Timeout))


@dataclass
class Worker:
    rt: Runtime
    handlers: Mapping[str, Handler] = field(default_factory=lambda: HANDLERS)
    name: str = field(default_factory=job_lock.holder_name)

    def __post_init__(self) -> None:
        cfg = self.rt.settings.jobs
        self.lease = dt.timedelta(seconds=cfg.lease_seconds)
        self.started_at = dt.datetime.now(dt.UTC)

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set (SIGTERM): the job in hand is finished first."""
        cfg = self.rt.settings.jobs
        log.info("worker %s: polling every %ss, lease %ss", self.name, cfg.poll_seconds, cfg.lease_seconds)
        seen = 0.0
        while not stop.is_set():
            now = dt.datetime.now(dt.UTC).timestamp()
            if now - seen >= min(10.0, cfg.lease_seconds / 3):
                jobs.worker_seen(self.rt.sessions, self.name, self.started_at)
                seen = now
            if not self.run_one():
                stop.wait(cfg.poll_seconds)

    def drain(self) -> int:
        """Run jobs until none is due; how many ran (tests and benchmarks)."""
        count = 0
        while self.run_one():
            count += 1
        return count

    def run_one(self) -> bool:
        """Claim one due job and run it to its end; False when there was none."""
        job = jobs.claim(self.rt.sessions, self.name, self.lease, tuple(self.handlers))
        if job is None:
            return False
        done = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(job, done), name=f"heartbeat-{job.id}", daemon=True)
        beat.start()
        try:
            self._run(job)
        finally:
            done.set()
            beat.join()
        return True

    def _heartbeat(self, job: Job, done: threading.Event) -> None:
        """Keep the job's lease, and the locks it holds, alive while it runs."""
        with job_context(job.id, job.params.get("run_id")):
            self._beat(job, done)

    def _beat(self, job: Job, done: threading.Event) -> None:
        while not done.wait(self.lease.total_seconds() / 3):
            try:
                jobs.heartbeat(self.rt.sessions, job.id, self.name, self.lease)
                job_lock.renew(self.rt.sessions, self.name, self.lease)
            except Exception:  # noqa: BLE001 - a missed beat is retried; the lease allows for two
                log.warning("job %s: heartbeat failed", job.id, exc_info=True)

    def _run(self, job: Job) -> None:
        started = time.monotonic()
        with job_context(job.id, job.params.get("run_id")):
            outcome = self._outcome(job)
        metrics.JOB_SECONDS.labels(job.kind, outcome).observe(time.monotonic() - started)

    def _outcome(self, job: Job) -> str:
        """Run the job's handler and record how it ended; return that (done, retried, failed, cancelled)."""
        sessions, cfg = self.rt.sessions, self.rt.settings.jobs
        log.info("job %s (%s) started, attempt %s", job.id, job.kind, job.attempts)
        try:
            result = self.handlers[job.kind](JobContext(self.rt, job, self))
        except Cancelled as exc:
            jobs.finish(sessions, job, self.name, jobs.CANCELLED, error=str(exc))
            given_up(self.rt, job, str(exc))
            log.info("job %s (%s) cancelled", job.id, job.kind)
            return jobs.CANCELLED
        except job_lock.LockBusy as exc:
            # Not a failure: a run of the command line holds the lock. Wait for it, without using
            # an attempt, however long it takes (the lock itself runs out if its holder dies).
            reason = f"waiting: another run holds the lock ({exc})"
            delay = jobs.wait(sessions, job, self.name, reason, cfg.backoff_base_seconds, cfg.backoff_cap_seconds)
            waiting(self.rt, job, str(exc))
            log.info("job %s (%s) %s; tried again in %.0fs", job.id, job.kind, reason, delay)
            return "waiting"
        except Exception as exc:  # noqa: BLE001 - the worker outlives a failed job; the job says why
            reason = f"{type(exc).__name__}: {exc}"
            if is_transient(exc):
                delay = jobs.backoff(job.attempts, cfg.backoff_base_seconds, cfg.backoff_cap_seconds)
                status = jobs.retry_or_fail(sessions, job, self.name, reason, delay)
                log.warning("job %s (%s) %s: %s", job.id, job.kind,
                            f"retried in {delay:.0f}s" if status == jobs.QUEUED else "failed", reason)
                if status == jobs.QUEUED:
                    return "retried"
                given_up(self.rt, job, reason)
                return jobs.FAILED
            else:
                jobs.finish(sessions, job, self.name, jobs.FAILED, error=reason)
                given_up(self.rt, job, reason)
                log.error("job %s (%s) failed: %s", job.id, job.kind, reason,
                          exc_info=not isinstance(exc, JobFailed))
                return jobs.FAILED
        else:
            jobs.finish(sessions, job, self.name, jobs.DONE, result=result)
            log.info("job %s (%s) done: %s", job.id, job.kind, result)
            return jobs.DONE
