"""Calls, form fields per call and client CPU per item of moodle_client's list calls, against the fake Moodle.

    .venv/bin/python benchmarks/bench_client.py [--sizes 100 1000 10000] [--max-params 1000]

For N users it creates the users, reads them back by idnumber and enrols them in one course, and
prints per operation: POSTs made, form fields per POST (max and mean, wstoken/wsfunction/
moodlewsrestformat included), and the client's CPU time per item. CPU is ``time.process_time`` of
the whole run minus the CPU spent inside the fake's request handler, so it covers the client
(building inputs' params, flattening, chunking, decoding, typed results) plus requests and the
``responses`` adapter that stands in for the network stack.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fake_moodle import FakeMoodle  # noqa: E402
from fake_moodle.people import new_students  # noqa: E402
from moodle_client import Enrolment, MoodleClient  # noqa: E402


class TimedFake(FakeMoodle):
    """The fake, keeping account of the CPU its own work takes."""

    cpu = 0.0

    def handle(self, request: Any) -> Any:
        started = time.process_time()
        try:
            return super().handle(request)
        finally:
            self.cpu += time.process_time() - started


def measure(fake: TimedFake, client: MoodleClient, run: Callable[[], Any]) -> tuple[int, int, float, float]:
    client.stats.reset()
    fake.cpu = 0.0
    started = time.process_time()
    run()
    total = time.process_time() - started
    params = client.stats.params
    return len(params), max(params), sum(params) / len(params), total - fake.cpu


def bench(n: int, max_params: int) -> list[tuple[str, int, int, int, float, float]]:
    fake = TimedFake()
    course = fake.add_course("BENCH-COURSE")
    rows = []
    with fake.running(), MoodleClient(fake.url, fake.token, max_params=max_params) as client:
        users = new_students(n)
        created: list[Any] = []
        operations: list[tuple[str, Callable[[], Any]]] = [
            ("create_users", lambda: created.extend(client.create_users(users).results)),
            ("get_users_by_field", lambda: client.get_users_by_field("idnumber", [u.idnumber for u in users])),
            ("enrol_users", lambda: client.enrol_users([Enrolment(u.id, course) for u in created])),
        ]
        for name, run in operations:
            calls, peak, mean, cpu = measure(fake, client, run)
            rows.append((name, n, calls, peak, mean, cpu / n * 1e6))
    assert len(fake.enrolments(course)) == n
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--max-params", type=int, default=1000)
    args = parser.parse_args()
    print(f"max_params={args.max_params}; CPU = client side (whole run minus the fake's handler)")
    print(f"{'operation':<20}{'N':>8}{'calls':>8}{'max fields':>12}{'mean fields':>13}{'CPU µs/item':>13}")
    for n in args.sizes:
        for name, size, calls, peak, mean, per_item in bench(n, args.max_params):
            print(f"{name:<20}{size:>8}{calls:>8}{peak:>12}{mean:>13.1f}{per_item:>13.1f}")


if __name__ == "__main__":
    main()
