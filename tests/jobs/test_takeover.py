"""A worker killed with SIGKILL in the middle of a sync: another worker takes the job over once the
lease runs out and finishes the same run, and Moodle ends with every change applied once."""

from __future__ import annotations

import json
import signal
from collections import Counter

import pytest
from sqlalchemy import select

from bridge.models import Job, SyncRun
from bridge.runtime import Runtime
from bridge.sync.run import run_sync, start_sync
from config import Settings
from tests.builders import build_district
from tests.jobs.conftest import wait_until


@pytest.fixture
def settings(database_url, http_moodle):
    return Settings(database_url=database_url, moodle=http_moodle.settings(max_retries=0))


def _job(runtime: Runtime) -> Job:
    with runtime.sessions() as s:
        return s.scalars(select(Job)).one()


def test_a_killed_worker_s_sync_is_finished_by_another_with_nothing_created_twice(
        runtime, session, http_moodle, spawn_worker):
    build_district(session)
    session.commit()
    run_id = start_sync(runtime, mode="delta")
    # The users' creation reaches Moodle, which applies it, but the answer never gets back: the
    # worker is killed while it waits.
    hold = http_moodle.inject("hold", function="core_user_create_users")
    first = spawn_worker()
    assert hold.reached.wait(60), "the first worker never reached the users"
    first.send_signal(signal.SIGKILL)
    first.wait()
    hold.release()
    assert _job(runtime).status == "running"  # held by a dead worker until its lease runs out

    second = spawn_worker()
    wait_until(lambda: _job(runtime).status not in ("queued", "running"), what="the job to end")
    job = _job(runtime)
    assert (job.status, job.attempts, job.error) == ("done", 2, "")
    with runtime.sessions() as s:
        run = s.get(SyncRun, run_id)
        assert run.status == "ok" and run.failed == 0 and s.scalars(select(SyncRun)).all() == [run]

    idnumbers = Counter(u.idnumber for u in http_moodle.site.users if u.idnumber)
    assert idnumbers and max(idnumbers.values()) == 1  # 0 duplicate creates
    assert set(idnumbers) >= {"SCH01-S1", "SCH29-S3", "T-1", "T-2"}
    assert http_moodle.count("core_user_create_users") == 1  # the second worker adopted them
    # 0 lost: a full comparison with Moodle finds nothing left to do.
    check = run_sync(runtime, mode="full", dry_run=True, show_progress=False)
    assert check.planned == {} and check.drift == []

    # Its log: one JSON object a line, every line of the job naming the job and the run; no token.
    second.terminate()
    second.wait()
    text = second.log.read_text()
    assert http_moodle.token not in text
    lines = [json.loads(line) for line in text.splitlines()]
    of_job = [line for line in lines if line["job_id"] is not None]
    assert {(line["job_id"], line["run_id"]) for line in of_job} == {(job.id, run_id)}
    assert any(line["logger"] == "moodle_client" for line in of_job)  # deep inside the job, too
    assert [line["message"] for line in of_job if line["logger"] == "sync_jobs.worker"][-1].startswith(
        f"job {job.id} (sync) done")
