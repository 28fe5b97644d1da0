"""Links the app hands out work where the app really is: ``web.public_url`` when set, else the address the
request came to (``serve --port 5077`` hands out :5077 links), and the CLI says which base it used."""

from __future__ import annotations

import dataclasses

import pytest

from bridge.app import create_app
from bridge.runtime import Runtime
from config.settings import WebSettings
from tests.web.conftest import bearer

LINK = "/api/v1/calendar-links/student/SCH29-S1"


def test_unset_public_url_links_follow_the_request_address(client, accounts):
    issued = client.post(LINK, headers=bearer(accounts, "coordinator"), base_url="http://127.0.0.1:5077")
    assert issued.status_code == 201
    assert issued.json["url"].startswith("http://127.0.0.1:5077/calendar/feed/")
    assert issued.json["webcal"].startswith("webcal://127.0.0.1:5077/calendar/feed/")
    course = client.get("/api/v1/courses/NC-CHEM-11", headers=bearer(accounts, "viewer"),
                        base_url="http://10.0.0.5:8080")
    assert course.json["feed"]["url"] == "http://10.0.0.5:8080/calendar/course/NC-CHEM-11.ics"
    catalogue = client.get("/catalogue", base_url="http://127.0.0.1:5077")
    assert "webcal://127.0.0.1:5077/calendar/course/NC-CHEM-11.ics" in catalogue.text


@pytest.fixture
def public_app(runtime, accounts):
    settings = dataclasses.replace(runtime.settings, web=WebSettings(public_url="https://netcourses.example.org/"))
    app = create_app(Runtime(settings, engine=runtime.engine))
    app.config["TESTING"] = True
    return app


def test_a_set_public_url_wins_over_the_request_address(public_app, accounts):
    client = public_app.test_client()
    issued = client.post(LINK, headers=bearer(accounts, "coordinator"), base_url="http://127.0.0.1:5077")
    assert issued.json["url"].startswith("https://netcourses.example.org/calendar/feed/")
    page = client.get(issued.json["page"].removeprefix("https://netcourses.example.org"))
    assert "webcal://netcourses.example.org/calendar/feed/" in page.text


def test_cli_link_says_which_base_it_used(runner, accounts):
    result = runner.invoke(["calendar-link", "--student", "SCH29-S1"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("http://127.0.0.1:5000/calendar/feed/")
    assert ("note: the links start with http://127.0.0.1:5000 (web.host and web.port): web.public_url is not set"
            in result.output)
