"""Sync benchmark: a region-size registry against the fake Moodle.

Prints, for the first full sync, the Moodle calls and write calls against the lower bound (for
each kind of write: the parameters of all its items ÷ the room in one call, rounded up); the calls
of a run with no change; the calls of a delta run after 100 registry changes; the client-side CPU
time (the whole process minus the time spent inside the fake Moodle); and, for planning alone
(registry → desired state → delta plan), its CPU time and peak memory.

    python -m benchmarks.bench_sync [--scale 1.0] [--max-params 1000] [--plan-only]

Scale 1.0 is 1,000 schools, 60,000 students, 3,000 courses and 120,000 enrolments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import multiprocessing
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "tests"))  # the fake Moodle (test code)

from sqlalchemy import select  # noqa: E402

from benchmarks.region import region_tables  # noqa: E402
from bridge import db  # noqa: E402
from bridge.models import Enrolment, EnrolmentStatus, NetworkCourse, Student  # noqa: E402
from bridge.runtime import Runtime  # noqa: E402
from bridge.sync.desired import compute_desired  # noqa: E402
from bridge.sync.reconcile import plan_delta  # noqa: E402
from bridge.sync.run import run_sync  # noqa: E402
from bridge.transfer import import_tables  # noqa: E402
from config import Settings  # noqa: E402
from fake_moodle.php_form import parse_form  # noqa: E402
from fake_moodle.server import FakeMoodle  # noqa: E402
from moodle_client import MoodleClient  # noqa: E402
from moodle_client.core import FIXED_FIELDS  # noqa: E402
from moodle_client.functions import Kind, describe  # noqa: E402


class TimedMoodle(FakeMoodle):
    """The fake Moodle, keeping the CPU time it spends and the parameters each write function carried
    (the numerator of the lower bound)."""

    spent = 0.0

    def __init__(self) -> None:
        super().__init__()
        self.write_params: Counter[str] = Counter()

    def handle(self, request):
        started = time.process_time()
        try:
            fields, _ = parse_form(request.body)
            function = dict(fields).get("wsfunction", "")
            if describe(function).kind is Kind.WRITE:
                self.write_params[function] += len(fields) - FIXED_FIELDS
            return super().handle(request)
        finally:
            self.spent += time.process_time() - started


def measure_planning(database_url: str) -> str:
    settings = Settings(database_url=database_url)
    rt = Runtime(settings)

    def planning():
        with rt.sessions() as session:
            desired = compute_desired(session, settings)
            return desired, plan_delta(session, desired)

    times = []
    for _ in range(3):  # the best of three: other work on a shared machine only ever adds
        cpu = time.process_time()
        desired, plan = planning()
        times.append(time.process_time() - cpu)
        del desired, plan
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    desired, plan = planning()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (f"planning: {desired.count()} desired items, {len(plan)} changes, "
            f"{len(desired.items['enrolment'])} enrolments: {min(times):.2f} s CPU (best of 3; "
            f"{', '.join(f'{t:.2f}' for t in times)}), peak RSS {rss:.0f} MiB, "
            f"traced Python peak {peak / 2**20:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--max-params", type=int, default=1000)
    parser.add_argument("--plan-only", action="store_true", help="Stop after measuring the planning.")
    args = parser.parse_args()
    s = args.scale
    work = Path(tempfile.mkdtemp(prefix="nc-bench-sync-"))
    settings = Settings(database_url=f"sqlite:///{work / 'sync.db'}")
    rt = Runtime(settings)
    db.upgrade(rt.engine)

    started = time.perf_counter()
    tables = region_tables(schools=round(1000 * s), students=round(60000 * s), courses=round(3000 * s),
                           enrolments=round(120000 * s), seed=1)
    with rt.sessions() as session:
        import_tables(session, tables, source="region")
        session.commit()
    print(f"region: {round(1000 * s)} schools, {round(60000 * s)} students, {round(3000 * s)} courses, "
          f"{round(120000 * s)} enrolments (imported in {time.perf_counter() - started:.1f} s)")

    # Planning alone, in a fresh process (so the import's memory is not counted): the best CPU
    # time of three runs, the traced Python peak of a fourth, and the process's peak RSS.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        print(pool.apply(measure_planning, (settings.database_url,)))
    if args.plan_only:
        return

    fake = TimedMoodle()
    with fake.running():
        client = MoodleClient(fake.url, fake.token, max_params=args.max_params, sleep=lambda x: None,
                              clock=fake.clock, read_timeout=600)
        cpu, fake.spent = time.process_time(), 0.0
        wall = time.perf_counter()
        first = run_sync(rt, client=client, show_progress=False)
        first_cpu = time.process_time() - cpu - fake.spent
        first_wall = time.perf_counter() - wall
        room = args.max_params - FIXED_FIELDS
        per_function = fake.write_params
        lower = sum(math.ceil(n / room) for n in per_function.values())
        calls = fake.count()
        print(f"first full sync: {first.status}, {calls} calls ({fake.writes} write, {fake.reads} read); "
              f"lower bound {lower} calls -> {calls / lower:.3f}x; "
              f"client CPU {first_cpu:.1f} s, fake CPU {fake.spent:.1f} s, wall {first_wall:.1f} s")
        for function, n in sorted(per_function.items()):
            print(f"  {function:36s} {n:>9} params  lower bound {math.ceil(n / room):>5}  "
                  f"sent {fake.count(function):>5}")

        fake.reset_counts()
        again = run_sync(rt, client=client, show_progress=False)
        print(f"no-change delta run: {again.status}, {fake.count()} calls ({fake.writes} write)")

        # 100 registry changes: 40 new enrolments, 30 withdrawals, 20 class changes, 10 new e-mails.
        with rt.sessions() as session:
            students = session.scalars(select(Student).order_by(Student.id).limit(100)).all()
            courses = session.scalars(select(NetworkCourse).order_by(NetworkCourse.id)).all()
            enrolled = {(e.student_id, e.course_id) for e in session.scalars(
                select(Enrolment).where(Enrolment.student_id.in_([x.id for x in students])))}
            added = 0
            for student in students:
                for course in courses:
                    if added == 40:
                        break
                    if course.admits_grade(student.grade) and (student.id, course.id) not in enrolled:
                        session.add(Enrolment(student_id=student.id, course_id=course.id,
                                              starts_on=dt.date(2026, 11, 23)))
                        enrolled.add((student.id, course.id))
                        added += 1
                        break
            withdrawn = session.scalars(select(Enrolment).where(Enrolment.status == EnrolmentStatus.ACTIVE)
                                        .order_by(Enrolment.id).limit(30)).all()
            for e in withdrawn:
                e.status = EnrolmentStatus.WITHDRAWN
            for student in students[40:60]:
                student.class_letter = "Я"
            for student in students[60:70]:
                student.email = f"{student.external_id.lower()}@mail.example"
            session.commit()
            changed = added + len(withdrawn) + 20 + 10
        fake.reset_counts()
        delta = run_sync(rt, client=client, show_progress=False)
        print(f"delta after {changed} registry changes: {delta.status}, {fake.count()} calls "
              f"({fake.writes} write, {fake.reads} read); planned "
              + ", ".join(f"{k}: {v}" for k, v in delta.planned.items()))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.0f} MiB (the fake Moodle's state included)")


if __name__ == "__main__":
    main()
