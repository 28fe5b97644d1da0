"""Webhook intake under load: N events at concurrency C against the app under gunicorn, on SQLite.

Prints accepted events per second, p50/p99 time to answer, and checks that every event was
stored exactly once (each distinct event once, and replays of some of them not again).
Only loopback traffic; the request loop is bounded and the server is stopped at the end.

    .venv/bin/python -m benchmarks.bench_webhooks [--events 10000] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.serving import gunicorn  # noqa: E402
from bridge import db  # noqa: E402
from bridge.models import WebhookEvent  # noqa: E402

TOKEN = "bench-token-not-a-secret"


def event(n: int) -> bytes:
    return json.dumps({
        "eventname": "\\mod_attendance\\event\\attendance_taken", "component": "mod_attendance",
        "action": "taken", "target": "attendance", "objectid": str(n), "crud": "u", "edulevel": 1,
        "contextinstanceid": str(100 + n % 50), "userid": "2", "courseid": str(2 + n % 300),
        "relateduserid": None, "anonymous": 0, "other": {"sessionid": n}, "timecreated": 1795387190 + n,
        "host": "127.0.0.1", "token": TOKEN, "extra": "",
    }).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--replays", type=int, default=1_000, help="events sent a second time")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nc-bench-"))
    url = f"sqlite:///{work / 'bench.db'}"
    config = work / "netcourses.toml"
    config.write_text(f'[webhooks]\ntokens = ["{TOKEN}"]\n', encoding="utf-8")
    engine = db.make_engine(url)
    db.upgrade(engine)

    env = {**os.environ, "NETCOURSES_DATABASE_URL": url, "NETCOURSES_CONFIG": str(config)}
    with gunicorn(env, workers=2, threads=8) as base:
        endpoint = f"{base}/webhooks/moodle"
        local = threading.local()

        def send(n: int) -> tuple[int, float]:
            session = getattr(local, "session", None)
            if session is None:
                session = local.session = requests.Session()
            started = time.perf_counter()
            r = session.post(endpoint, data=event(n), headers={"Content-Type": "application/json"}, timeout=30)
            return r.status_code, time.perf_counter() - started

        numbers = list(range(args.events)) + list(range(min(args.replays, args.events)))
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            results = list(pool.map(send, numbers))
        elapsed = time.perf_counter() - started

    codes = [c for c, _ in results]
    times = sorted(t for _, t in results)
    with engine.connect() as conn:
        rows = conn.scalar(select(func.count()).select_from(WebhookEvent))
        keys = conn.scalar(select(func.count(func.distinct(WebhookEvent.dedupe_key))))
    accepted, duplicates = codes.count(202), codes.count(200)
    print(f"requests: {len(numbers)} ({args.events} distinct events + {len(numbers) - args.events} replays), "
          f"concurrency {args.concurrency}, gunicorn 2 workers x 8 threads, SQLite WAL")
    print(f"answered in {elapsed:.2f} s: {len(numbers) / elapsed:.0f} requests/s, {accepted / elapsed:.0f} accepted/s")
    print(f"time to answer: p50 {statistics.median(times) * 1000:.1f} ms, "
          f"p99 {times[int(len(times) * 0.99) - 1] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms")
    print(f"answers: {accepted} accepted (202), {duplicates} duplicate (200), "
          f"{len(codes) - accepted - duplicates} other")
    once = rows == keys == args.events == accepted
    print(f"stored: {rows} rows, {keys} distinct keys -> {'every event stored exactly once' if once else 'MISMATCH'}")
    if not once:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
