"""Attacks with input the service did not expect, each of which gave a 500: now a 4xx whose message
says what is wrong, and nothing written. NUL characters matter on PostgreSQL (its text cannot hold
them), so CI's PostgreSQL run is the one that shows them; every test runs on both databases."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from bridge.accounts import create_account
from bridge.models import Account, AccountRole, FaceToFaceSession
from bridge.runtime import Runtime
from config import Secret, Settings
from config.settings import WebhookSettings
from tests.attendance.results import seed_results
from tests.conftest import PASSWORD
from tests.security.conftest import csrf, post_form, row_counts, signed_in
from tests.web.conftest import bearer
from webhooks.verify import sign

SIGNING = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TOKEN = "wh-secret-123"
NESTED = 20_000
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture
def face_to_face(session, accounts) -> int:
    """A face-to-face session (of the seeded results), the id its attendance URL names."""
    seed_results(session)
    session.commit()
    return session.scalar(select(FaceToFaceSession.id).order_by(FaceToFaceSession.id))


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Webhooks configured both ways (a token in the body, signed requests), default body limit."""
    return Settings(database_url=database_url,
                    webhooks=WebhookSettings(tokens=(Secret(TOKEN),), signing_secrets=(Secret(SIGNING),)))


def _refused(response, status: int, *words: str) -> None:
    """The answer is ``status`` with a JSON message holding each of ``words``."""
    assert response.status_code == status, response.text[:300]
    message = response.json["message"] if "message" in response.json else response.json["error"]
    for word in words:
        assert word in message, message


def _webhook(client, body: bytes, **headers):
    return client.post("/webhooks/moodle", data=body, headers={"Content-Type": "application/json", **headers})


def _signed(body: bytes, msg_id: str = "msg_1", stamp: str | None = None) -> dict[str, str]:
    stamp = stamp or str(int(time.time()))
    return {"webhook-id": msg_id, "webhook-timestamp": stamp,
            "webhook-signature": sign(Secret(SIGNING), msg_id, int(stamp), body)}


def _event(**fields) -> bytes:
    return json.dumps({"token": TOKEN, "eventname": "\\core\\event\\course_updated", "courseid": 3} | fields,
                      allow_nan=True).encode()


# --- CSRF ---

def test_non_ascii_csrf_token(client, session, accounts):
    """A csrf_token with a character beyond ASCII, on the login form and on a signed-in form."""
    before = row_counts(session)
    _refused(client.post("/login", data={"login": "admin", "password": PASSWORD, "csrf_token": "токен"}),
             400, "CSRF")
    browser = signed_in(client.application, "admin")
    _refused(browser.post("/accounts/new", data={"login": "x", "csrf_token": "é" * 43}), 400, "CSRF")
    assert row_counts(session) == before


# --- JSON bodies ---

DEEP = b"[" * NESTED + b"]" * NESTED


@pytest.mark.parametrize("path", ["/webhooks/moodle", "/api/v1/sync/runs", "/api/v1/calendar-links/school/SCH14",
                                  "/api/v1/face-to-face/{fs}/attendance"])
def test_json_body_nested_20000_levels(client, session, accounts, face_to_face, path):
    """A JSON body nested 20,000 levels deep (the parser's recursion), before any token check."""
    before = row_counts(session)
    _refused(client.post(path.format(fs=face_to_face), data=DEEP, headers={"Content-Type": "application/json", **bearer(accounts, "admin")}),
             400, "nested more than")
    assert row_counts(session) == before


@pytest.mark.parametrize("courseid", [2**31, 2**63, "1e400", "NaN", "Infinity", "-Infinity"])
def test_webhook_courseid_beyond_any_id(client, session, courseid):
    """A webhook whose courseid is beyond a 32-bit or 64-bit integer, or not a finite number."""
    body = _event().replace(b'"courseid": 3', f'"courseid": {courseid}'.encode())
    response = _webhook(client, body)
    assert response.status_code == 400 and ("courseid" in response.json["error"] or "JSON" in response.json["error"]
                                            or "range" in response.json["error"]), response.json
    assert row_counts(session)["webhook_event"] == 0


def test_webhook_timestamp_of_400_digits(client, session):
    """A signed webhook whose webhook-timestamp has 400 digits (no float to compare with the clock)."""
    body = _event()
    headers = _signed(body) | {"webhook-timestamp": "9" * 400}
    response = _webhook(client, body, **headers)
    assert response.status_code == 401 and "webhook-timestamp" in response.json["error"]
    assert row_counts(session)["webhook_event"] == 0


def test_webhook_id_longer_than_its_column(client, session):
    """A correctly signed webhook whose webhook-id is longer than the column that stores it."""
    body = _event()
    response = _webhook(client, body, **_signed(body, msg_id="m" * 200))
    assert response.status_code == 400 and "webhook-id" in response.json["error"]
    assert row_counts(session)["webhook_event"] == 0
    assert _webhook(client, body, **_signed(body, msg_id="m" * 124)).status_code == 202  # the longest that fits


# --- NUL characters ---

