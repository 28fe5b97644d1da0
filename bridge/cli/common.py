"""What every command shares: the one-line failure, the runtime decorator and output helpers.

Imports no command, so any command can use it and the root can import every command.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import click

from bridge.runtime import Runtime


class CliError(click.ClickException):
    """A failure the user can act on; click prints ``Error: <message>`` and exits 1."""


pass_runtime = click.make_pass_decorator(Runtime)


def echo_json(data: Any) -> None:
    """Machine-readable output: indented, Cyrillic as it is."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def os_user() -> str:
    """Who changes something from the command line, for the audit log: the operating-system user
    (the console's changes name the administrator's login)."""
    return f"os:{getpass.getuser()}"


def school_id(session, key: str | None) -> int | None:
    """The id of the school a ``--school`` option names by external id (None: no option given)."""
    from sqlalchemy import select

    from bridge.models import School

    if key is None:
        return None
    found = session.scalar(select(School.id).where(School.external_id == key))
    if found is None:
        raise CliError(f"--school: no school {key!r}")
    return found


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Rows as aligned columns under a header, indented: what a person reads in a terminal."""
    widths = [max(len(str(r[i])) for r in (headers, *rows)) for i in range(len(headers))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip() for r in (headers, *rows)]
    return "\n".join("  " + line for line in lines)


def when(value: dt.datetime | None) -> str:
    """A timestamp as a command prints it, or ``-`` for none."""
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def start_logging() -> None:
    """Logging of a long-running process (worker, scheduler): one line per event, as text or JSON
    (``netcourses --log-format json ...``)."""
    from bridge.logs import configure

    configure(click.get_current_context().find_root().meta.get("log_format", "text"))


# On a terminal a long problem list stops here; --all, --json and pipes get every line.
TERMINAL_LIMIT = 200


def on_terminal() -> bool:
    return sys.stdout.isatty()


def problem_lines(problems: Sequence, limit: int | None, more: int = 0) -> Iterator[str]:
    """The problems, the first ``limit`` of them on a terminal; the count of the rest, and of the ``more``
    that were not even kept (imports.max_problems)."""
    shown = problems if limit is None else problems[:limit]
    yield from (str(p) for p in shown)
    hidden = len(problems) - len(shown)
    if hidden and not more:
        yield f"... and {hidden:,} more (use --all to list every problem)"
    elif more:
        listed = f"--all lists {len(problems):,}; " if hidden else ""
        yield f"... and {hidden + more:,} more ({listed}imports.max_problems caps the list)"


def echo_problems(problems: Sequence, *, show_all: bool, as_json: bool, more: int | None = None) -> None:
    """An import's problems (bridge.sheets.problems.Problem), one file:row:column line each, or as JSON;
    ``more``: how many past imports.max_problems were counted but not kept (imports of the registry)."""
    if as_json:
        echo_json({"ok": False, "problems": [p.to_dict() for p in problems],
                   **({"more": more} if more is not None else {})})
    else:
        limit = None if show_all or not on_terminal() else TERMINAL_LIMIT
        for line in problem_lines(problems, limit, more or 0):
            click.echo(line)


def link_base(rt: Runtime) -> tuple[str, str | None]:
    """Where links the command line issues start (calendar links, students' choice links), and a note
    when that is only ``web.host:web.port`` because ``web.public_url`` is not set."""
    web = rt.settings.web
    if web.public_url:
        return web.public_url, None
    base = f"http://{web.host}:{web.port}"
    return base, (f"note: the links start with {base} (web.host and web.port): web.public_url is not set; "
                  f"set it to the address people reach the service at")
