"""mod_attendance: attendance activities, their sessions (one per lesson) and the marks taken."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from moodle_client.courses import CourseCalls, CourseModule
from moodle_client.records import ApiInput, ApiRecord


@dataclass(frozen=True)
class AttendanceStatus(ApiRecord):
    """A mark an attendance activity offers (acronyms P/A/L/E by default)."""

    id: int
    acronym: str
    description: str = ""
    grade: float = 0.0
    visible: bool = True
    deleted: bool = False
    setnumber: int = 0
    attendanceid: int = 0


@dataclass(frozen=True)
class AttendanceLogEntry(ApiRecord):
    """A student's mark in a session (Moodle sends the ids as strings)."""

    id: int
    studentid: int
    statusid: int
    remarks: str | None = None


@dataclass(frozen=True)
class SessionUser(ApiRecord):
    id: int
    firstname: str = ""
    lastname: str = ""


@dataclass(frozen=True)
class AttendanceSession(ApiRecord):
    id: int
    attendanceid: int
    sessdate: dt.datetime
    duration: dt.timedelta = dt.timedelta(0)
    groupid: int = 0
    description: str = ""
    descriptionformat: int = 1
    lasttaken: dt.datetime | None = None
    lasttakenby: int = 0
    timemodified: dt.datetime | None = None
    statusset: int = 0
    courseid: int = 0
    statuses: tuple[AttendanceStatus, ...] = ()
    attendance_log: tuple[AttendanceLogEntry, ...] = ()
    users: tuple[SessionUser, ...] = ()

    def status(self, acronym: str) -> AttendanceStatus:
        """The live (not deleted) status with this acronym, e.g. ``session.status("P")``."""
        for status in self.statuses:
            if status.acronym == acronym and not status.deleted:
                return status
        raise KeyError(f"session {self.id} has no status {acronym!r}")


@dataclass(frozen=True)
class NewSession(ApiInput):
    attendanceid: int
    sessiontime: dt.datetime
    duration: dt.timedelta | None = None
    description: str | None = None
    groupid: int | None = None
    addcalendarevent: bool | None = None


class AttendanceCalls(CourseCalls):
    def add_attendance(
        self, courseid: int, name: str, *, intro: str | None = None, groupmode: int | None = None
    ) -> int:
        """Add an attendance activity to the course; returns its instance id (``attendanceid``)."""
        params = {"courseid": courseid, "name": name, "intro": intro, "groupmode": groupmode}
        return int(self.call("mod_attendance_add_attendance", params)["attendanceid"])

    def find_attendances(self, courseid: int) -> list[CourseModule]:
        """The course's attendance activities (``instance`` is the attendanceid)."""
        return self.get_course_modules(courseid, "attendance")

    def add_session(self, session: NewSession) -> int:
        return int(self.call("mod_attendance_add_session", session.to_api())["sessionid"])

    def remove_session(self, sessionid: int) -> bool:
        return bool(self.call("mod_attendance_remove_session", {"sessionid": sessionid}))

    def get_sessions(self, attendanceid: int) -> list[AttendanceSession]:
        answer = self.call("mod_attendance_get_sessions", {"attendanceid": attendanceid})
        return [AttendanceSession.from_api(s) for s in answer]

    def get_session(self, sessionid: int) -> AttendanceSession:
        return AttendanceSession.from_api(self.call("mod_attendance_get_session", {"sessionid": sessionid}))

    def update_user_status(
        self, sessionid: int, studentid: int, statusid: int, *, takenbyid: int, statusset: int = 0
    ) -> None:
        """Mark one student; Moodle does not check that ``statusid`` belongs to the session's set."""
        self.call(
            "mod_attendance_update_user_status",
            {
                "sessionid": sessionid,
                "studentid": studentid,
                "takenbyid": takenbyid,
                "statusid": statusid,
                "statusset": statusset,
            },
        )
