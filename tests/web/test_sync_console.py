"""Sync from the console and the API: a run starts in the background and answers at once; its
page and ``/progress`` follow it kind by kind against the fake Moodle; a second apply meanwhile is
refused; a run whose process is gone shows as interrupted."""

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from bridge.models import AuditEntry, JobLock, SyncRun
from bridge.sync.items import KINDS
from bridge.sync.plan import Action
from bridge.sync.run import LOCK_NAME
from bridge.web.console import ACTION_NAMES, KIND_NAMES
from config import Settings
from tests.web.conftest import bearer
from tests.web.test_access import _csrf, _login


@pytest.fixture
def settings(database_url, fake_moodle):
    return Settings(database_url=database_url, moodle=fake_moodle.settings())


def _start(client, **form):
    page = client.get("/sync")
    response = client.post("/sync", data={"csrf_token": _csrf(page.text), **form})
    assert response.status_code == 303, response.text
    run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return run_id


def _progress(client, run_id):
    response = client.get(f"/api/v1/sync/runs/{run_id}/progress")
    assert response.status_code == 200
    return response.json


def test_every_kind_and_action_has_a_russian_name():
    assert set(KIND_NAMES) == set(KINDS)
    assert set(ACTION_NAMES) == {a.value for a in Action}


def test_preview_runs_in_the_background_and_shows_the_plan(client, session, accounts, fake_moodle, worker):
    _login(client, "admin")
    run_id = _start(client, action="preview")
    assert _progress(client, run_id)["status"] == "queued"  # the request only queued it
    waiting = client.get(f"/sync/runs/{run_id}").text
    assert "в очереди" in waiting and "ждёт свободного обработчика" in waiting and "sync_progress.js" in waiting
    assert worker.drain() == 1
    html = client.get(f"/sync/runs/{run_id}").text
    assert "План (ничего не изменено)" in html and "Курсы</td>" in html and "создать: 2" in html
    assert 'id="progress"' not in html  # finished: no progress bar, no script
    assert fake_moodle.calls == []  # a delta dry run plans from the registry alone
    progress = _progress(client, run_id)
    assert progress["status"] == "ok" and progress["dry_run"] is True and progress["done"] == 0
    assert {"kind": "course", "actions": {"create": 2}} in progress["planned"] and progress["kind"] is None
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "start sync")).one()
    assert entry.login == "admin" and entry.target == f"run {run_id}"


def test_apply_is_followed_kind_by_kind_and_a_second_apply_is_refused(client, accounts, fake_moodle, worker):
    _login(client, "admin")
    hold = fake_moodle.inject("hold", function="core_user_create_users")
    run_id = _start(client, action="apply")
    working = threading.Thread(target=worker.run_one)
    working.start()
    try:
        assert hold.reached.wait(30), "the run never reached user creation"
        progress = _progress(client, run_id)
        assert progress["status"] == "running" and progress["kind"] == "user"
        kinds = [p["kind"] for p in progress["planned"]]
        assert kinds == [k for k in KINDS if k in kinds]  # in the order they are applied
        assert progress["step"] == kinds.index("user") + 1 and progress["steps"] == len(kinds)
        done_kinds = progress["planned"][:progress["step"] - 1]
        assert {p["kind"] for p in done_kinds} >= {"category", "course"}
        assert progress["done"] == sum(sum(p["actions"].values()) for p in done_kinds)
        assert 0 < progress["done"] < progress["total"]
        page = client.get(f"/sync/runs/{run_id}").text
        assert "Применяется: Пользователи" in page and '<progress id="progress"' in page
        assert "sync_progress.js" in page and 'id="changes"' not in page

        again = client.post("/sync", data={"action": "apply", "csrf_token": _csrf(page)})
        assert again.status_code == 409 and "sync is already running" in again.text
        assert client.post("/api/v1/sync/runs", json={"dry_run": False},
                           headers=bearer(accounts, "admin")).status_code == 409
    finally:
        hold.release()
        working.join()
    progress = _progress(client, run_id)
    assert progress["status"] == "ok" and progress["done"] == progress["total"] and progress["kind"] is None
    page = client.get(f"/sync/runs/{run_id}").text
    assert "успешно" in page and 'id="changes"' in page and "<td>применено</td>" in page and "<progress" not in page
    assert fake_moodle.user_by_idnumber("SCH29-S1") is not None


