"""Moodle ids ↔ registry rows, from the sync's links: the pull trusts only what the sync made or
adopted, so a course, session or user Moodle has but the registry does not manage is left alone."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.models import MoodleLink, Student


@dataclass
class MoodleIds:
    course: dict[str, int] = field(default_factory=dict)  # course code -> Moodle course id
    attendance: dict[str, int] = field(default_factory=dict)  # course code -> attendanceid
    session_uid: dict[int, str] = field(default_factory=dict)  # Moodle session id -> lesson uid
    person: dict[int, str] = field(default_factory=dict)  # Moodle user id -> external id
    student: dict[int, int] = field(default_factory=dict)  # Moodle user id -> student id

    @classmethod
    def load(cls, session: Session) -> MoodleIds:
        ids = cls()
        rows = session.execute(select(MoodleLink.kind, MoodleLink.key, MoodleLink.moodle_id).where(
            MoodleLink.kind.in_(("course", "attendance", "attendance_session", "user")),
            MoodleLink.moodle_id.is_not(None)))
        for kind, key, mid in rows:
            if kind == "course":
                ids.course[key] = mid
            elif kind == "attendance":
                ids.attendance[key] = mid
            elif kind == "attendance_session":
                ids.session_uid[mid] = key
            else:
                ids.person[mid] = key
        by_ext = dict(session.execute(select(Student.external_id, Student.id)).all())
        ids.student = {mid: by_ext[ext] for mid, ext in ids.person.items() if ext in by_ext}
        return ids

    def who(self, moodle_user_id: int) -> str:
        """Who did something in Moodle: the registry's external id when the sync knows them."""
        if not moodle_user_id:
            return ""
        return self.person.get(moodle_user_id) or f"moodle:{moodle_user_id}"

    def course_code(self, moodle_course_id: int) -> str | None:
        return next((code for code, mid in self.course.items() if mid == moodle_course_id), None)
