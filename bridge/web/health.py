"""Liveness and readiness, for a load balancer or systemd watchdog.

``/health`` says the process answers (a restart is the cure when it does not); ``/ready`` says
whether the service can do its work: the database answers and has the newest schema, a worker's
heartbeat was seen in the last minute (else nothing queued would run), and the sync has not been
failing for longer than ``jobs.sync_failing_minutes``. Each answers 200 or 503 with its reasons.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, jsonify
from sqlalchemy import select

from bridge import db
from bridge.db import utc
from bridge.jobs import last_worker_seen
from bridge.models import SyncRun
from bridge.web import db_session, runtime

bp = Blueprint("health", __name__)

WORKER_SILENCE = dt.timedelta(minutes=1)


@bp.get("/health")
def health():
    return jsonify(status="ok")


@bp.get("/ready")
def ready():
    try:
        problem = db.schema_problem(runtime().engine)
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        return _answer(["database unreachable"])
    if problem:
        return _answer([f"database {problem}"])
    session = db_session()
    reasons = []
    now = dt.datetime.now(dt.UTC)
    seen = utc(last_worker_seen(session))
    if seen is None or now - seen > WORKER_SILENCE:
        reasons.append("no worker heartbeat in the last minute" + (f" (last {seen:%Y-%m-%d %H:%M:%S} UTC)" if seen else ""))
    since = _sync_failing_since(session)
    limit = dt.timedelta(minutes=runtime().settings.jobs.sync_failing_minutes)
    if since is not None and now - since > limit:
        reasons.append(f"sync failing since {since:%Y-%m-%d %H:%M} UTC")
    return _answer(reasons)


def _sync_failing_since(session) -> dt.datetime | None:
    """When the sync started failing: the first failed run after the last good one, if the latest
    finished run failed; None while it works."""
    finished = select(SyncRun).where(SyncRun.dry_run.is_(False), SyncRun.finished_at.is_not(None))
    latest = session.scalars(finished.order_by(SyncRun.id.desc()).limit(1)).first()
    if latest is None or latest.status != "failed":
        return None
    last_ok = session.scalar(select(SyncRun.id).where(SyncRun.dry_run.is_(False), SyncRun.status == "ok")
                             .order_by(SyncRun.id.desc()).limit(1)) or 0
    first = session.scalars(finished.where(SyncRun.id > last_ok).order_by(SyncRun.id).limit(1)).first()
    return utc(first.finished_at)


def _answer(reasons: list[str]):
    if reasons:
        return jsonify(status="not ready", reasons=reasons), 503
    return jsonify(status="ready", reasons=[])
