"""Blueprints of the web app, and the per-request session they share."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from bridge.runtime import Runtime


def runtime() -> Runtime:
    return current_app.extensions["netcourses"]


def db_session() -> Session:
    """The request's session, opened on first use and closed by the app at teardown."""
    if "db_session" not in g:
        g.db_session = runtime().sessions()
    return g.db_session
