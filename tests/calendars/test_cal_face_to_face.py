"""Face-to-face sessions: the monthly rule, holiday policies, one-off events and hand edits."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bridge.calendar.face_to_face import add_session, cancel_session, edit_session, expand_sessions, nth_weekday
from bridge.models import FaceToFaceRule, FaceToFaceSession, Holiday, HolidayPolicy, ScheduleStatus, SessionKind
from tests.calendars.district import build_district

D = dt.date


@pytest.mark.parametrize(
    ("nth", "weekday", "expected"),
    [(3, 6, D(2026, 9, 19)), (1, 2, D(2026, 9, 1)), (5, 2, D(2026, 9, 29)), (5, 6, None), (-1, 6, D(2026, 9, 26)),
     (-1, 3, D(2026, 9, 30)), (1, 1, D(2026, 9, 7))],
)
def test_nth_weekday_of_september_2026(nth, weekday, expected):
    assert nth_weekday(2026, 9, nth, weekday) == expected


def rule(session, d, **kw) -> FaceToFaceRule:
    values = dict(academic_year=d.year, school=d.schools["base"], room="зал 2", nth=3, weekday=6,
                  starts_at=dt.time(10), ends_at=dt.time(14), first_month=9, last_month=5)
    r = FaceToFaceRule(**(values | kw))
    session.add(r)
    session.flush()
    return r


def sessions(session, r) -> list[FaceToFaceSession]:
    return list(session.scalars(
        select(FaceToFaceSession).where(FaceToFaceSession.rule_id == r.id).order_by(FaceToFaceSession.rule_date)
    ))


def holiday(session, d, start, end, school=None):
    session.add(Holiday(academic_year_id=d.year.id, school_id=school, name="Праздник", starts_on=start, ends_on=end))
    session.flush()


def test_third_saturday_of_each_month_september_to_may(session):
    d = build_district(session)
    r = rule(session, d)
    summary = expand_sessions(session)
    got = sessions(session, r)
    assert [s.date for s in got] == [
        D(2026, 9, 19), D(2026, 10, 17), D(2026, 11, 21), D(2026, 12, 19), D(2027, 1, 16), D(2027, 2, 20),
        D(2027, 3, 20), D(2027, 4, 17), D(2027, 5, 15),
    ]
    assert summary.created == 9
    first = got[0]
    assert (first.starts_at, first.duration_minutes, first.timezone) == (dt.time(10), 240, "Europe/Moscow")
    assert (first.kind, first.title, first.room, first.courses) == (SessionKind.SESSION, "Очная сессия", "зал 2", [])
    again = expand_sessions(session)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 9)


@pytest.mark.parametrize(("first", "last", "months"), [(10, 12, [10, 11, 12]), (2, 2, [2]), (11, 2, [11, 12, 1, 2])])
def test_months_range_may_wrap_over_new_year(session, first, last, months):
    d = build_district(session, holidays=[])
    r = rule(session, d, first_month=first, last_month=last, nth=-1)
    expand_sessions(session, r)
    got = sessions(session, r)
    assert [s.date.month for s in got] == months
    assert all((s.date + dt.timedelta(days=7)).month != s.date.month for s in got)  # the last Saturday


@pytest.mark.parametrize(
    ("policy", "expected"),
    [(HolidayPolicy.SKIP, None), (HolidayPolicy.NEXT_WEEK, D(2026, 10, 31)),
     (HolidayPolicy.PREVIOUS_WEEK, D(2026, 10, 10))],
)
def test_holiday_policy_skips_or_shifts_week_by_week(session, policy, expected):
    d = build_district(session, holidays=[])
    holiday(session, d, D(2026, 10, 17), D(2026, 10, 17))  # district-wide
    holiday(session, d, D(2026, 10, 24), D(2026, 10, 24), school=d.schools["base"].id)  # the host school's own
    holiday(session, d, D(2026, 10, 10), D(2026, 10, 10), school=d.schools["p1"].id)  # another school's: no matter
    r = rule(session, d, holiday_policy=policy, first_month=10, last_month=10)
    expand_sessions(session, r)
    got = sessions(session, r)
    assert [s.date for s in got] == ([] if expected is None else [expected])
    if got:
        assert got[0].rule_date == D(2026, 10, 17)


def test_shift_never_leaves_the_academic_year(session):
    d = build_district(session)
    holiday(session, d, D(2027, 5, 15), D(2027, 5, 31))
    r = rule(session, d, holiday_policy=HolidayPolicy.NEXT_WEEK, first_month=5, last_month=5)
    expand_sessions(session, r)
    assert sessions(session, r) == []


def test_a_new_holiday_shifts_the_session_keeping_its_identity(session):
    d = build_district(session)
    r = rule(session, d, holiday_policy=HolidayPolicy.NEXT_WEEK)
    expand_sessions(session)
    november = sessions(session, r)[2]
    uid = november.uid
    holiday(session, d, D(2026, 11, 21), D(2026, 11, 21))
    summary = expand_sessions(session)
    assert (summary.updated, summary.unchanged) == (1, 8)
    assert (november.uid, november.date, november.sequence) == (uid, D(2026, 11, 28), 1)


def test_rule_changes_reach_unedited_sessions_only(session):
    d = build_district(session)
    r = rule(session, d)
    expand_sessions(session)
    got = sessions(session, r)
    edit_session(session, got[0], room="кабинет 12", note="ремонт зала")
    cancel_session(session, got[1], "карантин")
    assert (got[0].room, got[0].status, got[0].sequence, got[0].edited) == ("кабинет 12", ScheduleStatus.SCHEDULED, 1, True)
    assert (got[1].status, got[1].note, got[1].sequence) == (ScheduleStatus.CANCELLED, "карантин", 1)

    r.room = "актовый зал"
    r.courses = [d.courses["MATH-10"]]
    summary = expand_sessions(session)
    assert (summary.updated, summary.edited_kept) == (7, 2)
    assert got[0].room == "кабинет 12" and got[1].status == ScheduleStatus.CANCELLED
    assert all(s.room == "актовый зал" and s.courses == [d.courses["MATH-10"]] and s.sequence == 1 for s in got[2:])


def test_edit_session_time_marks_it_moved(session):
    d = build_district(session)
    r = rule(session, d)
    expand_sessions(session)
    first = sessions(session, r)[0]
    edit_session(session, first, start=dt.datetime(2026, 9, 26, 11), end=dt.datetime(2026, 9, 26, 13))
    assert (first.date, first.starts_at, first.duration_minutes, first.status) == (
        D(2026, 9, 26), dt.time(11), 120, ScheduleStatus.MOVED)
    with pytest.raises(ValueError, match="end after"):
        edit_session(session, first, end=dt.datetime(2026, 9, 26, 10))


def test_contest_is_a_one_off_event_the_rules_leave_alone(session):
    d = build_district(session)
    rule(session, d)
    contest = add_session(session, academic_year=d.year, school=d.schools["base"], room="спортзал",
                          start=dt.datetime(2027, 5, 22, 10), end=dt.datetime(2027, 5, 22, 15),
                          courses=[d.courses["PHYS-9"]])
    assert (contest.kind, contest.title, contest.duration_minutes, contest.rule_id) == (
        SessionKind.CONTEST, "Конкурс сетевых курсов", 300, None)
    expand_sessions(session)
    assert contest.sequence == 0 and contest.status == ScheduleStatus.SCHEDULED
    assert session.scalar(select(FaceToFaceSession).where(FaceToFaceSession.kind == SessionKind.CONTEST)) is contest
