"""gunicorn recycling every web worker after one request (``--max-requests 1``) while a sync runs:
the run, queued by the API and run by ``netcourses worker``, goes on to its end."""

from __future__ import annotations

import pytest
import requests

from benchmarks.serving import gunicorn
from config import Settings
from tests.jobs.conftest import wait_until
from tests.web.conftest import bearer


@pytest.fixture
def settings(database_url, http_moodle):
    return Settings(database_url=database_url, moodle=http_moodle.settings(max_retries=0))


def test_a_sync_completes_while_gunicorn_recycles_its_workers(accounts, http_moodle, process_env, spawn_worker):
    admin = bearer(accounts, "admin")
    hold = http_moodle.inject("hold", function="core_user_create_users")
    with gunicorn(process_env, workers=2, options=("--worker-class", "sync", "--max-requests", "1")) as base:
        started = requests.post(f"{base}/api/v1/sync/runs", json={"dry_run": False}, headers=admin, timeout=30)
        assert started.status_code == 202, started.text
        progress = f"{base}{started.json()['progress']}"
        spawn_worker()
        assert hold.reached.wait(60), "the run never reached the users"
        for _ in range(4):  # every request ends the gunicorn worker that served it
            assert requests.get(progress, headers=admin, timeout=30).json()["status"] == "running"
        hold.release()
        wait_until(lambda: requests.get(progress, headers=admin, timeout=30).json()["status"] != "running",
                   what="the run to end")
        body = requests.get(progress, headers=admin, timeout=30).json()
    assert body["status"] == "ok" and body["done"] == body["total"] > 0
    assert http_moodle.user_by_idnumber("SCH29-S1") is not None
