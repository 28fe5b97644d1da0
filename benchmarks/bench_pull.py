"""The pull: time, Moodle reads and memory to bring a district's attendance and grades home.

Builds a district for a full academic year on SQLite (the calendar tests' frame with its 4 courses, and
14 Volzhsky-like courses of
3 lessons a week, students in 3 courses each), syncs it to the in-process fake Moodle (so every lesson
has its attendance session), then has the teachers mark every student at every lesson and grade two
items per course, and measures

- the first pull (every mark and grade is new), the repeat pull (nothing changed: reads only, no
  writes) and a targeted pull of one course (what a webhook costs);
- for each: seconds, Moodle read calls, marks and grades seen, and the peak of Python memory
  (tracemalloc) during the pull.

The fake answers in process: the figures are the registry's side (parsing, comparing, writing),
not a real Moodle's latency.

    .venv/bin/python benchmarks/bench_pull.py [--students 106] [--weeks 34]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "tests"))  # the fake Moodle (after the standard library: tests/calendar)

from fake_moodle.server import FakeMoodle  # noqa: E402
from tests.calendar.district import YEAR, build_district  # noqa: E402

from bridge import db  # noqa: E402
from bridge.calendar.lessons import expand_lessons  # noqa: E402
from bridge.pull.run import run_pull  # noqa: E402
from bridge.runtime import Runtime  # noqa: E402
from bridge.sync.run import run_sync  # noqa: E402
from config import Settings  # noqa: E402
from moodle_client import MoodleClient  # noqa: E402

COURSES = 14


def populate(session, students: int, weeks: int) -> None:
    end = YEAR[0] + dt.timedelta(weeks=weeks)
    d = build_district(session, terms=[(YEAR[0], end)], holidays=[])
    schools = ["base", "rc-ekb", "p1", "p2"]
    for i in range(COURSES):
        d.teacher(f"bt{i}", schools[i % 2], f"Педагогова-{i}")
        slots = [(1 + (i + k * 2) % 5, dt.time(14 + k, 10 * (i % 3)), 40) for k in range(3)]
        d.course(f"NC-{i:02d}", f"Сетевой курс №{i}", schools[i % 2], f"bt{i}", slots, grades=(9, 11), hours=3)
    codes = [f"NC-{i:02d}" for i in range(COURSES)]
    for n in range(students):
        taken = [codes[(n + k * 5) % COURSES] for k in range(3)]
        d.student(f"bs{n}", schools[2 + n % 2], 9 + n % 3, "АБВ"[n % 3], *taken)
    session.flush()
    expand_lessons(session)
    session.commit()


def take_attendance_and_grade(fake: FakeMoodle) -> None:
    """Every student marked at every session (one in seven absent), two graded items per course."""
    site = fake.site
    for s in list(site.sessions):
        course = site.attendances.rows[s.attendanceid].course
        for n, user in enumerate(site.students(course)):
            fake.mark(s.id, user.id, "A" if (n + s.id) % 7 == 0 else "P")
    for course in [c for c in site.courses if c.idnumber]:
        items = [fake.add_grade_item(course.id, f"Работа {k}", grademax=10) for k in (1, 2)]
        for n, user in enumerate(site.students(course.id)):
            for item in items:
                fake.set_grade(item, user.id, 4 + (n % 7))


def measure(label: str, rt: Runtime, client: MoodleClient, **kwargs) -> None:
    tracemalloc.start()
    reads = client.stats.reads
    start = time.perf_counter()
    report = run_pull(rt, client=client, show_progress=False, **kwargs)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    marks = report.attendance.created + report.attendance.changed + report.attendance.unchanged
    grades = report.grades.created + report.grades.changed + report.grades.unchanged
    print(f"{label:<22} {seconds:7.2f} s  {client.stats.reads - reads:4d} reads  {marks:6d} marks "
          f"({report.attendance.created} new)  {grades:5d} grades ({report.grades.created} new)  "
          f"peak {peak / 2**20:6.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=106)
    parser.add_argument("--weeks", type=int, default=34)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        engine = db.make_engine(url)
        db.upgrade(engine)
        rt = Runtime(Settings(database_url=url), engine=engine)
        with rt.sessions() as session:
            populate(session, args.students, args.weeks)
        fake = FakeMoodle()
        with fake.running():
            client = MoodleClient(fake.url, fake.token, sleep=lambda s: None, clock=fake.clock)
            rt = Runtime(replace(rt.settings, moodle=fake.settings()), engine=engine)
            started = time.perf_counter()
            sync = run_sync(rt, client=client, show_progress=False)
            print(f"sync: {sync.status}, {len(fake.site.sessions.rows)} attendance sessions, "
                  f"{time.perf_counter() - started:.1f} s")
            take_attendance_and_grade(fake)
            measure("first pull", rt, client)
            measure("repeat pull", rt, client)
            measure("one course (webhook)", rt, client, course_code="NC-00")
        engine.dispose()


if __name__ == "__main__":
    main()
