"""gunicorn recycling every web worker after one request (``--max-requests 1``): a sync, queued by
the API and run by ``netcourses worker``, goes on to its end; metrics add up across the workers."""

from __future__ import annotations

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

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


def test_metrics_add_up_every_gunicorn_worker_in_multiprocess_mode(accounts, process_env, tmp_path):
    """Each request is served by a fresh process (--max-requests 1): /metrics still counts them all."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = process_env | {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    options = ("--worker-class", "sync", "--max-requests", "1", "-c", "python:bridge.wsgi")
    with gunicorn(env, workers=2, options=options) as base:
        for _ in range(3):
            assert requests.get(f"{base}/calendar/course/NC-CHEM-11.ics", timeout=30).status_code == 200
        text = requests.get(f"{base}/metrics", headers=bearer(accounts, "admin"), timeout=30).text
    counted = [s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == "netcourses_feed_requests_total" and s.labels == {"status": "200"}]
    assert counted == [3.0]
