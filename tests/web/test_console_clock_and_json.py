"""Small things a person notices: times in the district's own clock, names in the API's JSON as written,
an icon for the browser tab."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from bridge.models import AuditEntry
from tests.web.conftest import bearer
from tests.web.test_access import _login


def test_console_times_are_the_districts_not_utc(client, accounts, session):
    """The audit log once showed UTC with no word of it: 21:30 UTC is 00:30 next day in Moscow."""
    _login(client, "admin")
    client.get("/students/SCH29-S1")  # an audited read
    session.execute(update(AuditEntry).values(at=dt.datetime(2026, 11, 30, 21, 30, 5, tzinfo=dt.UTC)))
    session.commit()
    page = client.get("/audit").text
    assert "01.12.2026 00:30:05" in page  # Europe/Moscow, UTC+3
    assert "30.11.2026 21:30" not in page and "UTC" not in page


def test_api_json_keeps_cyrillic_as_written(client, accounts):
    body = client.get("/api/v1/schools", headers=bearer(accounts, "viewer")).get_data(as_text=True)
    assert "МОУ СОШ № 29" in body
    assert "\\u04" not in body


def test_pages_have_an_icon(client):
    page = client.get("/login").text
    assert 'rel="icon" href="/static/favicon.svg"' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
