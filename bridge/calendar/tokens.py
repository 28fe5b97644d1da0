"""Secret calendar links of students (and their parents), teachers and school coordinators.

A link is ``<public_url>/calendar/feed/<token>.ics``: one URL shape for every kind, so the link
itself does not say whose calendar it is. The token carries 256 random bits; only its SHA-256 is
stored, so a stolen database copy opens no calendar, and a link cannot be shown a second time (a
lost link is replaced with ``--rotate``). An unknown or revoked token is simply "not found".

The service every caller shares (``netcourses calendar-link``, the console's student page and
``/api/v1/calendar-links``): :func:`find_owner` (kind + external id), :func:`link_status`,
:func:`issue_link` (refuses with :class:`LinkExists` unless ``rotate``) and :func:`revoke_tokens`.
Callers check who may act and write the audit entry; none of them logs the returned link.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bridge.db import utc
from bridge.models import CalendarToken, School, Student, Teacher
from bridge.models.calendar import token_hash

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


def active_token(session: Session, owner: FeedOwner) -> CalendarToken | None:
    return session.scalar(
        select(CalendarToken).where(owner.column == owner.id, CalendarToken.revoked_at.is_(None),
                                    CalendarToken.campaign_id.is_(None))
    )


def issue_token(session: Session, owner: FeedOwner) -> str:
    """A new token for ``owner``; returns the only copy of it there will ever be."""
    token = secrets.token_urlsafe(32)
    session.add(CalendarToken(token_hash=token_hash(token), **{f"{owner.kind.value}_id": owner.id}))
    session.flush()
    return token


def revoke_tokens(session: Session, owner: FeedOwner) -> int:
    """Revoke every active token of ``owner``; returns how many there were."""
    tokens = session.scalars(
        select(CalendarToken).where(owner.column == owner.id, CalendarToken.revoked_at.is_(None),
                                    CalendarToken.campaign_id.is_(None))
    ).all()
    now = dt.datetime.now(dt.UTC)
    for t in tokens:
        t.revoked_at = now
    session.flush()
    return len(tokens)


def find_owner(session: Session, kind: FeedKind, external_id: str) -> FeedOwner | None:
    """The owner of kind ``kind`` with this external id, or None when there is none."""
    model = OWNER_MODELS[kind]
    row_id = session.scalar(select(model.id).where(model.external_id == external_id))
    return None if row_id is None else FeedOwner(kind, row_id)


@dataclass(frozen=True)
class LinkStatus:
    """Whether ``owner`` has a working link, and since when; never the link itself."""

    active: bool
    issued_at: dt.datetime | None


def link_status(session: Session, owner: FeedOwner) -> LinkStatus:
    current = active_token(session, owner)
    return LinkStatus(active=False, issued_at=None) if current is None else (
        LinkStatus(active=True, issued_at=utc(current.created_at)))


class LinkExists(Exception):
    """The owner has a working link already. Only its hash is kept, so it cannot be shown again:
    the caller may replace it (``rotate``) or leave it."""

    def __init__(self, issued_at: dt.datetime) -> None:
        super().__init__(f"a calendar link exists already (issued {issued_at:%Y-%m-%d})")
        self.issued_at = issued_at


@dataclass(frozen=True)
class PrivateLink:
    """A link just issued: the ways to subscribe to the feed and the subscribe page. This is the
    only time it exists in clear, so its repr does not show it (a stray log line leaks nothing)."""

    feed: SubscribeLinks = field(repr=False)
    page: str = field(repr=False)
    replaced: int  # how many working links it replaced (0 or 1)

    def as_dict(self) -> dict[str, str]:
        return {"url": self.feed.url, "webcal": self.feed.webcal, "google": self.feed.google, "page": self.page}


def issue_link(session: Session, owner: FeedOwner, public_url: str, *, rotate: bool = False) -> PrivateLink:
    """A new link for ``owner``. When one works already, raise :class:`LinkExists`, or with
    ``rotate`` revoke it first (it stops opening the calendar). Losing a race with another request
    issuing one also raises :class:`LinkExists`, after rolling the session back: without
    ``rotate`` nothing is revoked, not even a link issued since the check, which its requester
    may be showing right now."""
    current = active_token(session, owner)
    if current is not None and not rotate:
        raise LinkExists(utc(current.created_at))
    replaced = revoke_tokens(session, owner) if rotate else 0
    try:
        token = issue_token(session, owner)
    except IntegrityError:
        # Another request issued one between the check and now (one working link per owner is
        # the database's rule): this transaction cannot go on, so it is rolled back.
        session.rollback()
        current = active_token(session, owner)
        raise LinkExists(utc(current.created_at) if current else dt.datetime.now(dt.UTC)) from None
    return PrivateLink(feed=subscribe_links(private_feed_url(public_url, token)),
                       page=subscribe_page_url(public_url, token), replaced=replaced)


def resolve_token(session: Session, token: str) -> FeedOwner | None:
    """Whose calendar ``token`` opens, or None for a malformed, unknown or revoked token."""
    if not TOKEN_RE.fullmatch(token):
        return None
    row = session.scalar(
        select(CalendarToken).where(CalendarToken.token_hash == token_hash(token), CalendarToken.revoked_at.is_(None),
                                    CalendarToken.campaign_id.is_(None))
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
