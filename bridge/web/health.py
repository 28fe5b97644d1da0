"""Liveness and readiness: is the process up, does the database answer."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from bridge.web import db_session

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    try:
        db_session().execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
