"""``netcourses backup`` and ``netcourses restore``: the SQLite default's database file, copied
through SQLite's online backup API, so a backup taken while the service runs is consistent (a
transaction is in it whole or not at all). PostgreSQL has pg_dump and pg_restore (README)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import click

from bridge import db
from bridge.cli.common import CliError, pass_runtime
from bridge.runtime import Runtime

NOT_SQLITE = "backup and restore are for the SQLite default; for PostgreSQL use pg_dump and pg_restore (README: Backup)"


def _database(rt: Runtime) -> Path:
    url = rt.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise CliError(NOT_SQLITE)
    return Path(url.database)


def _copy(source: Path, target: Path) -> None:
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _revision(path: Path) -> str:
    """The schema revision a backup file holds, or a one-line failure naming the file."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise CliError(f"{path}: the database file is damaged (integrity check failed)")
            return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise CliError(f"{path}: not a netcourses database ({exc})") from None


@click.command()
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The backup file to write (must not exist).")
@pass_runtime
def backup(rt: Runtime, out: Path) -> None:
    """Copy the SQLite database to FILE, consistently, while the service runs."""
    source = _database(rt)
    rt.check_schema()  # a missing file would be created empty by the copy
    if out.exists():
        raise CliError(f"{out}: exists already (choose a new name; nothing was written)")
    _copy(source, out)
    click.echo(f"backup of {source} written to {out} (schema {_revision(out)})")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_runtime
def restore(rt: Runtime, file: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup FILE (stop the web app and the workers first),
    then upgrade it to the newest schema if it is older."""
    target = _database(rt)
    revision = _revision(file)
    if revision not in db.revisions():
        raise CliError(f"{file}: schema {revision} is unknown to this version of netcourses (a newer one made it?)")
    if not yes:
        click.confirm(f"Replace everything in {target} with {file}?", abort=True)
    _copy(file, target)
    db.upgrade(rt.engine)
    click.echo(f"{target} restored from {file} (schema {revision}, upgraded to the newest)")
