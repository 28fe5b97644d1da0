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
- finer counters, for a figure that would otherwise be recomputed whole for a write to a small part of
  it (the dynamics of a year after a pull of this month's marks): each table has its own counter
  (``marks.grade``) and the *dated* tables (:data:`DATED`: lessons, attendance marks, grades, grade
  items) a counter per area and month (``marks@2026-10``). A write to a dated row moves the counters
  of the months its marks or lesson fall in (the lesson's local date; a grade's ``graded_at`` in any
  zone, so the month of the district's too; old and new values both) instead of its table's; a write
  whose months cannot be told (a bulk statement, a cascade, an attribute not loaded, a change of a
  grade item) moves the table's. So a figure of one month keyed by its tables' counters and its
  month's counters (:func:`version_keys` with ``months``) is as never stale as one keyed by areas,
  and untouched by a write to another month;
- at commit, just before it, the noted counters (table ``data_version``) go up by one, in the
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
from collections.abc import Callable, Iterable
from functools import cache

from sqlalchemy import Connection, DateTime, Integer, String, Table, Text, event, insert, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, UOWTransaction, mapped_column
from sqlalchemy.orm.base import NO_VALUE

from bridge.models.base import Base
from bridge.models.jobs import Job

UNTRACKED = frozenset({
    "job", "job_worker", "job_lock", "sync_run", "sync_change", "audit_entry", "sign_in_failure",
    "webhook_event", "api_token", "calendar_token", "data_version", "figure_cache",
})
# The areas the dashboard's figures read (bridge.calendar.figures, bridge.reports.figures: a test keeps
# them equal): a commit that bumps one queues the worker's refresh.
# What the pull notes of the teaching on registry rows (when attendance was last taken, when a student last
# opened the course): only the monitoring reads it. A write that changes only these columns moves the counter
# OBSERVED, not its table's area, so the figures that never read them (conflicts, load, statistics,
# dynamics: ``cached(..., observations=False)``) stay cached after every pull.
OBSERVATIONS: dict[str, frozenset[str]] = {
    "lesson": frozenset({"attendance_taken_at", "attendance_delay_minutes"}),
    "enrolment": frozenset({"last_course_access", "course_access_read"}),
}
OBSERVED = "observed"
REFRESHED = frozenset({"calendar", "marks", "registry", OBSERVED})
REFRESH_JOB = "refresh_figures"
QUEUES_REFRESH = "netcourses_queues_refresh"  # key in Session.info: its commits queue REFRESH_JOB (bridge.runtime)
_WRITTEN = "netcourses_written_areas"  # key in Session.info: the counters written in the open transaction
_WROTE = "netcourses_wrote"  # key in Session.info: it wrote anything (tracked or not) in the open transaction


class DataVersion(Base):
    """How many committed transactions wrote an area (``marks``), a table (``marks.grade``) or an area's
    rows of a month (``marks@2026-10``): what a cached figure is keyed by."""

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


def table_key(table_name: str) -> str | None:
    """The counter of a table's writes not dated to months (``marks.grade``; None: untracked)."""
    area = area_of(table_name)
    return None if area is None else f"{area}.{table_name}"


def month_key(area: str, month: str) -> str:
    """The counter of an area's dated writes in a month (``marks@2026-10``; ``month`` as ``YYYY-MM``)."""
    return f"{area}@{month}"


def version_keys(models: Iterable[type[Base]], months: Iterable[str] | None = None, *,
                 observations: bool = True) -> frozenset[str]:
    """The counters a figure reading ``models`` is keyed by: their areas; or, for a figure that reads
    only the rows of ``months`` (``YYYY-MM``) of the dated tables among them, their tables' counters and
    those months' counters of the dated tables' areas. Plus :data:`OBSERVED` when one of them has
    :data:`OBSERVATIONS` columns, unless the figure says it never reads them (``observations=False``)."""
    tables = {m.__table__.name for m in models if area_of(m.__table__.name) is not None}
    observed = {OBSERVED} if observations and tables & OBSERVATIONS.keys() else set()
    if months is None:
        return frozenset({area_of(t) for t in tables} | observed)
    wanted = list(months)
    return frozenset({table_key(t) for t in tables} | observed
                     | {month_key(area_of(t), m) for t in tables if t in DATED for m in wanted})


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


def _months(value: dt.date | None) -> set[str]:
    """The months (``YYYY-MM``) of a local date; of an instant, the months it falls in in any zone of the
    world (UTC-12 to UTC+14; SQLite gives instants back naive, in UTC): the figures count instants by the
    district's zone, which is not known here, and only an instant within hours of a month's end is in two."""
    if value is None:
        return set()
    if not isinstance(value, dt.datetime):
        return {f"{value:%Y-%m}"}
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return {f"{value - dt.timedelta(hours=12):%Y-%m}", f"{value + dt.timedelta(hours=14):%Y-%m}"}


def _values(obj: Base, key: str, new: bool) -> list | None:
    """The values an attribute had and has in this flush (old and new); None when it is not loaded (a row
    not new: its value is not known without a query). A new row's unset attribute was inserted as NULL."""
    attr = inspect(obj).attrs[key]
    values = list(attr.history.sum())
    if not values and not new and attr.loaded_value is NO_VALUE:
        return None
    return values or [None]


def _own_date(column: str) -> Callable[[Connection, list[tuple[Base, bool]]], set[str] | None]:
    """Dating by a column of the row itself (a lesson's date, a grade's ``graded_at``)."""
    def dating(_connection: Connection, rows: list[tuple[Base, bool]]) -> set[str] | None:
        months: set[str] = set()
        for obj, new in rows:
            values = _values(obj, column, new)
            if values is None:
                return None
            months.update(m for v in values for m in _months(v))
        return months
    return dating


def _occasion_date(connection: Connection, rows: list[tuple[Base, bool]]) -> set[str] | None:
    """An attendance mark is dated by its lesson's (or face-to-face session's) date: one query per flush."""
    wanted: dict[str, set[int]] = {"lesson": set(), "face_to_face_session": set()}
    for obj, new in rows:
        for column, table in (("lesson_id", "lesson"), ("face_to_face_session_id", "face_to_face_session")):
            values = _values(obj, column, new)
            if values is None:
                return None
            wanted[table].update(v for v in values if v is not None)
    months: set[str] = set()
    for table_name, ids in wanted.items():
        table = Base.metadata.tables[table_name]
        found = connection.execute(select(table.c.id, table.c.date).where(table.c.id.in_(ids))).all() if ids else []
        if len(found) < len(ids):  # deleted in this transaction: its marks went with it, by cascade
            return None
        months.update(m for _, day in found for m in _months(day))
    return months


def _new_parent(_connection: Connection, rows: list[tuple[Base, bool]]) -> set[str] | None:
    """A grade item is dated by its grades: a new one has none (they are dated themselves when written);
    a change or a delete may touch any month."""
    return set() if all(new for _, new in rows) else None


# Dated tables: table → the months (YYYY-MM) the given rows' writes touch, None if that cannot be told.
DATED: dict[str, Callable[[Connection, list[tuple[Base, bool]]], set[str] | None]] = {
    "lesson": _own_date("date"),
    "attendance_mark": _occasion_date,
    "grade": _own_date("graded_at"),
    "grade_item": _new_parent,
}


def _observation_only(obj: Base) -> bool:
    """Whether this flush changes only :data:`OBSERVATIONS` columns of the row."""
    noted = OBSERVATIONS.get(obj.__table__.name)
    if noted is None:
        return False
    changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
    return bool(changed) and changed <= noted


def _note(session: Session, table_name: str, deleted: bool) -> None:
    """A write to ``table_name`` not dated to months: its area and table counters (and, for a delete, those
    of the tables that cascade from it)."""
    session.info[_WROTE] = True
    names = _cascades().get(table_name, frozenset({table_name})) if deleted else (table_name,)
    keys = {key for name in names if area_of(name) is not None for key in (area_of(name), table_key(name))}
    if keys:
        session.info.setdefault(_WRITTEN, set()).update(keys)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    written: dict[str, list[tuple[Base, bool]]] = {}
    for obj in session.new:
        written.setdefault(obj.__table__.name, []).append((obj, True))
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            if _observation_only(obj):
                session.info[_WROTE] = True
                session.info.setdefault(_WRITTEN, set()).add(OBSERVED)
            else:
                written.setdefault(obj.__table__.name, []).append((obj, False))
    for obj in session.deleted:
        name = obj.__table__.name
        written.setdefault(name, []).append((obj, False))
        for child in _cascades()[name] - {name}:  # rows the database deletes with it: not dated by it
            _note(session, child, False)
    for table_name, rows in written.items():
        dating = DATED.get(table_name)
        months = None if dating is None else dating(session.connection(), rows)
        area = area_of(table_name)
        if months is None or area is None:
            _note(session, table_name, False)
        else:
            session.info[_WROTE] = True
            session.info.setdefault(_WRITTEN, set()).update({area, *(month_key(area, m) for m in months)})


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = state.statement.table
        if isinstance(table, Table) and table.name in Base.metadata.tables:
            _note(state.session, table.name, state.is_delete)
        else:  # not a plain table (a join, an alias): count every area and table, never miss one
            state.session.info[_WROTE] = True
            state.session.info.setdefault(_WRITTEN, set()).update(
                {key for name in _areas() for key in (area_of(name), table_key(name))})


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    """Flush what is pending (so its writes are noted), then bump the noted counters, one statement each in
    name order (two writers of the same counters lock them in the same order)."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    session.info.pop(_WROTE, None)
    keys = session.info.pop(_WRITTEN, None)
    if not keys:
        return
    connection = session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    table = DataVersion.__table__
    for key in sorted(keys):
        stmt = insert(table).values(area=key, version=1)
        connection.execute(stmt.on_conflict_do_update(index_elements=[table.c.area],
                                                      set_={"version": table.c.version + 1}))
    if keys & REFRESHED and session.info.get(QUEUES_REFRESH):
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
