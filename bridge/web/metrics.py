"""``/metrics`` in Prometheus's text format, for the administrator's token or the addresses in
``web.metrics_from``.

Two sources: what the database knows, read at each scrape so every machine tells the same (the
queue by kind and status, the webhook inbox, the last good sync and pull, every sync's duration and
applied changes, so a sync of the command line counts too), and what processes counted as they
worked (jobs and Moodle calls in workers, :mod:`sync_jobs.metrics`; feed
requests here) through prometheus_client, in its multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR``
is set (gunicorn, or web and workers on one machine).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os

from flask import Blueprint, Response, abort, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from bridge.db import utc
from bridge.models import AccountRole, Job, SyncChange, SyncRun, WebhookEvent
from bridge.web import db_session, runtime
from bridge.web.auth import current_account
from sync_jobs.worker import HANDLERS

bp = Blueprint("metrics", __name__)

JOB_STATUSES = ("queued", "running", "failed")
SYNC_BUCKETS = (0.5, 1, 5, 15, 60, 300, 900, 3600)

FEED_REQUESTS = Counter("netcourses_feed_requests_total", "Calendar feed requests, by answer (200, 304, 404)",
                        ["status"])


class DatabaseCollector:
    """Figures read from the registry database at scrape time."""

    def __init__(self, session) -> None:
        self.session = session

    def collect(self):
        session = self.session
        jobs = GaugeMetricFamily("netcourses_jobs", "Jobs in the queue, by kind and status (queued, running, failed)",
                                 labels=["kind", "status"])
        counts = dict.fromkeys(((kind, status) for kind in HANDLERS for status in JOB_STATUSES), 0)
        counts |= {(kind, status): n for kind, status, n in session.execute(
            select(Job.kind, Job.status, func.count()).where(Job.status.in_(JOB_STATUSES))
            .group_by(Job.kind, Job.status))}
        for (kind, status), count in sorted(counts.items()):
            jobs.add_metric([kind, status], count)
        yield jobs
        pending, oldest = session.execute(select(func.count(), func.min(WebhookEvent.received_at))
                                          .where(WebhookEvent.status == "pending")).one()
        yield GaugeMetricFamily("netcourses_webhook_inbox_pending", "Webhook events waiting to be processed",
                                value=pending)
        age = (dt.datetime.now(dt.UTC) - utc(oldest)).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily("netcourses_webhook_inbox_oldest_age_seconds",
                                "Age of the oldest pending webhook event (0 when none)", value=age)
        last = GaugeMetricFamily("netcourses_last_success_timestamp_seconds",
                                 "When the last sync (applied, not a dry run) and the last pull ended well",
                                 labels=["what"])
        sync = session.scalar(select(func.max(SyncRun.finished_at))
                              .where(SyncRun.status == "ok", SyncRun.dry_run.is_(False)))
        pull = session.scalar(select(func.max(Job.finished_at)).where(Job.kind == "pull", Job.status == "done"))
        for what, when in (("sync", sync), ("pull", pull)):
            if when is not None:
                last.add_metric([what], utc(when).timestamp())
        yield last
        yield from self._syncs(session)

    @staticmethod
    def _syncs(session):
        """Every sync's duration and applied changes as its run recorded them, wherever it ran (a
        worker, or ``netcourses sync --apply`` in the foreground, a process nobody scrapes)."""
        by_label: dict[tuple[str, str], list[float]] = {}
        for mode, status, started, finished in session.execute(
                select(SyncRun.mode, SyncRun.status, SyncRun.started_at, SyncRun.finished_at)
                .where(SyncRun.finished_at.is_not(None))):
            by_label.setdefault((mode, status), []).append(max((utc(finished) - utc(started)).total_seconds(), 0.0))
        durations = HistogramMetricFamily("netcourses_sync_duration_seconds",
                                          "Time a sync run took, by mode and status", labels=["mode", "status"])
        for (mode, status), seconds in sorted(by_label.items()):
            buckets = [(str(le), sum(1 for s in seconds if s <= le)) for le in SYNC_BUCKETS]
            durations.add_metric([mode, status], buckets + [("+Inf", len(seconds))], sum(seconds))
        yield durations
        changes = CounterMetricFamily("netcourses_sync_changes_applied", "Changes a sync applied to Moodle, by kind "
                                      "and action", labels=["kind", "action"])
        for kind, action, count in session.execute(
                select(SyncChange.kind, SyncChange.action, func.count()).where(SyncChange.outcome == "applied")
                .group_by(SyncChange.kind, SyncChange.action).order_by(SyncChange.kind, SyncChange.action)):
            changes.add_metric([kind, action], count)
        yield changes


def _allowed() -> bool:
    account = current_account()
    if account is not None and account.role == AccountRole.ADMIN:
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in runtime().settings.web.metrics_from)


@bp.get("/metrics")
def metrics():
    if not _allowed():
        abort(403 if current_account() else 401, "metrics are for the administrator's token or web.metrics_from")
    processes = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    database = CollectorRegistry(auto_describe=True)
    database.register(DatabaseCollector(db_session()))
    body = generate_latest(processes) + generate_latest(database)
    return Response(body, mimetype="text/plain; version=0.0.4; charset=utf-8")
