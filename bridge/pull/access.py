"""When each student last opened the course in Moodle (``lastcourseaccess`` of
``core_enrol_get_enrolled_users``, a function the sync already uses), kept on the enrolment for the
teachers' report: a student who has not opened the course for weeks is inactive. Moodle's 0 is
"never"; only changes are written."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.db import utc
from bridge.models import Enrolment, NetworkCourse
from bridge.pull.ids import MoodleIds
from moodle_client import MoodleClient


def pull_course_access(session: Session, client: MoodleClient, course: NetworkCourse, moodle_course_id: int,
                       ids: MoodleIds) -> int:
    """Store each enrolled student's last access to the course; returns how many enrolments changed."""
    enrolments = {e.student_id: e for e in session.scalars(select(Enrolment).where(Enrolment.course_id == course.id))}
    changed = 0
    for user in client.get_enrolled_users(moodle_course_id):
        enrolment = enrolments.get(ids.student.get(user.id, 0))
        if enrolment is None:
            continue
        seen = utc(user.lastcourseaccess)
        if enrolment.course_access_read and utc(enrolment.last_course_access) == seen:
            continue
        enrolment.last_course_access, enrolment.course_access_read = seen, True
        changed += 1
    return changed
