"""Dashboard benchmark: what one load of the console dashboard (``GET /``) costs at district and region scale.

The dashboard works out on every load the network stats, for the admin a delta sync plan, for
admins and coordinators the timetable conflicts and the SanPiN load, and the monthly dynamics. This
builds the demo district and/or the region of benchmarks/region.py on SQLite, expands their lessons,
and prints for each of those parts, and for the whole page as an admin and as a viewer, the CPU and
wall time (seconds, best of 3, a fresh session each), then the process's peak RSS. The two checks are
also timed scoped, as a coordinator's dashboard and a student's page call them: for the school with
the most students and for the student with the most active enrolments.

    .venv/bin/python -m benchmarks.bench_dashboard [--scale district|region|both]
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from benchmarks.bench_import import _fresh, _timed  # noqa: E402
from benchmarks.region import region_tables  # noqa: E402
from bridge import db  # noqa: E402
from bridge.accounts import create_account  # noqa: E402
from bridge.calendar.conflicts import find_conflicts  # noqa: E402
from bridge.calendar.face_to_face import expand_sessions  # noqa: E402
from bridge.calendar.lessons import expand_lessons  # noqa: E402
from bridge.calendar.load import check_load  # noqa: E402
from bridge.demo import load_demo  # noqa: E402
from bridge.models import (  # noqa: E402
    AccountRole,
    Enrolment,
    EnrolmentStatus,
    FaceToFaceSession,
    Lesson,
    NetworkCourse,
    School,
    Student,
)
from bridge.reports.stats import network_stats  # noqa: E402
from bridge.runtime import Runtime  # noqa: E402
from bridge.sync.desired import compute_desired  # noqa: E402
from bridge.sync.reconcile import plan_delta  # noqa: E402
from config import Settings  # noqa: E402

try:  # being added: measured only when present
    from bridge.reports.dynamics import network_dynamics
except ImportError:  # pragma: no cover - depends on the tree
    network_dynamics = None

PASSWORD = "dashboard bench password"
REPEAT = 3


@contextmanager
def step(label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    print(f"  {label:<50s} {time.perf_counter() - started:7.1f} s", flush=True)


def build(scale: str, url: str) -> Any:
    """A fresh registry of ``scale`` at ``url`` with its lessons expanded and two accounts; the engine."""
    print(f"{scale}: setup", flush=True)
    with step("fresh database (make_engine + upgrade)"):
        engine = _fresh(url, wipe=False)
    sessions = db.session_factory(engine)
    if scale == "district":
        with step("demo district (load_demo, as `netcourses demo`)"), db.session_scope(sessions) as session:
            load_demo(session)
    else:
        with step("region tables generated (region_tables())"):
            tables = region_tables()
        with step("region imported (import_tables)"):
            _timed(engine, tables)
        del tables
    with step("lessons expanded (expand_lessons)"), db.session_scope(sessions) as session:
        expand_lessons(session, None)
    with step("face-to-face sessions expanded (expand_sessions)"), db.session_scope(sessions) as session:
        expand_sessions(session)
    with db.session_scope(sessions) as session:
        create_account(session, "admin", PASSWORD, AccountRole.ADMIN)
        create_account(session, "viewer", PASSWORD, AccountRole.VIEWER)
        counts = {name: session.scalar(select(func.count()).select_from(model)) for name, model in (
            ("schools", School), ("students", Student), ("courses", NetworkCourse), ("enrolments", Enrolment),
            ("lessons", Lesson), ("face-to-face sessions", FaceToFaceSession))}
    print("  " + ", ".join(f"{n} {name}" for name, n in counts.items()), flush=True)
    return engine


def best_of(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """The best CPU and the best wall time of REPEAT calls (other work on the machine only ever adds),
    and the last result."""
    cpu, wall, result = [], [], None
    for _ in range(REPEAT):
        c, w = time.process_time(), time.perf_counter()
        result = fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return min(cpu), min(wall), result


def measure(engine: Any, url: str) -> list[tuple[str, float, float, str]]:
    """(component, CPU s, wall s, what it found) for each part of the dashboard and the whole page."""
    settings = Settings(database_url=url)
    rt = Runtime(settings, engine=engine)

    def in_session(fn: Callable[[Any], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with rt.sessions() as session:
                return fn(session)
        return run

    parts: list[tuple[str, Callable[[Any], Any], Callable[[Any], str]]] = [
        ("network_stats", lambda s: network_stats(s, settings), lambda r: ""),
        ("compute_desired + plan_delta", lambda s: plan_delta(s, compute_desired(s, settings)),
         lambda r: f"{len(r)} changes"),
        ("find_conflicts", find_conflicts, lambda r: f"{len(r)} conflicts"),
        ("check_load", check_load, lambda r: f"{len(r.overloads)} overloads"),
    ]
    with rt.sessions() as session:
        school_id, students = session.execute(
            select(Student.school_id, func.count()).group_by(Student.school_id)
            .order_by(func.count().desc(), Student.school_id).limit(1)).one()
        student_id, courses = session.execute(
            select(Enrolment.student_id, func.count()).where(Enrolment.status == EnrolmentStatus.ACTIVE)
            .group_by(Enrolment.student_id).order_by(func.count().desc(), Enrolment.student_id).limit(1)).one()
    print(f"  scoped to school id {school_id} ({students} students), student id {student_id} ({courses} courses)",
          flush=True)
    parts += [
        ("find_conflicts(school_id=)", lambda s: find_conflicts(s, school_id=school_id),
         lambda r: f"{len(r)} conflicts"),
        ("find_conflicts(student_id=)", lambda s: find_conflicts(s, student_id=student_id),
         lambda r: f"{len(r)} conflicts"),
        ("check_load(school_id=)", lambda s: check_load(s, school_id=school_id),
         lambda r: f"{len(r.overloads)} overloads"),
        ("check_load(student_id=)", lambda s: check_load(s, student_id=student_id),
         lambda r: f"{len(r.overloads)} overloads"),
    ]
    if network_dynamics is not None:
        parts.append(("network_dynamics", lambda s: network_dynamics(s, settings),
                      lambda r: f"year {getattr(r.year, 'code', r.year)}, {len(r.months)} months"))
    rows = []
    for name, fn, describe in parts:
        cpu, wall, result = best_of(in_session(fn))
        rows.append((name, cpu, wall, describe(result)))
        print(f"  measured {name}", flush=True)

    from bridge.app import create_app

    app = create_app(rt)
    for role in ("admin", "viewer"):
        client = app.test_client()
        page = client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # as tests/web/test_access.py
        login = client.post("/login", data={"login": role, "password": PASSWORD, "csrf_token": csrf})
        if login.status_code != 302:
            raise SystemExit(f"login as {role} failed: {login.status_code}")

        def dashboard():
            response = client.get("/")
            if response.status_code != 200:
                raise SystemExit(f"GET / as {role}: {response.status_code}")
            return response

        cpu, wall, response = best_of(dashboard)
        rows.append((f"GET / as {role}", cpu, wall, f"{len(response.data) / 1024:.0f} KiB"))
        print(f"  measured GET / as {role}", flush=True)
    return rows


def table(scale: str, rows: list[tuple[str, float, float, str]]) -> str:
    lines = [f"{scale}: seconds, best of {REPEAT}", f"  {'component':<30s} {'CPU':>8s} {'wall':>8s}  found"]
    lines += [f"  {name:<30s} {cpu:8.3f} {wall:8.3f}  {found}" for name, cpu, wall, found in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("district", "region", "both"), default="both")
    args = parser.parse_args(argv)
    scales = ("district", "region") if args.scale == "both" else (args.scale,)
    if network_dynamics is None:
        print("bridge/reports/dynamics.py is absent: network_dynamics is not measured")
    tables = []
    with tempfile.TemporaryDirectory(prefix="nc-bench-dashboard-") as tmp:
        for scale in scales:
            url = f"sqlite:///{Path(tmp) / f'{scale}.db'}"
            engine = build(scale, url)
            tables.append(table(scale, measure(engine, url)))
            engine.dispose()
            print(tables[-1], flush=True)
    print()
    print("\n\n".join(tables))
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
