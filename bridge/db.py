"""Engine and sessions. One session per request and per job run, passed into services.

SQLite is the embedded default: WAL mode (readers do not block the writer), foreign keys on,
and a busy timeout so a second process waits instead of failing. PostgreSQL is the same code
with another URL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # SQLite's own lower() knows ASCII only: a search for «козлова» must find «Козлова», as on PostgreSQL.
            dbapi_conn.create_function("lower", 1, _lower, deterministic=True)

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """A timestamp read back from the database, as aware UTC: SQLite gives it back naive (it was
    stored as UTC), PostgreSQL aware."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit when the block succeeds, roll back everything when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to the newest migration."""
    command.upgrade(alembic_config(engine), revision)


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


class SchemaNotReady(Exception):
    """The database has no schema, or not this version's: only ``netcourses init`` may create or upgrade
    it, so every other command stops here rather than creating an empty database, or a traceback."""


def schema_problem(engine: Engine) -> str | None:
    """What keeps this version from using the database and what to do, in words (None: at the newest
    migration).

    A SQLite file that does not exist is named without connecting: connecting would create it, and an
    empty file in whatever folder the command ran from is how «unknown school» errors began.
    """
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if not path.exists() and path.parent.is_dir():  # no folder: connecting fails and says so
            return f"does not exist ({path.resolve()}): netcourses init creates it"
    with engine.connect() as conn:
        current = frozenset(MigrationContext.configure(conn).get_current_heads())
    newest = frozenset(_script().get_heads())
    if current == newest:
        return None
    if not current:
        return "has no schema: netcourses init creates it"
    at = ", ".join(sorted(current))
    if current <= revisions():
        return f"has schema {at}, behind this version's {', '.join(sorted(newest))}: netcourses init upgrades it"
    return f"has schema {at}, unknown to this version (a newer one made it?): upgrade netcourses"


def revisions() -> frozenset[str]:
    """Every schema revision this version knows (a restored backup must be one of them)."""
    return frozenset(r.revision for r in _script().walk_revisions())
