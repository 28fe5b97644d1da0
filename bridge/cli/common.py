"""What every command shares: the one-line failure, the runtime decorator and output helpers.

Imports no command, so any command can use it and the root can import every command.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from bridge.runtime import Runtime


class CliError(click.ClickException):
    """A failure the user can act on; click prints ``Error: <message>`` and exits 1."""


pass_runtime = click.make_pass_decorator(Runtime)


def echo_json(data: Any) -> None:
    """Machine-readable output: indented, Cyrillic as it is."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def when(value: dt.datetime | None) -> str:
    """A timestamp as a command prints it, or ``-`` for none."""
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def start_logging() -> None:
    """Logging of a long-running process (worker, scheduler): one line per event, as text or JSON
    (``netcourses --log-format json ...``)."""
    from bridge.logs import configure

    configure(click.get_current_context().find_root().meta.get("log_format", "text"))
