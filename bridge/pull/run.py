"""One pull: under the database lock "pull", read attendance, grades and the students' last course
access of every network course (or of one) from Moodle into the registry, and report what changed.

The CLI, the scheduler and the webhook worker (a targeted pull of one course) all start here, so
two pulls never write the same rows at once.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

from sqlalchemy import select

from bridge.job_lock import job_lock
from bridge.models import NetworkCourse
from bridge.progress import progress
from bridge.pull.access import pull_course_access
from bridge.pull.attendance import pull_attendance
from bridge.pull.grades import pull_grades
from bridge.pull.history import Tally
from bridge.pull.ids import MoodleIds
from bridge.runtime import Runtime
from moodle_client.errors import MoodleNotConfigured

log = logging.getLogger(__name__)

LOCK_NAME = "pull"


class UnknownCourse(LookupError):
    pass


@dataclass
class PullReport:
    courses: list[str] = field(default_factory=list)
    attendance: Tally = field(default_factory=Tally)
    grades: Tally = field(default_factory=Tally)
    course_access: int = 0  # enrolments whose last course access changed
    notes: list[str] = field(default_factory=list)
    read_calls: int = 0

    def as_json(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        lines = [f"pulled {len(self.courses)} courses from Moodle",
                 f"attendance marks: {self.attendance.describe()}",
                 f"grades: {self.grades.describe()}",
                 f"last course access changed: {self.course_access} enrolments"]
        lines += [f"  {n}" for n in self.notes]
        lines.append(f"Moodle calls: {self.read_calls} read, 0 write")
        return "\n".join(lines)


def run_pull(rt: Runtime, *, course_code: str | None = None, client=None, lock_wait: float = 0.0,
             show_progress: bool = True) -> PullReport:
    """Pull every course, or ``course_code`` only. Raises LockBusy, UnknownCourse, MoodleNotConfigured."""
    if client is None:
        if not rt.settings.moodle.configured:
            raise MoodleNotConfigured("Moodle is not configured: set NETCOURSES_MOODLE_URL and NETCOURSES_MOODLE_TOKEN")
        from moodle_client import MoodleClient

        client = MoodleClient.from_settings(rt.settings.moodle)
    reads_before = client.stats.reads
    report = PullReport()
    with job_lock(rt.sessions, LOCK_NAME, wait=lock_wait), rt.sessions() as session:
        query = select(NetworkCourse).order_by(NetworkCourse.code)
        if course_code is not None:
            query = query.where(NetworkCourse.code == course_code)
        courses = session.scalars(query).all()
        if course_code is not None and not courses:
            raise UnknownCourse(f"no network course {course_code!r}")
        ids = MoodleIds.load(session)
        items = progress(courses, total=len(courses), desc="pull") if show_progress else courses
        for course in items:
            moodle_id = ids.course.get(course.code)
            if moodle_id is None:
                report.notes.append(f"{course.code}: not in Moodle yet (run the sync)")
                continue
            report.attendance += pull_attendance(session, client, course, ids, report.notes)
            report.grades += pull_grades(session, client, course, moodle_id, ids, report.notes)
            report.course_access += pull_course_access(session, client, course, moodle_id, ids)
            session.commit()  # course by course: a failure later keeps what was pulled
            report.courses.append(course.code)
    report.read_calls = client.stats.reads - reads_before
    log.info("pull: %d courses, attendance %s, grades %s", len(report.courses), report.attendance.describe(),
             report.grades.describe())
    return report
