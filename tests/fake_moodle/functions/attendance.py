"""mod_attendance_* (mod_attendance 2023020107 externallib.php and classes/attendance_webservices_handler.php)."""

from __future__ import annotations

from typing import Any

from fake_moodle.exceptions import InvalidParameterException, missing_by_id, missing_record
from fake_moodle.functions.calendar import add_event
from fake_moodle.functions.grades import num
from fake_moodle.params import Single, Value, dflt
from fake_moodle.registry import ws
from fake_moodle.rows import AttendanceRow, LogRow, ModuleRow, SessionRow, StatusRow
from fake_moodle.site import DEFAULT_STATUSES, Site

_MANAGE = ("mod/attendance:manageattendances", "Manage attendances")


def add_attendance(site: Site, course_id: int, name: str, intro: str = "", groupmode: int = 0) -> AttendanceRow:
    attendance = site.attendances.insert(AttendanceRow(course_id, name, intro, groupmode))
    site.modules.insert(
        ModuleRow(course_id, "attendance", attendance.id, name, groupmode=groupmode, contextid=site.new_context())
    )
    for acronym, description, grade in DEFAULT_STATUSES:
        site.statuses.insert(StatusRow(attendance.id, acronym, description, grade))
    return attendance


def _module(site: Site, attendance_id: int) -> ModuleRow:
    """get_coursemodule_from_instance('attendance', id, 0, false, MUST_EXIST)."""
    cm = site.modules.first("instance", ("attendance", attendance_id))
    if cm is None:
        raise missing_record(
            "",
            "SELECT cm.*, m.name, md.name AS modname FROM {course_modules} cm JOIN {modules} md ON md.id = cm.module "
            "JOIN {attendance} m ON m.id = cm.instance WHERE m.id = :instance AND md.name = :modulename",
            {"instance": attendance_id, "modulename": "attendance"},
        )
    return cm


def _session(site: Site, session_id: int) -> SessionRow:
    session = site.sessions.get(session_id)
    if session is None:
        raise missing_by_id("attendance_sessions", session_id)
    return session


def add_session(
    site: Site,
    attendance_id: int,
    sessdate: int,
    duration: int = 0,
    groupid: int = 0,
    description: str = "",
    calendar: bool = True,
) -> SessionRow:
    attendance = site.attendances.rows[attendance_id]
    session = site.sessions.insert(
        SessionRow(attendance_id, sessdate, duration, groupid, description, timemodified=site.now)
    )
    if calendar:
        event = add_event(
            site,
            name=attendance.name,
            eventtype="attendance",
            timestart=sessdate,
            timeduration=duration,
            description=description,
            courseid=attendance.course,
            groupid=groupid,
            modulename="attendance",
            instance=attendance_id,
        )
        site.journal.set(session, caleventid=event.id)
    return session


def mark(site: Site, session: SessionRow, student_id: int, status_id: int, taken_by: int, statusset: str = "0") -> None:
    """attendance_handler::update_user_status(): one log row per student and session."""
    log = site.logs.first("pair", (session.id, student_id))
    if log is None:
        site.logs.insert(LogRow(session.id, student_id, status_id, statusset, site.now, taken_by))
    else:
        site.logs.update(log, statusid=status_id, statusset=statusset, timetaken=site.now, takenby=taken_by)
    site.journal.set(session, lasttaken=site.now, lasttakenby=taken_by, timemodified=site.now)


def session_record(site: Site, s: SessionRow) -> dict[str, Any]:
    attendance = site.attendances.rows[s.attendanceid]
    statuses = sorted(
        (x for x in site.statuses.by("attendance", s.attendanceid) if x.setnumber == s.statusset),
        key=lambda x: (-x.grade, x.id),
    )
    logs = sorted(site.logs.by("session", s.id), key=lambda x: x.id)
    return {
        "id": s.id,
        "attendanceid": s.attendanceid,
        "groupid": s.groupid,
        "sessdate": s.sessdate,
        "duration": s.duration,
        "lasttaken": s.lasttaken,
        "lasttakenby": s.lasttakenby,
        "timemodified": s.timemodified,
        "description": s.description,
        "descriptionformat": s.descriptionformat,
        "studentscanmark": 0,
        "absenteereport": 1,
        "autoassignstatus": 0,
        "preventsharedip": 0,
        "preventsharediptime": None,
        "statusset": s.statusset,
        "includeqrcode": 0,
        "studentsearlyopentime": 0,
        "courseid": attendance.course,
        "statuses": [
            {
                "id": x.id,
                "attendanceid": x.attendanceid,
                "acronym": x.acronym,
                "description": x.description,
                "grade": num(x.grade),
                "visible": x.visible,
                "deleted": x.deleted,
                "setnumber": x.setnumber,
            }
            for x in statuses
        ],
        "attendance_log": [
            {"studentid": x.studentid, "statusid": str(x.statusid), "remarks": x.remarks, "id": str(x.id)} for x in logs
        ],
        "users": [
            {"id": u.id, "firstname": u.firstname, "lastname": u.lastname}
            for u in site.students(attendance.course, s.groupid)
        ],
    }


