"""``netcourses moodle check`` and the README's list of functions."""

from __future__ import annotations

import logging
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bridge.runtime import Runtime
from config import Settings
from config.settings import MoodleSettings, Secret
from moodle_client import REQUIRED_FUNCTIONS


@pytest.fixture
def check(runner, engine, database_url):
    def invoke(moodle: MoodleSettings):
        settings = Settings(database_url=database_url, moodle=moodle)
        return runner.invoke(["moodle", "check"], obj=Runtime(settings, engine=engine))

    return invoke


def error_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("Error: ")
    return lines[-1]


def test_everything_in_place(check, fake_moodle):
    result = check(fake_moodle.settings())
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Moodle 4.1.10 (Build: 20240422) (version 2022112810) at {fake_moodle.url}, token user admin",
        "mod_attendance: installed",
        f"all {len(REQUIRED_FUNCTIONS)} required web-service functions are in the token's service",
    ]
    assert fake_moodle.writes == 0


def test_missing_functions_are_listed_for_the_administrator(check, fake_moodle):
    fake_moodle.remove_from_service("core_user_create_users", "enrol_manual_enrol_users")
    result = check(fake_moodle.settings())
    assert result.exit_code == 1
    assert "  core_user_create_users\n  enrol_manual_enrol_users\n" in result.output
    assert error_line(result) == f"Error: 2 of {len(REQUIRED_FUNCTIONS)} required web-service functions are missing"


def test_attendance_plugin_missing(check, fake_moodle):
    fake_moodle.attendance_installed = False
    result = check(fake_moodle.settings())
    assert result.exit_code == 1 and "mod_attendance: NOT available" in result.output
    listed = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert listed == [f for f in REQUIRED_FUNCTIONS if f.startswith("mod_attendance_")]


@pytest.mark.parametrize(
    ("partial", "message"),
    [
        ({}, "Error: Moodle URL is not configured: set NETCOURSES_MOODLE_URL"),
        ({"url": "https://moodle.test"}, "Error: Moodle token is not configured: set NETCOURSES_MOODLE_TOKEN"),
    ],
)
def test_not_configured(check, partial, message):
    result = check(MoodleSettings(**partial))
    assert result.exit_code == 1 and result.output.strip() == message


def test_rejected_token(check, fake_moodle):
    result = check(MoodleSettings(url=fake_moodle.url, token=Secret("wrong-token-value")))
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "Moodle rejected the token" in result.output and "wrong-token-value" not in result.output


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        """Not on the command's stderr."""


@contextmanager
def _plain_http() -> Iterator[int]:
    """A loopback server that speaks plain HTTP, for a client that expects TLS."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


URL_CHECK = "check NETCOURSES_MOODLE_URL and that the site is up"


def test_refused_is_one_line_after_quiet_retries(check, caplog):
    """A wrong URL: the retries are not printed as warnings, and the one line names the URL, the cause
    in words and the setting to check (was: four 330-character retry lines and urllib3's chain)."""
    url = f"http://127.0.0.1:{_closed_port()}"
    with caplog.at_level(logging.WARNING):
        result = check(MoodleSettings(url=url, token=Secret("t0ken-value"), max_retries=2, backoff_base=0.01))
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"Error: no answer from Moodle at {url}: connection refused; {URL_CHECK}"]
    assert [r.getMessage() for r in caplog.records if r.name.startswith("moodle_client")] == []


def test_unknown_host_is_named_as_dns(check):
    url = "http://netcourses-moodle.invalid"
    result = check(MoodleSettings(url=url, token=Secret("t0ken-value"), max_retries=0))
    assert result.output.splitlines() == [
        f"Error: no answer from Moodle at {url}: DNS: the host name does not resolve; {URL_CHECK}"]


def test_tls_failure_points_at_the_certificate(check):
    with _plain_http() as port:
        url = f"https://127.0.0.1:{port}"
        result = check(MoodleSettings(url=url, token=Secret("t0ken-value"), max_retries=0))
    assert result.output.splitlines() == [f"Error: no answer from Moodle at {url}: TLS failed (the certificate or "
                                          "the protocol); check the certificate (moodle.verify_tls)"]


@pytest.mark.parametrize(("fault", "options", "line"), [
    ("timeout_before_commit", {}, "no answer from Moodle at {url}: timed out waiting for the answer; "
                                  "check the network and moodle.read_timeout"),
    ("http_error", {"status": 404}, "Moodle at {url} answered HTTP 404; check NETCOURSES_MOODLE_URL (the site's "
                                    "address) and that the REST protocol is enabled"),
    ("html", {}, "Moodle at {url} answered a page that is not web-service JSON; check NETCOURSES_MOODLE_URL "
                 "(the site's address) and that the REST protocol is enabled"),
])
def test_what_went_wrong_and_what_to_check(check, fake_moodle, fault, options, line):
    fake_moodle.inject(fault, times=5, **options)
    result = check(fake_moodle.settings(max_retries=0))
    assert result.exit_code == 1
    assert result.output.splitlines() == ["Error: " + line.format(url=fake_moodle.url)]


def test_readme_lists_exactly_the_required_functions():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- required-functions:start -->\n(.*?)<!-- required-functions:end -->", readme, re.S)
    assert block is not None
    assert tuple(line.strip() for line in block.group(1).splitlines() if line.strip()) == REQUIRED_FUNCTIONS


def test_sync_does_not_say_moodle_answered_when_nothing_did(runner, engine, database_url):
    url = f"http://127.0.0.1:{_closed_port()}"
    moodle = MoodleSettings(url=url, token=Secret("t0ken-value"), max_retries=0)
    result = runner.invoke(["sync", "--full"], obj=Runtime(Settings(database_url=database_url, moodle=moodle),
                                                             engine=engine))
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"Error: the run stopped: no answer from Moodle at {url}: connection "
                                          f"refused; {URL_CHECK} (what was done is kept; run again)"]
