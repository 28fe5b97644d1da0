"""The job queue: enqueue→start latency with an idle worker, and throughput of trivial jobs.

Prints p50/p99 of the time from enqueue to a worker's claim (one job at a time, an idle worker
polling every ``jobs.poll_seconds``), then jobs per second for 1,000 trivial jobs with 1 and 4
worker processes on PostgreSQL (``--postgres URL``; the database is emptied first, so give it one
of its own) and 1 on SQLite; each run checks every job ran exactly once.

    .venv/bin/python -m benchmarks.bench_jobs [--postgres postgresql://postgres@127.0.0.1/bench]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge import db, jobs  # noqa: E402
from bridge.db import utc  # noqa: E402
from bridge.models import Job  # noqa: E402
from bridge.runtime import Runtime  # noqa: E402
from config import Settings  # noqa: E402
from sync_jobs.worker import Worker  # noqa: E402


def _noop(ctx) -> str:
    return "ok"


def _work(url: str, name: str, stop) -> None:
    """One worker process running trivial jobs until told to stop."""
    Worker(Runtime(Settings(database_url=url)), {"noop": _noop}, name=name).run(stop)


def _fresh(url: str) -> Runtime:
    engine = db.make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    db.upgrade(engine)
    with engine.begin() as conn:  # SQLite's file is the same for every measurement
        conn.execute(delete(Job))
    return Runtime(Settings(database_url=url), engine=engine)


class Workers:
    """``n`` worker processes (started with spawn: nothing of this process's engine is shared)."""

    def __init__(self, url: str, n: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.stop = ctx.Event()
        self.processes = [ctx.Process(target=_work, args=(url, f"bench-{i}", self.stop)) for i in range(n)]

    def __enter__(self) -> Workers:
        for p in self.processes:
            p.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for p in self.processes:
            p.join(60)


def _wait_done(rt: Runtime, total: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    with rt.sessions() as session:
        while session.scalar(select(func.count()).select_from(Job).where(Job.status == "done")) < total:
            if time.monotonic() > deadline:
                raise SystemExit("jobs did not finish in time")
            time.sleep(0.02)
            session.rollback()


def latency(url: str, samples: int) -> tuple[float, float]:
    rt = _fresh(url)
    delays = []
    with Workers(url, 1):
        time.sleep(3)  # let the worker start and go idle
        for n in range(samples):
            with rt.sessions() as session:
                job = jobs.enqueue(session, "noop")
                session.commit()
                job_id = job.id
            _wait_done(rt, n + 1)
            with rt.sessions() as session:
                job = session.get(Job, job_id)
                delays.append((utc(job.started_at) - utc(job.enqueued_at)).total_seconds())
            time.sleep(random.uniform(0, 0.3))  # enqueue at any moment of the worker's poll
    delays.sort()
    return statistics.median(delays), delays[min(len(delays) - 1, int(len(delays) * 0.99))]


def throughput(url: str, workers: int, total: int) -> float:
    rt = _fresh(url)
    with rt.sessions() as session:
        for _ in range(total):
            jobs.enqueue(session, "noop")
        session.commit()
    with Workers(url, workers):
        _wait_done(rt, total)
    with rt.sessions() as session:
        runs = session.execute(select(Job.status, Job.attempts)).all()
        first, last = session.execute(select(func.min(Job.started_at), func.max(Job.finished_at))).one()
    assert len(runs) == total and set(runs) == {("done", 1)}, "a job did not run exactly once"
    # From the first claim to the last job's end: the workers' start-up is not the queue's speed.
    return total / (utc(last) - utc(first)).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="URL of a PostgreSQL database to use (emptied first)")
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=100, help="enqueue→start samples")
    args = parser.parse_args()
    sqlite = f"sqlite:///{Path(tempfile.mkdtemp(prefix='nc-bench-')) / 'jobs.db'}"
    poll = Settings().jobs.poll_seconds
    for name, url in (("SQLite", sqlite), ("PostgreSQL", args.postgres)):
        if url is None:
            continue
        p50, p99 = latency(url, args.samples)
        print(f"{name}: enqueue→start with an idle worker (poll {poll}s): p50 {p50 * 1000:.0f} ms, "
              f"p99 {p99 * 1000:.0f} ms over {args.samples} jobs")
        for n in ((1, 4) if name == "PostgreSQL" else (1,)):
            rate = throughput(url, n, args.jobs)
            print(f"{name}: {args.jobs} trivial jobs with {n} worker{'s' if n > 1 else ''}: {rate:.0f} jobs/s "
                  f"(each ran once)")


if __name__ == "__main__":
    main()
