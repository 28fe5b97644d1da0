"""``FakeMoodle``: an in-process stand-in for a Moodle 4.1 site's REST web services.

It answers POSTs to ``<url>/webservice/rest/server.php`` through ``responses``, so the real client
code (requests, form encoding, JSON decoding) runs end to end. The request is handled as Moodle's
web-service server does: token, function lookup, service membership, parameter validation, then
the function in a transaction that is rolled back whole on an exception. Faults (5xx, timeouts
before/after the change is committed, resets, maintenance pages, slow answers) can be injected per
function and per call number; every request is recorded so tests can count reads and writes.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

import fake_moodle.functions  # noqa: F401 - registers the handlers
from config.settings import MoodleSettings, Secret
from fake_moodle.exceptions import (
    MoodleException,
    access_exception,
    invalid_token,
    required_capability,
    site_maintenance,
    unknown_function,
)
from fake_moodle.functions import attendance, calendar, cohorts, courses, enrol, grades, groups, users
from fake_moodle.php_form import parse_form
from fake_moodle.registry import REGISTRY
from fake_moodle.rows import (
    CategoryRow,
    CohortRow,
    CourseRow,
    EnrolmentRow,
    EventRow,
    GradeItemRow,
    GroupRow,
    ModuleRow,
    SessionRow,
    UserRow,
)
from fake_moodle.site import ROLE_STUDENT, SYSTEM_CONTEXT, Site

ENDPOINT = "/webservice/rest/server.php"
# The recording's clock: the samples' timestamps are around this instant.
RECORDED_NOW = 1795387080

FAULTS = (
    "connect_error",  # the connection is refused: nothing reaches the site
    "timeout_before_commit",  # the site got the request; the client times out and nothing is applied
    "timeout_after_commit",  # the change is applied, but the client times out
    "reset_after_commit",  # the change is applied, then the connection is reset
    "http_error",  # an HTML error page with ``status`` (and ``retry_after``); nothing applied
    "maintenance_html",  # CLI maintenance: 503 with Retry-After and an HTML page; nothing applied
    "html",  # HTTP 200 with an HTML page (a login page, PHP output): nothing applied
    "slow",  # the answer is normal but takes ``seconds`` (the fake's clock advances; nothing sleeps)
    "hold",  # the site has the request (``fault.reached`` is set) and answers once the test calls ``release()``
)
HOLD_LIMIT = 60.0  # a held request answers after this many seconds even if the test never releases it
_BEFORE = {"connect_error", "timeout_before_commit", "http_error", "maintenance_html", "html"}

MAINTENANCE_PAGE = (
    '<!DOCTYPE html><html><head><title>Maintenance</title></head><body><div class="maintenance">'
    "This site is undergoing maintenance and is currently not available</div></body></html>"
)
LOGIN_PAGE = "<!DOCTYPE html><html><head><title>Network School District: Log in to the site</title></head></html>"


@dataclass
class Fault:
    """An injected fault; ``function=None`` matches any function, ``call`` a per-function call number."""

    kind: str
    function: str | None = None
    call: int | None = None
    times: int = 1
    status: int = 500
    retry_after: str | None = None
    seconds: float = 0.0
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()

    def matches(self, function: str, number: int) -> bool:
        return (
            self.times > 0
            and (self.function is None or self.function == function)
            and (self.call is None or self.call == number)
        )


@dataclass
class CallRecord:
    """One request as the site saw it (``reached`` is False for refused connections)."""

    function: str
    kind: str
    fields: int
    number: int
    reached: bool = True
    outcome: str = ""  # "ok", "error:<errorcode>" or the fault kind
    committed: bool = False
    params: dict[str, Any] = field(default_factory=dict)  # the call's parameters (without the token)


class FakeMoodle:
    def __init__(
        self,
        url: str = "https://moodle.test",
        token: str = "fake-token-0123456789abcdef",
        *,
        now: int = RECORDED_NOW,
        debug: bool = True,
        sitename: str = "Network School District",
        langs: Iterable[str] = ("en", "ru"),
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.debug = debug  # a site with debugging on adds debuginfo to errors; production does not
        self.site = Site(now, self.url, sitename)
        self.site.service = list(REGISTRY)
        self.site.langs = set(langs)  # the installed language packs
        self.maintenance = False
        self.revoked: set[str] = set()
        self.faults: list[Fault] = []
        self.calls: list[CallRecord] = []
        self._numbers: Counter[str] = Counter()

    # -- plumbing -----------------------------------------------------------------------------------

    def install(self, mock: responses.RequestsMock) -> FakeMoodle:
        """Answer this site's endpoint inside an active ``responses`` mock."""
        mock.add_callback(responses.POST, self.url + ENDPOINT, callback=self.handle)
        return self

    @contextmanager
    def running(self) -> Iterator[FakeMoodle]:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            yield self.install(mock)

    def settings(self, **overrides: Any) -> MoodleSettings:
        """Moodle settings pointing at this site, e.g. for ``Settings(moodle=fake.settings())``."""
        return MoodleSettings(url=self.url, token=Secret(self.token), **overrides)

    def clock(self) -> float:
        """The site's clock, as a client ``clock``: slow faults advance it instead of sleeping."""
        return float(self.site.now)

    def advance(self, seconds: float) -> None:
        self.site.now += int(seconds)

    def handle(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        fields, tree = parse_form(request.body)
        function = str(tree.get("wsfunction", ""))
        self._numbers[function] += 1
        definition = REGISTRY.get(function)
        record = CallRecord(
            function,
            definition.kind if definition else "unknown",
            len(fields),
            self._numbers[function],
            params={k: v for k, v in tree.items() if k not in ("wstoken", "wsfunction", "moodlewsrestformat")},
        )
        self.calls.append(record)
        fault = self._take_fault(function, record.number)
        if fault is not None:
            record.outcome = fault.kind
            if fault.kind in _BEFORE:
                return self._fail_before(fault, record)
            if fault.kind == "slow":
                self.advance(fault.seconds)
            if fault.kind == "hold":
                fault.reached.set()
                fault.released.wait(HOLD_LIMIT)
        body = self._dispatch(function, tree, record)
        if fault is not None and fault.kind == "timeout_after_commit":
            raise requests.ReadTimeout("HTTPSConnectionPool: Read timed out. (read timeout)")
        if fault is not None and fault.kind == "reset_after_commit":
            raise requests.ConnectionError(
                ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))
            )
        return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(body, ensure_ascii=False)

    def _fail_before(self, fault: Fault, record: CallRecord) -> tuple[int, dict[str, str], str]:
        if fault.kind == "connect_error":
            record.reached = False
            reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")  # type: ignore[arg-type]
            raise requests.ConnectionError(MaxRetryError(None, ENDPOINT, reason))  # type: ignore[arg-type]
        if fault.kind == "timeout_before_commit":
            raise requests.ReadTimeout("HTTPSConnectionPool: Read timed out. (read timeout)")
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if fault.kind == "maintenance_html":
            return 503, headers | {"Retry-After": fault.retry_after or "300"}, MAINTENANCE_PAGE
        if fault.kind == "html":
            return 200, headers, LOGIN_PAGE
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        return fault.status, headers, f"<html><head><title>{fault.status} Error</title></head></html>"

    def _dispatch(self, function: str, tree: dict[str, Any], record: CallRecord) -> Any:
        try:
            if tree.get("wstoken") != self.token:
                raise invalid_token()
            if self.maintenance:
                raise site_maintenance()
            definition = REGISTRY.get(function)
            if definition is None or not self.site.installed(function):
                raise unknown_function(function)
            if function not in self.site.service:
                raise access_exception(function)
            params = {k: v for k, v in tree.items() if k not in ("wstoken", "wsfunction", "moodlewsrestformat")}
            validated = definition.params.validate(params)
            if definition.capability and definition.capability[0] in self.revoked:
                raise required_capability(*definition.capability)
            with self.site.journal.transaction():
                result = definition.handler(self.site, validated)
        except MoodleException as exc:
            record.outcome = record.outcome or f"error:{exc.errorcode}"
            return exc.body(self.debug)
        record.outcome = record.outcome or "ok"
        record.committed = True
        return result

    @property
    def attendance_installed(self) -> bool:
        return self.site.attendance_installed

    @attendance_installed.setter
    def attendance_installed(self, value: bool) -> None:
        """Without the plugin, mod_attendance_* functions do not exist on the site."""
        self.site.attendance_installed = value

    def _take_fault(self, function: str, number: int) -> Fault | None:
        for fault in self.faults:
            if fault.matches(function, number):
                fault.times -= 1
                return fault
        return None

    # -- faults and site configuration ----------------------------------------------------------------

    def inject(
        self,
        kind: str,
        *,
        function: str | None = None,
        call: int | None = None,
        times: int = 1,
        status: int = 500,
        retry_after: str | None = None,
        seconds: float = 0.0,
    ) -> Fault:
        """Make the next matching request(s) fail; see FAULTS for the kinds."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULTS}")
        fault = Fault(kind, function, call, times, status, retry_after, seconds)
        self.faults.append(fault)
        return fault

    def remove_from_service(self, *functions: str) -> None:
        """Take functions out of the token's external service (they answer accessexception)."""
        self.site.service = [f for f in self.site.service if f not in functions]

    def revoke(self, capability: str) -> None:
        """The token's user loses a capability (functions needing it answer nopermissions)."""
        self.revoked.add(capability)

    # -- counting ----------------------------------------------------------------------------------

    def count(self, function: str | None = None, *, kind: str | None = None) -> int:
        """Requests that reached the site, optionally of one function or kind ("read"/"write")."""
        return sum(
            1
            for c in self.calls
            if c.reached and (function is None or c.function == function) and (kind is None or c.kind == kind)
        )

    @property
    def reads(self) -> int:
        return self.count(kind="read")

    @property
    def writes(self) -> int:
        return self.count(kind="write")

    def read_courses(self, function: str) -> list[int]:
        """The ``courseid`` of every call of ``function`` that reached the site, in order."""
        return [int(c.params["courseid"]) for c in self.calls if c.reached and c.function == function]

    def reset_counts(self) -> None:
        self.calls.clear()
        self._numbers.clear()

    # -- seeding: what an administrator does by hand ------------------------------------------------

    def add_category(self, name: str, idnumber: str | None = None, parent: int = 0) -> int:
        return courses.add_category(self.site, name, idnumber, parent).id

    def add_course(self, shortname: str, fullname: str | None = None, *, category: int = 1, **fields: Any) -> int:
        """Fields as in core_course_create_courses (idnumber, startdate, enddate, groupmode, visible...)."""
        data = {"fullname": fullname or shortname, "shortname": shortname, "categoryid": category, **fields}
        return courses.add_course(self.site, data).id

    def add_user(
        self,
        username: str,
        firstname: str = "Имя",
        lastname: str = "Фамилия",
        *,
        email: str | None = None,
        **fields: Any,
    ) -> int:
        data = {
            "username": username,
            "firstname": firstname,
            "lastname": lastname,
            "email": email or f"{username}@example.org",
            "auth": "manual",
            "lang": "en",
            "createpassword": True,
            **fields,
        }
        return users.add_user(self.site, data).id

    def enrol(
        self,
        userid: int,
        courseid: int,
        roleid: int = ROLE_STUDENT,
        *,
        timestart: int = 0,
        timeend: int = 0,
        suspended: bool = False,
    ) -> None:
        enrol.enrol_user(self.site, courseid, userid, roleid, timestart, timeend, int(suspended))

    def add_group(self, courseid: int, name: str, *, idnumber: str = "", members: tuple[int, ...] = ()) -> int:
        """A group with these (already enrolled) members."""
        if any(self.site.enrolment(courseid, m) is None for m in members):
            raise ValueError("only users enrolled in the course can be group members")
        group = groups.add_group(self.site, courseid, name, idnumber=idnumber)
        group.members.update(members)
        return group.id

    def add_cohort(
        self, name: str, idnumber: str, *, category: int | None = None, members: tuple[int, ...] = ()
    ) -> int:
        context = self.site.categories.rows[category].contextid if category else SYSTEM_CONTEXT
        cohort = cohorts.add_cohort(self.site, context, name, idnumber)
        cohort.members.update(members)
        return cohort.id

    def add_event(
        self,
        name: str,
        timestart: int,
        *,
        courseid: int,
        groupid: int = 0,
        timeduration: int = 0,
        eventtype: str | None = None,
    ) -> int:
        kind = eventtype or ("group" if groupid else "course")
        return calendar.add_event(
            self.site,
            name=name,
            eventtype=kind,
            timestart=timestart,
            courseid=courseid,
            groupid=groupid,
            timeduration=timeduration,
        ).id

    def add_attendance(self, courseid: int, name: str = "Посещаемость", *, groupmode: int = 0) -> int:
        """Adds the activity; returns the attendanceid (the module's instance)."""
        return attendance.add_attendance(self.site, courseid, name, groupmode=groupmode).id

    def add_session(
        self,
        attendanceid: int,
        sessdate: int,
        *,
        duration: int = 2700,
        groupid: int = 0,
        description: str = "",
        calendar_event: bool = False,
    ) -> int:
        return attendance.add_session(
            self.site, attendanceid, sessdate, duration, groupid, description, calendar_event
        ).id

    def mark(self, sessionid: int, studentid: int, acronym: str, *, takenby: int = 2, remarks: str | None = None) -> None:
        """Take attendance as a teacher would in Moodle's UI (where a remark can be added too)."""
        session = self.site.sessions.rows[sessionid]
        status = next(s for s in self.site.statuses.by("attendance", session.attendanceid) if s.acronym == acronym)
        attendance.mark(self.site, session, studentid, status.id, takenby)
        self.site.logs.update(self.site.logs.first("pair", (sessionid, studentid)), remarks=remarks)

    def add_assignment(self, courseid: int, name: str, *, grademax: float = 100.0, cmid: int | None = None) -> int:
        """An assignment with its grade item (created with Moodle's PHP API in the recording); returns the cmid."""
        instance = 1 + sum(1 for m in self.site.modules if m.modname == "assign")
        module = self.site.modules.insert(
            ModuleRow(courseid, "assign", instance, name, contextid=self.site.new_context(), id=cmid or 0)
        )
        grades.add_activity_item(self.site, module, grademax)
        return module.id

    def add_grade_item(
        self,
        courseid: int,
        name: str,
        *,
        grademin: float = 0.0,
        grademax: float = 100.0,
        idnumber: str = "",
        gradepass: float = 0.0,
    ) -> int:
        """A manual grade item; returns its id."""
        return grades.add_manual_item(self.site, courseid, name, grademin, grademax, idnumber, gradepass).id

    def set_grade(
        self, itemid: int, userid: int, grade: float | None, *, feedback: str = "", feedbackformat: int = 0
    ) -> None:
        grades.set_grade(self.site, self.site.grade_items.rows[itemid], userid, grade, feedback, feedbackformat)

    def submit(self, itemid: int, userid: int) -> None:
        """The student submits the activity's work now (gradedatesubmitted), not graded yet."""
        grades.submit(self.site, self.site.grade_items.rows[itemid], userid)

    def visit(self, courseid: int, userid: int) -> None:
        """The user opens the course now (lastcourseaccess)."""
        self.site.course_access[(courseid, userid)] = self.site.now

    def item_of(self, cmid: int) -> int:
        """The grade item id of an activity."""
        return next(i.id for i in self.site.grade_items if i.cmid == cmid)

    # -- inspection -------------------------------------------------------------------------------

    def user(self, username: str) -> UserRow | None:
        return self.site.users.first("username", username)

    def user_by_idnumber(self, idnumber: str) -> UserRow | None:
        return self.site.users.first("idnumber", idnumber)

    def course(self, shortname: str) -> CourseRow | None:
        return self.site.courses.first("shortname", shortname)

    def course_by_idnumber(self, idnumber: str) -> CourseRow | None:
        return self.site.courses.first("idnumber", idnumber)

    def category(self, idnumber: str) -> CategoryRow | None:
        return self.site.categories.first("idnumber", idnumber)

    def enrolment(self, courseid: int, userid: int) -> EnrolmentRow | None:
        return self.site.enrolment(courseid, userid)

    def enrolments(self, courseid: int) -> list[EnrolmentRow]:
        return sorted(self.site.enrolments.by("course", courseid), key=lambda e: e.userid)

    def groups_of(self, courseid: int) -> list[GroupRow]:
        return sorted(self.site.groups.by("course", courseid), key=lambda g: g.id)

    def cohort(self, idnumber: str) -> CohortRow | None:
        return self.site.cohorts.first("idnumber", idnumber)

    def events_of(self, courseid: int) -> list[EventRow]:
        return sorted(self.site.events.by("course", courseid), key=lambda e: (e.timestart, e.id))

    def sessions_of(self, attendanceid: int) -> list[SessionRow]:
        return sorted(self.site.sessions.by("attendance", attendanceid), key=lambda s: s.id)

    def marks(self, sessionid: int) -> dict[int, str]:
        """studentid → status acronym of a session."""
        statuses = self.site.statuses.rows
        return {log.studentid: statuses[log.statusid].acronym for log in self.site.logs.by("session", sessionid)}

    def grade(self, itemid: int, userid: int) -> float | None:
        row = self.site.grades.first("pair", (itemid, userid))
        return row.finalgrade if row else None

    def grade_items(self, courseid: int) -> list[GradeItemRow]:
        return sorted(self.site.grade_items.by("course", courseid), key=lambda i: i.id)
