"""What every command shares: the one-line failure, the runtime decorator and output helpers.

Imports no command, so any command can use it and the root can import every command.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
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
    """Logging of a long-running process (worker, scheduler): one line per event."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
