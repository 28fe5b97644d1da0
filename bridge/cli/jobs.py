"""``netcourses worker`` (the process that runs queued jobs) and ``netcourses jobs`` (list, cancel)."""

from __future__ import annotations

import datetime as dt
import signal
import threading

import click
from sqlalchemy import select

from bridge.cli.common import CliError, echo_json, pass_runtime, start_logging, when
from bridge.runtime import Runtime


@click.command()
@click.option("--with-scheduler", is_flag=True,
              help="Also run the scheduler in this process (one such process in the whole district).")
@click.option("--metrics-port", type=int, default=None,
              help="Serve this worker's metrics for Prometheus on this port (of --metrics-address).")
@click.option("--metrics-address", default="127.0.0.1", show_default=True)
@pass_runtime
def worker(rt: Runtime, with_scheduler: bool, metrics_port: int | None, metrics_address: str) -> None:
    """Run queued jobs (syncs, pulls, the webhook inbox) until stopped. Run as many as you like, on
    one machine or several sharing the database: each job runs once."""
    from sync_jobs.worker import Worker

    rt.check_schema()
    start_logging()
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_address)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())  # finish the job in hand, then exit
    scheduler = None
    if with_scheduler:
        from apscheduler.schedulers.background import BackgroundScheduler

        from sync_jobs.scheduler import announce, configure

        scheduler = configure(BackgroundScheduler(timezone=rt.settings.district.timezone), rt)
        announce(scheduler, rt, dt.datetime.now(dt.UTC))
        scheduler.start()
    try:
        Worker(rt).run(stop)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@click.group()
def jobs() -> None:
    """Background jobs: what is queued, running, done or failed; cancel one."""


@jobs.command("list")
@click.option("--limit", type=int, default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable list.")
@pass_runtime
def list_jobs(rt: Runtime, limit: int, as_json: bool) -> None:
    """The newest jobs, newest first."""
    from bridge.models import Job

    with rt.sessions() as session:
        rows = session.scalars(select(Job).order_by(Job.id.desc()).limit(limit)).all()
    if as_json:
        echo_json([{"id": j.id, "kind": j.kind, "status": j.status, "attempts": j.attempts,
                    "enqueued_at": j.enqueued_at.isoformat(), "result": j.result, "error": j.error} for j in rows])
        return
    for j in rows:
        click.echo(f"{j.id}\t{j.kind}\t{j.status}\t{j.attempts}/{j.max_attempts}\t{when(j.enqueued_at)}\t"
                   f"{j.error or j.result}")


@jobs.command("cancel")
@click.argument("job_id", type=int)
@pass_runtime
def cancel_job(rt: Runtime, job_id: int) -> None:
    """Cancel a job: a queued one at once, a running one at its next safe point (a sync: between
    kinds; what it applied stays applied and recorded)."""
    from bridge import jobs as queue
    from sync_jobs.worker import given_up

    with rt.sessions() as session:
        try:
            job = queue.cancel(session, job_id)
        except queue.JobNotFound as exc:
            raise CliError(str(exc)) from None
        session.commit()
        if job.status == queue.CANCELLED:
            given_up(rt, job, job.error)
        if job.status != queue.RUNNING:
            click.echo(f"job {job.id} ({job.kind}): {job.status}")
        else:
            click.echo(f"job {job.id} ({job.kind}): cancel asked for; it stops at its next safe point")
