"""``netcourses sync`` and ``netcourses scheduler``."""

from __future__ import annotations

import click

from bridge.cli.common import CliError, echo_json, pass_runtime, start_logging
from bridge.runtime import Runtime


@click.command()
@click.option("--dry-run", is_flag=True, help="Plan only: show what would change, write nothing to Moodle.")
@click.option("--full", is_flag=True, help="Read all of Moodle's side and repair drift (default: delta).")
@click.option("--force", is_flag=True, help="Apply a plan the safety guard refused (many suspensions).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.option("--verbose", "-v", is_flag=True, help="List every planned change.")
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait if another sync is running (then give up).")
@pass_runtime
def sync(rt: Runtime, dry_run: bool, full: bool, force: bool, as_json: bool, verbose: bool, wait: float) -> None:
    """Bring Moodle in step with the registry: plan, guard, apply, report."""
    from bridge.job_lock import LockBusy
    from bridge.sync.run import run_sync
    from moodle_client.errors import MoodleNotConfigured

    try:
        report = run_sync(rt, mode="full" if full else "delta", dry_run=dry_run, force=force, lock_wait=wait)
    except (MoodleNotConfigured, LockBusy) as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:
        from moodle_client.errors import MoodleError, explain

        if not isinstance(exc, MoodleError):
            raise
        raise CliError(f"the run stopped: {explain(exc, rt.settings.moodle.url)} (what was done is kept; run again)") from None
    if as_json:
        echo_json(report.as_json())
    else:
        click.echo(report.describe(verbose=verbose))
    if not report.ok:
        raise SystemExit(1)


@click.command()
@pass_runtime
def scheduler(rt: Runtime) -> None:
    """Run the scheduler process: delta syncs every few minutes and a nightly full sync."""
    import datetime as dt

    from sync_jobs.scheduler import announce, build

    rt.check_schema()  # now, not when the first job runs
    start_logging()
    sched = build(rt)
    announce(sched, rt, dt.datetime.now(dt.UTC))
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        sched.shutdown(wait=False)
