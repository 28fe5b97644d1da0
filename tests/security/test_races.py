"""Attacks on timing: requests that land between another request's check and its write, and a
sync run whose process was killed (kill -9) while it applied."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from sqlalchemy import select

from bridge.models import Account, CalendarToken, SyncRun
from tests.conftest import PASSWORD
from tests.security.conftest import csrf, meanwhile, row_counts, signed_in
from tests.web.conftest import bearer


def test_concurrent_calendar_links_without_rotate_issue_one(app, client, engine, session, accounts):
    """Ten POST /api/v1/calendar-links/student/<id> without rotate at once: the probe got two 201s,
    the second revoking the first link 40 ms after it was shown. Here nine land between the first
    one's check (no link yet) and its write."""
    url = "/api/v1/calendar-links/student/SCH29-S1"
    others = []

    def nine_more() -> None:
        with ThreadPoolExecutor(3) as pool:
            others.extend(pool.map(lambda _: app.test_client().post(url, headers=bearer(accounts, "admin")),
                                   range(9)))

    with meanwhile(engine, "FROM calendar_token", nine_more) as ran:
        first = client.post(url, headers=bearer(accounts, "admin"))
    assert ran.is_set()
    responses = [first, *others]
    issued = [r for r in responses if r.status_code == 201]
    assert len(issued) == 1 and sorted(r.status_code for r in responses) == [201] + [409] * 9
    assert all("rotate" in r.json["message"] for r in responses if r.status_code == 409)
    # The link that was shown opens the calendar, and it is the student's only link.
    assert client.get(urlsplit(issued[0].json["url"]).path).status_code == 200
    session.expire_all()
    assert len(session.scalars(select(CalendarToken)).all()) == 1


def test_eight_concurrent_creations_of_one_login(app, engine, session, accounts):
    """Eight POST /accounts/new of the same login at once: the probe got seven 500s (the unique
    index's IntegrityError). Here seven land between the first one's check (login free) and its
    insert: one is created (303), the others are told the login is taken (409)."""
    form = {"login": "petrova", "display_name": "Петрова А. С.", "role": "viewer",
            "password": PASSWORD, "password2": PASSWORD}
    browsers = [signed_in(app, "admin") for _ in range(8)]
    tokens = [csrf(b) for b in browsers]
    others = []

    def seven_more() -> None:
        with ThreadPoolExecutor(3) as pool:
            others.extend(pool.map(lambda b, t: b.post("/accounts/new", data=form | {"csrf_token": t}),
                                   browsers[1:], tokens[1:]))

    before = row_counts(session)
    with meanwhile(engine, "WHERE account.login", seven_more) as ran:
        first = browsers[0].post("/accounts/new", data=form | {"csrf_token": tokens[0]})
    assert ran.is_set()
    responses = [first, *others]
    assert sorted(r.status_code for r in responses) == [303] + [409] * 7
    assert all("Логин: такой логин уже есть" in r.text for r in responses if r.status_code == 409)
    after = row_counts(session)
    assert after["account"] == before["account"] + 1
    assert session.scalars(select(Account.login).where(Account.login == "petrova")).all() == ["petrova"]


def test_a_sync_run_killed_mid_apply_is_interrupted_in_every_view(client, session, accounts):
    """kill -9 of a process applying a sync leaves its run recorded as running and no lease on the
    sync lock: /progress said interrupted, while /api/v1/sync/runs and /api/v1/sync/runs/<id> (and
    the console's lists) said running for ever. One status, derived the same way, everywhere."""
    run = SyncRun(mode="delta", dry_run=False, started_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
                  status="running")
    session.add(run)
    session.commit()
    admin = bearer(accounts, "admin")
    assert client.get(f"/api/v1/sync/runs/{run.id}/progress", headers=admin).json["status"] == "interrupted"
    assert client.get(f"/api/v1/sync/runs/{run.id}", headers=admin).json["status"] == "interrupted"
    assert [r["status"] for r in client.get("/api/v1/sync/runs", headers=admin).json["items"]] == ["interrupted"]
    browser = signed_in(client.application, "admin")
    for page in ("/", "/sync"):
        html = browser.get(page).text
        row = html[html.index(f'/sync/runs/{run.id}"'):]
        row = row[:row.index("</tr>")]
        assert "прерван" in row and "выполняется" not in row, page
