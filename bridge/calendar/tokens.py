"""Secret calendar links of students (and their parents), teachers and school coordinators.

A link is ``<public_url>/calendar/feed/<token>.ics``: one URL shape for every kind, so the link
itself does not say whose calendar it is. The token carries 256 random bits; only its SHA-256 is
stored, so a stolen database copy opens no calendar, and a link cannot be shown a second time (a
lost link is replaced with ``--rotate``). An unknown or revoked token is simply "not found".
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.models import CalendarToken, School, Student, Teacher

FEED_PATH = "/calendar/feed/"
# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")


class FeedKind(enum.StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"
    SCHOOL = "school"


OWNER_MODELS: dict[FeedKind, type[Student] | type[Teacher] | type[School]] = {
    FeedKind.STUDENT: Student,
    FeedKind.TEACHER: Teacher,
    FeedKind.SCHOOL: School,
}


@dataclass(frozen=True)
class FeedOwner:
    kind: FeedKind
    id: int

    @property
    def column(self):
        return getattr(CalendarToken, f"{self.kind.value}_id")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def active_token(session: Session, owner: FeedOwner) -> CalendarToken | None:
    return session.scalar(
        select(CalendarToken).where(owner.column == owner.id, CalendarToken.revoked_at.is_(None))
    )


def issue_token(session: Session, owner: FeedOwner) -> str:
    """A new token for ``owner``; returns the only copy of it there will ever be."""
    token = secrets.token_urlsafe(32)
    session.add(CalendarToken(token_hash=_hash(token), **{f"{owner.kind.value}_id": owner.id}))
    session.flush()
    return token


def revoke_tokens(session: Session, owner: FeedOwner) -> int:
    """Revoke every active token of ``owner``; returns how many there were."""
    tokens = session.scalars(
        select(CalendarToken).where(owner.column == owner.id, CalendarToken.revoked_at.is_(None))
    ).all()
    now = dt.datetime.now(dt.UTC)
    for t in tokens:
        t.revoked_at = now
    session.flush()
    return len(tokens)


def resolve_token(session: Session, token: str) -> FeedOwner | None:
    """Whose calendar ``token`` opens, or None for a malformed, unknown or revoked token."""
    if not TOKEN_RE.fullmatch(token):
        return None
    row = session.scalar(
        select(CalendarToken).where(CalendarToken.token_hash == _hash(token), CalendarToken.revoked_at.is_(None))
    )
    if row is None:
        return None
    for kind in FeedKind:
        owner_id = getattr(row, f"{kind.value}_id")
        if owner_id is not None:
            return FeedOwner(kind, owner_id)
    return None  # pragma: no cover - the table's check constraint allows exactly one owner


def private_feed_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{FEED_PATH}{token}.ics"


def subscribe_page_url(public_url: str, token: str) -> str:
    """The page a student or parent opens from the private link: upcoming lessons, subscribe buttons."""
    return f"{public_url.rstrip('/')}{FEED_PATH}{token}"


def course_feed_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/calendar/course/{quote(code, safe='')}.ics"


@dataclass(frozen=True)
class SubscribeLinks:
    """The ways to subscribe to one feed: the plain URL, webcal:// (opens the calendar app on
    phones and desktop mail clients) and Google Calendar's "add by URL"."""

    url: str
    webcal: str
    google: str


def subscribe_links(feed_url: str) -> SubscribeLinks:
    parts = urlsplit(feed_url)
    webcal = urlunsplit(("webcal", *parts[1:]))
    google = "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe="")
    return SubscribeLinks(url=feed_url, webcal=webcal, google=google)
