"""The data's version per area, bumped by every write, and the cache of figures computed from the data.

Costly figures (the timetable conflicts, the SanPiN load, the network's statistics and dynamics) are
cached by ``bridge.figures`` keyed by the versions of the areas they read; a figure read with the
versions it was computed at is the figure the data gives now. That holds only if *every* write to
the data moves a version, so the versions are kept here, under the models, and not by the writers:

- an **area** is a model module (``registry``, ``calendar``, ``marks``, ``choices``, ...): a table's
  area is the module its model is defined in, so a new table (or a new area module) is tracked with
  nothing to register. :data:`UNTRACKED` names the operational tables no figure reads (jobs, locks,
  sync runs, the audit log, tokens' last use, the cache itself), written often and for nothing;
- every ``Session`` (they are all ``sqlalchemy.orm.Session``: listeners on the class, installed when
  ``bridge.models`` is imported, which any code that writes a table has done) notes the areas it
  writes: objects added, changed or deleted at a flush, and ``insert``/``update``/``delete``
  statements run through ``session.execute`` (the importer's and the pull's bulk writes). A deleted
  row's area also dirties the areas of the tables whose foreign keys cascade from it (deleting a
  student deletes their marks in the database, which no flush sees);
- at commit, just before it, the noted areas' counters (table ``data_version``) go up by one, in the
  same transaction: a reader that sees a version also sees every write it counts. The counter rows
  are locked only from that moment to the commit (on PostgreSQL a second writer of the same area
  waits that long, not for the first one's whole transaction), always in the same order.

Costly figures are never computed in a page load after a change if a worker runs: a commit of a
session of the runtime's (``bridge.runtime``, unless ``[jobs] refresh_figures`` is off) that bumps
one of :data:`REFRESHED` (the areas the dashboard's figures read) also queues, in the same
transaction, a job of kind ``refresh_figures`` (:data:`REFRESH_JOB`) unless one is queued already, and
the worker (``sync_jobs.worker``) computes the figures that changed. A page loaded before it is done
computes what it needs itself, as ever: never stale, only slower.

What it does not see: SQL written by hand on a connection, outside a session (the product has none;
tests empty tables that way, and empty ``data_version`` with them, so versions start again from 0
and the cache is emptied too).
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from sqlalchemy import Connection, DateTime, Integer, String, Table, Text, event, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, UOWTransaction, mapped_column

from bridge.models.base import Base
from bridge.models.jobs import Job

UNTRACKED = frozenset({
    "job", "job_worker", "job_lock", "sync_run", "sync_change", "audit_entry", "sign_in_failure",
    "webhook_event", "api_token", "calendar_token", "data_version", "figure_cache",
})
# The areas the dashboard's figures read (bridge.calendar.figures, bridge.reports.figures: a test keeps
# them equal): a commit that bumps one queues the worker's refresh.
REFRESHED = frozenset({"calendar", "marks", "registry"})
REFRESH_JOB = "refresh_figures"
QUEUES_REFRESH = "netcourses_queues_refresh"  # key in Session.info: its commits queue REFRESH_JOB (bridge.runtime)
_WRITTEN = "netcourses_written_areas"  # key in Session.info: the areas written in the open transaction
_WROTE = "netcourses_wrote"  # key in Session.info: it wrote anything (tracked or not) in the open transaction


class DataVersion(Base):
    """How many committed transactions wrote an area: what a cached figure is keyed by."""

    __tablename__ = "data_version"

    area: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class FigureCache(Base):
    """The last computed value of a figure in a scope (``conflicts`` of ``school:12``), as JSON, with the
    versions of the areas it was computed at (``versions``, e.g. ``calendar=3,registry=7``) and their sum
    (``stamp``, which only grows: an older computation never overwrites a newer one)."""

    __tablename__ = "figure_cache"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    versions: Mapped[str] = mapped_column(String(500))
    stamp: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@cache
def _areas() -> dict[str, str]:
    """Table name → area (its model's module), for the tracked tables."""
    out = {}
    for mapper in Base.registry.mappers:
        for table in mapper.tables:
            if table.name not in UNTRACKED:
                out[table.name] = mapper.class_.__module__.rsplit(".", 1)[-1]
    return out


@cache
def _cascades() -> dict[str, frozenset[str]]:
    """Table name → the tables whose rows the database deletes or changes when one of its rows is deleted
    (``ON DELETE CASCADE`` / ``SET NULL``, followed through), itself included."""
    direct: dict[str, set[str]] = {}
    for table in Base.metadata.tables.values():
        for fk in table.foreign_keys:
            if fk.ondelete and fk.ondelete.upper() in ("CASCADE", "SET NULL"):
                direct.setdefault(fk.column.table.name, set()).add(table.name)
    out = {}
    for name in Base.metadata.tables:
        seen, todo = {name}, [name]
        while todo:
            for child in direct.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        out[name] = frozenset(seen)
    return out


def area_of(table_name: str) -> str | None:
    """The area a table's writes bump (None: untracked)."""
    return _areas().get(table_name)


def areas_of(*models: type[Base]) -> frozenset[str]:
    """The areas of the tables a figure reads: what its cache entry is keyed by."""
    return frozenset(area for m in models if (area := area_of(m.__table__.name)) is not None)


def has_written(session: Session) -> bool:
    """Whether the session's open transaction has written anything, tracked or not (flushed or executed):
    on SQLite it then holds the database's write lock, which another connection would wait for."""
    return bool(session.info.get(_WROTE)) or bool(session.new or session.dirty or session.deleted)


def _note(session: Session, table_name: str, deleted: bool) -> None:
    session.info[_WROTE] = True
    names = _cascades().get(table_name, frozenset({table_name})) if deleted else (table_name,)
    areas = {area for name in names if (area := area_of(name)) is not None}
    if areas:
        session.info.setdefault(_WRITTEN, set()).update(areas)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    for obj in session.new:
        _note(session, obj.__table__.name, False)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            _note(session, obj.__table__.name, False)
    for obj in session.deleted:
        _note(session, obj.__table__.name, True)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = state.statement.table
        if isinstance(table, Table) and table.name in Base.metadata.tables:
            _note(state.session, table.name, state.is_delete)
        else:  # not a plain table (a join, an alias): count every area, never miss one
            state.session.info[_WROTE] = True
            state.session.info.setdefault(_WRITTEN, set()).update(_areas().values())


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    """Flush what is pending (so its areas are noted), then bump the noted areas, one statement each in
    name order (two writers of the same areas lock their counters in the same order)."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    session.info.pop(_WROTE, None)
    areas = session.info.pop(_WRITTEN, None)
    if not areas:
        return
    connection = session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    table = DataVersion.__table__
    for area in sorted(areas):
        stmt = insert(table).values(area=area, version=1)
        connection.execute(stmt.on_conflict_do_update(index_elements=[table.c.area],
                                                      set_={"version": table.c.version + 1}))
    if areas & REFRESHED and session.info.get(QUEUES_REFRESH):
        _queue_refresh(connection)


def _queue_refresh(connection: Connection) -> None:
    """Queue the worker's refresh of the figures, unless one is queued and not yet started (it will read
    this commit's data). Two writers committing at once may both queue one: the second finds the cache
    filled and computes nothing."""
    job = Job.__table__
    if connection.execute(select(job.c.id).where(job.c.kind == REFRESH_JOB, job.c.status == "queued")
                          .limit(1)).first() is None:
        now = dt.datetime.now(dt.UTC)
        connection.execute(insert(job).values(kind=REFRESH_JOB, params={}, status="queued", attempts=0,
                                              max_attempts=3, enqueued_at=now, run_after=now))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction is over (committed or rolled back)
        session.info.pop(_WRITTEN, None)
        session.info.pop(_WROTE, None)
