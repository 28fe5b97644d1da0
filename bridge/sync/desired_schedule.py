"""Desired items of the timetable in Moodle: an attendance activity per course, an attendance session
per lesson, a calendar event per face-to-face session and course.

Keys are registry identities that never change: the course code, the lesson's ``uid``, the
session's ``uid`` + course code. A moved lesson keeps its key and changes its fields, so the plan
updates it (Moodle has no call to update a session: the gateway removes and adds it); a cancelled
lesson is no longer desired, so its session is removed. The lesson uids are random and say nothing
about anyone; no student appears in these items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bridge.models import (
    FaceToFaceSession,
    FaceToFaceSessionCourse,
    Lesson,
    MoodleLink,
    NetworkCourse,
    ScheduleStatus,
    School,
)
from bridge.sync.items import DesiredState, Ref

ATTENDANCE_NAME = "Посещаемость"
SESSION_DESCRIPTION = "Занятие сетевого курса"


def _epoch(day: dt.date, at: dt.time, zone: str) -> int:
    return int(dt.datetime.combine(day, at, ZoneInfo(zone)).timestamp())


def add_schedule_items(session: Session, state: DesiredState, course_code: Mapping[int, str],
                       window: tuple[dt.date, dt.date]) -> None:
    """Add the attendance, attendance_session and event items of every course in ``course_code``.

    A session is made one call per lesson (mod_attendance takes no list): a region's year is some
    200,000 calls, hours of a first sync. So sessions are made for the lessons of ``window`` (from
    today, some weeks ahead), which each day's runs move on; a session already made stays managed
    wherever its lesson is (a past one keeps its marks, a moved one follows). Past lessons never made
    are not back-filled."""
    for code in course_code.values():
        state.add("attendance", code, {"course": Ref("course", code), "name": ATTENDANCE_NAME})

    start, end = window
    made = select(MoodleLink.key).where(MoodleLink.kind == "attendance_session")
    wanted = and_(Lesson.status != ScheduleStatus.CANCELLED,
                  or_(and_(Lesson.date >= start, Lesson.date < end), Lesson.uid.in_(made)))
    for uid, course_id, day, at, minutes, zone, note in session.execute(
            select(Lesson.uid, Lesson.course_id, Lesson.date, Lesson.starts_at, Lesson.duration_minutes,
                   Lesson.timezone, Lesson.note).where(wanted).order_by(Lesson.course_id, Lesson.date)):
        code = course_code[course_id]
        state.add("attendance_session", uid, {
            "attendance": Ref("attendance", code), "sessiontime": _epoch(day, at, zone), "duration": minutes * 60,
            "description": f"{SESSION_DESCRIPTION}: {note}" if note else SESSION_DESCRIPTION})

    courses_of: dict[int, list[int]] = {}
    for session_id, course_id in session.execute(select(FaceToFaceSessionCourse.session_id,
                                                        FaceToFaceSessionCourse.course_id)):
        courses_of.setdefault(session_id, []).append(course_id)
    year_courses: dict[int, list[int]] = {}
    for course_id, year_id in session.execute(select(NetworkCourse.id, NetworkCourse.academic_year_id)):
        year_courses.setdefault(year_id, []).append(course_id)
    rows = session.execute(
        select(FaceToFaceSession.id, FaceToFaceSession.uid, FaceToFaceSession.academic_year_id,
               FaceToFaceSession.title, FaceToFaceSession.date, FaceToFaceSession.starts_at,
               FaceToFaceSession.duration_minutes, FaceToFaceSession.timezone, FaceToFaceSession.room, School.name)
        .join(School, School.id == FaceToFaceSession.school_id)
        .where(FaceToFaceSession.status != ScheduleStatus.CANCELLED).order_by(FaceToFaceSession.date))
    for sid, uid, year_id, title, day, at, minutes, zone, room, school in rows:
        # A session for no course in particular is for every course of its year.
        for course_id in sorted(courses_of.get(sid) or year_courses.get(year_id, [])):
            code = course_code[course_id]
            state.add("event", f"{uid}/{code}", {
                "course": Ref("course", code), "name": title, "timestart": _epoch(day, at, zone),
                "timeduration": minutes * 60, "description": ", ".join(p for p in (school, room) if p)})
