"""Attendance sessions over a rolling window: the coming weeks' lessons get sessions, each day's run tops
the window up, sessions already made stay managed, and nothing else of the timetable changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bridge.calendar.lessons import cancel_lesson, expand_lessons
from bridge.demo import load_demo
from bridge.models import Lesson, MoodleLink, ScheduleStatus
from bridge.runtime import Runtime
from bridge.sync.run import run_sync

START = dt.date(2026, 9, 1)


@pytest.fixture
def year(session):
    load_demo(session, START)
    expand_lessons(session)
    session.commit()


def on(runtime: Runtime, today: dt.date, weeks: int = 2) -> Runtime:
    settings = replace(runtime.settings, sync=replace(runtime.settings.sync, sessions_weeks_ahead=weeks))
    return Runtime(settings, engine=runtime.engine, today=today)


def lessons(session, start: dt.date, end: dt.date) -> set[str]:
    return set(session.scalars(select(Lesson.uid).where(Lesson.date >= start, Lesson.date < end,
                                                        Lesson.status != ScheduleStatus.CANCELLED)))


def made(session) -> set[str]:
    return set(session.scalars(select(MoodleLink.key).where(MoodleLink.kind == "attendance_session")))


def test_a_first_sync_makes_the_windows_sessions_only_and_each_day_tops_it_up(runtime, session, year,
                                                                               fake_moodle, moodle):
    total = session.scalar(select(func.count()).select_from(Lesson))
    first = run_sync(on(runtime, START), client=moodle, show_progress=False)
    assert first.status == "ok", first.errors[:3]
    window = lessons(session, START, START + dt.timedelta(weeks=2))
    assert made(session) == window and 0 < len(window) < total / 10
    assert fake_moodle.count("mod_attendance_add_session") == len(window) == len(fake_moodle.site.sessions)

    # The next day: the day that enters the window gets its sessions; yesterday's stay.
    fake_moodle.reset_counts()
    next_day = START + dt.timedelta(days=1)
    top_up = run_sync(on(runtime, next_day), client=moodle, show_progress=False)
    entering = lessons(session, START + dt.timedelta(weeks=2), next_day + dt.timedelta(weeks=2))
    assert top_up.planned == ({"attendance_session": {"create": len(entering)}} if entering else {})
    assert fake_moodle.writes == len(entering) and made(session) == window | entering


def test_sessions_already_made_stay_managed_outside_the_window(runtime, session, year, fake_moodle, moodle):
    run_sync(on(runtime, START), client=moodle, show_progress=False)
    later = START + dt.timedelta(weeks=6)
    first_lesson = session.scalar(select(Lesson).where(Lesson.uid.in_(made(session))).order_by(Lesson.date))
    assert run_sync(on(runtime, later), client=moodle, show_progress=False).status == "ok"
    assert first_lesson.uid in made(session)  # a past lesson's session keeps its marks

    # A past lesson cancelled after the fact still loses its session, as before the window.
    cancel_lesson(session, first_lesson, "ошибка в расписании")
    session.commit()
    report = run_sync(on(runtime, later), client=moodle, show_progress=False)
    assert report.planned["attendance_session"] == {"remove": 1}
    assert first_lesson.uid not in made(session)


def test_the_window_is_a_setting_that_must_be_positive():
    from config.settings import SettingsError, SyncSettings

    with pytest.raises(SettingsError, match="sync.sessions_weeks_ahead"):
        SyncSettings(sessions_weeks_ahead=0)
