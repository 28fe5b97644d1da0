"""A drift check of one course after a Moodle enrolment event: its groups, enrolments and group
members as Moodle has them, planned against the registry's desired state for that course only.

It reports and does not repair. A webhook only hints; repairing from the worker would apply a
partial plan outside the sync's lock and guard, and an enrolment event often comes in bursts (a
teacher enrolling a class by hand). The check is recorded as a dry-run sync run of mode "course"
with its changes, so the console's history shows it, and the next full sync (nightly, or
``netcourses sync --full``) puts Moodle back in line.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bridge.models import MoodleLink, SyncRun
from bridge.runtime import Runtime
from bridge.sync.desired import compute_desired
from bridge.sync.gateway import Gateway
from bridge.sync.items import DesiredState
from bridge.sync.reconcile import plan_full, removal_rules
from bridge.sync.run import _record_plan

COURSE_KINDS = ("group", "enrolment", "group_member")


def check_course(rt: Runtime, code: str, client) -> list[str]:
    """Plan the course against Moodle, record it as a dry run, return the changes it would make."""
    gateway = Gateway(client, rt.settings)
    reads_before = gateway.calls()[0]
    with rt.sessions() as session:
        course_id = session.scalar(select(MoodleLink.moodle_id).where(MoodleLink.kind == "course",
                                                                      MoodleLink.key == code))
        if course_id is None:
            return []
        desired = compute_desired(session, rt.settings)
        mine = DesiredState()
        for kind in COURSE_KINDS:
            mine.items[kind] = {k: i for k, i in desired.items[kind].items() if k.startswith(f"{code}/")}
        started = dt.datetime.now(dt.UTC)
        plan = plan_full(session, mine, gateway.read_course(session, mine, code, course_id),
                         removal_rules(rt.settings.sync.withdrawn))
        run = SyncRun(mode="course", dry_run=True, started_at=started, finished_at=dt.datetime.now(dt.UTC),
                      status="ok", planned=len(plan), drift=len(plan.drift),
                      read_calls=gateway.calls()[0] - reads_before,
                      message=f"{code}: drift check after a Moodle enrolment event (repaired by the next full sync)")
        session.add(run)
        session.commit()
        _record_plan(rt, run.id, plan)
        return [c.describe() for c in plan.changes]