NUL_PATHS = ["/calendar/course/NC%00.ics", "/api/v1/schools/SCH%0014", "/api/v1/courses/NC%00", "/courses/NC%00",
             "/students/SCH29-S1%00", "/api/v1/calendar-links/student/SCH29-S1%00"]


@pytest.mark.parametrize("path", NUL_PATHS)
def test_nul_byte_in_a_path_segment(client, session, accounts, path):
    """A NUL byte (%00) in a path segment (in a query parameter it was refused already)."""
    before = row_counts(session)
    _refused(client.get(path, headers=bearer(accounts, "admin")), 400, "NUL")
    assert row_counts(session) == before


def test_nul_byte_in_the_login_form(client, session, accounts):
    """POST /login with a NUL byte in the login."""
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    _refused(client.post("/login", data={"login": "ad\x00min", "password": PASSWORD, "csrf_token": token}),
             400, "'login'", "NUL")


FACE_TO_FACE = {"date": "2026-10-24", "start": "11:00", "end": "13:00", "school": "SCH01", "room": "5",
                "title": "Очная сессия", "kind": "session", "courses": "NC-CHEM-11", "note": ""}


@pytest.mark.parametrize("field", sorted(FACE_TO_FACE))
def test_nul_byte_in_a_face_to_face_field(client, session, accounts, field):
    """POST /face-to-face/new with a NUL byte in one of its fields; the answer names the field."""
    browser = signed_in(client.application, "admin")
    before = row_counts(session)
    data = FACE_TO_FACE | {field: FACE_TO_FACE[field] + "\x00"}
    _refused(post_form(browser, "/face-to-face/new", data), 400, repr(field), "NUL")
    assert row_counts(session) == before


@pytest.mark.parametrize(("path", "body", "where"), [
    ("/api/v1/sync/runs", {"mode": "delta\x00"}, "mode"),
    ("/api/v1/face-to-face/{fs}/attendance", [{"student": "SCH01-S1\x00", "status": "P"}], "item 1: student"),
])
def test_nul_byte_in_a_json_string(client, session, accounts, face_to_face, path, body, where):
    """A JSON string holding a NUL (\\u0000); the answer says where it is."""
    before = row_counts(session)
    _refused(client.post(path.format(fs=face_to_face), json=body, headers=bearer(accounts, "admin")), 400, where, "NUL")
    assert row_counts(session) == before


@pytest.mark.parametrize(("body", "headers"), [
    (_event(eventname="\\core\\event\\x\x00"), {}),
    (_event(), {"webhook-id": "msg\x00"}),
], ids=["eventname", "webhook-id"])
def test_nul_byte_in_a_webhook(client, session, body, headers):
    """A webhook whose eventname, or whose webhook-id header, holds a NUL."""
    response = _webhook(client, body, **headers)
    assert response.status_code == 400 and "NUL" in response.json["error"]
    assert row_counts(session)["webhook_event"] == 0


# --- digits of other scripts ---

@pytest.mark.parametrize("term", ["²", "１", "٣"])
@pytest.mark.parametrize("report", ["attendance", "marks", "at-risk", "summary"])
def test_unicode_digit_as_a_report_term(client, accounts, report, term):
    """?term=² on the reports: str.isdigit() accepts it, int() does not."""
    _refused(client.get(f"/api/v1/reports/{report}?term={term}", headers=bearer(accounts, "admin")), 400, "term")


def test_unicode_digit_as_a_face_to_face_session(client, session, accounts):
    """POST /api/v1/face-to-face/²/attendance."""
    response = client.post("/api/v1/face-to-face/²/attendance", json=[], headers=bearer(accounts, "admin"))
    assert response.status_code == 404 and response.is_json
    assert session.scalar(select(FaceToFaceSession.id)) is None


def test_fullwidth_digits_do_not_name_an_account(client, session, accounts):
    """POST /accounts/１/disable (fullwidth digits) acted on account 1."""
    target = create_account(session, "target", PASSWORD, AccountRole.VIEWER)
    session.commit()
    browser = signed_in(client.application, "admin")
    response = browser.post(f"/accounts/{str(target.id).translate(FULLWIDTH)}/disable",
                            data={"csrf_token": csrf(browser)})
    assert response.status_code == 404
    session.expire_all()
    assert session.get(Account, target.id).active is True
    assert post_form(browser, f"/accounts/{target.id}/disable").status_code == 303  # ASCII digits still work


# --- the command line ---

def test_cli_revoke_token_with_an_id_beyond_any_integer(runner, session, accounts):
    """netcourses user revoke-token admin --id 99999999999999999999999."""
    result = runner.invoke(["user", "revoke-token", "admin", "--id", "99999999999999999999999"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--id" in result.output and "2147483647" in result.output


def test_cli_with_an_unreachable_database():
    """Any command against a database that cannot be reached: one line naming the database, not
    a 153-line traceback, and never its password."""
    from click.testing import CliRunner

    from bridge.cli.root import main

    unreachable = Runtime(Settings(database_url="postgresql://netcourses:s3cret-pw@127.0.0.1:9/registry"))
    result = CliRunner().invoke(main, ["user", "list"], obj=unreachable)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: database postgresql+psycopg://netcourses:***@127.0.0.1:9/")
    assert "s3cret-pw" not in result.output
