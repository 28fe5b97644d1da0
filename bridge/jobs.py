"""The job queue, in the registry database: the console, the API and the scheduler enqueue; worker
processes (``netcourses worker``, :mod:`sync_jobs.worker`) claim and run.

Our own, small, because no well-kept library gives these guarantees on both SQLite and PostgreSQL
(procrastinate and pgqueuer are PostgreSQL only, huey and dramatiq want Redis or have no lease):

- **one claimer per job**: the claim is one ``UPDATE ... WHERE id = (SELECT ... LIMIT 1 FOR UPDATE
  SKIP LOCKED)``; on PostgreSQL concurrent workers skip each other's rows, on SQLite (which
  renders no ``FOR UPDATE``) the statement runs under the database's single write lock, so one
  claimer at a time;
- **a lease**: a running job belongs to its worker until ``lease_until``, which the worker's
  heartbeat pushes forward; once it runs out (kill -9, machine gone) the job is claimable again,
  and the next worker runs it again: every kind goes on from what it recorded itself (a sync
  from its run, a pull from what it stored, the inbox from each event's status); a kind that does
  its work in one transaction (an import, an allocation) records its outcome on the job in that
  same transaction (:func:`record`, which only the job's holder can do), and a re-run that finds
  it (:func:`recorded`) does not do the work again;
- **retries**: a transient failure puts the job back with a backoff (exponential, capped, jittered)
  until ``max_attempts``; then, or on any other failure, it ends ``failed`` with its reason; a job
  whose lock is held by a run of the command line waits (:func:`wait`) without using an attempt;
- **cancel**: a queued job is cancelled at once, a running one at its next safe point (its worker
  sees ``cancel_requested`` at a heartbeat).

Every write names the worker that holds the job, so a worker whose lease was taken over cannot
overwrite what its successor does.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bridge.models import Job, JobWorker

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
ACTIVE = (QUEUED, RUNNING)
_Outcome = TypeVar("_Outcome", bound=Mapping[str, Any])


class JobNotFound(LookupError):
    """No job with that id."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def enqueue(session: Session, kind: str, params: Mapping[str, Any] | None = None, *,
            max_attempts: int = 5) -> Job:
    """Add a job (the caller commits, with whatever else it records in the same transaction)."""
    now = _now()
    job = Job(kind=kind, params=dict(params or {}), status=QUEUED, attempts=0, max_attempts=max_attempts,
              enqueued_at=now, run_after=now, cancel_requested=False, result="", error="", waits=0)
    session.add(job)
    session.flush()
    return job


def active(session: Session, kind: str, statuses: tuple[str, ...] = ACTIVE) -> Job | None:
    """The first job of ``kind`` that is queued or running (or in ``statuses``), if any: the
    scheduler and the webhook endpoint do not stack them."""
    return session.scalars(select(Job).where(Job.kind == kind, Job.status.in_(statuses)).order_by(Job.id)
                           .limit(1)).first()


def _claimable(now: dt.datetime):
    return or_(and_(Job.status == QUEUED, Job.run_after <= now),
               and_(Job.status == RUNNING, Job.lease_until < now))


def claim(sessions: sessionmaker[Session], worker: str, lease: dt.timedelta,
          kinds: tuple[str, ...] | None = None) -> Job | None:
    """Take the oldest job that is due (or whose holder's lease ran out), or None.

    A takeover after a lost lease counts as an attempt, so a job that kills its worker every time
    ends failed instead of killing them all."""
    now = _now()
    due = _claimable(now) if kinds is None else and_(_claimable(now), Job.kind.in_(kinds))
    with sessions() as session:
        # A cheap read first: an idle worker polls, and on SQLite an UPDATE would take the write lock.
        if session.scalar(select(Job.id).where(due).limit(1)) is None:
            return None
        pick = select(Job.id).where(due).order_by(Job.id).limit(1).with_for_update(skip_locked=True).scalar_subquery()
        job_id = session.scalar(
            update(Job).where(Job.id == pick, due)
            .values(status=RUNNING, worker=worker, lease_until=now + lease, attempts=Job.attempts + 1,
                    started_at=func.coalesce(Job.started_at, now))
            .returning(Job.id))
        session.commit()
        if job_id is None:
            return None
        job = session.get(Job, job_id)
        if job.attempts > job.max_attempts:
            _end(session, job, worker, FAILED, error=job.error or "its worker was lost on every attempt")
            return None
        return job


def _mine(job_id: int, worker: str):
    return and_(Job.id == job_id, Job.worker == worker, Job.status == RUNNING)


