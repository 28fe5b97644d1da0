"""The dashboard's dynamics (bridge.reports.dynamics): time to compute attendance and results by month
per home school and grade on a region-sized registry, and the number of SQL statements it takes.

Builds the region of benchmarks/region.py (scaled) on SQLite, expands its lessons, marks every
enrolled student at every lesson up to ``--until`` and grades two works per course per month (the demo's
generator, bridge.demo.results), then measures ``network_dynamics`` (best of three) and the
dashboard request as a viewer.

    .venv/bin/python benchmarks/bench_dynamics.py [--scale 0.2] [--until 2026-12-01] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from benchmarks import pulled_region  # noqa: E402

from bridge.accounts import create_account, issue_token  # noqa: E402
from bridge.models import AccountRole  # noqa: E402
from bridge.reports.dynamics import network_dynamics  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    pulled_region.add_arguments(parser, scale=0.2, until=dt.date(2026, 12, 1))
    args = parser.parse_args()
    s = args.scale
    region = pulled_region.build(args, "dynamics")
    rt, filled = region.rt, region.filled
    marks, grades = filled.attendance, filled.grades
    print(f"region x{s}: {round(1000 * s)} schools, {round(60000 * s)} students, {marks} attendance marks, "
          f"{grades} grades (built in {region.seconds:.1f} s)")

    statements = []
    event.listen(rt.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    best = float("inf")
    for _ in range(3):
        statements.clear()
        with rt.sessions() as session:
            t = time.perf_counter()
            result = network_dynamics(session, rt.settings, "2026-2027")
            best = min(best, time.perf_counter() - t)
    print(f"network_dynamics: best of 3 {best * 1000:.0f} ms, {len(statements)} SQL statements, "
          f"{len(result.attendance_by_school)} schools and {len(result.results_by_grade)} grades with data")

    from bridge.app import create_app

    with rt.sessions() as session:
        token = issue_token(session, create_account(session, "bench", "bench password", AccountRole.VIEWER))
        session.commit()
    app = create_app(rt)
    client = app.test_client()
    t = time.perf_counter()
    response = client.get("/api/v1/stats/dynamics", headers={"Authorization": f"Bearer {token}"})
    print(f"GET /api/v1/stats/dynamics: {response.status_code} in {(time.perf_counter() - t) * 1000:.0f} ms, "
          f"{len(response.data) / 1024:.0f} KiB")
    page = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"login": "bench", "password": "bench password", "csrf_token": csrf})
    t = time.perf_counter()
    response = client.get("/")
    print(f"GET / (the dashboard, whole): {response.status_code} in {(time.perf_counter() - t) * 1000:.0f} ms, "
          f"{len(response.data) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
