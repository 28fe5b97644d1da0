"""The gateway's part for the timetable: attendance activities, attendance sessions, calendar events.

:class:`bridge.sync.gateway.Gateway` inherits this, so the gateway stays the one place that maps
items to Moodle calls. mod_attendance has no call to update a session, and an event's time is
not worth patching, so a changed session or event is removed and added again: a new Moodle id,
which its link takes. Before adding, Moodle is asked for one that is already there (made by a run
that was killed after Moodle committed, or by hand) and that one is adopted.

A session in which attendance was already taken is never removed: the change fails with the
reason, every run, until someone decides (the marks stay in Moodle and in the registry).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence

from bridge.sync.apply import Resolved
from bridge.sync.desired_schedule import ATTENDANCE_NAME
from bridge.sync.items import DesiredState, Item, Ref
from bridge.sync.reconcile import Actual, Found
from moodle_client import MoodleClient
from moodle_client.attendance import AttendanceSession, NewSession
from moodle_client.calendar import CalendarEvent, EventDeletion, NewEvent
from moodle_client.courses import CourseModule
from moodle_client.errors import MoodleError, NotFound, is_item_level

SCHEDULE_KINDS = frozenset({"attendance", "attendance_session", "event"})

# Events are read over a span that holds any academic year the registry may have.
EVENTS_FROM = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
EVENTS_TO = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)

Result = dict[str, object]


class AttendanceTaken(Exception):
    """The session holds marks: removing it would lose them. About this one item only."""


def session_fields(s: AttendanceSession, code: str) -> dict[str, object]:
    """What a full run compares: the time. A description edited in Moodle is left alone."""
    return {"attendance": Ref("attendance", code), "sessiontime": int(s.sessdate.timestamp()),
            "duration": int(s.duration.total_seconds())}


def event_fields(e: CalendarEvent, code: str) -> dict[str, object]:
    return {"course": Ref("course", code), "name": e.name, "timestart": int(e.timestart.timestamp()),
            "timeduration": int(e.timeduration.total_seconds())}


def _session_sign(fields: Mapping[str, object]) -> tuple:
    return fields["sessiontime"], fields["duration"], fields.get("description")


def _sign_of(s: AttendanceSession) -> tuple:
    return int(s.sessdate.timestamp()), int(s.duration.total_seconds()), s.description


def _event_sign(fields: Mapping[str, object]) -> tuple:
    return fields["name"], fields["timestart"], fields["timeduration"]


def _taken(s: AttendanceSession) -> bool:
    return s.lasttaken is not None or bool(s.attendance_log)


def _pick_attendance(modules: Sequence[CourseModule], linked: int | None, name: str) -> CourseModule | None:
    """The course's attendance activity: the linked one, else one with our name, else the first."""
    if not modules:
        return None
    return (next((m for m in modules if m.instance == linked), None)
            or next((m for m in modules if m.name == name), None) or modules[0])


