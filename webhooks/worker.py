"""The webhook worker: works off the inbox (``netcourses webhooks work``, and the scheduled job
"webhooks" every minute, under the database lock "webhooks").

An event only says *that* something changed in a course; the worker never trusts its payload:

- attendance and grade events → a targeted pull of that one course (reading the truth from Moodle);
- enrolment, role and group membership events → a drift check of that one course
  (:mod:`bridge.sync.course_drift`: reported and recorded, repaired by the next full sync);
- anything else, and events of courses the registry does not manage → ignored.

Events of one course are coalesced: ten grades given in a row cost one pull. A failure leaves the
event pending with its attempt counted and the error kept; after ``[pull] webhook_max_attempts``
it is set aside as failed. An event that meets a running pull waits for the next tick, uncounted.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from bridge.job_lock import LockBusy, job_lock
from bridge.models import MoodleLink, WebhookEvent
from bridge.runtime import Runtime

log = logging.getLogger(__name__)

LOCK_NAME = "webhooks"
PULL, DRIFT = "pull", "drift"

ATTENDANCE_EVENTS = frozenset(f"\\mod_attendance\\event\\{name}" for name in (
    "attendance_taken", "attendance_taken_by_student", "session_updated", "session_duration_updated",
    "session_deleted", "status_updated"))
GRADE_EVENTS = frozenset({
    "\\core\\event\\user_graded", "\\core\\event\\grade_item_created", "\\core\\event\\grade_item_updated",
    "\\core\\event\\grade_item_deleted", "\\core\\event\\grade_deleted", "\\mod_assign\\event\\submission_graded"})
ENROLMENT_EVENTS = frozenset(f"\\core\\event\\{name}" for name in (
    "user_enrolment_created", "user_enrolment_updated", "user_enrolment_deleted", "role_assigned",
    "role_unassigned", "group_member_added", "group_member_removed"))


def action_of(eventname: str) -> str | None:
    if eventname in ATTENDANCE_EVENTS or eventname in GRADE_EVENTS:
        return PULL
    if eventname in ENROLMENT_EVENTS:
        return DRIFT
    return None


@dataclass
class WorkReport:
    done: int = 0
    ignored: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0
    pulled: list[str] = field(default_factory=list)
    drift: dict[str, list[str]] = field(default_factory=dict)

    def describe(self) -> str:
        lines = [f"webhook events: {self.done} done, {self.ignored} ignored, {self.retried} to retry, "
                 f"{self.failed} failed, {self.waiting} waiting for a running pull"]
        if self.pulled:
            lines.append("pulled: " + ", ".join(self.pulled))
        for code, changes in self.drift.items():
            lines.append(f"drift in {code}: {len(changes)} changes (repaired by the next full sync)")
            lines += [f"  {c}" for c in changes[:50]]
        return "\n".join(lines)


def work(rt: Runtime, *, client=None, once: bool = True, batch: int = 200,
         sleep: Callable[[float], None] = time.sleep) -> WorkReport:
    """Process pending events; with ``once=False`` keep polling every ``[pull] webhooks_every_seconds``."""
    report = WorkReport()
    with job_lock(rt.sessions, LOCK_NAME):
        while True:
            if _work_batch(rt, client, batch, report):
                continue  # a full batch went through: there may be more at once
            if once:
                return report
            sleep(rt.settings.pull.webhooks_every_seconds)


def _client(rt: Runtime, client):
    if client is not None:
        return client
    from moodle_client import MoodleClient

    return MoodleClient.from_settings(rt.settings.moodle)


def _work_batch(rt: Runtime, client, batch: int, report: WorkReport) -> bool:
    """One batch of pending events; True when it was full and all went through (more may wait)."""
    max_attempts = rt.settings.pull.webhook_max_attempts
    with rt.sessions() as session:
        events = session.scalars(select(WebhookEvent).where(WebhookEvent.status == "pending")
                                 .order_by(WebhookEvent.id).limit(batch)).all()
        if not events:
            return False
        courses = dict(session.execute(select(MoodleLink.moodle_id, MoodleLink.key)
                                       .where(MoodleLink.kind == "course", MoodleLink.moodle_id.is_not(None))).all())
        now = dt.datetime.now(dt.UTC)
        work: dict[tuple[str, str], list[WebhookEvent]] = defaultdict(list)
        for event in events:
            action = action_of(event.eventname)
            code = courses.get(event.course_id) if event.course_id is not None else None
            if action is None or code is None:
                event.status, event.processed_at = "ignored", now
                event.error = "not an event the worker acts on" if action is None else "course not managed by the registry"
                report.ignored += 1
            else:
                work[(action, code)].append(event)
        session.commit()
        clean = True
        for (action, code), group in work.items():
            try:
                _act(rt, _client(rt, client), action, code, report)
            except LockBusy:
                report.waiting += len(group)  # a pull is running: next tick, attempt not counted
                clean = False
                continue
            except Exception as exc:  # noqa: BLE001 - one course's failure must not stop the others
                log.warning("webhook %s of %s failed: %s", action, code, exc)
                for event in group:
                    event.attempts += 1
                    event.error = f"{type(exc).__name__}: {exc}"[:2000]
                    if event.attempts >= max_attempts:
                        event.status, event.processed_at = "failed", dt.datetime.now(dt.UTC)
                        report.failed += 1
                    else:
                        report.retried += 1
                session.commit()
                clean = False
                continue
            for event in group:
                event.status, event.processed_at, event.error = "done", dt.datetime.now(dt.UTC), ""
                event.attempts += 1
                report.done += 1
            session.commit()
        # Events left pending (to retry, or waiting) are taken up by the next call, not this loop.
        return clean and len(events) == batch


def _act(rt: Runtime, client, action: str, code: str, report: WorkReport) -> None:
    if action == PULL:
        from bridge.pull.run import run_pull

        run_pull(rt, course_code=code, client=client, show_progress=False)
        report.pulled.append(code)
    else:
        from bridge.sync.course_drift import check_course

        report.drift[code] = check_course(rt, code, client)
