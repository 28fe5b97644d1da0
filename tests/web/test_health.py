"""``/health`` (the process answers) and ``/ready`` (database, schema, a worker's heartbeat, a sync
that is not failing for too long): 200 or 503 with the reasons."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from bridge import jobs
from bridge.app import create_app
from bridge.models import SyncRun
from bridge.runtime import Runtime
from config import Settings


def _ready(client) -> tuple[int, list[str]]:
    response = client.get("/ready")
    return response.status_code, response.json["reasons"]


def test_health_answers_while_the_process_lives(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_ready_needs_a_worker_heartbeat_in_the_last_minute(client, runtime, session):
    status, reasons = _ready(client)
    assert status == 503 and reasons == ["no worker heartbeat in the last minute"]
    jobs.worker_seen(runtime.sessions, "host:1", dt.datetime.now(dt.UTC))
    assert client.get("/ready").json == {"status": "ready", "reasons": []}
    session.execute(text("UPDATE job_worker SET seen_at = :t"),
                    {"t": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)})
    session.commit()
    status, reasons = _ready(client)
    assert status == 503 and reasons[0].startswith("no worker heartbeat in the last minute (last ")


def _run(session, status: str, hours_ago: float, *, dry_run: bool = False) -> None:
    at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago)
    session.add(SyncRun(mode="delta", dry_run=dry_run, started_at=at, finished_at=at, status=status))
    session.commit()


def test_ready_allows_a_sync_failing_within_the_limit(client, runtime, session):
    jobs.worker_seen(runtime.sessions, "host:1", dt.datetime.now(dt.UTC))
    _run(session, "ok", 5)
    _run(session, "failed", 1)  # failing for an hour: within the 3 hours allowed
    assert _ready(client) == (200, [])


def test_ready_refuses_after_failures_older_than_the_limit(client, runtime, session):
    jobs.worker_seen(runtime.sessions, "host:1", dt.datetime.now(dt.UTC))
    _run(session, "ok", 6)
    _run(session, "failed", 4)
    _run(session, "failed", 1)
    status, reasons = _ready(client)
    assert status == 503 and len(reasons) == 1 and reasons[0].startswith("sync failing since ")
    _run(session, "ok", 0, dry_run=True)  # a dry run proves nothing about applying
    assert _ready(client)[0] == 503
    _run(session, "ok", 0)
    assert _ready(client) == (200, [])


def test_ready_says_the_schema_is_behind(client, runtime, session):
    jobs.worker_seen(runtime.sessions, "host:1", dt.datetime.now(dt.UTC))
    (current,) = session.execute(text("SELECT version_num FROM alembic_version")).one()
    session.execute(text("UPDATE alembic_version SET version_num = '0007'"))
    session.commit()
    try:
        status, reasons = _ready(client)
        assert status == 503 and len(reasons) == 1
        assert reasons[0].startswith("database has schema 0007, behind") and reasons[0].endswith(": netcourses init upgrades it")
    finally:
        session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
        session.commit()


def test_ready_says_the_database_is_unreachable(tmp_path):
    rt = Runtime(Settings(database_url=f"sqlite:///{tmp_path}/no/such/dir/registry.db"))
    client = create_app(rt).test_client()
    assert client.get("/health").status_code == 200
    assert _ready(client) == (503, ["database unreachable"])
