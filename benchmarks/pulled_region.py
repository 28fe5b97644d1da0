"""The region of benchmarks/region.py (scaled) with a year to date of attendance and grades, as the
report benchmarks (bench_dynamics, bench_teachers) read it: imported into a fresh database, its lessons
expanded, and marked by the demo's generator (bridge.demo.results) as if pulled from Moodle."""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.region import region_tables
from bridge import db
from bridge.calendar.lessons import expand_lessons
from bridge.demo.results import DemoResults, generate_results
from bridge.runtime import Runtime
from bridge.transfer import import_tables
from config import Settings


def add_arguments(parser: argparse.ArgumentParser, *, scale: float, until: dt.date) -> None:
    """The options every report benchmark takes, with its own defaults."""
    parser.add_argument("--scale", type=float, default=scale, help="Of the region (1000 schools, 60000 students).")
    parser.add_argument("--until", type=dt.date.fromisoformat, default=until,
                        help="Mark the lessons before this day.")
    parser.add_argument("--database-url", help="An empty database to fill (default: a new SQLite file).")


@dataclass(frozen=True)
class PulledRegion:
    rt: Runtime
    filled: DemoResults
    seconds: float  # to build it


def build(args: argparse.Namespace, name: str) -> PulledRegion:
    s = args.scale
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix=f'nc-bench-{name}-')) / f'{name}.db'}"
    rt = Runtime(Settings(database_url=url))
    db.upgrade(rt.engine)
    started = time.perf_counter()
    with rt.sessions() as session:
        import_tables(session, region_tables(schools=round(1000 * s), students=round(60000 * s),
                                             courses=round(3000 * s), enrolments=round(120000 * s), seed=1),
                      source="region")
        session.commit()
    with rt.sessions() as session:
        expand_lessons(session)
        filled = generate_results(session, args.until, rt.settings.district.timezone)
        session.commit()
    return PulledRegion(rt, filled, time.perf_counter() - started)
