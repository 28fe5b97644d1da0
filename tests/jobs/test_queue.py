"""The job queue and its worker: each job runs once however many workers claim at the same time;
transient failures are retried with backoff, then the job fails with its reason; cancel stops a
job at its next safe point."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from bridge import jobs
from bridge.db import utc
from bridge.models import Job, SyncRun
from bridge.runtime import Runtime
from bridge.sync.run import start_sync
from config import Settings
from config.settings import JobsSettings
from sync_jobs.worker import Worker
from tests.builders import build_district
from tests.jobs.conftest import wait_until


@pytest.fixture
def settings(database_url, fake_moodle):
    return Settings(database_url=database_url, moodle=fake_moodle.settings(max_retries=0),
                    jobs=JobsSettings(backoff_base_seconds=0, max_attempts=4, poll_seconds=0.01))


def _jobs(session) -> list[Job]:
    session.expire_all()
    return session.scalars(select(Job).order_by(Job.id)).all()


def test_two_workers_and_200_jobs_run_each_job_once(runtime, session):
    ran: list[tuple[str, int]] = []

    def trace(ctx) -> str:
        ran.append((ctx.worker.name, ctx.job.id))
        return "traced"

    for n in range(200):
        jobs.enqueue(session, "trace", {"n": n})
    session.commit()
    stop = threading.Event()
    workers = [Worker(runtime, {"trace": trace}, name=f"worker-{i}") for i in (1, 2)]
    threads = [threading.Thread(target=w.run, args=(stop,)) for w in workers]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: jobs.active(session, "trace") is None, what="the 200 jobs")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert Counter(job_id for _, job_id in ran) == Counter({job.id: 1 for job in _jobs(session)})
    assert all((job.status, job.attempts) == ("done", 1) for job in _jobs(session))
    assert {name for name, _ in ran} == {"worker-1", "worker-2"}  # both took part


def _sync_job(runtime, session, **kwargs) -> Job:
    build_district(session)
    session.commit()
    start_sync(runtime, mode="delta", **kwargs)
    return _jobs(session)[0]


def test_a_sync_failing_three_times_transiently_then_succeeding_is_done(runtime, session, fake_moodle, worker):
    job = _sync_job(runtime, session)
    fake_moodle.inject("http_error", function="core_course_create_categories", status=503, times=3)
    assert worker.drain() == 4
    (job,) = _jobs(session)
    assert (job.status, job.attempts, job.error) == ("done", 4, "")
    run = session.get(SyncRun, job.params["run_id"])
    assert run.status == "ok" and session.scalars(select(SyncRun)).all() == [run]
    assert fake_moodle.category("netcourses-2026-2027") is not None
    assert fake_moodle.count("core_course_create_categories") == 4  # 3 refused, 1 applied


def test_a_job_that_always_fails_transiently_ends_failed_with_its_reason(runtime, session, fake_moodle, worker):
    _sync_job(runtime, session)
    fake_moodle.inject("http_error", function="core_course_create_categories", status=503, times=100)
    assert worker.drain() == 4
    (job,) = _jobs(session)
    assert job.status == "failed" and job.attempts == 4
    assert "UnexpectedResponse" in job.error and "503" in job.error and "after 4 attempts" in job.error


def test_a_failure_retrying_cannot_fix_fails_at_once(runtime, session, fake_moodle, worker):
    fake_moodle.token = "another-token"  # ours is no longer valid
    _sync_job(runtime, session)
    assert worker.drain() == 1
    (job,) = _jobs(session)
    assert job.status == "failed" and job.attempts == 1 and "InvalidToken" in job.error
    assert runtime.settings.moodle.token.reveal() not in job.error


def test_a_transient_failure_waits_for_its_backoff(runtime, session, fake_moodle):
    slow = Runtime(dataclasses.replace(runtime.settings, jobs=JobsSettings(backoff_base_seconds=60)),
                   engine=runtime.engine)
    worker = Worker(slow)
    _sync_job(runtime, session)
    fake_moodle.inject("http_error", function="core_course_create_categories", status=502)
    before = dt.datetime.now(dt.UTC)
    assert worker.drain() == 1  # the retry is not due yet
    (job,) = _jobs(session)
    assert job.status == "queued" and "502" in job.error
    assert before + dt.timedelta(seconds=30) <= utc(job.run_after) <= before + dt.timedelta(seconds=91)


def test_backoff_grows_is_capped_and_jittered():
    delays = [jobs.backoff(n, 10, 100) for n in range(1, 8) for _ in range(20)]
    assert all(5 <= d <= 150 for d in delays)
    assert len({round(d, 6) for d in delays}) > 100  # jittered: not all alike
    assert max(jobs.backoff(1, 10, 100) for _ in range(50)) <= 15 < min(jobs.backoff(3, 10, 100) for _ in range(50))


def test_cancel_a_queued_job_and_it_never_runs(runtime, session, runner, worker):
    job = _sync_job(runtime, session, dry_run=True)
    result = runner.invoke(["jobs", "cancel", str(job.id)])
    assert result.exit_code == 0 and "cancelled" in result.output
    assert worker.drain() == 0
    assert _jobs(session)[0].status == "cancelled"
    run = session.get(SyncRun, job.params["run_id"])
    assert (run.status, run.message) == ("failed", "cancelled before it started")  # not queued for ever
    assert runner.invoke(["jobs", "cancel", "999"]).output.strip().endswith("no job 999")


def test_cancel_a_running_sync_stops_it_at_the_next_safe_point(runtime, session, runner, fake_moodle, worker):
    job = _sync_job(runtime, session)
    hold = fake_moodle.inject("hold", function="core_user_create_users")
    working = threading.Thread(target=worker.run_one)
    working.start()
    try:
        assert hold.reached.wait(30)
        result = runner.invoke(["jobs", "cancel", str(job.id)])
        assert result.exit_code == 0 and "next safe point" in result.output
    finally:
        hold.release()
        working.join()
    (job,) = _jobs(session)
    assert job.status == "cancelled" and job.attempts == 1
    run = session.get(SyncRun, job.params["run_id"])
    assert run.status == "failed" and "Cancelled" in run.message
    assert fake_moodle.user_by_idnumber("SCH29-S1") is not None  # the kind in hand was finished and linked
    assert fake_moodle.count("enrol_manual_enrol_users") == 0  # nothing after the safe point


def test_a_sync_whose_lock_a_command_line_run_holds_waits_without_using_attempts(runtime, session, worker):
    from bridge.job_lock import job_lock

    job = _sync_job(runtime, session)
    with job_lock(runtime.sessions, "sync"):  # a run of the command line holds it throughout
        for _ in range(10):  # far more tries than max_attempts (4): none of them counts
            assert worker.run_one()
    (job,) = _jobs(session)
    assert (job.status, job.attempts, job.waits) == ("queued", 0, 10)
    assert job.error.startswith("waiting: another run holds the lock (sync is already running")
    run = session.get(SyncRun, job.params["run_id"])
    assert run.status == "queued" and run.message.startswith("ждёт: идёт другая синхронизация")
    assert worker.drain() == 1  # the lock is free: the run goes ahead
    (job,) = _jobs(session)
    assert (job.status, job.attempts) == ("done", 1)
    session.refresh(run)
    assert (run.status, run.message) == ("ok", "")


def test_waiting_for_a_lock_backs_off(runtime, session):
    from bridge.job_lock import job_lock

    slow = Runtime(dataclasses.replace(runtime.settings, jobs=JobsSettings(backoff_base_seconds=60)),
                   engine=runtime.engine)
    _sync_job(runtime, session)
    with job_lock(runtime.sessions, "sync"):
        before = dt.datetime.now(dt.UTC)
        assert Worker(slow).drain() == 1  # not due again for a while
    (job,) = _jobs(session)
    assert job.status == "queued" and job.waits == 1
    assert before + dt.timedelta(seconds=30) <= utc(job.run_after) <= before + dt.timedelta(seconds=91)
