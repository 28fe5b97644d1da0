"""The web-service functions the product uses: the single table of what each one is.

``kind`` drives the retry policy (a read can be repeated, a write must not be repeated blindly);
``list_param`` names the list a call takes, so the batcher can split it under PHP's parameter
budget; ``atomic`` marks Moodle functions that run the whole list in one transaction, so one bad
item fails them all (the batcher then bisects). The same table yields the list an administrator
must add to the external service (``netcourses moodle check``, README, tests).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.Enum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class WsFunction:
    name: str
    kind: Kind
    list_param: str | None = None
    atomic: bool = False


R, W = Kind.READ, Kind.WRITE

_TABLE = (
    WsFunction("core_webservice_get_site_info", R),
    WsFunction("core_get_string", R),  # probes whether a language pack is installed
    WsFunction("core_course_get_categories", R),
    WsFunction("core_course_create_categories", W, "categories", atomic=True),
    WsFunction("core_course_get_courses_by_field", R),
    WsFunction("core_course_create_courses", W, "courses", atomic=True),
    WsFunction("core_course_update_courses", W, "courses"),
    WsFunction("core_course_get_contents", R),
    WsFunction("core_user_get_users_by_field", R, "values"),
    WsFunction("core_user_create_users", W, "users", atomic=True),
    WsFunction("core_user_update_users", W, "users"),
    WsFunction("core_cohort_create_cohorts", W, "cohorts", atomic=True),
    WsFunction("core_cohort_search_cohorts", R),
    WsFunction("core_cohort_get_cohorts", R, "cohortids"),
    WsFunction("core_cohort_get_cohort_members", R, "cohortids"),
    WsFunction("core_cohort_add_cohort_members", W, "members"),
    WsFunction("core_cohort_delete_cohort_members", W, "members", atomic=True),
    WsFunction("enrol_manual_enrol_users", W, "enrolments", atomic=True),
    WsFunction("enrol_manual_unenrol_users", W, "enrolments", atomic=True),
    WsFunction("core_enrol_get_enrolled_users", R),
    WsFunction("core_group_create_groups", W, "groups", atomic=True),
    WsFunction("core_group_get_course_groups", R),
    WsFunction("core_group_add_group_members", W, "members", atomic=True),
    WsFunction("core_group_delete_group_members", W, "members", atomic=True),
    WsFunction("core_calendar_create_calendar_events", W, "events", atomic=True),
    WsFunction("core_calendar_get_calendar_events", R),
    WsFunction("core_calendar_delete_calendar_events", W, "events", atomic=True),
    WsFunction("gradereport_user_get_grade_items", R),
    WsFunction("core_grades_update_grades", W, "grades"),
    WsFunction("mod_attendance_add_attendance", W),
    WsFunction("mod_attendance_add_session", W),
    WsFunction("mod_attendance_remove_session", W),
    WsFunction("mod_attendance_get_sessions", R),
    WsFunction("mod_attendance_get_session", R),
    WsFunction("mod_attendance_update_user_status", W),
)

FUNCTIONS: dict[str, WsFunction] = {f.name: f for f in _TABLE}

# Every function above must be in the token's external service.
REQUIRED_FUNCTIONS: tuple[str, ...] = tuple(FUNCTIONS)

ATTENDANCE_PREFIX = "mod_attendance_"


def describe(name: str) -> WsFunction:
    """The table entry; a function the table does not know is treated as a write (the safe side)."""
    return FUNCTIONS.get(name) or WsFunction(name, Kind.WRITE)
