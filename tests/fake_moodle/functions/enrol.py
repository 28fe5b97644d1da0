"""enrol_manual_* and core_enrol_get_enrolled_users (Moodle 4.1 enrol/manual/externallib.php)."""

from __future__ import annotations

from typing import Any

from fake_moodle.exceptions import (
    InvalidParameterException,
    coding_exception,
    context_not_valid,
    missing_record,
    moodle_exception,
)
from fake_moodle.functions.users import user_details
from fake_moodle.params import Multiple, Single, Value, opt, options
from fake_moodle.registry import ws
from fake_moodle.rows import EnrolmentRow
from fake_moodle.site import ASSIGNABLE_ROLES, Site


def enrol_user(
    site: Site, course_id: int, user_id: int, role_id: int, timestart: int = 0, timeend: int = 0, status: int = 0
) -> EnrolmentRow:
    """enrol_plugin::enrol_user(): enrolling again updates times and status, then assigns the role."""
    enrolment = site.enrolment(course_id, user_id)
    if enrolment is None:
        enrolment = site.enrolments.insert(EnrolmentRow(course_id, user_id, status, timestart, timeend))
    elif (enrolment.timestart, enrolment.timeend, enrolment.status) != (timestart, timeend, status):
        site.enrolments.update(enrolment, timestart=timestart, timeend=timeend, status=status)
    user = site.users.get(user_id)
    if user is None or user.deleted:
        raise coding_exception("User ID does not exist or is deleted!", f"userid:{user_id}")
    site.journal.add(enrolment.roles, role_id)
    return enrolment


def unenrol_user(site: Site, course_id: int, user_id: int) -> None:
    """Removes the enrolment, its roles and the user's groups in the course."""
    enrolment = site.enrolment(course_id, user_id)
    if enrolment is None:
        return
    for group in site.user_groups(course_id, user_id):
        site.journal.discard(group.members, user_id)
    site.enrolments.delete(enrolment)


@ws(
    "enrol_manual_enrol_users",
    "write",
    Single(
        {
            "enrolments": Multiple(
                Single(
                    {
                        "roleid": Value("int"),
                        "userid": Value("int"),
                        "courseid": Value("int"),
                        "timestart": opt("int"),
                        "timeend": opt("int"),
                        "suspend": opt("int"),
                    }
                )
            )
        }
    ),
    component="enrol_manual",
    capability=("enrol/manual:enrol", "Enrol users"),
)
def enrol_users(site: Site, p: dict[str, Any]) -> None:
    for e in p["enrolments"]:
        if site.courses.get(e["courseid"]) is None or e["courseid"] == 1:
            raise InvalidParameterException("Context does not exist")
        if e["roleid"] not in ASSIGNABLE_ROLES:
            raise moodle_exception(
                "wsusercannotassign",
                f"You don't have the permission to assign this role ({e['roleid']}) to this user "
                f"({e['userid']}) in this course({e['courseid']}).",
            )
        enrol_user(
            site,
            e["courseid"],
            e["userid"],
            e["roleid"],
            e.get("timestart", 0),
            e.get("timeend", 0),
            1 if e.get("suspend") else 0,
        )
    return None


@ws(
    "enrol_manual_unenrol_users",
    "write",
    Single({"enrolments": Multiple(Single({"userid": Value("int"), "courseid": Value("int"), "roleid": opt("int")}))}),
    component="enrol_manual",
    capability=("enrol/manual:unenrol", "Unenrol users from the course"),
)
def unenrol_users(site: Site, p: dict[str, Any]) -> None:
    for e in p["enrolments"]:
        site.course(
            e["courseid"],
            missing_record("course", "SELECT id,category FROM {course} WHERE id = ?", [e["courseid"]]),
        )
        if site.users.get(e["userid"]) is None:
            raise InvalidParameterException(f"User id not exist: {e['userid']}")
        unenrol_user(site, e["courseid"], e["userid"])
    return None


@ws(
    "core_enrol_get_enrolled_users",
    "read",
    Single({"courseid": Value("int"), "options": options()}),
)
def get_enrolled_users(site: Site, p: dict[str, Any]) -> list[dict[str, Any]]:
    course = site.course(p["courseid"], context_not_valid("course", p["courseid"]))
    opts = {o["name"]: o["value"] for o in p["options"]}
    users = site.participants(course.id, onlyactive=opts.get("onlyactive") in ("1", "true"))
    if opts.get("groupid"):
        members = site.groups.rows[int(opts["groupid"])].members if int(opts["groupid"]) in site.groups.rows else set()
        users = [u for u in users if u.id in members]
    start = int(opts.get("limitfrom", 0))
    count = int(opts.get("limitnumber", 0))
    users = users[start : start + count] if count else users[start:]
    return [user_details(site, u, course) for u in users]
