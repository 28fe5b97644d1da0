"""Attack: a stolen session cookie. A copy of the console's cookie (from a shared computer, a proxy's log, a
browser profile) kept working after its owner signed out, for 31 days. The safe answer: sign-out, a new
password and disabling the account end every session of the account on the server, and a session left
idle longer than ``web.session_idle_minutes`` is over."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner

from tests.conftest import PASSWORD
from tests.web.conftest import bearer
from tests.web.test_access import _csrf, _login

NEW_PASSWORD = "another horse battery"


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _copied(app, cookie: str):
    """Another browser holding a copy of ``cookie``: the attacker's."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def _signed_in(client) -> bool:
    return client.get("/api/v1/schools").status_code == 200


@pytest.fixture
def stolen(app, client, accounts):
    """The coordinator signed in; the attacker has a copy of their cookie, which works."""
    _login(client, "coordinator")
    thief = _copied(app, _cookie(client))
    assert _signed_in(thief)
    return thief


def test_copied_cookie_after_sign_out(client, stolen):
    """Attack: replay a copied session cookie after its owner pressed «Выйти». Safe answer: 401."""
    page = client.get("/face-to-face")
    assert client.post("/logout", data={"csrf_token": _csrf(page.text)}).status_code == 302
    assert client.get("/api/v1/schools").status_code == 401
    assert stolen.get("/api/v1/schools").status_code == 401
    assert stolen.get("/students").status_code == 302  # the console sends it to sign in


def test_copied_cookie_after_disable_and_enable(runner, stolen):
    """Attack: replay a cookie copied before the account was disabled, once it is enabled again. Safe
    answer: the old session stays over."""
    assert runner.invoke(["user", "disable", "coordinator"]).exit_code == 0
    assert not _signed_in(stolen)
    assert runner.invoke(["user", "enable", "coordinator"]).exit_code == 0
    assert not _signed_in(stolen)


def test_password_reset_ends_sessions_and_api_tokens(runner, accounts, stolen, client):
    """Attack: keep using a copied cookie or a leaked API token after the password was reset because the
    account was compromised. Safe answer: both are refused (401); the new password signs in."""
    assert runner.invoke(["user", "password", "coordinator", "--password", NEW_PASSWORD]).exit_code == 0
    assert not _signed_in(stolen)
    assert client.get("/api/v1/schools", headers=bearer(accounts, "coordinator")).status_code == 401
    assert client.get("/api/v1/schools", headers=bearer(accounts, "admin")).status_code == 200  # others' stay


def test_idle_cookie_expires(app, client, accounts, monkeypatch):
    """Attack: replay a cookie copied from a session left idle longer than a working day (it was valid for
    31 days). Safe answer: 401."""
    nine_hours_ago = int(time.time()) - 9 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: nine_hours_ago)
    _login(client, "coordinator")  # the cookie is signed as written nine hours ago
    monkeypatch.undo()
    assert not _signed_in(_copied(app, _cookie(client)))


def test_a_session_in_use_is_kept(app, client, accounts, monkeypatch):
    """Not an attack: a session used within the idle window is renewed by every request, so someone
    working all day is not signed out."""
    seven_hours_ago = int(time.time()) - 7 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: seven_hours_ago)
    _login(client, "coordinator")
    monkeypatch.undo()
    assert _signed_in(client)
    assert TimestampSigner(app.secret_key, salt="cookie-session", key_derivation="hmac").unsign(
        _cookie(client), return_timestamp=True, max_age=60)[1]  # renewed just now
