"""Calendar feeds over HTTP: ``/calendar/course/<code>.ics`` (public) and
``/calendar/feed/<token>.ics`` (a student's, teacher's or school's, behind a secret token).

Calendar apps poll feeds every few hours, mostly to hear "nothing changed": the ETag and
Last-Modified come from :func:`feed_version`, and a matching conditional request gets 304 before
any feed is built. Tokens are secrets: a bad one is a plain 404 that does not echo it, private
answers are ``Cache-Control: private`` with ``Referrer-Policy: no-referrer``, and the access logs
of werkzeug, gunicorn and Flask see the path with the token replaced (:class:`RedactFeedTokens`).
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, abort, request

from bridge.calendar.feeds import FeedContext, FeedScope, build_feed, course_scope, feed_version, owner_scope
from bridge.calendar.tokens import FEED_PATH, resolve_token
from bridge.web import db_session, runtime

bp = Blueprint("calendar_feeds", __name__, url_prefix="/calendar")

PUBLIC_MAX_AGE = 3600
PRIVATE_MAX_AGE = 900


class RedactFeedTokens(logging.Filter):
    """Rewrites a log record whose text holds a feed path, so that the token never reaches a log."""

    PATTERN = re.compile(re.escape(FEED_PATH) + r"[^\s/?\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.PATTERN.sub(FEED_PATH + "<token>.ics", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


REDACT = RedactFeedTokens()
# werkzeug's and gunicorn's access logs, gunicorn's error log; Flask's own logger is added per app.
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


@bp.record_once
def _redact_logs(state) -> None:
    for name in (*LOGGERS, state.app.logger.name):
        logging.getLogger(name).addFilter(REDACT)


@bp.get("/course/<code>.ics")
def course_feed(code: str):
    scope = course_scope(db_session(), code)
    if scope is None:
        abort(404, "no such course calendar")
    return _answer(scope)


@bp.get("/feed/<token>.ics")
def private_feed(token: str):
    session = db_session()
    owner = resolve_token(session, token)
    scope = owner_scope(session, owner) if owner is not None else None
    if scope is None:
        abort(404, "no such calendar")
    return _answer(scope)


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
    response.set_data(build_feed(session, scope, ctx))
    response.headers["Content-Disposition"] = f'inline; filename="{scope.filename}"'
    return response


def _not_modified(etag: str, last_modified) -> bool:
    """If-None-Match decides when present (RFC 9110 13.2.2); else If-Modified-Since, to the second."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return since is not None and last_modified is not None and last_modified.replace(microsecond=0) <= since
