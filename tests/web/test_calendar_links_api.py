"""``/api/v1/calendar-links/<kind>/<key>``: who may read, issue, rotate and revoke whose private
calendar link (table-driven), and what each call does to the link, the audit log and the logs."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re

import pytest
import schemathesis
from sqlalchemy import func, select

from bridge.calendar.tokens import FeedKind, find_owner, issue_link, link_status
from bridge.models import AuditEntry, CalendarToken
from tests.web.conftest import bearer
from tests.web.test_access import _csrf, _login

API = "/api/v1/calendar-links"
PUBLIC_URL = "http://localhost"  # web.public_url is not set: links start with the request's address
FEED = re.compile(r"^http://[^/]+/calendar/feed/([A-Za-z0-9_-]{43})\.ics$")

# target -> (kind, external id), seen from the accounts of tests/conftest.py: the coordinator of
# SCH29, the teacher T-2 (who teaches SCH01-S1: seeing a student is not managing their link).
TARGETS = {
    "own school's student": ("student", "SCH29-S1"),
    "other school's student": ("student", "SCH01-S1"),
    "own teacher link": ("teacher", "T-2"),
    "other teacher": ("teacher", "T-1"),
    "own school": ("school", "SCH29"),
    "other school": ("school", "SCH01"),
}
# role -> targets it may manage; any other target is 404 (as if unknown); viewer 403; anonymous 401.
MANAGES = {
    "admin": set(TARGETS),
    "coordinator": {"own school's student", "own school"},
    "teacher": {"own teacher link"},
}
ALLOWED = {"GET": 200, "POST": 201, "DELETE": 200}


def expected(role: str, method: str, target: str) -> int:
    if role == "anonymous":
        return 401
    if role == "viewer":
        return 403
    return ALLOWED[method] if target in MANAGES[role] else 404


def _owner(session, target: str):
    kind, key = TARGETS[target]
    return find_owner(session, FeedKind(kind), key)


def _token(link_url: str) -> str:
    return FEED.fullmatch(link_url).group(1)


def _feed(token: str) -> str:
    return f"/calendar/feed/{token}.ics"


def _issue(client, accounts, kind="student", key="SCH29-S1", role="coordinator", **kwargs):
    return client.post(f"{API}/{kind}/{key}", headers=bearer(accounts, role), **kwargs)


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("method", sorted(ALLOWED))
@pytest.mark.parametrize("role", ["admin", "coordinator", "teacher", "viewer", "anonymous"])
def test_access_table(client, session, accounts, role, method, target):
    kind, key = TARGETS[target]
    owner = _owner(session, target)
    existing = None
    if method == "DELETE":  # something to revoke, which must survive a refused call
        existing = _token(issue_link(session, owner, PUBLIC_URL).feed.url)
        session.commit()
    headers = {} if role == "anonymous" else bearer(accounts, role)

    response = client.open(f"{API}/{kind}/{key}", method=method, headers=headers)

    status = expected(role, method, target)
    assert response.status_code == status, response.json
    assert response.is_json
    session.expire_all()
    active = link_status(session, owner).active
    if method == "POST":
        assert active == (status == 201)  # a refused call issues nothing
    elif method == "DELETE":
        if status == 200:
            assert response.json == {"revoked": 1}
        assert active == (status != 200)  # a refused call revokes nothing
        assert client.get(_feed(existing)).status_code == (404 if status == 200 else 200)
    elif status == 200:
        assert response.json == {"kind": kind, "id": key, "active": False, "issued_at": None}
    else:
        assert set(response.json) == {"error", "message"}
    audited = session.scalar(select(func.count()).select_from(AuditEntry))
    assert audited == (1 if status < 400 else 0)


def test_out_of_reach_is_told_apart_from_unknown_by_nothing(client, accounts):
    for method in ALLOWED:
        hidden = client.open(f"{API}/student/SCH01-S1", method=method, headers=bearer(accounts, "coordinator"))
        unknown = client.open(f"{API}/student/SCH01-S99", method=method, headers=bearer(accounts, "coordinator"))
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.json["message"].replace("SCH01-S1", "X") == unknown.json["message"].replace("SCH01-S99", "X")


@pytest.mark.parametrize("path", [f"{API}/parent/SCH29-S1", f"{API}/students/SCH29-S1", f"{API}/student/NOBODY",
                                  f"{API}/teacher/SCH29-S1", f"{API}/school/T-2"])
def test_unknown_kind_or_id_is_404(client, session, accounts, path):
    for method in ALLOWED:
        response = client.open(path, method=method, headers=bearer(accounts, "admin"))
        assert response.status_code == 404 and response.is_json and response.json["error"] == "Not Found"
    assert session.scalar(select(func.count()).select_from(CalendarToken)) == 0


def test_issued_link_opens_the_feed_and_the_subscribe_page(client, accounts):
    response = _issue(client, accounts)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert set(body) == {"url", "webcal", "google", "page"}
    token = _token(body["url"])
    assert body["webcal"] == f"webcal://localhost/calendar/feed/{token}.ics"
    assert body["google"] == ("https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Flocalhost"
                              f"%2Fcalendar%2Ffeed%2F{token}.ics")
    assert body["page"] == f"{PUBLIC_URL}/calendar/feed/{token}"
    feed = client.get(_feed(token))
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert client.get(f"/calendar/feed/{token}").status_code == 200


def test_second_issue_is_409_and_the_first_link_keeps_working(client, session, accounts):
    token = _token(_issue(client, accounts).json["url"])
    again = _issue(client, accounts)
    assert again.status_code == 409 and again.is_json
    assert "already has a calendar link" in again.json["message"] and "rotate" in again.json["message"]
    assert token not in again.text
    assert client.get(_feed(token)).status_code == 200
    # ?rotate=false and {"rotate": false} are no rotation either.
    assert _issue(client, accounts, query_string={"rotate": "false"}).status_code == 409
    assert _issue(client, accounts, json={"rotate": False}).status_code == 409
    assert session.scalar(select(func.count()).select_from(CalendarToken)) == 1


@pytest.mark.parametrize("how", [{"json": {"rotate": True}}, {"query_string": {"rotate": "true"}},
                                 {"query_string": {"rotate": "1"}}])
def test_rotate_replaces_the_link(client, accounts, how):
    old = _token(_issue(client, accounts).json["url"])
    rotated = _issue(client, accounts, **how)
    assert rotated.status_code == 201
    new = _token(rotated.json["url"])
    assert new != old
    assert client.get(_feed(old)).status_code == 404
    assert client.get(f"/calendar/feed/{old}").status_code == 404
    assert client.get(_feed(new)).status_code == 200


def test_rotate_without_a_link_issues_one(client, accounts):
    response = _issue(client, accounts, kind="school", key="SCH29", json={"rotate": True})
    assert response.status_code == 201
    assert client.get(_feed(_token(response.json["url"]))).status_code == 200


def test_delete_revokes_and_status_follows(client, accounts):
    url = f"{API}/teacher/T-2"
    teacher = bearer(accounts, "teacher")
    assert client.get(url, headers=teacher).json == {"kind": "teacher", "id": "T-2", "active": False,
                                                     "issued_at": None}
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    token = _token(client.post(url, headers=teacher).json["url"])
    status = client.get(url, headers=teacher)
    assert status.json["active"] is True and token not in status.text
    issued = dt.datetime.fromisoformat(status.json["issued_at"])
    assert issued.tzinfo is not None and before - dt.timedelta(seconds=1) <= issued <= dt.datetime.now(dt.UTC)

    assert client.delete(url, headers=teacher).json == {"revoked": 1}
    assert client.get(_feed(token)).status_code == 404
    assert client.get(url, headers=teacher).json == {"kind": "teacher", "id": "T-2", "active": False,
                                                     "issued_at": None}
    assert client.delete(url, headers=teacher).json == {"revoked": 0}


def test_every_change_is_audited_and_no_entry_holds_a_link(client, session, accounts):
    first = _issue(client, accounts).json["url"]
    _issue(client, accounts)  # 409: nothing changed, nothing to audit
    second = _issue(client, accounts, json={"rotate": True}).json["url"]
    client.delete(f"{API}/student/SCH29-S1", headers=bearer(accounts, "coordinator"))
    client.get(f"{API}/school/SCH29", headers=bearer(accounts, "coordinator"))
    client.post(f"{API}/school/SCH01", headers=bearer(accounts, "coordinator"))  # 404: not audited
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.login, e.action, e.target) for e in entries] == [
        ("coordinator", "issue calendar link", "student SCH29-S1"),
        ("coordinator", "rotate calendar link", "student SCH29-S1"),
        ("coordinator", "revoke calendar link", "student SCH29-S1"),
        ("coordinator", "read calendar link", "school SCH29"),
    ]
    for url in (first, second):
        assert all(_token(url) not in e.target for e in entries)


def test_links_never_reach_a_log(client, session, accounts, caplog):
    # DEBUG everywhere, and SQLAlchemy (WARN of its own) logging every statement with its parameters.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    tokens = [_token(_issue(client, accounts).json["url"])]
    _issue(client, accounts)
    tokens.append(_token(_issue(client, accounts, json={"rotate": True}).json["url"]))
    client.get(f"{API}/student/SCH29-S1", headers=bearer(accounts, "coordinator"))
    client.get(_feed(tokens[0]))
    client.get(_feed(tokens[1]))
    client.delete(f"{API}/student/SCH29-S1", headers=bearer(accounts, "coordinator"))
    # The statements were captured, with their parameters: the hash is there, the token is not.
    assert hashlib.sha256(tokens[0].encode()).hexdigest() in caplog.text
    for token in tokens:
        assert token not in caplog.text


@pytest.mark.parametrize("bad", [
    {"json": {"rotate": "yes"}}, {"json": {"rotat": True}}, {"json": [True]},
    {"data": "null", "content_type": "application/json"},
    {"query_string": {"rotate": "maybe"}},
    {"data": "rotate=true", "content_type": "application/x-www-form-urlencoded"},
    {"data": "{not json", "content_type": "application/json"},
])
def test_bad_rotate_is_400_and_issues_nothing(client, session, accounts, bad):
    response = _issue(client, accounts, **bad)
    assert response.status_code == 400 and response.is_json
    assert session.scalar(select(func.count()).select_from(CalendarToken)) == 0


def test_api_cli_and_student_page_share_one_link(client, session, accounts, runner):
    _login(client, "coordinator")
    page = client.get("/students/SCH29-S1")
    client.post("/students/SCH29-S1", data={"csrf_token": _csrf(page.text)})
    coordinator = bearer(accounts, "coordinator")
    assert client.get(f"{API}/student/SCH29-S1", headers=coordinator).json["active"] is True
    assert _issue(client, accounts).status_code == 409  # the page's link exists
    refused = runner.invoke(["calendar-link", "--student", "SCH29-S1"])
    assert refused.exit_code == 1 and "already has a calendar link" in refused.output

    token = _token(_issue(client, accounts, json={"rotate": True}).json["url"])
    assert "Ссылка выдана." in client.get("/students/SCH29-S1").text
    assert runner.invoke(["calendar-link", "--student", "SCH29-S1", "--revoke"]).exit_code == 0
    assert client.get(_feed(token)).status_code == 404
    assert client.get(f"{API}/student/SCH29-S1", headers=coordinator).json["active"] is False


def test_answers_match_the_document(app, client, accounts):
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = api["/api/v1/calendar-links/{kind}/{key}"]
    coordinator = bearer(accounts, "coordinator")
    url = f"{API}/student/SCH29-S1"
    for method, response in [("GET", client.get(url, headers=coordinator)),
                             ("POST", client.post(url, headers=coordinator)),
                             ("GET", client.get(url, headers=coordinator)),
                             ("POST", client.post(url, headers=coordinator)),
                             ("DELETE", client.delete(url, headers=coordinator)),
                             ("GET", client.get(f"{API}/student/SCH01-S1", headers=coordinator))]:
        assert operations[method].is_valid_response(response), (method, response.status_code, response.json)


def test_course_json_carries_its_public_feed(client, accounts):
    body = client.get("/api/v1/courses/NC-CHEM-11", headers=bearer(accounts, "viewer")).json
    assert body["feed"] == {
        "url": f"{PUBLIC_URL}/calendar/course/NC-CHEM-11.ics",
        "webcal": "webcal://localhost/calendar/course/NC-CHEM-11.ics",
        "google": "https://calendar.google.com/calendar/render?cid="
                  "webcal%3A%2F%2Flocalhost%2Fcalendar%2Fcourse%2FNC-CHEM-11.ics",
    }
    assert client.get("/calendar/course/NC-CHEM-11.ics").status_code == 200
    listed = client.get("/api/v1/courses", headers=bearer(accounts, "viewer")).json["items"]
    assert {c["code"]: c["feed"]["url"] for c in listed} == {
        code: f"{PUBLIC_URL}/calendar/course/{code}.ics" for code in ("NC-CHEM-11", "NC-PY-11")}
