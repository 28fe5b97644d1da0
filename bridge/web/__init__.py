"""Blueprints of the web app, and the per-request session they share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, g, request
from sqlalchemy.orm import Session

from bridge.db import utc
from bridge.models import MAX_INTEGER
from bridge.runtime import Runtime
from bridge.web.inputs import request_json


def runtime() -> Runtime:
    return current_app.extensions["netcourses"]


def public_url() -> str:
    """The base of the links the app hands out: ``web.public_url``, else the address this request came to,
    so a development server on another port or host hands out links that work."""
    return runtime().settings.web.public_url or request.host_url.rstrip("/")


def local_time(value: dt.datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """A stored timestamp (UTC) as the district's clock shows it: the template filter ``local``. People
    in the console read times of their own day, not UTC."""
    if value is None:
        return "—"
    return utc(value).astimezone(ZoneInfo(runtime().settings.district.timezone)).strftime(fmt)


def db_session() -> Session:
    """The request's session, opened on first use and closed by the app at teardown."""
    if "db_session" not in g:
        g.db_session = runtime().sessions()
    return g.db_session


MAX_ID = MAX_INTEGER  # ids beyond it are no row's, and would overflow the database's integer


def get_or_404(model, ident: int, what: str, *options):
    """The row of ``model`` whose id a URL names, or 404 (also for an id beyond any SQL integer)."""
    row = None if ident > MAX_ID else db_session().get(model, ident, options=options)
    if row is None:
        abort(404, f"no {what} {ident}")
    return row


def json_fields(fields: Mapping[str, type | tuple[type, ...]]) -> dict[str, Any]:
    """The request's JSON body ({} when there is none), or 400 unless it is an object holding only
    ``fields``, each of its type: a typo must not quietly become a default."""
    if not request.get_data(cache=True):
        return {}
    body = request_json("a JSON object")
    if not isinstance(body, dict):
        abort(400, "the body must be a JSON object")
    for name, value in body.items():
        if name not in fields:
            abort(400, f"unknown field {name!r}; allowed: {', '.join(fields)}")
        kinds = fields[name] if isinstance(fields[name], tuple) else (fields[name],)
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            abort(400, f"field {name!r} must be a {' or '.join(k.__name__ for k in kinds)}")
    return body
