"""Grades of a course's Moodle gradebook into the registry, per student and grade item.

One ``gradereport_user_get_grade_items`` call gives every item of every student of the course,
with the raw grade, its range and the date graded; the course total is an item too. The
percentage is computed from the raw grade and the range (Moodle's formatted percentage depends
on the site's display settings). Moodle does not say who graded: the history leaves it empty.
Work submitted and not graded yet is stored too (no raw grade, the submission's time): the
teachers' report counts it as waiting, and its first grade is a first sighting, not a change.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.models import Grade, GradeItem, NetworkCourse
from bridge.db import utc
from bridge.pull.history import Tally, record_change
from bridge.pull.ids import MoodleIds
from moodle_client import MoodleClient

COURSE_TOTAL = "Итог курса"


def percentage(raw: float | None, low: float, high: float) -> float | None:
    if raw is None or high <= low:
        return None
    return round((raw - low) / (high - low) * 100, 2)


def grade_value(raw: float | None, high: float) -> str:
    return "—" if raw is None else f"{raw:g} из {high:g}"


def waiting(grade: Grade) -> bool:
    """Submitted work not graded yet: its first grade is a first sighting, not a correction."""
    return grade.raw is None and grade.submitted_at is not None


def pull_grades(session: Session, client: MoodleClient, course: NetworkCourse, moodle_course_id: int,
                ids: MoodleIds, notes: list[str]) -> Tally:
    tally = Tally()
    items = {i.moodle_id: i for i in session.scalars(select(GradeItem).where(GradeItem.course_id == course.id))}
    grades = {(g.item_id, g.student_id): g for g in session.scalars(
        select(Grade).join(GradeItem).where(GradeItem.course_id == course.id))}
    unknown = 0
    for user in client.get_grade_items(moodle_course_id).usergrades:
        student_id = ids.student.get(user.userid)
        if student_id is None:
            unknown += 1
            continue
        for g in user.gradeitems:
            item = items.get(g.id)
            name = g.itemname or (COURSE_TOTAL if g.itemtype == "course" else "")
            if item is None:
                item = items[g.id] = GradeItem(course_id=course.id, moodle_id=g.id, item_type=g.itemtype, name=name)
                session.add(item)
                session.flush()
            elif (item.item_type, item.name) != (g.itemtype, name):
                item.item_type, item.name = g.itemtype, name
            current = grades.get((item.id, student_id))
            new = (g.graderaw, g.grademin, g.grademax, utc(g.gradedategraded), utc(g.gradedatesubmitted))
            if current is None:
                if g.graderaw is not None or g.gradedatesubmitted is not None:
                    session.add(Grade(item_id=item.id, student_id=student_id, raw=g.graderaw, grade_min=g.grademin,
                                      grade_max=g.grademax, percentage=percentage(*new[:3]), graded_at=new[3],
                                      submitted_at=new[4]))
                    tally.created += 1
            elif (current.raw, current.grade_min, current.grade_max, utc(current.graded_at),
                  utc(current.submitted_at)) == new:
                tally.unchanged += 1
            else:
                if current.raw != g.graderaw and not waiting(current):
                    record_change(session, what="grade", student_id=student_id, grade_id=current.id, by="",
                                  old=grade_value(current.raw, current.grade_max),
                                  new=grade_value(g.graderaw, g.grademax))
                current.raw, current.grade_min, current.grade_max, current.graded_at, current.submitted_at = new
                current.percentage = percentage(*new[:3])
                tally.changed += 1
    if unknown:
        notes.append(f"{course.code}: grades of {unknown} users the registry does not manage (skipped)")
    return tally
