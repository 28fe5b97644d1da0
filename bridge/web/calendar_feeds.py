"""Calendar feeds over HTTP: ``/calendar/course/<code>.ics`` (public) and
``/calendar/feed/<token>.ics`` (a student's, teacher's or school's, behind a secret token).

Calendar apps poll feeds every few hours, mostly to hear "nothing changed": the ETag and
Last-Modified come from :func:`feed_version`, and a matching conditional request gets 304 before
any feed is built; a full request for a version built lately is served from :class:`BodyCache`. Tokens are secrets: a bad one is a plain 404 that does not echo it, private
answers are ``Cache-Control: private`` with ``Referrer-Policy: no-referrer``, and the access logs
of werkzeug, gunicorn and Flask see the path with the token replaced (:class:`RedactTokens`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict

from flask import Blueprint, Response, abort, request

from bridge.calendar.feeds import FeedContext, FeedScope, build_feed, course_scope, feed_version, owner_scope
from bridge.calendar.tokens import FEED_PATH, resolve_token
from bridge.web import db_session, runtime
from bridge.web.metrics import FEED_REQUESTS

bp = Blueprint("calendar_feeds", __name__, url_prefix="/calendar")

PUBLIC_MAX_AGE = 3600
PRIVATE_MAX_AGE = 900


class BodyCache:
    """Feeds built lately, by ETag, up to ``max_bytes`` (least recently used go first).

    A strong ETag names the exact bytes, so a body built once serves every later full request
    for the same version: many calendar clients refetch in full instead of asking conditionally,
    and building a year of lessons takes far longer than looking up the version.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, etag: str) -> bytes | None:
        with self._lock:
            body = self._bodies.get(etag)
            if body is not None:
                self._bodies.move_to_end(etag)
            return body

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
            self._size = 0

    def put(self, etag: str, body: bytes) -> None:
        with self._lock:
            if etag in self._bodies or len(body) > self.max_bytes:
                return
            self._bodies[etag] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, dropped = self._bodies.popitem(last=False)
                self._size -= len(dropped)


BODIES = BodyCache(max_bytes=32 * 1024 * 1024)


class RedactTokens(logging.Filter):
    """Rewrites a log record whose text holds ``path`` followed by a token, so that the token never
    reaches a log: the feeds' (``.ics`` or nothing after it stays) and the choice links'."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.pattern = re.compile(re.escape(path) + r"[A-Za-z0-9_-]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.pattern.sub(self.path + "<token>", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


REDACT = RedactTokens(FEED_PATH)
# werkzeug's and gunicorn's access logs, gunicorn's error log; Flask's own logger is added per app.
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


@bp.record_once
def _redact_logs(state) -> None:
    for name in (*LOGGERS, state.app.logger.name):
        logging.getLogger(name).addFilter(REDACT)


@bp.after_request
def _count(response: Response) -> Response:
    FEED_REQUESTS.labels(str(response.status_code)).inc()
    return response


@bp.get("/course/<code>.ics")
def course_feed(code: str):
    scope = course_scope(db_session(), code)
    if scope is None:
        abort(404, "no such course calendar")
    return _answer(scope)


def private_scope_or_404(token: str) -> FeedScope:
    """What a private link opens; an unknown, revoked or malformed token, or a vanished owner, is 404."""
    session = db_session()
    owner = resolve_token(session, token)
    scope = owner_scope(session, owner) if owner is not None else None
    if scope is None:
        abort(404, "no such calendar")
    return scope


@bp.get("/feed/<token>.ics")
def private_feed(token: str):
    return _answer(private_scope_or_404(token))


def _answer(scope: FeedScope) -> Response:
    session = db_session()
    ctx = FeedContext.from_settings(runtime().settings)
    version = feed_version(session, scope, ctx)
    response = Response(mimetype="text/calendar")
    response.charset = "utf-8"
    response.set_etag(version.etag)
    response.last_modified = version.last_modified
    if scope.private:
        response.cache_control.private = True
        response.cache_control.max_age = PRIVATE_MAX_AGE
        response.headers["Referrer-Policy"] = "no-referrer"
    else:
        response.cache_control.public = True
        response.cache_control.max_age = PUBLIC_MAX_AGE
    if _not_modified(version.etag, version.last_modified):
        response.status_code = 304
        return response
    body = BODIES.get(version.etag)
    if body is None:
        body = build_feed(session, scope, ctx)
        BODIES.put(version.etag, body)
    response.set_data(body)
    response.headers["Content-Disposition"] = f'inline; filename="{scope.filename}"'
    return response


def _not_modified(etag: str, last_modified) -> bool:
    """If-None-Match decides when present (RFC 9110 13.2.2); else If-Modified-Since, to the second."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return since is not None and last_modified is not None and last_modified.replace(microsecond=0) <= since
