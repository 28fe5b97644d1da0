"""``python -m tests.jobs.dying_worker [netcourses arguments]``: the ``netcourses`` command, in a process
that kills itself with SIGKILL at the point of a job named by ``NETCOURSES_TEST_DIE`` (see
:data:`DIE`); the takeover tests (tests/jobs/takeover.py) start a worker this way.

The point is a commit: ``before:TABLE`` dies once the first transaction that writes the table is
complete but not committed (its work is lost with the process), ``after:TABLE`` once it has committed
(its work is kept, the job is still marked running). The hook watches the SQL a connection sends, so
it needs no knob in the product.
"""

from __future__ import annotations

import os
import signal

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session

DIE = "NETCOURSES_TEST_DIE"
WHEN = ("before", "after")
WRITTEN = "dying_worker_written"  # the key, in a connection's info, of the tables its transaction wrote


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def install(point: str) -> None:
    """Die at ``point`` (``before:TABLE`` or ``after:TABLE``) in this process."""
    when, _, table = point.partition(":")
    if when not in WHEN or not table:
        raise SystemExit(f"{DIE}={point!r}: expected before:TABLE or after:TABLE")
    committed_it = False

    @event.listens_for(Engine, "begin")
    def begun(conn: Connection) -> None:
        conn.info[WRITTEN] = set()

    @event.listens_for(Engine, "before_cursor_execute")
    def executed(conn: Connection, cursor, statement, parameters, context, executemany) -> None:
        if context is not None and (context.isinsert or context.isupdate or context.isdelete):
            conn.info.setdefault(WRITTEN, set()).add(context.compiled.statement.table.name)

    @event.listens_for(Engine, "commit")
    def committing(conn: Connection) -> None:
        nonlocal committed_it
        if table in conn.info.pop(WRITTEN, set()):
            if when == "before":
                _die()
            committed_it = True

    @event.listens_for(Session, "after_commit")
    def committed(session: Session) -> None:
        if committed_it:
            _die()


if __name__ == "__main__":
    if point := os.environ.get(DIE):
        install(point)
    from bridge.cli.root import main

    main(prog_name="netcourses")
