"""``netcourses webhooks work``."""

from __future__ import annotations

import click

from bridge.cli.common import CliError, pass_runtime, start_logging
from bridge.runtime import Runtime


@click.group()
def webhooks() -> None:
    """Moodle events received at POST /webhooks/moodle."""


@webhooks.command("work")
@click.option("--once", is_flag=True, help="Process what is pending, then exit (default: keep polling).")
@pass_runtime
def work_command(rt: Runtime, once: bool) -> None:
    """Process pending events: targeted pulls and drift checks of the courses they name."""
    from bridge.job_lock import LockBusy
    from webhooks.worker import work

    if not (rt.settings.moodle.url and rt.settings.moodle.token):
        raise CliError("Moodle is not configured: set NETCOURSES_MOODLE_URL and NETCOURSES_MOODLE_TOKEN")
    if not once:
        start_logging()
    try:
        report = work(rt, once=once)
    except LockBusy as exc:
        raise CliError(str(exc)) from None
    click.echo(report.describe())
