"""``/metrics``: Prometheus text that prometheus_client's own parser reads, with every figure an
operator watches present after a sync, a pull, a webhook and feed requests; for the administrator's
token or the configured addresses only."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from config import Secret, Settings
from config.settings import WebhookSettings
from sync_jobs.scheduler import pull_job
from tests.web.conftest import bearer

SAMPLE = Path(__file__).parent.parent / "fixtures" / "webhooks" / "course_updated.json"
DASHBOARD = Path(__file__).parents[2] / "docs" / "grafana-dashboard.json"


@pytest.fixture
def settings(database_url, fake_moodle):
    return Settings(database_url=database_url, moodle=fake_moodle.settings(),
                    webhooks=WebhookSettings(tokens=(Secret("wh-secret-123"),)))


def _samples(text: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append(sample)
    return out


def _value(samples, name, **labels) -> float:
    return next(s.value for s in samples[name] if all(s.labels.get(k) == v for k, v in labels.items()))


def test_every_metric_is_there_after_a_sync_a_pull_a_webhook_and_feeds(client, accounts, worker, runtime):
    admin = bearer(accounts, "admin")
    assert client.post("/api/v1/sync/runs", json={"dry_run": False}, headers=admin).status_code == 202
    assert pull_job(runtime) == "pull: queued job 2"
    assert worker.drain() == 2
    body = json.loads(SAMPLE.read_text())["body_raw"].encode()
    assert client.post("/webhooks/moodle", data=body, headers={"Content-Type": "application/json"}).status_code == 202
    feed = client.get("/calendar/course/NC-CHEM-11.ics")
    assert feed.status_code == 200
    assert client.get("/calendar/course/NC-CHEM-11.ics", headers={"If-None-Match": feed.headers["ETag"]}).status_code == 304

    response = client.get("/metrics", headers=admin)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    samples = _samples(response.text)
    for kind in ("sync", "pull", "webhooks"):
        for status in ("queued", "running", "failed"):
            expected = 1 if (kind, status) == ("webhooks", "queued") else 0  # the webhook woke the inbox job
            assert _value(samples, "netcourses_jobs", kind=kind, status=status) == expected
    assert _value(samples, "netcourses_job_duration_seconds_count", kind="sync", outcome="done") >= 1
    assert _value(samples, "netcourses_sync_duration_seconds_count", mode="delta", status="ok") >= 1
    assert _value(samples, "netcourses_sync_changes_applied_total", kind="user", action="create") >= 8
    assert _value(samples, "netcourses_moodle_calls_total", function="core_user_create_users") >= 1
    assert _value(samples, "netcourses_moodle_call_seconds_count", function="core_user_create_users") >= 1
    assert "netcourses_moodle_errors" in {f.name for f in text_string_to_metric_families(response.text)}
    assert _value(samples, "netcourses_webhook_inbox_pending") == 1
    assert _value(samples, "netcourses_webhook_inbox_oldest_age_seconds") >= 0
    assert _value(samples, "netcourses_feed_requests_total", status="200") >= 1
    assert _value(samples, "netcourses_feed_requests_total", status="304") >= 1
    now = dt.datetime.now(dt.UTC).timestamp()
    for what in ("sync", "pull"):
        assert now - 120 < _value(samples, "netcourses_last_success_timestamp_seconds", what=what) <= now + 1

    # The example dashboard asks only for what is served.
    served = set(samples) | {f"{f.name}_total" for f in text_string_to_metric_families(response.text)}
    assert set(re.findall(r"netcourses_[a-z_]+", DASHBOARD.read_text())) <= served


def test_a_moodle_error_is_counted_by_function_and_class(client, accounts, worker, fake_moodle):
    fake_moodle.token = "changed"  # every call now answers invalidtoken
    assert client.post("/api/v1/sync/runs", json={"dry_run": False}, headers=bearer(accounts, "admin")).status_code == 202
    before = _samples(client.get("/metrics", headers=bearer(accounts, "admin")).text)
    worker.drain()
    after = _samples(client.get("/metrics", headers=bearer(accounts, "admin")).text)
    label = {"function": "core_course_get_categories", "error": "InvalidToken"}
    # Earlier tests in this process may have counted other errors (of other classes) already.
    was = next((s.value for s in before.get("netcourses_moodle_errors_total", [])
                if all(s.labels.get(k) == v for k, v in label.items())), 0)
    assert _value(after, "netcourses_moodle_errors_total", **label) == was + 1
    assert _value(after, "netcourses_jobs", kind="sync", status="failed") == 1


@pytest.mark.parametrize("role, status", [("coordinator", 403), ("viewer", 403), (None, 401)])
def test_metrics_are_refused_to_others(client, accounts, role, status):
    assert client.get("/metrics", headers=bearer(accounts, role) if role else {}).status_code == status


def test_metrics_open_to_a_configured_address_without_a_token(client, runtime, app):
    app.extensions["netcourses"] = type(runtime)(replace(runtime.settings, web=replace(
        runtime.settings.web, metrics_from=("10.0.0.0/8", "127.0.0.1"))), engine=runtime.engine)
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.168.1.9"}).status_code == 401


def test_a_sync_of_the_command_line_counts_in_metrics(client, accounts, runner):
    """``netcourses sync`` (an apply) runs in its own process, which nobody scrapes: its duration, its
    changes and its time come from what its run recorded."""
    admin = bearer(accounts, "admin")
    before = _samples(client.get("/metrics", headers=admin).text)
    assert "netcourses_sync_duration_seconds_count" not in before  # no sync yet, anywhere
    result = runner.invoke(["sync"])  # applies (a dry run is --dry-run)
    assert result.exit_code == 0, result.output
    samples = _samples(client.get("/metrics", headers=admin).text)
    assert _value(samples, "netcourses_sync_duration_seconds_count", mode="delta", status="ok") == 1
    assert _value(samples, "netcourses_sync_duration_seconds_bucket", mode="delta", status="ok", le="+Inf") == 1
    assert _value(samples, "netcourses_sync_changes_applied_total", kind="user", action="create") >= 8
    now = dt.datetime.now(dt.UTC).timestamp()
    assert now - 120 < _value(samples, "netcourses_last_success_timestamp_seconds", what="sync") <= now + 1
