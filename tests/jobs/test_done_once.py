"""A job that does its work in one transaction (an allocation) and whose worker died after that
transaction committed, before the job was marked done: the worker that takes it over finds the
recorded outcome and does not do the work twice; a worker whose lease was taken over cannot commit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from bridge import jobs
from bridge.models import AllocationRun, Job
from choices.district import TODAY, build
from sync_jobs.worker import HANDLERS, JobContext, Worker


def _queue_allocation(session) -> Job:
    build(session)
    job = jobs.enqueue(session, "allocate", {"campaign": "VYBOR-2027", "time_limit": 10, "by": None,
                                             "today": TODAY.isoformat()})
    session.commit()
    return job


def _runs(session) -> int:
    return session.scalar(select(func.count()).select_from(AllocationRun))


def test_a_taken_over_allocation_is_not_solved_twice(runtime, session):
    job = _queue_allocation(session)
    first = Worker(runtime, name="first")
    claimed = jobs.claim(runtime.sessions, first.name, first.lease)

    # The first worker's solve commits (run stored, outcome recorded), then the worker dies.
    HANDLERS["allocate"](JobContext(runtime, claimed, first))
    assert _runs(session) == 1
    session.execute(update(Job).where(Job.id == job.id).values(lease_until=dt.datetime.now(dt.UTC)
                                                               - dt.timedelta(seconds=1)))
    session.commit()

    second = Worker(runtime, name="second")
    assert second.drain() == 1
    session.expire_all()
    done = session.get(Job, job.id)
    assert (done.status, done.attempts, done.worker) == ("done", 2, "second")
    assert "recorded before a takeover" in done.result
    assert _runs(session) == 1 and done.outcome["run"] == session.scalar(select(AllocationRun.id))


def test_a_worker_whose_job_was_taken_over_cannot_record_it(runtime, session):
    job = _queue_allocation(session)
    jobs.claim(runtime.sessions, "first", dt.timedelta(seconds=60))
    session.execute(update(Job).where(Job.id == job.id).values(worker="second"))  # taken over meanwhile
    session.commit()
    with runtime.sessions() as mine:
        with pytest.raises(jobs.NotHolder):
            jobs.record(mine, session.get(Job, job.id), "first", {"run": 1})
        mine.rollback()
    session.expire_all()
    assert session.get(Job, job.id).outcome is None


def test_allocate_queue_leaves_the_solve_to_a_worker(runtime, session, runner, worker):
    build(session)
    session.commit()
    result = runner.invoke(["allocate", "--on", TODAY.isoformat(), "--time-limit", "10", "--queue"])
    assert result.exit_code == 0 and result.output.startswith("queued job "), result.output
    assert _runs(session) == 0  # nothing solved in the foreground
    assert worker.drain() == 1
    session.expire_all()
    (job,) = session.scalars(select(Job)).all()
    assert job.status == "done" and _runs(session) == 1 and job.outcome["run"] == session.scalar(
        select(AllocationRun.id))
