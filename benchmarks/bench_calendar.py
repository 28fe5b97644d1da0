"""Calendar feeds: time to build a feed, and requests per second served under gunicorn.

Builds a district for a full academic year on SQLite (Volzhsky-sized by default: 14 courses of
3 lessons a week, students in 3 courses each, monthly face-to-face sessions and the contest), then

- builds a student's feed and a course's feed in process and prints the median time, and the time
  to work out the version (ETag) that answers a conditional request;
- serves the app with gunicorn on a free loopback port and fires a bounded number of requests from
  a thread pool of requests.Session clients: full answers (200) and conditional ones (304), for
  both feeds; prints requests per second and p50/p99 latency. A full answer for an unchanged
  version reuses the body built for its ETag (the in-process build time is the cost of a new
  version). The server is stopped at the end.

    .venv/bin/python benchmarks/bench_calendar.py [--students 300] [--requests 600] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.serving import gunicorn  # noqa: E402
from bridge import db  # noqa: E402
from bridge.calendar.face_to_face import add_session, expand_sessions  # noqa: E402
from bridge.calendar.feeds import FeedContext, build_feed, course_scope, feed_version, owner_scope  # noqa: E402
from bridge.calendar.lessons import expand_lessons  # noqa: E402
from bridge.calendar.tokens import FeedKind, FeedOwner, issue_token  # noqa: E402
from bridge.models import FaceToFaceRule, HolidayPolicy  # noqa: E402
from config import load_settings  # noqa: E402
from tests.calendars.district import build_district  # noqa: E402

COURSES = 14


def populate(session, students: int) -> tuple[int, str]:
    """The district; returns the benchmark student's id and a course code."""
    d = build_district(session)
    schools = ["base", "rc-ekb", "p1", "p2"]
    for i in range(COURSES):
        d.teacher(f"bt{i}", schools[i % 2], f"Педагогова-{i}")
        slots = [(1 + (i + k * 2) % 5, dt.time(14 + k, 10 * (i % 3)), 40) for k in range(3)]
        d.course(f"NC-{i:02d}", f"Сетевой курс №{i}: углублённое изучение предмета", schools[i % 2], f"bt{i}",
                 slots, grades=(9, 11), hours=3)
    codes = [f"NC-{i:02d}" for i in range(COURSES)]
    for n in range(students):
        taken = [codes[(n + k * 5) % COURSES] for k in range(3)]
        d.student(f"bs{n}", schools[2 + n % 2], 9 + n % 3, "АБВ"[n % 3], *taken)
    session.add(FaceToFaceRule(academic_year=d.year, school=d.schools["base"], room="актовый зал", nth=3, weekday=6,
                               starts_at=dt.time(10), ends_at=dt.time(14), holiday_policy=HolidayPolicy.NEXT_WEEK))
    session.flush()
    expand_lessons(session)
    expand_sessions(session)
    add_session(session, academic_year=d.year, school=d.schools["base"], start=dt.datetime(2027, 5, 22, 10),
                end=dt.datetime(2027, 5, 22, 15))
    return d.students["bs0"].id, codes[0]


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def hammer(url: str, total: int, concurrency: int, headers: dict[str, str], expect: int) -> tuple[float, float, float]:
    """``total`` GETs from ``concurrency`` threads, each with its own requests.Session."""
    local = threading.local()

    def one(_n: int) -> float:
        if not hasattr(local, "http"):
            local.http = requests.Session()
        start = time.perf_counter()
        response = local.http.get(url, headers=headers, timeout=30)
        if response.status_code != expect:
            raise RuntimeError(f"expected {expect}, got {response.status_code}")
        return time.perf_counter() - start

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = sorted(pool.map(one, range(total)))
    elapsed = time.perf_counter() - started
    return total / elapsed, latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--requests", type=int, default=600, help="requests per measurement")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nc-bench-cal-"))
    url = f"sqlite:///{work / 'bench.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    with db.session_scope(db.session_factory(engine)) as session:
        student_id, code = populate(session, args.students)
        token = issue_token(session, FeedOwner(FeedKind.STUDENT, student_id))

    settings = load_settings({"NETCOURSES_DATABASE_URL": url})
    ctx = FeedContext.from_settings(settings)
    print(f"district: {COURSES + 4} courses, {args.students} students, full academic year, on SQLite")
    with db.session_factory(engine)() as session:
        scopes = {"student feed": owner_scope(session, FeedOwner(FeedKind.STUDENT, student_id)),
                  "course feed": course_scope(session, code)}
        for name, scope in scopes.items():
            body = build_feed(session, scope, ctx)
            build = median_ms(lambda: build_feed(session, scope, ctx), 20)
            version = median_ms(lambda: feed_version(session, scope, ctx), 50)
            print(f"{name}: {body.count(b'BEGIN:VEVENT')} events, {len(body) / 1024:.0f} KiB; "
                  f"build {build:.1f} ms (median of 20); version/ETag {version:.2f} ms (median of 50)")

    env = {**os.environ, "NETCOURSES_DATABASE_URL": url}
    env.pop("NETCOURSES_CONFIG", None)
    with gunicorn(env, workers=args.workers, threads=4) as base:
        print(f"gunicorn: {args.workers} workers x 4 threads; {args.requests} requests per line, "
              f"{args.concurrency} client threads")
        for name, path in (("student feed", f"/calendar/feed/{token}.ics"), ("course feed", f"/calendar/course/{code}.ics")):
            etag = requests.get(base + path, timeout=30).headers["ETag"]
            for label, headers, expect in (("200 full (body reused by ETag)", {}, 200),
                                           ("304 If-None-Match", {"If-None-Match": etag}, 304)):
                hammer(base + path, min(50, args.requests), args.concurrency, headers, expect)  # warm-up
                rps, p50, p99 = hammer(base + path, args.requests, args.concurrency, headers, expect)
                print(f"{name} {label}: {rps:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
