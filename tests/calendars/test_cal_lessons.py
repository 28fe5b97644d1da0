"""Lesson expansion: terms and holidays decide the dates; identities survive edits and re-expansion."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bridge.calendar.lessons import cancel_lesson, expand_lessons, move_lesson
from bridge.models import Holiday, Lesson, LessonSlot, ScheduleStatus, Term
from tests.calendars.conftest import lesson_on
from tests.calendars.district import SEPTEMBER, build_district

D = dt.date


def dates(session, course) -> list[dt.date]:
    return list(session.scalars(
        select(Lesson.date).where(Lesson.course_id == course.id, Lesson.status != ScheduleStatus.CANCELLED)
        .order_by(Lesson.date)
    ))


def test_lessons_fall_on_slot_weekdays_inside_terms_and_off_holidays(session):
    d = build_district(session)
    summary = expand_lessons(session)
    math = dates(session, d.courses["MATH-10"])
    # Tuesdays of the four terms, minus 23 February 2027 (a Tuesday holiday).
    expected = []
    for start, end in [(D(2026, 9, 1), D(2026, 10, 25)), (D(2026, 11, 5), D(2026, 12, 28)),
                       (D(2027, 1, 9), D(2027, 3, 21)), (D(2027, 3, 30), D(2027, 5, 26))]:
        day = start
        while day <= end:
            if day.isoweekday() == 2 and day != D(2027, 2, 23):
                expected.append(day)
            day += dt.timedelta(days=1)
    assert math == expected
    assert D(2027, 2, 23) not in math and D(2026, 10, 27) not in math
    assert summary.created == session.scalar(select(func.count()).select_from(Lesson))
    lesson = lesson_on(session, d.courses["MATH-10"], D(2026, 9, 1))
    assert lesson.start == dt.datetime(2026, 9, 1, 15, 30, tzinfo=ZoneInfo("Europe/Moscow"))
    assert lesson.end - lesson.start == dt.timedelta(minutes=40)
    assert len(lesson.uid) == 32 and lesson.sequence == 0


def test_provider_school_own_terms_and_holidays_win(session):
    d = build_district(session, terms=SEPTEMBER, holidays=[])
    ekb = d.schools["rc-ekb"]
    session.add(Term(academic_year_id=d.year.id, school_id=ekb.id, number=1, name="I", starts_on=D(2026, 9, 7),
                     ends_on=D(2026, 9, 27)))
    session.add(Holiday(academic_year_id=d.year.id, school_id=ekb.id, name="День города", starts_on=D(2026, 9, 16),
                        ends_on=D(2026, 9, 16)))
    # Another school's holiday does not touch rc-ekb's course.
    session.add(Holiday(academic_year_id=d.year.id, school_id=d.schools["p1"].id, name="Чужой", starts_on=D(2026, 9, 9),
                        ends_on=D(2026, 9, 9)))
    expand_lessons(session)
    assert dates(session, d.courses["PHYS-9"]) == [D(2026, 9, 9), D(2026, 9, 23)]
    assert dates(session, d.courses["MATH-10"]) == [D(2026, 9, d) for d in (1, 8, 15, 22, 29)]
    lesson = lesson_on(session, d.courses["PHYS-9"], D(2026, 9, 9))
    assert lesson.timezone == "Asia/Yekaterinburg"
    assert lesson.start.astimezone(ZoneInfo("Europe/Moscow")).time() == dt.time(14, 0)


def test_a_year_without_terms_gives_no_lessons_and_says_so(session):
    d = build_district(session, terms=[], holidays=[])
    summary = expand_lessons(session, d.courses["MATH-10"])
    assert summary.created == 0
    assert summary.warnings == ("course MATH-10: no terms for its academic year, no lessons",)


def test_expanding_again_changes_nothing(session):
    build_district(session, terms=SEPTEMBER, holidays=[])
    expand_lessons(session)
    before = {(l.uid, l.sequence, l.date, l.starts_at) for l in session.scalars(select(Lesson))}
    again = expand_lessons(session)
    assert (again.created, again.updated, again.cancelled) == (0, 0, 0)
    assert again.unchanged == len(before) == 19
    assert {(l.uid, l.sequence, l.date, l.starts_at) for l in session.scalars(select(Lesson))} == before


def test_slot_time_change_updates_lessons_in_place(session):
    d = build_district(session, terms=SEPTEMBER, holidays=[])
    expand_lessons(session)
    math = d.courses["MATH-10"]
    uids = {l.slot_date: l.uid for l in session.scalars(select(Lesson).where(Lesson.course_id == math.id))}
    math.slots[0].starts_at = dt.time(9, 0)
    summary = expand_lessons(session, math)
    assert summary.updated == 5 and summary.created == 0
    for lesson in session.scalars(select(Lesson).where(Lesson.course_id == math.id)):
        assert lesson.uid == uids[lesson.slot_date]
        assert lesson.starts_at == dt.time(9, 0) and lesson.sequence == 1


def test_lessons_that_no_longer_fit_are_cancelled_not_deleted_and_come_back(session):
    d = build_district(session, terms=SEPTEMBER, holidays=[])
    expand_lessons(session)
    math = d.courses["MATH-10"]
    holiday = Holiday(academic_year_id=d.year.id, school_id=None, name="Выходной", starts_on=D(2026, 9, 15),
                      ends_on=D(2026, 9, 15))
    session.add(holiday)
    summary = expand_lessons(session, math)
    assert summary.cancelled == 1
    lesson = lesson_on(session, math, D(2026, 9, 15))
    assert lesson.status == ScheduleStatus.CANCELLED and lesson.sequence == 1
    uid = lesson.uid

    session.delete(holiday)
    summary = expand_lessons(session, math)
    assert summary.updated == 1
    assert lesson_on(session, math, D(2026, 9, 15)).uid == uid
    assert lesson.status == ScheduleStatus.SCHEDULED and lesson.sequence == 2


def test_deleted_slot_cancels_its_lessons_and_a_new_slot_adds_new_ones(session):
    d = build_district(session, terms=SEPTEMBER, holidays=[])
    expand_lessons(session)
    info = d.courses["INFO-9"]
    info.slots = [LessonSlot(weekday=5, starts_at=dt.time(12, 0), duration_minutes=45)]
    session.flush()
    summary = expand_lessons(session, info)
    assert (summary.created, summary.cancelled) == (4, 5)
    rows = session.scalars(select(Lesson).where(Lesson.course_id == info.id)).all()
    assert len(rows) == 9
    assert sorted(l.date.day for l in rows if l.status == ScheduleStatus.CANCELLED) == [1, 8, 15, 22, 29]
    assert all(l.slot_id is None for l in rows if l.status == ScheduleStatus.CANCELLED)
    assert sorted(l.date.day for l in rows if l.status == ScheduleStatus.SCHEDULED) == [4, 11, 18, 25]
    assert expand_lessons(session, info).cancelled == 0  # already cancelled: nothing new


def test_move_and_cancel_keep_identity_raise_sequence_and_survive_expansion(session):
    d = build_district(session, terms=SEPTEMBER, holidays=[])
    expand_lessons(session)
    math = d.courses["MATH-10"]
    moved = lesson_on(session, math, D(2026, 9, 8))
    uid = moved.uid
    # An aware start in another zone lands at the same instant in the provider's zone.
    move_lesson(session, moved, dt.datetime(2026, 9, 10, 18, 0, tzinfo=ZoneInfo("Asia/Yekaterinburg")), 60, "замена")
    assert (moved.uid, moved.sequence, moved.status, moved.edited) == (uid, 1, ScheduleStatus.MOVED, True)
    assert (moved.date, moved.starts_at, moved.duration_minutes, moved.note) == (D(2026, 9, 10), dt.time(16), 60, "замена")
    cancelled = lesson_on(session, math, D(2026, 9, 15))
    cancel_lesson(session, cancelled, "болезнь")
    assert cancelled.status == ScheduleStatus.CANCELLED and cancelled.sequence == 1

    math.slots[0].starts_at = dt.time(11, 0)  # re-expansion must not undo the edits
    summary = expand_lessons(session, math)
    assert summary.edited_kept == 2 and summary.updated == 3
    assert (moved.date, moved.starts_at, moved.sequence) == (D(2026, 9, 10), dt.time(16), 1)
    assert cancelled.status == ScheduleStatus.CANCELLED and cancelled.sequence == 1
    assert session.scalar(select(func.count()).select_from(Lesson).where(Lesson.course_id == math.id)) == 5


def test_move_rejects_a_bad_duration(session):
    d = build_district(session, terms=SEPTEMBER, holidays=[])
    expand_lessons(session)
    lesson = lesson_on(session, d.courses["MATH-10"], D(2026, 9, 8))
    with pytest.raises(ValueError, match="duration"):
        move_lesson(session, lesson, dt.datetime(2026, 9, 9, 10), 0)
    assert lesson.sequence == 0 and lesson.date == D(2026, 9, 8)
