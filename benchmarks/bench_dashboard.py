"""Dashboard benchmark: what one load of the console dashboard (``GET /``) costs at district and region scale.

The dashboard shows the network stats, for admins and coordinators the timetable conflicts and the
SanPiN load, and the monthly dynamics; they come from the figure cache (bridge.figures), computed
again only when their inputs change. This builds the demo district and/or the region of
benchmarks/region.py on SQLite, expands their lessons, and at region scale fills a year of pulled
results (every enrolled student marked at every lesson of the year, two graded works a course a
month: written in chunks with core ``executemany``, so memory stays flat), and prints the time of
that generation. Then it prints for each part, uncached, the CPU and wall time (seconds, best of 3,
a fresh session each), and for the whole page as admin, coordinator (of the school with the most
students), teacher (of the most courses) and viewer: the first load after a change (``cold``: the
cache emptied, as after an import or a pull) and the loads after it (``warm``, best of 3). Last, the
process's peak RSS. Also timed: the monthly report of October 2026 as the scheduler makes it
(``bridge.reports.monthly`` ``build`` + ``xlsx_bytes`` + ``html_text``, no PDF) and the teachers'
monitoring of that month for the administrator (``teacher_figures``, every teacher). The two checks are also timed scoped, as a coordinator's dashboard and a
student's page call them. Then the cached figures at the moments that cost (``measure_figures``): the
dynamics cold, after a pull of one day (the pull's own writers: that month alone is counted again) and
cached, each with the number of months it counted; the management monitoring (``bridge.reports.schools``)
of October and of the whole year, after a change and cached; a coordinator's checks after a change and cached.

    .venv/bin/python -m benchmarks.bench_dashboard [--scale district|region|both] [--no-results] [--keep DIR]

``--keep DIR`` builds each scale's database in DIR (``region.db``) and reuses it on the next run with
the same DIR (generating the region with its year of results takes ~5 minutes); a database whose build
did not finish (no ``region.ready`` beside it) is built again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
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

from sqlalchemy import delete, func, insert, select  # noqa: E402

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
    AttendanceKind,
    AttendanceMark,
    CourseTeacher,
    Enrolment,
    EnrolmentStatus,
    FaceToFaceSession,
    FigureCache,
    Grade,
    GradeItem,
    Lesson,
    NetworkCourse,
    School,
    ScheduleStatus,
    Student,
    Teacher,
)
from bridge.calendar.figures import conflict_counts, load_counts  # noqa: E402
from bridge.pull.attendance import note_taken, put_mark  # noqa: E402
from bridge.pull.history import Tally  # noqa: E402
from bridge.reports.figures import dynamics_figure  # noqa: E402
from bridge.reports.monthly import build as build_monthly  # noqa: E402
from bridge.reports.monthly import html_text, xlsx_bytes  # noqa: E402
from bridge.reports.schools import Period as SchoolsPeriod  # noqa: E402
from bridge.reports.schools import monitoring as school_monitoring  # noqa: E402
from bridge.reports.stats import network_stats  # noqa: E402
from bridge.reports.teachers import Period as TeacherPeriod  # noqa: E402
from bridge.reports.teachers import teacher_figures  # noqa: E402
from bridge.runtime import Runtime  # noqa: E402
from bridge.sync.desired import compute_desired  # noqa: E402
from bridge.sync.reconcile import plan_delta  # noqa: E402
from bridge.years import current_year  # noqa: E402
from config import Settings  # noqa: E402

try:  # being added: measured only when present
    from bridge.reports.dynamics import network_dynamics
except ImportError:  # pragma: no cover - depends on the tree
    network_dynamics = None

PASSWORD = "dashboard bench password"
REPEAT = 3
ROLES = ("admin", "coordinator", "teacher", "viewer")
MONTH = dt.date(2026, 10, 1)  # the monthly report's and the teachers' monitoring's month: a full month of results
PULL_DAY = dt.date(2026, 12, 4)  # the day a pull is simulated for (and "today" of the dynamics)
CHUNK = 50_000  # rows per executemany
KINDS = ((AttendanceKind.PRESENT, "P", 0.86), (AttendanceKind.LATE, "L", 0.04), (AttendanceKind.EXCUSED, "E", 0.05),
         (AttendanceKind.ABSENT, "A", 0.05))


@contextmanager
def step(label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    print(f"  {label:<50s} {time.perf_counter() - started:7.1f} s", flush=True)


def fill_results(session: Any, seed: int = 1) -> tuple[int, int]:
    """A year of results as a pull would leave them: a mark for every active enrolment at every lesson
    (taken 50 minutes after it starts), and two graded works a course a month (the 10th and the 20th).
    Course by course, written in chunks of core ``executemany``: nothing but one chunk held at a time.
    Returns (attendance marks, grades)."""
    rng = random.Random(seed)
    statuses = [(kind, status) for kind, status, _ in KINDS]
    weights = [w for *_, w in KINDS]
    enrolled: dict[int, list[int]] = {}
    for course_id, student_id in session.execute(
            select(Enrolment.course_id, Enrolment.student_id).where(Enrolment.status == EnrolmentStatus.ACTIVE)):
        enrolled.setdefault(course_id, []).append(student_id)
    marks, grades, rows = 0, 0, []

    def flush(model: Any) -> None:
        nonlocal rows
        if rows:
            session.execute(insert(model), rows)
            rows = []

    lessons = session.execute(select(Lesson.id, Lesson.course_id, Lesson.date, Lesson.starts_at)
                              .where(Lesson.status != ScheduleStatus.CANCELLED).order_by(Lesson.course_id, Lesson.id)).all()
    for lesson_id, course_id, day, at in lessons:
        taken = dt.datetime.combine(day, at, dt.UTC) + dt.timedelta(minutes=50)
        students = enrolled.get(course_id, ())
        for student_id, (kind, status) in zip(students, rng.choices(statuses, weights, k=len(students))):
            rows.append({"lesson_id": lesson_id, "student_id": student_id, "status": status, "kind": kind,
                         "taken_by": "bench", "taken_at": taken})
        if len(rows) >= CHUNK:
            marks += len(rows)
            flush(AttendanceMark)
    marks += len(rows)
    flush(AttendanceMark)
    months = [dt.date(2026, m, 1) for m in range(9, 13)] + [dt.date(2027, m, 1) for m in range(1, 6)]
    session.execute(insert(GradeItem), [{"course_id": c, "moodle_id": n, "item_type": "mod", "name": f"Работа {n}"}
                                        for c in enrolled for n in range(1, 2 * len(months) + 1)])
    items = {(c, n): i for i, c, n in session.execute(select(GradeItem.id, GradeItem.course_id, GradeItem.moodle_id))}
    for course_id, students in enrolled.items():
        for number, day in enumerate((m.replace(day=d) for m in months for d in (10, 20)), start=1):
            at = dt.datetime.combine(day, dt.time(15), dt.UTC)
            for student_id in students:
                score = float(rng.randint(20, 100))
                rows.append({"item_id": items[course_id, number], "student_id": student_id, "raw": score,
                             "grade_max": 100.0, "percentage": score, "graded_at": at})
        if len(rows) >= CHUNK:
            grades += len(rows)
            flush(Grade)
    grades += len(rows)
    flush(Grade)
    return marks, grades


def build(scale: str, url: str, results: bool) -> Any:
    """A fresh registry of ``scale`` at ``url`` with its lessons expanded (and at region scale, unless
    ``results`` is false, a year of marks and grades) and an account of each role; the engine."""
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
    if scale == "region" and results:
        started = time.perf_counter()
        with db.session_scope(sessions) as session:
            marks, grades = fill_results(session)
        print(f"  GENERATION: {marks} attendance marks and {grades} grades in "
              f"{time.perf_counter() - started:.1f} s (peak RSS so far "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)", flush=True)
    with db.session_scope(sessions) as session:
        school = session.scalar(select(School.external_id).join(Student, Student.school_id == School.id)
                                .group_by(School.external_id).order_by(func.count().desc(), School.external_id).limit(1))
        teacher = session.scalar(select(Teacher.external_id).join(CourseTeacher, CourseTeacher.teacher_id == Teacher.id)
                                 .group_by(Teacher.external_id).order_by(func.count().desc(), Teacher.external_id)
                                 .limit(1))
        create_account(session, "admin", PASSWORD, AccountRole.ADMIN)
        create_account(session, "coordinator", PASSWORD, AccountRole.COORDINATOR, school=school)
        create_account(session, "teacher", PASSWORD, AccountRole.TEACHER, teacher=teacher)
        create_account(session, "viewer", PASSWORD, AccountRole.VIEWER)
        counts = {name: session.scalar(select(func.count()).select_from(model)) for name, model in (
            ("schools", School), ("students", Student), ("courses", NetworkCourse), ("enrolments", Enrolment),
            ("lessons", Lesson), ("face-to-face sessions", FaceToFaceSession), ("attendance marks", AttendanceMark),
            ("grades", Grade))}
        print(f"  coordinator of {school}, teacher {teacher}", flush=True)
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


def _monthly_report(session: Any, settings: Settings) -> tuple[int, int, int]:
    """The monthly report of MONTH as the scheduler's job makes it (without the PDF and without keeping it):
    its sections, XLSX and printable HTML; (sections, XLSX bytes, HTML bytes)."""
    report = build_monthly(session, settings, MONTH)
    return len(report.sections), len(xlsx_bytes(report)), len(html_text(report, settings).encode())


def dashboard_of(app: Any, role: str) -> Callable[[], Any]:
    """A load of the dashboard (``GET /``) signed in as ``role``."""
    client = app.test_client()
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # as tests/web/test_access.py
    login = client.post("/login", data={"login": role, "password": PASSWORD, "csrf_token": csrf})
    if login.status_code != 302:
        raise SystemExit(f"login as {role} failed: {login.status_code}")

    def dashboard() -> Any:
        response = client.get("/")
        if response.status_code != 200:
            raise SystemExit(f"GET / as {role}: {response.status_code}")
        return response
    return dashboard


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
    parts += [
        ("monthly report build+xlsx+html", lambda s: _monthly_report(s, settings),
         lambda r: f"{MONTH:%Y-%m}: {r[0]} sections, XLSX {r[1] / 1024:.0f} KiB, HTML {r[2] / 1024:.0f} KiB"),
        ("teacher_figures (admin)", lambda s: teacher_figures(s, TeacherPeriod.month(MONTH), settings.monitoring,
                                                              now=dt.datetime.combine(MONTH, dt.time(), dt.UTC)
                                                              + dt.timedelta(days=40)),
         lambda r: f"{MONTH:%Y-%m}: {len(r)} teacher-course rows"),
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
    for role in ROLES:
        dashboard = dashboard_of(app, role)
        with engine.begin() as conn:  # as after a change: every figure is computed again
            conn.execute(delete(FigureCache))
        c, w = time.process_time(), time.perf_counter()
        dashboard()
        rows.append((f"GET / as {role}, cold", time.process_time() - c, time.perf_counter() - w, "first after a change"))
        cpu, wall, response = best_of(dashboard)
        rows.append((f"GET / as {role}, warm", cpu, wall, f"{len(response.data) / 1024:.0f} KiB"))
        print(f"  measured GET / as {role}", flush=True)
    return rows


def pull_one_day(session: Any, day: dt.date) -> str:
    """What a pull of ``day`` writes, through the pull's own writers (ORM, as ``netcourses pull``): every
    lesson of the day noted as held, one mark in 20 of them corrected, one grade in 20 given that month
    regraded. Everything it writes is dated to that month. Returns what it wrote."""
    lessons = session.scalars(select(Lesson).where(Lesson.date == day,
                                                   Lesson.status != ScheduleStatus.CANCELLED)).all()
    for lesson in lessons:  # taken 50 minutes after its start; in a database kept from a run before, a minute later
        taken = db.utc(lesson.attendance_taken_at)
        note_taken(lesson, taken + dt.timedelta(minutes=1) if taken else lesson.start + dt.timedelta(minutes=50))
    marks = session.scalars(select(AttendanceMark).join(Lesson, Lesson.id == AttendanceMark.lesson_id)
                            .where(Lesson.date == day).order_by(AttendanceMark.id)).all()
    tally = Tally()
    for mark in marks[::20]:
        kind, status = ((AttendanceKind.ABSENT, "A") if mark.kind.attended else (AttendanceKind.PRESENT, "P"))
        put_mark(session, mark, tally, student_id=mark.student_id, lesson_id=mark.lesson_id, status=status,
                 kind=kind, remarks="", by="bench", at=mark.taken_at)
    month = day.replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    grades = session.scalars(select(Grade).where(Grade.graded_at >= dt.datetime.combine(month, dt.time(), dt.UTC),
                                                 Grade.graded_at < dt.datetime.combine(following, dt.time(), dt.UTC))
                             .order_by(Grade.id)).all()[::20]
    for grade in grades:
        grade.raw = grade.percentage = 100.0 - (grade.percentage or 0.0)
    session.commit()
    return f"{len(lessons)} lessons held, {tally.changed} marks and {len(grades)} grades changed"


def measure_figures(engine: Any, url: str) -> list[tuple[str, float, float, str]]:
    """The cached figures at the moments that cost: the dynamics cold (every month counted), after a pull
    of one day (that month counted again), cached; the management monitoring of MONTH and of the year
    after a change and cached; a coordinator's checks (conflicts and load of their school) after a change and cached."""
    settings = Settings(database_url=url)
    rt = Runtime(settings, engine=engine)
    rows: list[tuple[str, float, float, str]] = []

    def once(name: str, fn: Callable[[Any], Any], describe: Callable[[Any], str]) -> None:
        started = dt.datetime.now(dt.UTC)
        with rt.sessions() as session:
            c, w = time.process_time(), time.perf_counter()
            result = fn(session)
            cpu, wall = time.process_time() - c, time.perf_counter() - w
            counted = session.scalar(select(func.count()).select_from(FigureCache).where(
                FigureCache.name == "dynamics-month", FigureCache.computed_at >= started))
        rows.append((name, cpu, wall, f"{describe(result)}; months counted: {counted}"))
        print(f"  measured {name}", flush=True)

    def best(name: str, fn: Callable[[Any], Any], describe: Callable[[Any], str]) -> None:
        def run() -> Any:
            with rt.sessions() as session:
                return fn(session)
        cpu, wall, result = best_of(run)
        rows.append((name, cpu, wall, describe(result)))
        print(f"  measured {name}", flush=True)

    def dynamics(session: Any) -> Any:
        return dynamics_figure(session, settings, today=PULL_DAY)

    def described(d: Any) -> str:
        return f"year {d.year}, {sum(len(v) for v in d.attendance_by_school.values())} school-months"

    with engine.begin() as conn:  # as after a change of the registry: every month counted again
        conn.execute(delete(FigureCache))
    once("dynamics_figure, cold", dynamics, described)
    best("dynamics_figure, cached", dynamics, described)
    with rt.sessions() as session:
        c, w = time.process_time(), time.perf_counter()
        wrote = pull_one_day(session, PULL_DAY)
        rows.append((f"pull of {PULL_DAY} (ORM writes)", time.process_time() - c, time.perf_counter() - w, wrote))
    once("dynamics_figure, after the pull", dynamics, described)
    best("dynamics_figure, cached again", dynamics, described)
    from bridge.app import create_app

    dashboard = dashboard_of(create_app(rt), "admin")
    dashboard()  # every figure cached
    with rt.sessions() as session:
        wrote = pull_one_day(session, PULL_DAY - dt.timedelta(days=1))  # the day before: its lessons held
    once("GET / as admin, after a pull", lambda _: dashboard(), lambda r: f"{wrote}; the worker's refresh not run")

    with rt.sessions() as session:
        year = current_year(session, PULL_DAY)
        school_id = session.scalar(select(Student.school_id).group_by(Student.school_id)
                                   .order_by(func.count().desc(), Student.school_id).limit(1))
    with engine.begin() as conn:  # as after a change of what they count
        conn.execute(delete(FigureCache).where(FigureCache.name == "schools_monitoring"))
    for label, period in ((f"month {MONTH:%Y-%m}", SchoolsPeriod.month(year, MONTH)),
                          ("whole year", SchoolsPeriod.whole_year(year))):
        for state, measure in (("after a change", once), ("cached", best)):
            measure(f"schools monitoring, {label}, {state}", lambda s, p=period: school_monitoring(s, settings, p),
                    lambda m: f"{len(m.schools)} schools, {len(m.low_schools)} low")

    def checks(session: Any) -> tuple[dict, dict]:
        return conflict_counts(session, school_id), load_counts(session, school_id)

    def counts(r: tuple[dict, dict]) -> str:
        return f"school id {school_id}: {r[0]['conflicts']} conflicts, {r[1]['overloads']} overloads"

    with engine.begin() as conn:  # as after a change of what they read (an import, an expansion)
        conn.execute(delete(FigureCache).where(FigureCache.scope == f"school:{school_id}"))
    c, w = time.process_time(), time.perf_counter()
    with rt.sessions() as session:
        result = checks(session)
    rows.append(("coordinator's checks, after a change", time.process_time() - c, time.perf_counter() - w,
                 counts(result)))
    best("coordinator's checks, cached", checks, counts)
    return rows


