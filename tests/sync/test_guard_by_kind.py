"""The deletion guard holds kind by kind: a year of lessons in Moodle does not dilute the share of
students a plan may take away."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import func, select

from bridge.calendar.lessons import expand_lessons
from bridge.demo import load_demo
from bridge.models import Enrolment, EnrolmentStatus, MoodleLink, Student
from bridge.runtime import Runtime
from bridge.sync.run import run_sync

TODAY = dt.date(2026, 9, 1)


def sync(runtime, moodle, **kwargs):
    return run_sync(runtime, client=moodle, show_progress=False, **kwargs)


def test_withdrawing_a_third_of_the_students_is_refused_beside_a_year_of_lessons(runtime, session, fake_moodle,
                                                                                 moodle):
    # Sessions for the whole year at once (a window of 40 weeks): the most a guard can be diluted.
    settings = replace(runtime.settings, sync=replace(runtime.settings.sync, sessions_weeks_ahead=40))
    runtime = Runtime(settings, engine=runtime.engine, today=TODAY)
    load_demo(session, TODAY)
    expand_lessons(session)
    session.commit()
    assert sync(runtime, moodle).status == "ok"
    sessions = session.scalar(select(func.count()).select_from(MoodleLink)
                              .where(MoodleLink.kind == "attendance_session"))
    assert sessions > 600  # the year's lessons are managed things too

    students = session.scalars(select(Student.id).order_by(Student.id).limit(32)).all()
    enrolments = session.scalars(select(Enrolment).where(Enrolment.student_id.in_(students))).all()
    for enrolment in enrolments:
        enrolment.status = EnrolmentStatus.WITHDRAWN
    session.commit()
    total = session.scalar(select(func.count()).select_from(Enrolment))
    assert 0.25 < len(enrolments) / total < 0.35

    refused = sync(runtime, moodle)
    assert refused.status == "refused"
    assert f"{len(enrolments)} of" in refused.message and "enrolment" in refused.message
    assert all(e.status == 0 for e in fake_moodle.site.enrolments)  # nobody suspended

    forced = sync(runtime, moodle, force=True)
    assert forced.status == "ok", forced.errors
    assert sum(e.status == 1 for e in fake_moodle.site.enrolments) == len(enrolments)
