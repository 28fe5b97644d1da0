"""core_calendar_*: create, list and delete events (Moodle 4.1 calendar/externallib.php)."""

from __future__ import annotations

from typing import Any

from fake_moodle.exceptions import missing_by_id
from fake_moodle.params import Multiple, Single, Value, dflt
from fake_moodle.registry import ws
from fake_moodle.rows import EventRow
from fake_moodle.site import Site

WEEK = 7 * 24 * 3600


_NULLABLE = ("courseid", "categoryid", "groupid", "userid", "repeatid", "modulename", "instance")


def event_record(e: EventRow, *, listed: bool) -> dict[str, Any]:
    """Create answers Moodle's event properties ("none" as 0 or ''); get answers the event vault's view,
    with "none" as null and the category and series ids added."""
    out: dict[str, Any] = {
        "id": e.id,
        "name": e.name,
        "description": e.description,
        "format": e.format,
        "courseid": e.courseid,
        "groupid": e.groupid,
        "userid": e.userid,
        "modulename": e.modulename,
        "instance": e.instance,
        "eventtype": e.eventtype,
        "timestart": e.timestart,
        "timeduration": e.timeduration,
        "visible": e.visible,
        "sequence": e.sequence,
        "timemodified": e.timemodified,
        "subscriptionid": None,
    }
    if not listed:
        return out | {"uuid": ""}
    out |= {"categoryid": e.categoryid, "repeatid": e.repeatid}
    return out | {key: out[key] or None for key in _NULLABLE}


def _allowed(site: Site, e: dict[str, Any]) -> bool:
    """calendar_add_event_allowed() for the admin: the course/group must exist."""
    kind = e["eventtype"]
    if kind == "user" or kind == "site":
        return True
    if kind == "course":
        return e["courseid"] in site.courses.rows and e["courseid"] != 1
    if kind == "group":
        return e["groupid"] in site.groups.rows
    return False


def add_event(site: Site, **fields: Any) -> EventRow:
    return site.events.insert(EventRow(userid=site.admin_id, timemodified=site.now, **fields))


@ws(
    "core_calendar_create_calendar_events",
    "write",
    Single(
        {
            "events": Multiple(
                Single(
                    {
                        "name": Value("text"),
                        "description": dflt("raw", None),
                        "format": dflt("int", 1),
                        "courseid": dflt("int", 0),
                        "groupid": dflt("int", 0),
                        "repeats": dflt("int", 0),
                        "eventtype": dflt("alpha", "user"),
                        "timestart": dflt("int", None),
                        "timeduration": dflt("int", 0),
                        "visible": dflt("int", 1),
                        "sequence": dflt("int", 1),
                    }
                )
            )
        }
    ),
    capability=("moodle/calendar:manageentries", "Manage entries"),
)
def create_events(site: Site, p: dict[str, Any]) -> dict[str, Any]:
    created, warnings = [], []
    for e in p["events"]:
        if not _allowed(site, e):
            warnings.append(
                {
                    "item": e["name"],
                    "warningcode": "nopermissions",
                    "message": "you do not have permissions to create this event",
                }
            )
            continue
        courseid = e["courseid"]
        if e["eventtype"] == "group":
            courseid = site.groups.rows[e["groupid"]].courseid
        elif e["eventtype"] == "site":
            courseid = 1
        start = site.now if e["timestart"] is None else e["timestart"]
        fields = dict(
            name=e["name"],
            eventtype=e["eventtype"],
            description=e["description"] or "",
            format=e["format"],
            courseid=courseid if e["eventtype"] != "user" else 0,
            groupid=e["groupid"] if e["eventtype"] == "group" else 0,
            timeduration=e["timeduration"],
            visible=e["visible"],
            sequence=e["sequence"],
        )
        first = add_event(site, timestart=start, **fields)
        if e["repeats"] > 0:
            site.journal.set(first, repeatid=first.id)
            series = [first] + [
                add_event(site, timestart=start + n * WEEK, repeatid=first.id, **fields) for n in range(1, e["repeats"])
            ]
            created.extend(event_record(x, listed=False) for x in series)
        else:
            created.append(event_record(first, listed=False))
    return {"events": created, "warnings": warnings}


def _ids() -> Multiple:
    return Multiple(Value("int"), "default", [])


@ws(
    "core_calendar_get_calendar_events",
    "read",
    Single(
        {
            "events": Single(
                {"eventids": _ids(), "courseids": _ids(), "groupids": _ids(), "categoryids": _ids()},
                "default",
                {"eventids": [], "courseids": [], "groupids": [], "categoryids": []},
            ),
            "options": Single(
                {
                    "userevents": dflt("bool", True),
                    "siteevents": dflt("bool", True),
                    "timestart": dflt("int", 0),
                    "timeend": dflt("int", 0),
                    "ignorehidden": dflt("bool", True),
                },
                "default",
                {"userevents": True, "siteevents": True, "timestart": 0, "timeend": 0, "ignorehidden": True},
            ),
        }
    ),
)
def get_events(site: Site, p: dict[str, Any]) -> dict[str, Any]:
    """Selection as the recorded site does it: with courseids given, group events are dropped."""
    sel, opt = p["events"], p["options"]
    courses, groups, categories = set(sel["courseids"]), set(sel["groupids"]), set(sel["categoryids"])
    start, end = opt["timestart"], opt["timeend"] or None

    def selected(e: EventRow) -> bool:
        if e.id in sel["eventids"]:
            return True
        if opt["ignorehidden"] and not e.visible:
            return False
        if e.timestart + e.timeduration < start or (end is not None and e.timestart > end):
            return False
        if e.eventtype == "user":
            return opt["userevents"] and e.userid == site.admin_id
        if e.courseid == 1:
            return opt["siteevents"]
        if e.groupid:
            return not courses and e.groupid in groups
        return e.courseid in courses or (e.categoryid in categories and bool(e.categoryid))

    events = sorted((e for e in site.events if selected(e)), key=lambda e: (e.timestart, e.id))
    return {"events": [event_record(e, listed=True) for e in events], "warnings": []}


@ws(
    "core_calendar_delete_calendar_events",
    "write",
    Single({"events": Multiple(Single({"eventid": Value("int"), "repeat": Value("bool")}))}),
    capability=("moodle/calendar:manageentries", "Manage entries"),
)
def delete_events(site: Site, p: dict[str, Any]) -> None:
    for e in p["events"]:
        event = site.events.get(e["eventid"])
        if event is None:
            raise missing_by_id("event", e["eventid"])
        series = [x for x in site.events if x.repeatid == event.repeatid] if e["repeat"] and event.repeatid else [event]
        for x in series:
            site.events.delete(x)
    return None
