"""The webhook worker: attendance and grade events trigger a pull of that one course (read from
Moodle, never from the payload), enrolment events a drift check of that course; unknown events and
courses the registry does not manage are ignored; failures are retried a capped number of times."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from bridge.job_lock import job_lock
from bridge.models import AttendanceMark, Job, SyncChange, SyncRun, WebhookEvent
from bridge.runtime import Runtime
from bridge.sync.run import run_sync
from config.settings import PullSettings
from sync_jobs.scheduler import webhooks_job
from sync_jobs.worker import Worker
from tests.attendance.district import D, build_timetable, lesson
from tests.attendance.test_schedule_sync import session_link
from webhooks.inbox import event_key, store
from webhooks.worker import work

SAMPLES = Path(__file__).parent.parent / "fixtures" / "webhooks"


def event(eventname: str, courseid: int | str | None, **fields) -> dict:
    """An event as the local_webhooks plugin posts it (the shape of the recorded samples)."""
    body = json.loads((SAMPLES / "user_enrolment_created.json").read_text())["body"]
    body.update(eventname=eventname, courseid=None if courseid is None else str(courseid), **fields)
    return body


def receive(session, *events: dict) -> None:
    for e in events:
        assert store(session, e, event_key(e))


def statuses(session) -> list[tuple[str, str, int]]:
    session.expire_all()
    return [(e.eventname.rsplit("\\", 1)[-1], e.status, e.attempts)
            for e in session.scalars(select(WebhookEvent).order_by(WebhookEvent.id))]


def synced(runtime, session, fake, moodle) -> dict:
    build_timetable(session)
    assert run_sync(runtime, client=moodle, show_progress=False).status == "ok"
    return {code: fake.course_by_idnumber(code).id for code in ("NC-CHEM-11", "NC-PY-11")}


def test_attendance_and_grade_events_pull_that_course_once(runtime, session, fake_moodle, moodle):
    course = synced(runtime, session, fake_moodle, moodle)
    sid = session_link(session, lesson(session, "NC-CHEM-11", D(2026, 9, 1)).uid)
    fake_moodle.mark(sid, fake_moodle.user_by_idnumber("SCH29-S1").id, "A")
    fake_moodle.reset_counts()
    receive(session,
            event("\\mod_attendance\\event\\attendance_taken", course["NC-CHEM-11"], objectid=1, other={"sessionid": sid}),
            event("\\core\\event\\user_graded", course["NC-CHEM-11"], objectid=7),
            event("\\core\\event\\user_graded", course["NC-CHEM-11"], objectid=8, relateduserid=5))
    report = work(runtime, client=moodle)
    assert report.pulled == ["NC-CHEM-11"] and report.done == 3
    # One pull of chemistry, and nothing of programming was read.
    assert fake_moodle.read_courses("gradereport_user_get_grade_items") == [course["NC-CHEM-11"]]
    assert fake_moodle.count("mod_attendance_get_sessions") == 1 and fake_moodle.writes == 0
    assert [(m.status, m.kind.value) for m in session.scalars(select(AttendanceMark))] == [("A", "absent")]
    assert statuses(session) == [("attendance_taken", "done", 1), ("user_graded", "done", 1), ("user_graded", "done", 1)]
    fake_moodle.reset_counts()
    assert work(runtime, client=moodle).done == 0 and fake_moodle.count() == 0  # nothing pending: no call


def test_enrolment_event_reports_the_course_drift_without_repairing(runtime, session, fake_moodle, moodle):
    course = synced(runtime, session, fake_moodle, moodle)
    student = fake_moodle.user_by_idnumber("SCH29-S2")
    site = fake_moodle.site
    for group in fake_moodle.groups_of(course["NC-PY-11"]):
        group.members.discard(student.id)
    site.enrolments.delete(fake_moodle.enrolment(course["NC-PY-11"], student.id))  # unenrolled by hand
    fake_moodle.reset_counts()
    receive(session, event("\\core\\event\\user_enrolment_deleted", course["NC-PY-11"], relateduserid=student.id))
    report = work(runtime, client=moodle)
    assert sorted(report.drift["NC-PY-11"]) == [
        "create enrolment NC-PY-11/SCH29-S2 [drift]", "create group_member NC-PY-11/SCH29/SCH29-S2 [drift]"]
    assert fake_moodle.writes == 0 and fake_moodle.read_courses("core_enrol_get_enrolled_users") == [course["NC-PY-11"]] * 2
    run = session.scalars(select(SyncRun).where(SyncRun.mode == "course")).one()
    assert run.dry_run and run.drift == 2 and "NC-PY-11" in run.message
    assert {c.key for c in session.scalars(select(SyncChange).where(SyncChange.run_id == run.id))} == {
        "NC-PY-11/SCH29-S2", "NC-PY-11/SCH29/SCH29-S2"}
    assert statuses(session) == [("user_enrolment_deleted", "done", 1)]
    # The next full sync repairs it.
    assert run_sync(runtime, client=moodle, mode="full", show_progress=False).drift
    assert fake_moodle.enrolment(course["NC-PY-11"], student.id) is not None


def test_unknown_events_and_unmanaged_courses_are_ignored(runtime, session, fake_moodle, moodle):
    course = synced(runtime, session, fake_moodle, moodle)
    fake_moodle.reset_counts()
    updated = json.loads((SAMPLES / "course_updated.json").read_text())["body"]
    receive(session, updated | {"courseid": str(course["NC-CHEM-11"])},
            event("\\core\\event\\user_graded", 999),
            event("\\core\\event\\user_graded", None))
    report = work(runtime, client=moodle)
    assert report.ignored == 3 and fake_moodle.count() == 0
    session.expire_all()
    errors = [e.error for e in session.scalars(select(WebhookEvent).order_by(WebhookEvent.id))]
    assert errors == ["not an event the worker acts on", "course not managed by the registry",
                      "course not managed by the registry"]


def test_failures_are_retried_up_to_the_cap(runtime, session, fake_moodle, moodle):
    course = synced(runtime, session, fake_moodle, moodle)
    rt = Runtime(replace(runtime.settings, pull=PullSettings(webhook_max_attempts=2)), engine=runtime.engine)
    fake_moodle.remove_from_service("mod_attendance_get_sessions")
    receive(session, event("\\mod_attendance\\event\\attendance_taken", course["NC-PY-11"]))
    assert work(rt, client=moodle).retried == 1
    assert statuses(session) == [("attendance_taken", "pending", 1)]
    session.expire_all()
    assert session.scalar(select(WebhookEvent.error)).startswith("AccessDenied: mod_attendance_get_sessions")
    assert work(rt, client=moodle).failed == 1
    assert statuses(session) == [("attendance_taken", "failed", 2)]
    assert work(rt, client=moodle).failed == 0  # set aside: not tried again


def test_an_event_meeting_a_running_pull_waits_uncounted(runtime, session, fake_moodle, moodle):
    course = synced(runtime, session, fake_moodle, moodle)
    receive(session, event("\\core\\event\\user_graded", course["NC-PY-11"]))
    with job_lock(runtime.sessions, "pull"):
        assert work(runtime, client=moodle).waiting == 1
    assert statuses(session) == [("user_graded", "pending", 0)]
    assert work(runtime, client=moodle).pulled == ["NC-PY-11"]


def test_webhooks_command_and_scheduled_job(runtime, session, runner, fake_moodle, moodle):
    course = synced(runtime, session, fake_moodle, moodle)
    rt = Runtime(replace(runtime.settings, moodle=fake_moodle.settings()), engine=runtime.engine)
    assert runner.invoke(["webhooks", "work", "--help"]).exit_code == 0
    unconfigured = runner.invoke(["webhooks", "work", "--once"])
    assert unconfigured.exit_code == 1 and "Moodle is not configured" in unconfigured.output
    receive(session, event("\\core\\event\\user_graded", course["NC-CHEM-11"]))
    result = runner.invoke(["webhooks", "work", "--once"], obj=rt)
    assert result.exit_code == 0, result.output
    assert "1 done" in result.output and "pulled: NC-CHEM-11" in result.output
    receive(session, event("\\core\\event\\role_assigned", course["NC-CHEM-11"]))
    assert webhooks_job(rt) == "webhooks: queued job 1"
    assert webhooks_job(rt) == "skipped webhooks: webhooks job 1 is queued"
    assert Worker(rt).drain() == 1
    assert session.get(Job, 1).result.startswith("webhook events: 1 done")
