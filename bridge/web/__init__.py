"""Blueprints of the web app, and the per-request session they share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, current_app, g, request
from sqlalchemy.orm import Session

from bridge.runtime import Runtime


def runtime() -> Runtime:
    return current_app.extensions["netcourses"]


def db_session() -> Session:
    """The request's session, opened on first use and closed by the app at teardown."""
    if "db_session" not in g:
        g.db_session = runtime().sessions()
    return g.db_session


MAX_ID = 2**31 - 1  # ids beyond it are no row's, and would overflow the database's integer


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
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "the body must be a JSON object")
    for name, value in body.items():
        if name not in fields:
            abort(400, f"unknown field {name!r}; allowed: {', '.join(fields)}")
        kinds = fields[name] if isinstance(fields[name], tuple) else (fields[name],)
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            abort(400, f"field {name!r} must be a {' or '.join(k.__name__ for k in kinds)}")
    return body
