"""``netcourses pull``."""

from __future__ import annotations

import click

from bridge.cli.common import CliError, echo_json, pass_runtime
from bridge.runtime import Runtime


@click.command()
@click.option("--course", "course_code", metavar="CODE", help="Pull one network course only.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait if another pull is running (then give up).")
@pass_runtime
def pull(rt: Runtime, course_code: str | None, as_json: bool, wait: float) -> None:
    """Read attendance and grades from Moodle into the registry (reads Moodle only)."""
    from bridge.job_lock import LockBusy
    from bridge.pull.run import UnknownCourse, run_pull
    from moodle_client.errors import MoodleError, MoodleNotConfigured, explain

    try:
        report = run_pull(rt, course_code=course_code, lock_wait=wait)
    except (MoodleNotConfigured, LockBusy, UnknownCourse) as exc:
        raise CliError(str(exc)) from None
    except MoodleError as exc:
        raise CliError(f"the pull stopped: {explain(exc, rt.settings.moodle.url)} (what was pulled is kept; run again)") from None
    if as_json:
        echo_json(report.as_json())
    else:
        click.echo(report.describe())
