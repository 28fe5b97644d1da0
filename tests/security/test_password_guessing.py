"""Attack: guessing passwords at ``POST /login``. Forty wrong passwords went through in 4.2 s and then the
right one signed in; nothing was audited; an unknown login answered slower than a known one (two hashes
against one), which told which logins exist. The safe answer: failures per login and per address make the
next attempt wait (429 with ``Retry-After`` and a Russian message), every failure is audited, and a known and
an unknown login cost one hash each."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, update

from bridge.accounts import SignIn, sign_in
from bridge.sign_in_throttle import seconds_to_wait
from bridge.app import create_app
from bridge.models import AuditEntry, SignInFailure
from bridge.runtime import Runtime
from config import Settings
from config.settings import WebSettings
from tests.conftest import PASSWORD
from tests.security.test_sessions import _signed_in
from tests.web.test_access import _csrf

WRONG = "not the password at all"


def _attempt(client, login: str, password: str, address: str = "127.0.0.1", url: str = "/login", **headers):
    """One sign-in through the form (with its CSRF token), from ``address``."""
    page = client.get("/login")
    return client.post(url, data={"login": login, "password": password, "csrf_token": _csrf(page.text)},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def _time_passes(session, seconds: float) -> None:
    """Move every recorded failure back: as if ``seconds`` had passed since."""
    session.execute(update(SignInFailure).values(at=SignInFailure.at - dt.timedelta(seconds=seconds)))
    session.commit()


def test_guessing_one_login_is_throttled(client, session, accounts):
    """Attack: wrong passwords for one login as fast as the server answers, then the right one. Safe answer:
    after 5 failures the next attempt, even with the right password, is refused unchecked: 429, Retry-After,
    a Russian message, not signed in; once the wait is over the right password signs in."""
    for _ in range(5):
        assert _attempt(client, "coordinator", WRONG).status_code == 401
    refused = _attempt(client, "coordinator", PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert "Слишком много неудачных попыток входа. Повторите через 1 с." in refused.text
    assert not _signed_in(client)
    _time_passes(session, 1)
    assert _attempt(client, "coordinator", PASSWORD).status_code == 302 and _signed_in(client)


def test_each_further_failure_doubles_the_wait(session, accounts):
    """Attack: keep guessing, each time the wait is over. Safe answer: every failure past the fifth doubles
    the wait, 1 s, 2 s, 4 s, ... up to 15 minutes; the right password, once allowed, forgets them."""
    now = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
    waits = []
    for _ in range(16):
        result = sign_in(session, "coordinator", WRONG, "192.0.2.1", now)
        assert result.account is None and result.wait == 0  # each one was allowed, and failed
        waits.append(seconds_to_wait(session, "coordinator", "192.0.2.1", now))
        if waits[-1]:  # the right password is refused unchecked while the wait lasts
            assert sign_in(session, "coordinator", PASSWORD, "192.0.2.1", now) == SignIn(None, waits[-1])
        now += dt.timedelta(seconds=waits[-1])
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert sign_in(session, "coordinator", PASSWORD, "192.0.2.1", now).account.login == "coordinator"
    assert sign_in(session, "coordinator", WRONG, "192.0.2.1", now).wait == 0  # counting starts again


def test_guessing_many_logins_from_one_address_is_throttled(client, accounts):
    """Attack: one guess for each of many logins from one address (spraying). Safe answer: after 20
    failures from that address its next attempt waits (429), while another address signs in."""
    for i in range(20):
        assert _attempt(client, f"user{i}", WRONG, "198.51.100.7").status_code == 401
    assert _attempt(client, "admin", PASSWORD, "198.51.100.7").status_code == 429
    assert _attempt(client, "admin", PASSWORD, "203.0.113.9").status_code == 302


def test_forged_forwarded_for_does_not_dodge_the_address_count(client, accounts):
    """Attack: spraying with a new X-Forwarded-For on every request, to look like many addresses. Safe
    answer: with no proxy configured (web.proxies = 0) the header is not believed."""
    for i in range(20):
        assert _attempt(client, f"user{i}", WRONG, **{"X-Forwarded-For": f"10.0.0.{i}"}).status_code == 401
    assert _attempt(client, "admin", PASSWORD, **{"X-Forwarded-For": "10.0.1.1"}).status_code == 429


def test_behind_a_proxy_each_client_is_counted_apart(database_url, engine, accounts):
    """Attack: spraying through the reverse proxy, where every request comes from its address. Safe answer:
    with web.proxies = 1 the client's address (X-Forwarded-For) is counted, so the attacker's is throttled
    and another client's sign-in is not."""
    app = create_app(Runtime(Settings(database_url=database_url, web=WebSettings(proxies=1)), engine=engine))
    client = app.test_client()
    for i in range(20):
        assert _attempt(client, f"user{i}", WRONG, **{"X-Forwarded-For": "198.51.100.7"}).status_code == 401
    assert _attempt(client, "admin", PASSWORD, **{"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    assert _attempt(client, "admin", PASSWORD, **{"X-Forwarded-For": "203.0.113.9"}).status_code == 302


def test_failed_sign_ins_are_audited(client, session, accounts):
    """Attack: guessing unseen. Safe answer: each failure is in the audit log with the login tried (when it
    is an account's) and the address, and never the password."""
    _attempt(client, "admin", WRONG, "192.0.2.5")
    _attempt(client, WRONG, "admin", "192.0.2.5")  # a password typed into the login field
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.login, e.action, e.target) for e in entries] == [
        ("-", "sign-in failed", "admin from 192.0.2.5"),
        ("-", "sign-in failed", "unknown login from 192.0.2.5")]
    stored = session.scalars(select(SignInFailure.key)).all()
    assert WRONG not in str(stored) and hashlib.sha256(f"login:{WRONG}".encode()).hexdigest() in stored


@pytest.fixture
def hashes(monkeypatch):
    """Counts the password hashes computed (the test's cheap method is PBKDF2)."""
    calls = []
    real = hashlib.pbkdf2_hmac

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting)
    return calls


def test_unknown_and_known_logins_cost_the_same(client, accounts, hashes):
    """Attack: telling which logins exist by how long a wrong password takes. Safe answer: a known login and an
    unknown one each cost exactly one password hash. (A login no account can have, holding a NUL, is refused
    before any account is looked up: tests/security/test_bad_input.py.)"""
    _attempt(client, "nobody-warm-up", WRONG)  # the decoy hash is made once per process
    for login in ("admin", "nobody"):
        hashes.clear()
        assert _attempt(client, login, WRONG).status_code == 401
        assert len(hashes) == 1, login
