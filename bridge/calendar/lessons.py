"""Dated lessons of network courses, expanded from their weekly slots.

A slot (ISO weekday, start in the provider school's local time, length) gives one lesson on each
of its weekdays inside the provider school's terms (its own, else the district's default terms)
and not on a holiday (the district's or the provider school's). Lessons are stored with the
provider school's zone (see :class:`bridge.models.ScheduledMixin`) and keep their ``uid`` for
ever: moving or cancelling one by hand raises its ``sequence`` and marks it edited, and
:func:`expand_lessons` may be run again at any time after slots, terms or holidays change.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bridge.calendar.days import SchoolDaysCache
from bridge.calendar.schedule import ExpandSummary, Planned, cancel_entry, reconcile
from bridge.models import Lesson, NetworkCourse
from bridge.progress import progress


def planned_lessons(course: NetworkCourse, days: SchoolDaysCache) -> dict[tuple[int, dt.date], Planned]:
    """Every lesson the course's slots give, keyed by (slot id, date)."""
    calendar = days(course.academic_year_id, course.provider_school_id)
    tz = course.provider_school.timezone
    return {
        (slot.id, day): Planned(day, slot.starts_at, slot.duration_minutes, tz)
        for slot in course.slots
        for day in calendar.teaching_days(slot.weekday)
    }


def expand_lessons(session: Session, course: NetworkCourse | None = None) -> ExpandSummary:
    """Create, update or cancel the lessons of one course (or of all courses) to match the slots."""
    if course is None:
        courses = session.scalars(
            select(NetworkCourse)
            .options(selectinload(NetworkCourse.slots), selectinload(NetworkCourse.provider_school))
            .order_by(NetworkCourse.code)
        ).all()
    else:
        courses = [course]
    days = SchoolDaysCache(session)
    summary = ExpandSummary()
    for c in progress(courses, total=len(courses), desc="lessons"):
        summary += _expand_course(session, c, days)
    session.flush()
    return summary


def _expand_course(session: Session, course: NetworkCourse, days: SchoolDaysCache) -> ExpandSummary:
    planned = planned_lessons(course, days)
    stored = {
        (lesson.slot_id, lesson.slot_date) if lesson.slot_id is not None else ("unslotted", lesson.id): lesson
        for lesson in session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }

    def create(key, plan: Planned) -> Lesson:
        slot_id, slot_date = key
        lesson = Lesson(course_id=course.id, slot_id=slot_id, slot_date=slot_date, **plan.values())
        session.add(lesson)
        return lesson

    summary = reconcile(stored, planned, create)
    if course.slots and not days(course.academic_year_id, course.provider_school_id).terms:
        summary += ExpandSummary(warnings=(f"course {course.code}: no terms for its academic year, no lessons",))
    return summary


def move_lesson(
    session: Session, lesson: Lesson, new_start: dt.datetime, duration: int | None = None, note: str = ""
) -> Lesson:
    """Move one lesson by hand (``new_start`` aware, or naive in the provider school's zone)."""
    lesson.move(new_start, duration, note)
    session.flush()
    return lesson


cancel_lesson = cancel_entry  # cancel_lesson(session, lesson, note="")
