"""A worker killed with SIGKILL in the middle of a sync, a pull, the webhook inbox or a monthly report:
another worker takes the job over once the lease runs out and finishes it; a sync's run is the same one
and Moodle ends with every change applied once, a pull's marks are stored once, each webhook event is
done once, the month's report is kept once."""

from __future__ import annotations

import datetime as dt
import json
import signal
from collections import Counter

import pytest
from sqlalchemy import func, select

from bridge import jobs
from bridge.models import AttendanceMark, Grade, Job, MarkChange, MonthlyReport, SyncRun
from bridge.runtime import Runtime
from bridge.sync.run import run_sync, start_sync
from config import Settings
from moodle_client import MoodleClient
from tests.attendance.conftest import TERM_STARTS
from tests.attendance.test_pull import EXPECTED_GRADES, EXPECTED_MARKS, registry_grades, registry_marks, setup_marks
from tests.attendance.test_worker import event, receive, statuses
from tests.builders import build_district
from tests.jobs.takeover import BEFORE_AND_AFTER, finished_by_another, kill_at
from tests.monitoring.conftest import plant

FIRST_COURSE = {mark for mark in EXPECTED_MARKS if mark[2] == "NC-CHEM-11"}  # the marks of the first course pulled


@pytest.fixture
def settings(database_url, http_moodle):
    return Settings(database_url=database_url, moodle=http_moodle.settings(max_retries=0))


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

    job, second = finished_by_another(runtime, spawn_worker, session.scalars(select(Job.id)).one())
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


@pytest.mark.parametrize("when", BEFORE_AND_AFTER)
def test_a_killed_worker_s_pull_is_finished_by_another_with_every_mark_stored_once(
        runtime, session, http_moodle, spawn_worker, when):
    """Killed around the commit of the first course's marks (of two): the second worker pulls both
    courses, and what the first stored is found unchanged, not stored again nor counted as a correction."""
    _marks_in_moodle(runtime, session, http_moodle)
    job = jobs.enqueue(session, "pull")
    session.commit()

    kill_at(spawn_worker, f"{when}:attendance_mark")
    assert registry_marks(session) == (FIRST_COURSE if when == "after" else set())

    done, _ = finished_by_another(runtime, spawn_worker, job.id)
    assert done.result == "pull: 2 courses"
    _stored_once(session)


@pytest.mark.parametrize("when", BEFORE_AND_AFTER)
def test_a_killed_worker_s_webhook_events_are_each_done_once(runtime, session, http_moodle, spawn_worker, when):
    """An attendance event of each of two courses; the first worker is killed around the commit that
    marks the first course's event done (its pull committed before): the second worker does what is
    left, the first course's event pulled again (before) or not (after), and each event ends done once."""
    course = _marks_in_moodle(runtime, session, http_moodle)
    receive(session, *(event("\\mod_attendance\\event\\attendance_taken", course[code], objectid=n)
                       for n, code in enumerate(("NC-CHEM-11", "NC-PY-11"))))
    job = jobs.enqueue(session, "webhooks")
    session.commit()

    kill_at(spawn_worker, f"{when}:webhook_event")
    first_done = [("done", 1)] if when == "after" else [("pending", 0)]
    assert [(status, attempts) for _, status, attempts in statuses(session)] == first_done + [("pending", 0)]
    assert registry_marks(session) == FIRST_COURSE

    finished_by_another(runtime, spawn_worker, job.id)
    assert statuses(session) == [("attendance_taken", "done", 1)] * 2
    _stored_once(session)


def _marks_in_moodle(runtime: Runtime, session, http_moodle) -> dict[str, int]:
    """The timetable synced to the HTTP fake Moodle, marks taken there: the Moodle ids of its two courses."""
    with MoodleClient(http_moodle.url, http_moodle.token) as client:
        setup_marks(Runtime(runtime.settings, engine=runtime.engine, today=TERM_STARTS), session, http_moodle, client)
    return {code: http_moodle.course_by_idnumber(code).id for code in ("NC-CHEM-11", "NC-PY-11")}


def _stored_once(session) -> None:
    """Every mark and grade of Moodle in the registry, once, and no correction recorded."""
    assert registry_marks(session) == EXPECTED_MARKS and registry_grades(session) == EXPECTED_GRADES
    counts = [session.scalar(select(func.count()).select_from(model)) for model in (AttendanceMark, Grade, MarkChange)]
    assert counts == [len(EXPECTED_MARKS), len(EXPECTED_GRADES), 0]


@pytest.mark.parametrize("when", BEFORE_AND_AFTER)
def test_a_killed_worker_s_monthly_report_is_kept_once(runtime, session, spawn_worker, when):
    """Killed around the commit that keeps the report and records it on the job: the second worker makes it
    (before) or finds it recorded and makes nothing again (after)."""
    plant(session)
    job = jobs.enqueue(session, "monthly_report", {"month": "2026-11", "by": "scheduler"})
    session.commit()

    kill_at(spawn_worker, f"{when}:monthly_report")
    first = session.scalars(select(MonthlyReport.generated_at)).all()
    assert len(first) == (when == "after")

    done, _ = finished_by_another(runtime, spawn_worker, job.id)
    assert ("recorded before a takeover" in done.result) == (when == "after")
    session.expire_all()
    (kept,) = session.scalars(select(MonthlyReport)).all()
    assert kept.month == dt.date(2026, 11, 1) and (kept.generated_at in first) == (when == "after")
