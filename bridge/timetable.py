"""The rules a network course's timetable and hours must keep at a student's home school.

What the calendar's checks of dated lessons (bridge.calendar.conflicts, bridge.calendar.load) and
course choice's allocation of weekly slots (bridge.choices) share, so both judge a clash and a
week's load the same way: a class's periods placed in time by its school's bell schedule, and the
SanPiN maximum weekly load.

The maximum weekly study load (academic hours) is set by SanPiN 1.2.3685-21 "Гигиенические
нормативы и требования к обеспечению безопасности и (или) безвредности для человека факторов
среды обитания", table 6.6, by grade and by the length of the school week. A first grade learns a
5-day week only, so its limit is 21 whatever the school's week.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.models import BellPeriod, ClassLesson, Student

# week days → grade → maximum academic hours a week (SanPiN 1.2.3685-21, table 6.6).
MAX_WEEKLY_HOURS: dict[int, dict[int, int]] = {
    5: {1: 21, 2: 23, 3: 23, 4: 23, 5: 29, 6: 30, 7: 32, 8: 33, 9: 33, 10: 34, 11: 34},
    6: {1: 21, 2: 26, 3: 26, 4: 26, 5: 32, 6: 33, 7: 35, 8: 36, 9: 36, 10: 37, 11: 37},
}


def max_weekly_hours(grade: int, week_days: int) -> int:
    return MAX_WEEKLY_HOURS[week_days][grade]


def since_midnight(t: dt.time) -> dt.timedelta:
    return dt.timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


# A class's periods on one weekday: (bell start since midnight, bell end, "N урок: subject"), by period.
Periods = list[tuple[dt.timedelta, dt.time, str]]


def class_periods(
    session: Session, school_id: int | None, student_id: int | None
) -> dict[tuple[int, int, str], dict[int, Periods]]:
    """(school, grade, class letter) → weekday → the class's periods placed by its bell schedule; a
    lesson whose period has no bell time cannot be placed in time and is left out. Narrowed to one
    student's own class or one school's classes when given."""
    bells = select(BellPeriod.school_id, BellPeriod.period, BellPeriod.starts_at, BellPeriod.ends_at)
    lessons = select(ClassLesson.school_id, ClassLesson.grade, ClassLesson.class_letter, ClassLesson.weekday,
                     ClassLesson.period, ClassLesson.subject).order_by(ClassLesson.period)
    if student_id is not None:  # the student's own class only
        home = session.execute(
            select(Student.school_id, Student.grade, Student.class_letter).where(Student.id == student_id)
        ).first()
        if home is None:
            return {}
        bells = bells.where(BellPeriod.school_id == home.school_id)
        lessons = lessons.where(ClassLesson.school_id == home.school_id, ClassLesson.grade == home.grade,
                                ClassLesson.class_letter == home.class_letter)
    elif school_id is not None:
        bells = bells.where(BellPeriod.school_id == school_id)
        lessons = lessons.where(ClassLesson.school_id == school_id)
    times = {(school, period): (starts, ends) for school, period, starts, ends in session.execute(bells)}
    table: dict = defaultdict(lambda: defaultdict(list))
    for school, grade, letter, weekday, period, subject in session.execute(lessons):
        bell = times.get((school, period))
        if bell is not None:
            detail = f"{period} урок" + (f": {subject}" if subject else "")
            table[(school, grade, letter)][weekday].append((since_midnight(bell[0]), bell[1], detail))
    return table


def clashing_periods(periods: Periods, starts: dt.time, ends: dt.timedelta) -> list[str]:
    """The periods a lesson overlaps, given its local start and its local end as time since that
    day's midnight (a lesson over two periods meets both)."""
    return [detail for bell_starts, bell_ends, detail in periods if starts < bell_ends and bell_starts < ends]