def heartbeat(sessions: sessionmaker[Session], job_id: int, worker: str, lease: dt.timedelta) -> bool | None:
    """Renew the lease; answer whether a cancel was asked for (None: the job is no longer ours)."""
    with sessions() as session:
        renewed = session.execute(update(Job).where(_mine(job_id, worker)).values(lease_until=_now() + lease))
        cancel = session.scalar(select(Job.cancel_requested).where(_mine(job_id, worker)))
        session.commit()
        return None if renewed.rowcount == 0 else bool(cancel)


def _end(session: Session, job: Job, worker: str, status: str, *, result: str = "", error: str = "") -> None:
    session.execute(update(Job).where(_mine(job.id, worker)).values(
        status=status, finished_at=_now(), lease_until=None, result=result[:2000], error=error[:2000]))
    session.commit()


def finish(sessions: sessionmaker[Session], job: Job, worker: str, status: str, *, result: str = "",
           error: str = "") -> None:
    """End a job: done, failed (with its reason) or cancelled."""
    with sessions() as session:
        _end(session, job, worker, status, result=result, error=error)


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before retry number ``attempt`` (1-based): exponential, capped, ±50% jitter so a
    district's worth of jobs failing together does not come back together."""
    delay = min(cap, base * 2 ** (attempt - 1))
    return delay * (rng or random).uniform(0.5, 1.5)


def retry_or_fail(sessions: sessionmaker[Session], job: Job, worker: str, error: str, delay: float) -> str:
    """After a transient failure: queue the job again after ``delay`` seconds, or end it failed once
    it used its attempts. Returns the status it got."""
    if job.attempts >= job.max_attempts:
        finish(sessions, job, worker, FAILED, error=f"{error} (after {job.attempts} attempts)")
        return FAILED
    with sessions() as session:
        session.execute(update(Job).where(_mine(job.id, worker)).values(
            status=QUEUED, worker=None, lease_until=None, error=error[:2000],
            run_after=_now() + dt.timedelta(seconds=delay)))
        session.commit()
    return QUEUED


def wait(sessions: sessionmaker[Session], job: Job, worker: str, reason: str, base: float, cap: float) -> float:
    """Put the job back because the lock it needs is held by someone else (a sync of the command
    line): not a failure, so no attempt is used; the wait grows with each one (backoff). Returns the
    delay in seconds."""
    delay = backoff(job.waits + 1, base, cap)
    with sessions() as session:
        session.execute(update(Job).where(_mine(job.id, worker)).values(
            status=QUEUED, worker=None, lease_until=None, error=reason[:2000], attempts=Job.attempts - 1,
            waits=Job.waits + 1, run_after=_now() + dt.timedelta(seconds=delay)))
        session.commit()
    return delay


class NotHolder(RuntimeError):
    """The job is no longer this worker's (its lease ran out and another took it over)."""


def record(session: Session, job: Job, worker: str, outcome: Mapping[str, Any]) -> None:
    """Write the job's outcome in the caller's transaction, the one that does the job's work, so the
    two commit together. Raises :class:`NotHolder` (the caller rolls back) when the job is no
    longer ``worker``'s: the work is then its successor's, and is done once."""
    written = session.execute(update(Job).where(_mine(job.id, worker)).values(outcome=dict(outcome)))
    if written.rowcount != 1:
        raise NotHolder(f"job {job.id} is no longer held by {worker}")


def commit_outcome(session: Session, job: Job, worker: str, outcome: _Outcome) -> _Outcome:
    """Record the outcome (:func:`record`) and commit it with the job's work; on :class:`NotHolder` roll
    the work back and raise: nothing of it is committed, the successor does it. Returns ``outcome``."""
    try:
        record(session, job, worker, outcome)
    except NotHolder:
        session.rollback()
        raise
    session.commit()
    return outcome


def recorded(sessions: sessionmaker[Session], job_id: int) -> dict | None:
    """The outcome a run of the job recorded, if one got as far (read afresh)."""
    with sessions() as session:
        return session.scalar(select(Job.outcome).where(Job.id == job_id))


def cancel(session: Session, job_id: int) -> Job:
    """Cancel a queued job now; ask a running one to stop at its next safe point. The caller commits."""
    job = session.get(Job, job_id)
    if job is None:
        raise JobNotFound(f"no job {job_id}")
    if job.status == QUEUED:
        job.status, job.finished_at, job.error = CANCELLED, _now(), "cancelled before it started"
    elif job.status == RUNNING:
        job.cancel_requested = True
    return job


def worker_seen(sessions: sessionmaker[Session], name: str, started_at: dt.datetime) -> None:
    """A worker's sign of life (readiness asks for one in the last minute)."""
    with sessions() as session:
        row = session.get(JobWorker, name)
        if row is None:
            session.add(JobWorker(name=name, started_at=started_at, seen_at=_now()))
        else:
            row.seen_at = _now()
        session.commit()


def last_worker_seen(session: Session) -> dt.datetime | None:
    return session.scalar(select(func.max(JobWorker.seen_at)))