def table(scale: str, rows: list[tuple[str, float, float, str]]) -> str:
    lines = [f"{scale}: seconds, best of {REPEAT}", f"  {'component':<38s} {'CPU':>8s} {'wall':>8s}  found"]
    lines += [f"  {name:<38s} {cpu:8.3f} {wall:8.3f}  {found}" for name, cpu, wall, found in rows]
    return "\n".join(lines)


def kept(folder: Path, scale: str, results: bool) -> tuple[Any, str]:
    """The engine and URL of ``scale``'s database in ``folder``: the one a finished earlier run left
    (marked by ``<scale>.ready``), else built afresh and marked."""
    folder.mkdir(parents=True, exist_ok=True)
    path, ready = folder / f"{scale}.db", folder / f"{scale}.ready"
    url = f"sqlite:///{path}"
    if ready.exists() and ready.read_text() == f"results={results}\n":
        print(f"{scale}: reusing {path}", flush=True)
        engine = db.make_engine(url)
        db.upgrade(engine)
        return engine, url
    ready.unlink(missing_ok=True)
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    engine = build(scale, url, results)
    ready.write_text(f"results={results}\n")
    return engine, url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("district", "region", "both"), default="both")
    parser.add_argument("--no-results", action="store_true", help="no year of marks and grades at region scale")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="build the databases in DIR and reuse them next time")
    args = parser.parse_args(argv)
    scales = ("district", "region") if args.scale == "both" else (args.scale,)
    if network_dynamics is None:
        print("bridge/reports/dynamics.py is absent: network_dynamics is not measured")
    tables = []
    with tempfile.TemporaryDirectory(prefix="nc-bench-dashboard-") as tmp:
        for scale in scales:
            engine, url = kept(args.keep, scale, not args.no_results) if args.keep else \
                (build(scale, url := f"sqlite:///{Path(tmp) / f'{scale}.db'}", not args.no_results), url)
            tables.append(table(scale, measure(engine, url) + measure_figures(engine, url)))
            engine.dispose()
            print(tables[-1], flush=True)
    print()
    print("\n\n".join(tables))
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
