"""The durable inbox: each event stored once, whatever the plugin retries or replays."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bridge.models import MAX_INTEGER, WebhookEvent

# The plugin's own envelope: not part of the event, and the token must never be stored.
ENVELOPE = ("token", "host", "extra")


def event_key(event: Mapping[str, Any]) -> str:
    """A key derived from the event itself (the plugin sends no id): the same event → the same key.

    Ids arrive as strings or ints depending on the field and the Moodle version, so they are
    normalised to strings before hashing."""
    core = {k: v for k, v in event.items() if k not in ENVELOPE}
    canonical = json.dumps(_stringify(core), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "ev:" + hashlib.sha256(canonical.encode()).hexdigest()


def _stringify(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    return str(value)


def moodle_id(value: Any) -> int | None:
    """A Moodle id sent as a number or a string of ASCII digits, or None for anything else (a
    float, ``1e400``, a Unicode digit, a number beyond the column)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value) if len(value) <= 18 else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INTEGER:
        return value
    return None


def store(session: Session, event: Mapping[str, Any], key: str) -> bool:
    """Store the event under ``key``; False if it was stored before (a replay or a duplicate)."""
    payload = {k: v for k, v in event.items() if k != "token"}
    try:
        session.execute(insert(WebhookEvent).values(
            dedupe_key=key, eventname=str(event["eventname"])[:255], course_id=moodle_id(event.get("courseid")),
            payload=payload, received_at=dt.datetime.now(dt.UTC), status="pending", attempts=0, error=""))
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        if session.scalar(select(WebhookEvent.id).where(WebhookEvent.dedupe_key == key)) is None:
            raise
        return False
