"""An enrolment an approval withdraws keeps when it ended, so a month's figures (Enrolment.in_force)
count it up to then; withdrawn before its year started it never was in force."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bridge.choices.allocation import run_allocation
from bridge.choices.approval import approve
from bridge.choices.survey import import_answers
from bridge.models import Enrolment, EnrolmentStatus, NetworkCourse
from choices.district import TODAY, build


def _chem(session) -> Enrolment:
    return session.scalar(select(Enrolment).join(NetworkCourse, NetworkCourse.id == Enrolment.course_id)
                          .where(NetworkCourse.code == "CHEM"))


def _approve_answers(session, runtime, campaign, answers: bytes, today: dt.date) -> None:
    import_answers(session, campaign, "a.csv", answers, today=TODAY)
    approve(session, run_allocation(session, runtime.settings, campaign, today=TODAY), withdraw=True, today=today)
    session.flush()


def test_withdrawn_in_the_year_ends_that_day_and_reactivated_has_no_end(session, runtime):
    campaign = build(session)["campaign"]
    _approve_answers(session, runtime, campaign, b"student,choice_1\nS1,CHEM\n", TODAY)
    assert (_chem(session).status, _chem(session).ends_on) == (EnrolmentStatus.ACTIVE, None)

    _approve_answers(session, runtime, campaign, b"student,choice_1\nS1,PHYS\n", dt.date(2027, 10, 5))
    assert (_chem(session).status, _chem(session).ends_on) == (EnrolmentStatus.WITHDRAWN, dt.date(2027, 10, 5))
    assert session.scalar(select(Enrolment.id).where(
        Enrolment.id == _chem(session).id, Enrolment.in_force(dt.date(2027, 10, 1), dt.date(2027, 10, 31))))
    assert not session.scalar(select(Enrolment.id).where(
        Enrolment.id == _chem(session).id, Enrolment.in_force(dt.date(2027, 11, 1), dt.date(2027, 11, 30))))

    _approve_answers(session, runtime, campaign, b"student,choice_1\nS1,CHEM\n", dt.date(2027, 12, 1))
    assert (_chem(session).status, _chem(session).ends_on) == (EnrolmentStatus.ACTIVE, None)


def test_withdrawn_before_the_year_started_never_was_in_force(session, runtime):
    campaign = build(session)["campaign"]
    _approve_answers(session, runtime, campaign, b"student,choice_1\nS1,CHEM\n", TODAY)
    _approve_answers(session, runtime, campaign, b"student,choice_1\nS1,PHYS\n", TODAY)
    assert (_chem(session).status, _chem(session).ends_on) == (EnrolmentStatus.WITHDRAWN, None)
    assert not session.scalar(select(Enrolment.id).where(
        Enrolment.id == _chem(session).id, Enrolment.in_force(dt.date(2027, 9, 1), dt.date(2028, 5, 31))))
