"""``netcourses backup`` / ``restore`` of the SQLite default: a consistent copy while the database
is in use, restored whole; a file that is not a backup is refused naming it, changing nothing; on
PostgreSQL both point to pg_dump."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select, text

from bridge.models import Student
from tests.builders import build_district


def _students(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Student))


@pytest.fixture
def sqlite_only(runtime) -> bool:
    """On PostgreSQL the tests check that both commands point to pg_dump instead."""
    return runtime.engine.dialect.name == "sqlite"


def test_backup_while_a_write_is_open_then_restore(runner, runtime, session, tmp_path, sqlite_only):
    if not sqlite_only:
        result = runner.invoke(["backup", "--out", str(tmp_path / "b.db")])
        assert result.exit_code == 1 and "use pg_dump" in result.output
        return
    build_district(session)
    session.commit()
    before = _students(session)
    out = tmp_path / "registry-backup.db"
    with runtime.engine.connect() as writer:  # another process's transaction, not committed yet
        writer.execute(text("DELETE FROM enrolment"))
        writer.execute(text("DELETE FROM student"))
        result = runner.invoke(["backup", "--out", str(out)])
        writer.rollback()
    assert result.exit_code == 0, result.output
    with sqlite3.connect(out) as copy:
        assert copy.execute("SELECT count(*) FROM student").fetchone()[0] == before  # all or nothing
    assert runner.invoke(["backup", "--out", str(out)]).output.strip().endswith("exists already (choose a new name; nothing was written)")

    session.execute(text("DELETE FROM enrolment"))
    session.execute(text("DELETE FROM student"))
    session.commit()
    assert _students(session) == 0
    result = runner.invoke(["restore", str(out), "--yes"])
    assert result.exit_code == 0, result.output
    assert _students(session) == before


def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(runner, session, tmp_path, sqlite_only):
    build_district(session)
    session.commit()
    before = _students(session)
    junk = tmp_path / "notes.db"
    junk.write_text("surely a database")
    result = runner.invoke(["restore", str(junk), "--yes"])
    if not sqlite_only:
        assert result.exit_code == 1 and "use pg_dump" in result.output
        return
    assert result.exit_code == 1 and f"{junk}: not a netcourses database" in result.output
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    result = runner.invoke(["restore", str(other), "--yes"])
    assert result.exit_code == 1 and f"{other}: not a netcourses database" in result.output
    assert _students(session) == before
