"""The teachers' monitoring (bridge.reports.teachers) at region scale: time and SQL statements of a month's
figures for the administrator (every teacher), a coordinator (one school's teachers) and a teacher, and of
the inactive students' list, with the peak memory of the process.

Builds the region of benchmarks/region.py (scaled) on SQLite, expands its lessons, and fills a year to
``--until`` with the demo's generator (bridge.demo.results: attendance marks, lessons taken late or never,
works submitted and graded or waiting, each enrolment's last course access).

    .venv/bin/python benchmarks/bench_teachers.py [--scale 1] [--until 2027-05-25] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select  # noqa: E402

from benchmarks import pulled_region  # noqa: E402

from bridge.models import CourseTeacher, Lesson, Teacher  # noqa: E402
from bridge.reports.teachers import Period, Scope, inactive_students, teacher_figures  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    pulled_region.add_arguments(parser, scale=1.0, until=dt.date(2027, 5, 25))
    args = parser.parse_args()
    s = args.scale
    region = pulled_region.build(args, "teachers")
    rt, filled = region.rt, region.filled
    with rt.sessions() as session:
        lessons = session.scalar(select(func.count()).select_from(Lesson))
        teacher = session.scalar(select(CourseTeacher.teacher_id).limit(1))
        school = session.scalar(select(Teacher.school_id).where(Teacher.id == teacher))
    print(f"region x{s}: {lessons} lessons, {filled.attendance} attendance marks, {filled.grades} grades "
          f"(built in {region.seconds:.0f} s)")

    statements: list[str] = []
    event.listen(rt.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    now = dt.datetime.combine(args.until, dt.time(12), dt.UTC)
    month = Period.month(args.until.replace(day=1) - dt.timedelta(days=1))
    cfg = rt.settings.monitoring
    for who, scope in (("administrator", Scope()), ("coordinator", Scope(school_id=school)),
                       ("teacher", Scope(teacher_id=teacher))):
        best = float("inf")
        for _ in range(3):
            statements.clear()
            with rt.sessions() as session:
                t = time.perf_counter()
                rows = teacher_figures(session, month, cfg, now=now, scope=scope)
                best = min(best, time.perf_counter() - t)
        print(f"teacher_figures {month.label}, {who}: best of 3 {best * 1000:.0f} ms, {len(statements)} SQL "
              f"statements, {len(rows)} rows, {sum(r.late for r in rows)} late, {sum(r.never for r in rows)} never, "
              f"{sum(r.waiting for r in rows)} waiting")
    with rt.sessions() as session:
        t = time.perf_counter()
        inactive = inactive_students(session, cfg, now=now)
        print(f"inactive_students (every course): {(time.perf_counter() - t) * 1000:.0f} ms, {len(inactive)} students")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
