"""Sync benchmark: a region-size registry with a year of lessons against the fake Moodle.

Prints, for the first sync, the Moodle calls against the lower bound, function by function: a
function that takes a list costs the parameters of all its items ÷ the room in one call, rounded up;
one that takes one item per call (mod_attendance_add_attendance, _add_session...) costs one call per
item. The ratio is given with the year's lessons (their sessions over the rolling window of
``sync.sessions_weeks_ahead`` weeks) and without them, with the calls a first sync would make
without the window. Then the calls of a run with no change, of the next day's top-up run and of a
delta run after 100 registry changes; the client-side CPU time (the whole process minus the time
spent inside the fake Moodle); and, for planning alone (registry → desired state → delta plan), its
CPU time and peak memory.

    python -m benchmarks.bench_sync [--scale 1.0] [--max-params 1000] [--plan-only]

Scale 1.0 is 1,000 schools, 60,000 students, 3,000 courses, 120,000 enrolments and some 206,000
lessons (two a week per course over the year's terms).
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

from benchmarks.region import YEAR_STARTS, region_tables  # noqa: E402
from bridge import db  # noqa: E402
from bridge.calendar.lessons import expand_lessons  # noqa: E402
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

SESSIONS = "mod_attendance_add_session"
# Measured per call on a real Moodle 4.1 (issue 17): the range a call-count becomes hours in.
SECONDS_PER_CALL = (0.025, 0.075)


class TimedMoodle(FakeMoodle):
    """The fake Moodle, keeping the CPU time it spends and the parameters each write function carried
    (the numerator of the lower bound of a function that takes a list)."""

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


def lower_bound(fake: TimedMoodle, function: str, room: int) -> int:
    """The fewest calls that can carry what ``function`` carried: its parameters packed into full
    calls if it takes a list, else one call per item (each call it got carried one)."""
    if describe(function).list_param is None:
        return fake.count(function)
    return math.ceil(fake.write_params[function] / room)


def measure_planning(database_url: str) -> str:
    settings = Settings(database_url=database_url)
    rt = Runtime(settings)

    def planning():
        with rt.sessions() as session:
            desired = compute_desired(session, settings, today=YEAR_STARTS)
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
    started = time.perf_counter()
    with rt.sessions() as session:
        lessons = expand_lessons(session).created
        session.commit()
    low, high = (lessons * t / 3600 for t in SECONDS_PER_CALL)
    print(f"a year of lessons: {lessons} (expanded in {time.perf_counter() - started:.1f} s); one "
          f"{SESSIONS} call each: {lessons} calls, {low:.1f}-{high:.1f} h at 25-75 ms a call")

    # Planning alone, in a fresh process (so the import's memory is not counted): the best CPU
    # time of three runs, the traced Python peak of a fourth, and the process's peak RSS.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        print(pool.apply(measure_planning, (settings.database_url,)))
    if args.plan_only:
        return

    weeks = settings.sync.sessions_weeks_ahead
    fake = TimedMoodle()
    with fake.running():
        client = MoodleClient(fake.url, fake.token, max_params=args.max_params, sleep=lambda x: None,
                              clock=fake.clock, read_timeout=600)
        cpu, fake.spent = time.process_time(), 0.0
        wall = time.perf_counter()
        first = run_sync(Runtime(settings, today=YEAR_STARTS), client=client, show_progress=False)
        first_cpu = time.process_time() - cpu - fake.spent
        first_wall = time.perf_counter() - wall
        room = args.max_params - FIXED_FIELDS
        bounds = {f: lower_bound(fake, f, room) for f in sorted(set(fake.write_params) | {SESSIONS})}
        lower = sum(bounds.values())
        calls, sessions = fake.count(), fake.count(SESSIONS)
        print(f"first sync ({YEAR_STARTS}, sessions {weeks} weeks ahead): {first.status}, {calls} calls "
              f"({fake.writes} write, {fake.reads} read); lower bound {lower} calls -> {calls / lower:.3f}x; "
              f"client CPU {first_cpu:.1f} s, fake CPU {fake.spent:.1f} s, wall {first_wall:.1f} s")
        print(f"  {'function':36s} {'takes':>12} {'params':>9} {'lower bound':>11} {'sent':>6}")
        for function, bound in bounds.items():
            takes = "a list" if describe(function).list_param else "one per call"
            print(f"  {function:36s} {takes:>12} {fake.write_params[function]:>9} {bound:>11} "
                  f"{fake.count(function):>6}")
        other_calls, other_lower = calls - sessions, lower - bounds[SESSIONS]
        print(f"  without the lessons' sessions: {other_calls} calls, lower bound {other_lower} -> "
              f"{other_calls / other_lower:.3f}x")
        print(f"  with the window's {sessions} sessions: {calls} calls <= 1.2 x {other_lower} + {sessions} = "
              f"{1.2 * other_lower + sessions:.0f}: {'yes' if calls <= 1.2 * other_lower + sessions else 'NO'}")
        print(f"  without the window the year's {lessons} sessions: {other_calls + lessons} calls, "
              f"{(other_calls + lessons) * SECONDS_PER_CALL[0] / 3600:.1f}-"
              f"{(other_calls + lessons) * SECONDS_PER_CALL[1] / 3600:.1f} h at 25-75 ms a call")

        fake.reset_counts()
        again = run_sync(Runtime(settings, today=YEAR_STARTS), client=client, show_progress=False)
        print(f"no-change delta run: {again.status}, {fake.count()} calls ({fake.writes} write)")

        # The next day's runs: the day entering the window gets its sessions.
        next_day = Runtime(settings, today=YEAR_STARTS + dt.timedelta(days=1))
        fake.reset_counts()
        top_up = run_sync(next_day, client=client, show_progress=False)
        print(f"next day's top-up run: {top_up.status}, {fake.count()} calls ({fake.writes} write, "
              f"{fake.reads} read); planned " + ", ".join(f"{k}: {v}" for k, v in top_up.planned.items()))

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
        delta = run_sync(next_day, client=client, show_progress=False)
        print(f"delta after {changed} registry changes: {delta.status}, {fake.count()} calls "
              f"({fake.writes} write, {fake.reads} read); planned "
              + ", ".join(f"{k}: {v}" for k, v in delta.planned.items()))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.0f} MiB (the fake Moodle's state included)")


if __name__ == "__main__":
    main()
