"""Costly figures computed once per change of the data they read, shared by every web worker and job.

The dashboard's figures at region scale (the timetable conflicts and the SanPiN load over 120,000
enrolments and 200,000 lessons, the network's statistics, the dynamics over millions of marks) take
seconds to compute and change only when their inputs do: an import, a lesson expansion, a pull, an
edit in the console or the API. So a figure is computed at most once per version of its inputs and
read from the database until they change:

    from bridge.figures import cached
    from bridge.models import Enrolment, Lesson, Student

    summary = cached(session, "conflicts", f"school:{school_id}", lambda: summarise(find_conflicts(...)),
                     reads=(Enrolment, Lesson, Student))

- ``name`` names the figure, ``scope`` whose it is (``network``, ``school:12``, ``teacher:5``,
  ``year:2026-2027``; anything the figure's value depends on besides the data, such as a setting,
  belongs in it too). ``compute`` returns the value as JSON (dicts, lists, numbers, strings):
  that is what is stored, and what ``cached`` returns, on the first call and on every later one.
- ``reads`` names the models the figure reads; their *areas* (model modules: ``registry``,
  ``calendar``, ``marks``, ...) are what the entry is keyed by. Every session's writes bump their
  areas' versions at commit, whoever the writer (:mod:`bridge.models.figures`), so a figure read
  with the versions it was computed at is the figure the data gives now: never stale, and
  unchanged by writes to areas it does not read (a pull, which writes marks only, leaves the
  conflicts cached).
- The versions are read before the figure is computed: what is computed is at least as new as
  the versions it is stored under. A session with writes not yet committed computes afresh and
  stores nothing (its data is not anybody else's yet, and on SQLite it holds the write lock).
- The value is stored in table ``figure_cache`` (one row per name and scope, the newest), in a
  transaction of its own: a page that only reads still shares what it computed with the next
  request, another worker, the scheduler. An older computation never replaces a newer one.

The pull's notes on registry rows (when attendance was last taken on a lesson, when a student last opened
a course: ``bridge.models.figures.OBSERVATIONS``) are read by the monitoring alone. A write changing only
them moves one counter, ``observed``, which every figure reading those tables is keyed by too, unless it
says it never reads them (``observations=False``: the conflicts, the load, the statistics, the dynamics),
so a pull leaves those cached.

When a figure's JSON changes shape, change its name (``conflicts/2``): rows of the old name are
then never read again.

A figure that sums parts of the data dated by month (the dynamics of a year: millions of marks, of
which a pull writes this month's) is cached part by part with :func:`cached_parts`: each month a
scope of its own, keyed by the counters of the tables it reads and of its month (not of the whole
area: :func:`bridge.models.version_keys`), computed together when several are missing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bridge.models import Base, DataVersion, FigureCache, has_written, version_keys

Json = Any  # what json.dumps takes and json.loads gives back


def versions(session: Session, areas: Iterable[str]) -> dict[str, int]:
    """The current version of each area (0 for an area never written)."""
    wanted = sorted(set(areas))
    found = dict(session.execute(select(DataVersion.area, DataVersion.version)
                                 .where(DataVersion.area.in_(wanted))).all())
    return {area: found.get(area, 0) for area in wanted}


def cached(session: Session, name: str, scope: str, compute: Callable[[], Json], *,
           reads: Iterable[type[Base]], observations: bool = True) -> Json:
    """The figure ``name`` of ``scope``: the stored value when the areas of ``reads`` have not changed
    since it was computed, else ``compute()`` (stored for the next reader). See the module's doc."""
    return cached_parts(session, name, {scope: None}, lambda missing: {scope: compute()}, reads=reads,
                        observations=observations)[scope]


def cached_parts(session: Session, name: str, parts: Mapping[str, Iterable[str] | None],
                 compute: Callable[[list[str]], dict[str, Json]], *, reads: Iterable[type[Base]],
                 observations: bool = True) -> dict[str, Json]:
    """A figure made of parts, each cached as its own scope: ``parts`` maps each scope to the months
    (``YYYY-MM``) it reads of the dated tables among ``reads`` (keyed then by those months' counters and
    its tables', :func:`bridge.models.version_keys`), or to None (keyed by the areas, as :func:`cached`).
    ``compute(missing)`` gets the scopes not stored at their current versions, all at once (one query for
    many months costs about what one does), and returns their values. Returns every part's value."""
    reads = tuple(reads)
    keys = {scope: version_keys(reads, months, observations=observations) for scope, months in parts.items()}
    if not all(keys.values()):
        raise ValueError(f"figure {name!r}: none of its models is tracked, it could never be refreshed")
    if has_written(session):
        return compute(list(parts))  # its writes are not committed (nobody else's figure); it holds SQLite's lock
    now = versions(session, set().union(*keys.values()))
    stamped = {scope: (",".join(f"{k}={now[k]}" for k in sorted(wanted)), sum(now[k] for k in wanted))
               for scope, wanted in keys.items()}
    values = {scope: json.loads(payload) for scope, key, payload in session.execute(
        select(FigureCache.scope, FigureCache.versions, FigureCache.payload)
        .where(FigureCache.name == name, FigureCache.scope.in_(list(parts)))) if key == stamped[scope][0]}
    missing = [scope for scope in parts if scope not in values]
    if missing:
        computed = compute(missing)
        for scope in missing:
            key, stamp = stamped[scope]
            _store(session, name, scope, key, stamp, json.dumps(computed[scope], ensure_ascii=False))
        values |= {scope: computed[scope] for scope in missing}
    return values


def _store(session: Session, name: str, scope: str, key: str, stamp: int, payload: str) -> None:
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)  # a session bound to a connection: that connection's engine
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    table = FigureCache.__table__
    values = {"name": name, "scope": scope, "versions": key, "stamp": stamp, "payload": payload,
              "computed_at": dt.datetime.now(dt.UTC)}
    stmt = insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.name, table.c.scope],
        set_={k: stmt.excluded[k] for k in ("versions", "stamp", "payload", "computed_at")},
        where=table.c.stamp <= stmt.excluded.stamp)
    with engine.begin() as connection:
        connection.execute(stmt)