@ws(
    "mod_attendance_add_attendance",
    "write",
    Single({"courseid": Value("int"), "name": Value("text"), "intro": dflt("raw", ""), "groupmode": dflt("int", 0)}),
    component="mod_attendance",
    capability=("mod/attendance:addinstance", "Add a new Attendance"),
)
def ws_add_attendance(site: Site, p: dict[str, Any]) -> dict[str, Any]:
    site.course(p["courseid"])
    if p["groupmode"] not in (0, 1, 2):
        raise InvalidParameterException("Group mode is invalid.")
    return {"attendanceid": add_attendance(site, p["courseid"], p["name"], p["intro"], p["groupmode"]).id}


@ws(
    "mod_attendance_add_session",
    "write",
    Single(
        {
            "attendanceid": Value("int"),
            "description": dflt("raw", ""),
            "sessiontime": Value("int"),
            "duration": dflt("int", 0),
            "groupid": dflt("int", 0),
            "addcalendarevent": dflt("bool", True),
        }
    ),
    component="mod_attendance",
    capability=_MANAGE,
)
def ws_add_session(site: Site, p: dict[str, Any]) -> dict[str, Any]:
    cm = _module(site, p["attendanceid"])
    groupid = p["groupid"]
    if cm.groupmode == 0 and groupid > 0:
        raise InvalidParameterException("Group id is specified, but group mode is disabled for activity")
    if cm.groupmode == 1 and groupid == 0:
        raise InvalidParameterException("Group id is not specified (or 0) in separate groups mode.")
    if groupid and groupid not in {g.id for g in site.groups.by("course", cm.course)}:
        raise InvalidParameterException("Invalid group id")
    session = add_session(
        site, p["attendanceid"], p["sessiontime"], p["duration"], groupid, p["description"], p["addcalendarevent"]
    )
    return {"sessionid": session.id}


@ws(
    "mod_attendance_remove_session",
    "write",
    Single({"sessionid": Value("int")}),
    component="mod_attendance",
    capability=_MANAGE,
)
def ws_remove_session(site: Site, p: dict[str, Any]) -> bool:
    session = _session(site, p["sessionid"])
    for log in site.logs.by("session", session.id):
        site.logs.delete(log)
    event = site.events.get(session.caleventid)
    if event is not None:
        site.events.delete(event)
    site.sessions.delete(session)
    return True


@ws("mod_attendance_get_sessions", "read", Single({"attendanceid": Value("int")}), component="mod_attendance")
def ws_get_sessions(site: Site, p: dict[str, Any]) -> list[dict[str, Any]]:
    if site.attendances.get(p["attendanceid"]) is None:
        raise missing_by_id("attendance", p["attendanceid"])
    _module(site, p["attendanceid"])
    sessions = sorted(site.sessions.by("attendance", p["attendanceid"]), key=lambda s: s.id)
    return [session_record(site, s) for s in sessions]


@ws("mod_attendance_get_session", "read", Single({"sessionid": Value("int")}), component="mod_attendance")
def ws_get_session(site: Site, p: dict[str, Any]) -> dict[str, Any]:
    return session_record(site, _session(site, p["sessionid"]))


@ws(
    "mod_attendance_update_user_status",
    "write",
    Single(
        {
            "sessionid": Value("int"),
            "studentid": Value("int"),
            "takenbyid": Value("int"),
            "statusid": Value("int"),
            "statusset": Value("text"),
        }
    ),
    component="mod_attendance",
    capability=("mod/attendance:takeattendances", "Taking Attendance"),
)
def ws_update_user_status(site: Site, p: dict[str, Any]) -> None:
    """Like the plugin, it does not check that the status belongs to the session's set."""
    session = _session(site, p["sessionid"])
    _module(site, session.attendanceid)
    site.user(p["studentid"])
    site.user(p["takenbyid"])
    mark(site, session, p["studentid"], p["statusid"], p["takenbyid"], p["statusset"])
    return None
