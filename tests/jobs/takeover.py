"""The takeover tests' scaffold: a worker process killed with SIGKILL in the middle of a job, then a
second worker that takes the job over once the lease has run out and finishes it.

Every job kind's takeover test (tests/jobs/test_takeover.py, test_import_job.py, test_done_once.py)
is these two steps, each followed by its own check: what the first worker left, and that the work
ends done once.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.orm import Session

from bridge import jobs
from bridge.models import Job
from bridge.runtime import Runtime
from tests.jobs.conftest import wait_until

# The commits a worker is killed around: just before the one that writes the table (the work is
# lost) and just after it (the work is kept, the job still marked running).
BEFORE_AND_AFTER = ("before", "after")

Spawn = Callable[..., subprocess.Popen]


def read_job(runtime: Runtime, job_id: int) -> Job:
    with runtime.sessions() as session:
        return session.get(Job, job_id)


def kill_at(spawn_worker: Spawn, point: str) -> None:
    """Run a worker that kills itself at ``point`` (``before:TABLE``, ``after:TABLE``: see
    tests/jobs/dying_worker.py) and see that it did."""
    first = spawn_worker(die=point)
    wait_until(lambda: first.poll() is not None, timeout=120, what=f"the first worker to die at {point}")
    assert first.returncode == -signal.SIGKILL, f"the first worker ended without reaching {point}"


def finished_by_another(runtime: Runtime, spawn_worker: Spawn, job_id: int) -> tuple[Job, subprocess.Popen]:
    """The job of a dead worker, still marked running, is taken over by a second worker after the
    lease and ends done at its second attempt: the job and the second worker."""
    assert read_job(runtime, job_id).status == jobs.RUNNING  # held by a dead worker until its lease runs out
    second = spawn_worker()
    wait_until(lambda: read_job(runtime, job_id).status not in (jobs.QUEUED, jobs.RUNNING), what="the job to end")
    job = read_job(runtime, job_id)
    assert (job.status, job.attempts, job.error) == (jobs.DONE, 2, "")
    return job, second


def lost_to_another(runtime: Runtime, session: Session, job_id: int) -> None:
    """The job claimed by a worker "first", then taken over by "second" while "first" still works on it."""
    jobs.claim(runtime.sessions, "first", dt.timedelta(seconds=60))
    session.execute(update(Job).where(Job.id == job_id).values(worker="second"))
    session.commit()
