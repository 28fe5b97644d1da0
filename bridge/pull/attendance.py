"""Attendance taken in Moodle (mod_attendance) into the registry, per student and lesson.

Each session the sync made for a lesson is read with its statuses and its log. A status is stored
as the site's own acronym, and its meaning (present, late, excused, absent) is read from the
acronym when it is one of mod_attendance's defaults (English or Russian language pack), else from
the status's grade within the session's set: the full grade is present, zero is absent, anything
between is late (attended). Sessions made by hand in Moodle and users the sync does not manage are
skipped. When attendance was last taken (``lasttaken``) is kept on the lesson: it is how the
registry knows a lesson was held, and whether attendance came late. A mark that disappears from Moodle is kept: Moodle drops marks only with their session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.db import utc
from bridge.models import AttendanceKind, AttendanceMark, Lesson, NetworkCourse
from bridge.pull.history import Tally, record_change
from bridge.pull.ids import MoodleIds
from moodle_client import MoodleClient
from moodle_client.attendance import AttendanceStatus

K = AttendanceKind
KNOWN_ACRONYMS = {
    "P": K.PRESENT, "L": K.LATE, "E": K.EXCUSED, "A": K.ABSENT,  # mod_attendance's defaults
    "П": K.PRESENT, "О": K.LATE, "У": K.EXCUSED, "Н": K.ABSENT,  # the Russian language pack's
}


def kind_of(status: AttendanceStatus, statuses: Sequence[AttendanceStatus]) -> AttendanceKind:
    known = KNOWN_ACRONYMS.get(status.acronym.strip().upper())
    if known is not None:
        return known
    if status.grade <= 0:
        return K.ABSENT
    top = max((s.grade for s in statuses if not s.deleted), default=status.grade)
    return K.PRESENT if status.grade >= top else K.LATE


def mark_value(status: str, remarks: str) -> str:
    return f"{status} ({remarks})" if remarks else status


def put_mark(session: Session, existing: AttendanceMark | None, tally: Tally, *, student_id: int, status: str,
             kind: AttendanceKind, remarks: str, by: str, at: dt.datetime | None, lesson_id: int | None = None,
             face_to_face_session_id: int | None = None) -> None:
    """Store one mark; a different one replaces it and goes to the history; the same one writes nothing."""
    if existing is None:
        session.add(AttendanceMark(lesson_id=lesson_id, face_to_face_session_id=face_to_face_session_id,
                                   student_id=student_id, status=status, kind=kind, remarks=remarks, taken_by=by,
                                   taken_at=at))
        tally.created += 1
    elif (existing.status, existing.kind, existing.remarks) == (status, kind, remarks):
        tally.unchanged += 1
    else:
        record_change(session, what="attendance", student_id=student_id, attendance_mark_id=existing.id,
                      old=mark_value(existing.status, existing.remarks), new=mark_value(status, remarks), by=by)
        existing.status, existing.kind, existing.remarks = status, kind, remarks
        existing.taken_by, existing.taken_at = by, at
        tally.changed += 1


def note_taken(lesson: Lesson, taken: dt.datetime | None) -> None:
    """Keep when the session's attendance was last taken, and how long after the lesson's end (the
    teachers' report: a lesson held, attendance late). Written only when it changed."""
    taken = utc(taken)
    if utc(lesson.attendance_taken_at) == taken:
        return
    lesson.attendance_taken_at = taken
    lesson.attendance_delay_minutes = None if taken is None else int((taken - lesson.end).total_seconds() // 60)


def pull_attendance(session: Session, client: MoodleClient, course: NetworkCourse, ids: MoodleIds,
                    notes: list[str]) -> Tally:
    tally = Tally()
    attendance_id = ids.attendance.get(course.code)
    if attendance_id is None:
        notes.append(f"{course.code}: no attendance activity in Moodle yet (run the sync)")
        return tally
    lessons = {lesson.uid: lesson for lesson in session.scalars(select(Lesson).where(Lesson.course_id == course.id))}
    marks = {(m.lesson_id, m.student_id): m for m in session.scalars(
        select(AttendanceMark).join(Lesson, Lesson.id == AttendanceMark.lesson_id)
        .where(Lesson.course_id == course.id))}
    unlinked = unknown = 0
    for s in client.get_sessions(attendance_id):
        lesson = lessons.get(ids.session_uid.get(s.id, ""))
        if lesson is None:
            unlinked += 1
            continue
        note_taken(lesson, s.lasttaken)
        lesson_id = lesson.id
        statuses = {st.id: st for st in s.statuses}
        for entry in s.attendance_log:
            student_id = ids.student.get(entry.studentid)
            status = statuses.get(entry.statusid)
            if student_id is None or status is None:
                unknown += 1
                continue
            put_mark(session, marks.get((lesson_id, student_id)), tally, student_id=student_id, lesson_id=lesson_id,
                     status=status.acronym, kind=kind_of(status, s.statuses), remarks=entry.remarks or "",
                     by=ids.who(s.lasttakenby), at=s.lasttaken)
    if unlinked:
        notes.append(f"{course.code}: {unlinked} Moodle sessions are not lessons of the registry (skipped)")
    if unknown:
        notes.append(f"{course.code}: {unknown} marks of users or statuses the registry does not know (skipped)")
    return tally
