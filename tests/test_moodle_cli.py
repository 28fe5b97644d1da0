"""``netcourses moodle check`` and the README's list of functions."""

from __future__ import annotations

import re
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


def test_unreachable(check, fake_moodle):
    fake_moodle.inject("connect_error", times=5)
    result = check(fake_moodle.settings(max_retries=0))
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert error_line(result).startswith(f"Error: cannot use Moodle at {fake_moodle.url}: ")
    assert "Connection refused" in result.output


def test_readme_lists_exactly_the_required_functions():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- required-functions:start -->\n(.*?)<!-- required-functions:end -->", readme, re.S)
    assert block is not None
    assert tuple(line.strip() for line in block.group(1).splitlines() if line.strip()) == REQUIRED_FUNCTIONS
