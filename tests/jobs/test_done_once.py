"""A job that does its work in one transaction (an allocation) and whose worker was killed just before
that transaction committed, or after it but before the job was marked done: the worker that takes it
over does the work, or finds the recorded outcome and does not do it twice; a worker whose lease was
taken over cannot commit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bridge import jobs
from bridge.models import AllocationRun, Job
from choices.district import TODAY, build
from tests.jobs.takeover import BEFORE_AND_AFTER, finished_by_another, kill_at, lost_to_another


def _queue_allocation(session) -> Job:
    build(session)
    job = jobs.enqueue(session, "allocate", {"campaign": "VYBOR-2027", "time_limit": 10, "by": None,
                                             "today": TODAY.isoformat()})
    session.commit()
    return job


def _runs(session) -> int:
    return session.scalar(select(func.count()).select_from(AllocationRun))


@pytest.mark.parametrize("when", BEFORE_AND_AFTER)
def test_a_killed_worker_s_allocation_is_stored_once(runtime, session, spawn_worker, when):
    """The first worker is killed just before or just after the commit that stores the run and records
    it on the job: the second one solves (before) or finds the recorded run (after)."""
    job = _queue_allocation(session)

    kill_at(spawn_worker, f"{when}:allocation_run")
    solved = when == "after"
    assert _runs(session) == solved

    done, _ = finished_by_another(runtime, spawn_worker, job.id)
    assert ("recorded before a takeover" in done.result) == solved
    assert _runs(session) == 1 and done.outcome["run"] == session.scalar(select(AllocationRun.id))


def test_a_worker_whose_job_was_taken_over_cannot_record_it(runtime, session):
    job = _queue_allocation(session)
    lost_to_another(runtime, session, job.id)
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
