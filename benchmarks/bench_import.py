"""Import benchmark: a region-size registry (benchmarks/region.py) imported into a fresh database.

Prints the time and memory of the first import, the time of a re-import that changes nothing,
and the Python allocation peak (tracemalloc) of an import. SQLite in a temporary folder by
default; ``--database-url postgresql://...`` runs on PostgreSQL (the registry tables of that
database are emptied first, so give a scratch database and ``--wipe``).

    python -m benchmarks.bench_import [--database-url URL --wipe] [--students 60000 ...]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from benchmarks.region import region_tables
from bridge import db
from bridge.models import Base, School
from bridge.transfer import ImportReport, import_tables


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fresh(url: str, wipe: bool) -> Any:
    engine = db.make_engine(url)
    db.upgrade(engine)
    with engine.begin() as conn:
        if conn.scalar(select(func.count()).select_from(School)) and not wipe:
            sys.exit(f"{url}: the registry is not empty; give a scratch database and --wipe")
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return engine


def _timed(engine: Any, tables: dict, trace: bool = False) -> tuple[float, ImportReport, int]:
    sessions = db.session_factory(engine)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with db.session_scope(sessions) as session:
        report = import_tables(session, tables, source="region")
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    return elapsed, report, peak


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    parser.add_argument("--wipe", action="store_true", help="empty the registry of --database-url first")
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--students", type=int, default=60000)
    parser.add_argument("--courses", type=int, default=3000)
    parser.add_argument("--enrolments", type=int, default=120000)
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc run (it takes as long again)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    tables = region_tables(args.schools, args.students, args.courses, args.enrolments)
    rows = sum(len(r) for r in tables.values())
    print(f"generated {rows} rows in {time.perf_counter() - started:.1f} s "
          f"({', '.join(f'{n} {len(r)}' for n, r in tables.items())})")
    with tempfile.TemporaryDirectory() as tmp:
        make: Callable[[str], str] = (lambda name: args.database_url) if args.database_url else \
            (lambda name: f"sqlite:///{Path(tmp) / name}")
        engine = _fresh(make("region.db"), args.wipe)
        print(f"database: {engine.dialect.name}")
        rss_before = _rss_mb()
        elapsed, report, _ = _timed(engine, tables)
        print(f"import:    {elapsed:6.1f} s, created {report.total('created')}, "
              f"peak RSS {_rss_mb():.0f} MB (+{_rss_mb() - rss_before:.0f} MB over the generated tables)")
        elapsed, report, _ = _timed(engine, tables)
        print(f"re-import: {elapsed:6.1f} s, created {report.total('created')}, updated {report.total('updated')}, "
              f"unchanged {report.total('unchanged')}")
        assert not report.changed, report.describe()
        if not args.no_trace:
            elapsed, _, peak = _timed(engine, tables, trace=True)
            print(f"re-import under tracemalloc: peak {peak / 2**20:.0f} MB of Python allocations")
            engine = _fresh(make("traced.db"), True)
            elapsed, _, peak = _timed(engine, tables, trace=True)
            print(f"import under tracemalloc:    peak {peak / 2**20:.0f} MB of Python allocations "
                  f"({elapsed:.1f} s with tracing)")
        engine.dispose()


if __name__ == "__main__":
    main()
