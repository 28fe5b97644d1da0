"""The database lock keeps two runs of one job apart; the scheduler's jobs are configured as the
APScheduler FAQ asks (explicit ids, one instance, coalescing, a misfire grace)."""

import datetime as dt
import logging
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from bridge import job_lock as job_locks
from bridge.models import Job, JobLock, SyncRun
from bridge.runtime import Runtime
from config import Secret
from sync_jobs.scheduler import configure, pull_job, sync_job, webhooks_job


def test_second_holder_is_refused_until_release(runtime):
    sessions = runtime.sessions
    with job_locks.job_lock(sessions, "sync"):
        with pytest.raises(job_locks.LockBusy, match="sync is already running"):
            with job_locks.job_lock(sessions, "sync"):
                pass  # pragma: no cover - must not get here
        assert job_locks.try_acquire(sessions, "sync", "other:1", dt.timedelta(minutes=5)) is None
    # Released: another holder gets it now.
    assert job_locks.try_acquire(sessions, "sync", "other:1", dt.timedelta(minutes=5)) is not None


def test_expired_lease_of_a_crashed_holder_is_taken_over(runtime, session):
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    session.add(JobLock(name="sync", holder="dead:42", acquired_at=past, expires_at=past + dt.timedelta(minutes=30)))
    session.commit()
    lease = job_locks.try_acquire(runtime.sessions, "sync", "alive:1", dt.timedelta(minutes=5))
    assert lease is not None and lease.holder == "alive:1"


def test_waiting_for_a_busy_lock_polls_then_gives_up(runtime):
    waits = []
    with job_locks.job_lock(runtime.sessions, "sync"):
        with pytest.raises(job_locks.LockBusy):
            with job_locks.job_lock(runtime.sessions, "sync", wait=0.5, poll=0.2, sleep=waits.append):
                pass  # pragma: no cover
    assert waits and all(w == 0.2 for w in waits)


def test_scheduler_only_queues_and_skips_while_one_of_a_kind_is_queued_or_running(runtime, session):
    moodle = replace(runtime.settings.moodle, url="https://moodle.invalid", token=Secret("t0ken"))
    rt = Runtime(replace(runtime.settings, moodle=moodle), engine=runtime.engine)
    assert sync_job(rt, "delta") == "delta sync run 1: queued"
    assert sync_job(rt, "full").startswith("skipped full sync: sync is already running")
    assert pull_job(rt) == "pull: queued job 2" and pull_job(rt) == "skipped pull: pull job 2 is queued"
    assert webhooks_job(rt) == "webhooks: queued job 3"
    assert [(j.kind, j.status) for j in session.scalars(select(Job).order_by(Job.id))] == [
        ("sync", "queued"), ("pull", "queued"), ("webhooks", "queued")]
    assert session.get(SyncRun, 1).status == "queued"  # nothing ran in the scheduler


def test_scheduler_jobs_have_ids_single_instance_coalesce_and_grace(runtime):
    sched = configure(BackgroundScheduler(timezone="Europe/Moscow"), runtime, job=lambda rt, mode: mode)
    jobs = {j.id: j for j in sched.get_jobs()}
    assert set(jobs) == {"sync-delta", "sync-full", "pull", "webhooks", "monthly-report"}
    for job in jobs.values():
        assert job.max_instances == 1
        assert job.coalesce is True
        assert job.misfire_grace_time == runtime.settings.sync.misfire_grace_seconds
    assert jobs["sync-delta"].args[1] == "delta" and jobs["sync-full"].args[1] == "full"
    assert str(jobs["sync-full"].trigger.fields[5]) == "2" and str(jobs["sync-full"].trigger.fields[6]) == "30"


def test_lease_of_a_killed_process_on_this_host_is_taken_over_at_once(runtime, session):
    import socket
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    holder = f"{socket.gethostname()}:{dead.stdout.strip()}"
    now = dt.datetime.now(dt.UTC)
    session.add(JobLock(name="sync", holder=holder, acquired_at=now, expires_at=now + dt.timedelta(hours=1)))
    session.commit()
    assert job_locks.holder_is_dead(holder)
    lease = job_locks.try_acquire(runtime.sessions, "sync", "alive:1", dt.timedelta(minutes=5))
    assert lease is not None and lease.holder == "alive:1"


def test_live_holder_on_another_host_is_respected(runtime, session):
    now = dt.datetime.now(dt.UTC)
    session.add(JobLock(name="sync", holder="other-host:1", acquired_at=now, expires_at=now + dt.timedelta(hours=1)))
    session.commit()
    assert not job_locks.holder_is_dead("other-host:1")
    assert job_locks.try_acquire(runtime.sessions, "sync", "alive:1", dt.timedelta(minutes=5)) is None


def test_scheduler_says_at_start_that_moodle_is_not_configured_and_when_each_job_first_runs(runtime, caplog):
    from sync_jobs.scheduler import announce

    now = dt.datetime.now(dt.UTC)
    sched = configure(BackgroundScheduler(timezone="Europe/Moscow"), runtime)
    with caplog.at_level(logging.INFO, logger="sync_jobs"):
        announce(sched, runtime, now)
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "sync_jobs.scheduler"]
    assert lines[0] == ("WARNING", "Moodle is not configured (NETCOURSES_MOODLE_URL, NETCOURSES_MOODLE_TOKEN): "
                                   "the syncs and pulls queued will fail until it is")
    firsts = {message.split(" (")[0]: message.rsplit("first at ", 1)[1] for _, message in lines[1:]}
    assert set(firsts) == {"delta sync", "full sync", "pull attendance and grades", "webhook worker",
                           "monthly report of the previous month"}
    zone = ZoneInfo(runtime.settings.district.timezone)
    delta = now.astimezone(zone) + dt.timedelta(minutes=runtime.settings.sync.delta_every_minutes)
    assert firsts["delta sync"] in {f"{delta:%Y-%m-%d %H:%M %Z}", f"{delta + dt.timedelta(minutes=1):%Y-%m-%d %H:%M %Z}"}
    assert firsts["full sync"].endswith(f" 02:30 {delta:%Z}")


def test_scheduler_is_quiet_about_configured_moodle(runtime, caplog):
    from sync_jobs.scheduler import announce

    configured = Runtime(replace(runtime.settings, moodle=replace(runtime.settings.moodle, url="https://m.test",
                                                                  token=Secret("t"))), engine=runtime.engine)
    with caplog.at_level(logging.INFO, logger="sync_jobs"):
        announce(configure(BackgroundScheduler(timezone="Europe/Moscow"), configured), configured,
                 dt.datetime.now(dt.UTC))
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_library_info_stays_off_a_terminal_but_reaches_a_log_shipper():
    import io
    import os

    from bridge.logs import configure as configure_logging

    lead, follower = os.openpty()
    terminal = os.fdopen(follower, "w")
    try:
        for stream, shown in ((terminal, False), (io.StringIO(), True)):
            handler = configure_logging(stream=stream)
            logging.getLogger("apscheduler.scheduler").info("Running job ...")
            logging.getLogger("sync_jobs.scheduler").info("delta sync: queued")
            assert logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.INFO) is shown
            assert logging.getLogger("sync_jobs.scheduler").isEnabledFor(logging.INFO)
            logging.getLogger().removeHandler(handler)
    finally:
        terminal.close()
        os.close(lead)
        for name in ("apscheduler", "moodle_client", "urllib3"):
            logging.getLogger(name).setLevel(logging.NOTSET)
