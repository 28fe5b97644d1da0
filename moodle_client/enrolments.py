"""Manual enrolments (who is in which course, with which role, when, suspended or not)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from moodle_client.batch import BatchResult
from moodle_client.core import ClientCore
from moodle_client.decoders import void
from moodle_client.records import ApiInput, ApiRecord

# Role ids of a standard Moodle install.
ROLE_MANAGER = 1
ROLE_EDITINGTEACHER = 3
ROLE_TEACHER = 4
ROLE_STUDENT = 5


@dataclass(frozen=True)
class Enrolment(ApiInput):
    """Enrolling an enrolled user again updates its times and suspension (and adds the role)."""

    userid: int
    courseid: int
    roleid: int = ROLE_STUDENT
    timestart: dt.datetime | None = None
    timeend: dt.datetime | None = None
    suspend: bool | None = None


@dataclass(frozen=True)
class Unenrolment(ApiInput):
    userid: int
    courseid: int
    roleid: int | None = None


@dataclass(frozen=True)
class Role(ApiRecord):
    roleid: int
    shortname: str = ""
    name: str = ""
    sortorder: int = 0


@dataclass(frozen=True)
class GroupRef(ApiRecord):
    id: int
    name: str = ""


@dataclass(frozen=True)
class EnrolledCourse(ApiRecord):
    id: int
    fullname: str = ""
    shortname: str = ""


@dataclass(frozen=True)
class EnrolledUser(ApiRecord):
    id: int
    username: str = ""
    firstname: str = ""
    lastname: str = ""
    fullname: str = ""
    email: str = ""
    idnumber: str = ""
    institution: str = ""
    department: str = ""
    firstaccess: dt.datetime | None = None
    lastaccess: dt.datetime | None = None
    lastcourseaccess: dt.datetime | None = None
    roles: tuple[Role, ...] = ()
    groups: tuple[GroupRef, ...] = ()
    enrolledcourses: tuple[EnrolledCourse, ...] = ()

    @property
    def roleids(self) -> frozenset[int]:
        return frozenset(r.roleid for r in self.roles)


class EnrolmentCalls(ClientCore):
    def enrol_users(self, items: Sequence[Enrolment]) -> BatchResult[Enrolment, None]:
        return self.call_list("enrol_manual_enrol_users", items, void)

    def unenrol_users(self, items: Sequence[Unenrolment]) -> BatchResult[Unenrolment, None]:
        return self.call_list("enrol_manual_unenrol_users", items, void)

    def get_enrolled_users(
        self, courseid: int, *, onlyactive: bool = False, groupid: int | None = None
    ) -> list[EnrolledUser]:
        """Participants with roles and groups. ``onlyactive`` drops suspended and out-of-date ones
        (Moodle does not report enrolment times; compare both lists to find the suspended)."""
        options: list[dict[str, Any]] = []
        if onlyactive:
            options.append({"name": "onlyactive", "value": 1})
        if groupid is not None:
            options.append({"name": "groupid", "value": groupid})
        answer = self.call("core_enrol_get_enrolled_users", {"courseid": courseid, "options": options or None})
        return [EnrolledUser.from_api(u) for u in answer]