class ScheduleGateway:
    client: MoodleClient
    fatal: MoodleError | None
    _send: Callable[..., Result]

    # -- writes -----------------------------------------------------------------------------

    def schedule_create(self, kind: str, items: Sequence[Resolved]) -> Result:
        if kind == "attendance":
            return self._each(items, lambda r: self.client.add_attendance(r.ids["course"],
                                                                          r.change.item.fields["name"]))
        if kind == "attendance_session":
            return self._each(items, self._add_session)
        return self._create_events(items)

    def schedule_update(self, kind: str, items: Sequence[Resolved]) -> Result:
        if kind == "attendance":
            return {r.change.key: None for r in items}  # an activity keeps the name it was made with
        if kind == "attendance_session":
            return self._replace_sessions(items, add=True)
        return self._replace_events(items, add=True)

    def schedule_remove(self, kind: str, items: Sequence[Resolved]) -> Result:
        if kind == "attendance_session":
            return self._replace_sessions(items, add=False)
        if kind == "event":
            return self._replace_events(items, add=False)
        raise ValueError(f"{kind} is never removed")

    def _each(self, items: Iterable[Resolved], call: Callable[[Resolved], object]) -> Result:
        """One call per item (mod_attendance takes no lists). An item-level error fails that item;
        anything else stops here, like a batch's fatal error."""
        results: Result = {}
        for r in items:
            if self.fatal is not None:
                results[r.change.key] = self.fatal
                continue
            try:
                results[r.change.key] = call(r)
            except AttendanceTaken as exc:
                results[r.change.key] = exc
            except MoodleError as exc:
                if not is_item_level(exc):
                    self.fatal = exc
                results[r.change.key] = exc
        return results

    def _add_session(self, r: Resolved) -> int:
        f = r.change.item.fields
        return self.client.add_session(NewSession(
            attendanceid=r.ids["attendance"], sessiontime=dt.datetime.fromtimestamp(f["sessiontime"], dt.UTC),
            duration=dt.timedelta(seconds=f["duration"]), description=f["description"], addcalendarevent=True))

    def _replace_sessions(self, items: Sequence[Resolved], *, add: bool) -> Result:
        """Remove each item's current session (unless attendance was taken in it), then, for an
        update, adopt a session already at the new time or add one."""
        read: dict[int, dict[int, AttendanceSession]] = {}

        def replace(r: Resolved) -> int | None:
            attendance = r.ids["attendance"]
            if attendance not in read:
                read[attendance] = {s.id: s for s in self.client.get_sessions(attendance)}
            sessions = read[attendance]
            current = sessions.get(r.change.moodle_id) if r.change.moodle_id else None
            if current is not None:
                if _taken(current):
                    raise AttendanceTaken(
                        f"attendance was taken in Moodle session {current.id} ({current.sessdate:%Y-%m-%d %H:%M} UTC): "
                        "it is not removed; change or delete it in Moodle by hand")
                try:
                    self.client.remove_session(current.id)
                except NotFound:
                    pass  # gone already: what we want
                del sessions[current.id]
            if not add:
                return None
            sign = _session_sign(r.change.item.fields)
            there = next((s for s in sessions.values() if _sign_of(s) == sign), None)
            new_id = there.id if there is not None else self._add_session(r)
            sessions.pop(new_id, None)  # claimed: no other item adopts it
            return new_id

        return self._each(items, replace)

    def _replace_events(self, items: Sequence[Resolved], *, add: bool) -> Result:
        """Delete each item's current event, then, for an update, adopt an event already there or create one."""
        results: Result = {}
        old = [r for r in items if r.change.moodle_id]
        if old:
            deleted = self._send(old, lambda r: EventDeletion(r.change.moodle_id), self.client.delete_calendar_events, None)
            results = {k: v for k, v in deleted.items() if not isinstance(v, NotFound)}  # gone already: fine
        if not add:
            return results
        failed = {k for k, v in results.items() if v is not None}
        if self.fatal is not None:
            return results | {r.change.key: self.fatal for r in items if r.change.key not in failed}
        ready = [r for r in items if r.change.key not in failed]
        course_ids = {("course", r.change.item.fields["course"].key): r.ids["course"] for r in ready}
        found = self._match_events([r.change.item for r in ready], course_ids, linked=set())
        rest = [r for r in ready if r.change.key not in found]
        return results | {k: f.moodle_id for k, f in found.items()} | (self._create_events(rest) if rest else {})

    def _create_events(self, items: Sequence[Resolved]) -> Result:
        results = self._send(items, self._new_event, self.client.create_calendar_events, lambda e: e.id)
        # An event Moodle refused with a warning has no id: a failure, tried again next run.
        return {r.change.key: results.get(r.change.key, MoodleError("Moodle refused the event (nopermissions)"))
                for r in items}

    @staticmethod
    def _new_event(r: Resolved) -> NewEvent:
        f = r.change.item.fields
        return NewEvent(name=f["name"], timestart=dt.datetime.fromtimestamp(f["timestart"], dt.UTC), eventtype="course",
                        courseid=r.ids["course"], timeduration=dt.timedelta(seconds=f["timeduration"]),
                        description=f["description"], format=1, visible=True)

    # -- reads ------------------------------------------------------------------------------

    def schedule_find_existing(self, kind: str, items: Sequence[Item], ids: Mapping[tuple[str, str], int],
                               fresh: set[tuple[str, str]]) -> dict[str, Found]:
        linked = {mid for (k, _), mid in ids.items() if k == kind}
        found: dict[str, Found] = {}
        if kind == "attendance":
            for item in items:
                course = ids.get(("course", item.key))
                if course is None or ("course", item.key) in fresh:
                    continue  # made in this run: it has no activities yet
                module = _pick_attendance(self.client.find_attendances(course), None, ATTENDANCE_NAME)
                if module is not None and module.instance not in linked:
                    found[item.key] = Found(module.instance, {"course": Ref("course", item.key)})
        elif kind == "attendance_session":
            by_code: dict[str, list[Item]] = {}
            for item in items:
                by_code.setdefault(item.fields["attendance"].key, []).append(item)
            for code, group in sorted(by_code.items()):
                attendance = ids.get(("attendance", code))
                if attendance is None or ("attendance", code) in fresh:
                    continue
                free = {_sign_of(s): s for s in self.client.get_sessions(attendance) if s.id not in linked}
                for item in group:
                    s = free.pop(_session_sign(item.fields), None)
                    if s is not None:
                        found[item.key] = Found(s.id, session_fields(s, code))
        elif kind == "event":
            found = self._match_events([i for i in items if ("course", i.fields["course"].key) not in fresh],
                                       ids, linked)
        return found

    def _match_events(self, items: Sequence[Item], ids: Mapping[tuple[str, str], int],
                      linked: set[int]) -> dict[str, Found]:
        """Course events already in Moodle with an item's name and time, not linked to anything."""
        code_of = {ids[("course", i.fields["course"].key)]: i.fields["course"].key
                   for i in items if ("course", i.fields["course"].key) in ids}
        if not code_of:
            return {}
        free: dict[tuple, CalendarEvent] = {}
        for e in self._course_events(sorted(code_of)):
            if e.id not in linked and e.courseid in code_of:
                free.setdefault((code_of[e.courseid], *_event_sign(event_fields(e, ""))), e)
        found = {}
        for item in items:
            code = item.fields["course"].key
            e = free.pop((code, *_event_sign(item.fields)), None)
            if e is not None:
                found[item.key] = Found(e.id, event_fields(e, code))
        return found

    def _course_events(self, course_ids: Sequence[int]) -> list[CalendarEvent]:
        """Course events (not the attendance plugin's own session events) of these courses."""
        events = self.client.get_calendar_events(courseids=course_ids, timestart=EVENTS_FROM, timeend=EVENTS_TO)
        return [e for e in events if e.eventtype == "course"]

    def read_schedule(self, actual: Actual, links: Mapping[str, Mapping[int, str]], desired: DesiredState) -> None:
        """Moodle's side of the timetable kinds, for a full run: the attendance activity of every
        course found, its sessions, and the courses' events; matched by link, else (for things not
        linked yet) by what they hold."""
        linked_att = {key: mid for mid, key in links.get("attendance", {}).items()}
        for code, course in sorted(actual.things["course"].items()):
            if code not in desired.items["attendance"] and code not in linked_att:
                continue
            module = _pick_attendance(self.client.find_attendances(course.moodle_id), linked_att.get(code), ATTENDANCE_NAME)
            if module is not None:
                actual.things["attendance"][code] = Found(module.instance, {"course": Ref("course", code)})

        session_keys = links.get("attendance_session", {})
        unlinked = {(i.fields["attendance"].key, _session_sign(i.fields)): i.key
                    for i in desired.items["attendance_session"].values() if i.key not in session_keys.values()}
        for code, attendance in sorted(actual.things["attendance"].items()):
            for s in self.client.get_sessions(attendance.moodle_id):
                sign = _sign_of(s)
                key = session_keys.get(s.id) or unlinked.pop((code, sign), None)
                if key is not None:
                    actual.things["attendance_session"][key] = Found(s.id, session_fields(s, code))

        code_of = {f.moodle_id: code for code, f in actual.things["course"].items()}
        event_keys = links.get("event", {})
        unlinked = {(i.fields["course"].key, *_event_sign(i.fields)): i.key
                    for i in desired.items["event"].values() if i.key not in event_keys.values()}
        for e in self._course_events(sorted(code_of)) if code_of else ():
            code = code_of.get(e.courseid)
            if code is None:
                continue
            key = event_keys.get(e.id) or unlinked.pop((code, *_event_sign(event_fields(e, code))), None)
            if key is not None:
                actual.things["event"][key] = Found(e.id, event_fields(e, code))

