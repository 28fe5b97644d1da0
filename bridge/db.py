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
from sqlalchemy import Connection, Engine, create_engine, event
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


def schema_is_current(conn: Connection) -> bool:
    """The database is at the newest migration (readiness: code and schema agree)."""
    return frozenset(MigrationContext.configure(conn).get_current_heads()) == frozenset(_script().get_heads())


def revisions() -> frozenset[str]:
    """Every schema revision this version knows (a restored backup must be one of them)."""
    return frozenset(r.revision for r in _script().walk_revisions())
