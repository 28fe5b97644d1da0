"""Worker processes of their own against the test database and a fake Moodle over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fake_moodle.http import serving
from fake_moodle.server import FakeMoodle
from tests.jobs.dying_worker import DIE

ROOT = Path(__file__).resolve().parents[2]
LEASE = 2.0  # seconds: short, so a takeover comes quickly


def wait_until(condition: Callable[[], bool], timeout: float = 60.0, what: str = "the condition") -> None:
    """Poll ``condition`` (a database read) until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def http_moodle() -> Iterator[FakeMoodle]:
    with serving() as site:
        yield site


@pytest.fixture
def process_env(database_url: str, http_moodle: FakeMoodle, tmp_path: Path) -> dict[str, str]:
    """The environment of the product's processes: the test database, the HTTP fake Moodle."""
    config = tmp_path / "netcourses.toml"
    config.write_text(f"[jobs]\nlease_seconds = {LEASE}\npoll_seconds = 0.05\nbackoff_base_seconds = 0\n"
                      "refresh_figures = false\n"
                      "[moodle]\nmax_retries = 0\n")
    return os.environ | {"NETCOURSES_DATABASE_URL": database_url, "NETCOURSES_CONFIG": str(config),
                         "NETCOURSES_MOODLE_URL": http_moodle.url, "NETCOURSES_MOODLE_TOKEN": http_moodle.token}


@pytest.fixture
def spawn_worker(process_env: dict[str, str], tmp_path: Path):
    """Start ``netcourses --log-format json worker`` processes against the test database and the HTTP
    fake Moodle; each one's log is at ``process.log``. One started with ``die="before:TABLE"`` (or
    ``after:``) kills itself around the commit that writes the table (tests/jobs/dying_worker.py)."""
    started: list[subprocess.Popen] = []

    def spawn(*args: str, die: str | None = None) -> subprocess.Popen:
        log = (tmp_path / f"worker-{len(started)}.log").open("w")  # a file: a full pipe would block it
        module, env = ("bridge.cli.root", process_env) if die is None else (
            "tests.jobs.dying_worker", process_env | {DIE: die})
        process = subprocess.Popen([sys.executable, "-m", module, "--log-format", "json", "worker", *args],
                                   cwd=ROOT, env=env, stdout=log, stderr=log)
        process.log = Path(log.name)  # type: ignore[attr-defined]
        started.append(process)
        return process

    yield spawn
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)
