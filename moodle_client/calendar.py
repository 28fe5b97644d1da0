"""Calendar events of courses and groups (lessons, face-to-face sessions, meetings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from moodle_client.batch import BatchResult, Decoded
from moodle_client.core import ClientCore
from moodle_client.decoders import void, warnings_of
from moodle_client.records import ApiInput, ApiRecord


@dataclass(frozen=True)
class CalendarEvent(ApiRecord):
    """An event; Moodle reports "none" as 0 when creating and as null when reading, both → None/0."""

    id: int
    name: str
    timestart: dt.datetime
    timeduration: dt.timedelta = dt.timedelta(0)
    description: str = ""
    format: int = 1
    courseid: int = 0
    groupid: int | None = None
    categoryid: int | None = None
    userid: int | None = None
    modulename: str | None = None
    instance: int | None = None
    eventtype: str = ""
    visible: bool = True
    sequence: int = 1
    repeatid: int | None = None
    timemodified: dt.datetime | None = None


@dataclass(frozen=True)
class NewEvent(ApiInput):
    """``eventtype`` "course" (needs ``courseid``) or "group" (needs ``courseid`` and ``groupid``)."""

    name: str
    timestart: dt.datetime
    eventtype: str = "course"
    courseid: int | None = None
    groupid: int | None = None
    timeduration: dt.timedelta | None = None
    description: str | None = None
    format: int | None = None
    visible: bool | None = None


@dataclass(frozen=True)
class EventDeletion(ApiInput):
    eventid: int
    repeat: bool = False


def _created(answer: Any, chunk: Sequence[NewEvent]) -> Decoded:
    """Events come back in order, except those refused with a warning naming the event."""
    warnings = warnings_of(answer)
    refused = [w.item for w in warnings]
    events = iter(answer["events"])
    pairs = []
    for item in chunk:
        if item.name in refused:
            refused.remove(item.name)
            continue
        pairs.append((item, CalendarEvent.from_api(next(events))))
    return pairs, warnings


class CalendarCalls(ClientCore):
    def create_calendar_events(self, items: Sequence[NewEvent]) -> BatchResult[NewEvent, CalendarEvent]:
        return self.call_list("core_calendar_create_calendar_events", items, _created)

    def get_calendar_events(
        self,
        *,
        eventids: Sequence[int] = (),
        courseids: Sequence[int] = (),
        groupids: Sequence[int] = (),
        timestart: dt.datetime | None = None,
        timeend: dt.datetime | None = None,
        userevents: bool = False,
        siteevents: bool = False,
    ) -> list[CalendarEvent]:
        """Events of these courses/groups in [timestart, timeend].

        Moodle drops group events when ``courseids`` are given too (recorded in the samples), so
        with both this makes two calls and merges them.
        """
        options = {"userevents": userevents, "siteevents": siteevents, "timestart": timestart, "timeend": timeend}
        if courseids and groupids:
            selections = [{"eventids": eventids, "courseids": courseids}, {"groupids": groupids}]
        else:
            selections = [{"eventids": eventids, "courseids": courseids, "groupids": groupids}]
        found: dict[int, CalendarEvent] = {}
        for events in selections:
            answer = self.call("core_calendar_get_calendar_events", {"events": events, "options": options})
            for raw in answer["events"]:
                event = CalendarEvent.from_api(raw)
                found[event.id] = event
        return sorted(found.values(), key=lambda e: (e.timestart, e.id))

    def delete_calendar_events(self, items: Sequence[EventDeletion]) -> BatchResult[EventDeletion, None]:
        return self.call_list("core_calendar_delete_calendar_events", items, void)