def test_api_starts_a_dry_run_unless_told_otherwise(client, accounts, fake_moodle, worker):
    admin = bearer(accounts, "admin")
    response = client.post("/api/v1/sync/runs", json={}, headers=admin)
    assert response.status_code == 202
    run_id = response.json["id"]
    assert response.headers["Location"].endswith(f"/api/v1/sync/runs/{run_id}")
    assert response.json["progress"] == f"/api/v1/sync/runs/{run_id}/progress"
    assert worker.drain() == 1
    body = client.get(f"/api/v1/sync/runs/{run_id}/progress", headers=admin).json
    assert body["dry_run"] is True and body["status"] == "ok" and body["total"] > 0
    assert fake_moodle.writes == 0

    applied = client.post("/api/v1/sync/runs", json={"dry_run": False}, headers=admin)
    assert applied.status_code == 202 and worker.drain() == 1
    run = client.get(f"/api/v1/sync/runs/{applied.json['id']}", headers=admin).json
    assert run["status"] == "ok" and run["dry_run"] is False and run["write_calls"] > 0


@pytest.mark.parametrize("body, message", [
    ({"mode": "sideways"}, "'mode' must be 'delta' or 'full'"),
    ({"dry": True}, "unknown field 'dry'"),
    ({"dry_run": "no"}, "'dry_run' must be a bool"),
    ([], "must be a JSON object"),
    ('{"dry_run": fals', "must be a JSON object"),  # not JSON at all: not a dry run by default
])
def test_api_refuses_a_bad_body_and_starts_nothing(client, session, accounts, body, message):
    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) else {"json": body}
    response = client.post("/api/v1/sync/runs", headers=bearer(accounts, "admin"), **kwargs)
    assert response.status_code == 400 and message in response.json["message"]
    assert session.scalars(select(SyncRun)).all() == []


@pytest.mark.parametrize("role, status", [("coordinator", 403), ("teacher", 403), ("viewer", 403), (None, 401)])
def test_only_the_administrator_starts_or_follows_runs(client, session, accounts, role, status):
    headers = bearer(accounts, role) if role else {}
    assert client.post("/api/v1/sync/runs", json={}, headers=headers).status_code == status
    run = SyncRun(mode="delta", dry_run=True, started_at=dt.datetime.now(dt.UTC), status="ok")
    session.add(run)
    session.commit()
    assert client.get(f"/api/v1/sync/runs/{run.id}/progress", headers=headers).status_code == status
    assert session.scalars(select(SyncRun)).all() == [run]  # nothing was started


def test_progress_of_an_unknown_run_is_404(client, accounts):
    assert client.get("/api/v1/sync/runs/999/progress", headers=bearer(accounts, "admin")).status_code == 404


def _running_run(session, started):
    run = SyncRun(mode="delta", dry_run=False, started_at=started, status="running")
    session.add(run)
    session.commit()
    return run


def test_a_run_whose_process_is_gone_shows_as_interrupted(client, session, accounts):
    admin = bearer(accounts, "admin")
    now = dt.datetime.now(dt.UTC)
    lost = _running_run(session, now - dt.timedelta(hours=1))
    assert client.get(f"/api/v1/sync/runs/{lost.id}/progress", headers=admin).json["status"] == "interrupted"
    going = _running_run(session, now)
    session.add(JobLock(name=LOCK_NAME, holder="elsewhere:1", acquired_at=now.replace(microsecond=0),
                        expires_at=now + dt.timedelta(minutes=30)))
    session.commit()
    assert client.get(f"/api/v1/sync/runs/{going.id}/progress", headers=admin).json["status"] == "running"
    # The lock now belongs to a later run: the first one is still lost.
    assert client.get(f"/api/v1/sync/runs/{lost.id}/progress", headers=admin).json["status"] == "interrupted"
    _login(client, "admin")
    assert "прерван" in client.get(f"/sync/runs/{lost.id}").text
