"""The console page of accounts and API tokens: only the administrator may see or change it; creating,
disabling, enabling, resetting a password, issuing and revoking a token do what they say (sign-in and
the API follow at once); the last administrator stays; a bad field is named and nothing changes; a
token's clear text is in the one response that issues it and nowhere else."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select

from bridge.accounts import create_account, issue_token
from bridge.models import Account, AccountRole, ApiToken, AuditEntry
from tests.conftest import PASSWORD
from tests.web.conftest import bearer
from tests.web.test_access import _csrf, _login

ROLES = ("admin", "coordinator", "teacher", "viewer")
NEW_PASSWORD = "another horse staple"


@pytest.fixture
def target(session, accounts) -> dict:
    """An account for the administrator to act on (a viewer), with two API tokens."""
    account = create_account(session, "target", PASSWORD, AccountRole.VIEWER, display_name="Мишень")
    first, second = issue_token(session, account, "first"), issue_token(session, account, "second")
    session.commit()
    ids = session.scalars(select(ApiToken.id).where(ApiToken.account_id == account.id).order_by(ApiToken.id)).all()
    return {"id": account.id, "tokens": [first, second], "token_ids": ids}


def _snapshot(session) -> list:
    """Everything stored about accounts and tokens, and the audit log's length: what a refusal must not change."""
    session.expire_all()
    accounts = [(a.id, a.login, a.display_name, a.password_hash, a.role, a.school_id, a.teacher_id, a.active)
                for a in session.scalars(select(Account).order_by(Account.id))]
    tokens = [(t.id, t.account_id, t.token_hash, t.name, t.revoked_at)
              for t in session.scalars(select(ApiToken).order_by(ApiToken.id))]
    return [accounts, tokens, session.scalar(select(func.count()).select_from(AuditEntry))]


def _post(client, path: str, data: dict | None = None):
    """Post a form as the signed-in browser would (with its CSRF token); anonymous: without one."""
    page = client.get("/catalogue")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    return client.post(path, data=(data or {}) | ({"csrf_token": token.group(1)} if token else {}))


def _error(html: str) -> str:
    return re.search(r'role="alert" id="error">([^<]*)<', html).group(1)


def _row(html: str, account_id: int) -> str:
    return re.search(rf'<tr id="account-{account_id}" .*?</tr>', html, re.S).group(0)


def _signs_in(app, login: str, password: str) -> bool:
    """Sign in from a fresh browser: True when the console lets them in."""
    browser = app.test_client()
    page = browser.get("/login")
    response = browser.post("/login", data={"login": login, "password": password, "csrf_token": _csrf(page.text)})
    return response.status_code == 302


def _api(client, token: str) -> int:
    return client.get("/api/v1/schools", headers={"Authorization": f"Bearer {token}"}).status_code


def _account(session, login: str) -> Account:
    session.expire_all()
    return session.scalar(select(Account).where(Account.login == login))


NEW = {"login": "coord29", "display_name": "Петрова А. С.", "role": "coordinator", "school": "SCH29", "teacher": "",
       "password": NEW_PASSWORD, "password2": NEW_PASSWORD}


# --- who may do what ---

def _disabled(session, target):
    session.get(Account, target["id"]).active = False
    session.commit()


# (name, method, path, data, setup, admin's status); everyone else: 403; anonymous: sent to sign in.
TABLE = [
    ("list", "GET", "/accounts", None, None, 200),
    ("new", "POST", "/accounts/new", NEW, None, 303),
    ("disable", "POST", "/accounts/{id}/disable", {}, None, 303),
    ("enable", "POST", "/accounts/{id}/enable", {}, _disabled, 303),
    ("password", "POST", "/accounts/{id}/password", {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}, None, 303),
    ("issue", "POST", "/accounts/{id}/tokens", {"name": "отчёты"}, None, 200),
    ("revoke", "POST", "/accounts/{id}/tokens/{token}/revoke", {}, None, 303),
]


@pytest.mark.parametrize("role", (*ROLES, "anonymous"))
@pytest.mark.parametrize(("method", "path", "data", "setup", "admin"), [row[1:] for row in TABLE],
                         ids=[row[0] for row in TABLE])
def test_role_page_method_table(client, session, target, role, method, path, data, setup, admin):
    if setup:
        setup(session, target)
    if role != "anonymous":
        _login(client, role)
    url = path.format(id=target["id"], token=target["token_ids"][0])
    before = _snapshot(session)
    response = client.get(url) if method == "GET" else _post(client, url, data)
    want = admin if role == "admin" else 302 if role == "anonymous" else 403
    assert response.status_code == want, response.text[:300]
    if want == 302:
        assert response.headers["Location"].startswith("/login")
    if method == "POST":
        assert (_snapshot(session) != before) == (role == "admin")  # refused: nothing changed


def test_the_nav_links_the_page_for_the_administrator_only(client, accounts):
    _login(client, "admin")
    assert '<a href="/accounts">Учётные записи</a>' in client.get("/catalogue").text
    _login(client, "coordinator")
    assert 'href="/accounts"' not in client.get("/catalogue").text


def test_unknown_account_or_token_is_404(client, session, accounts, target):
    _login(client, "admin")
    before = _snapshot(session)
    assert _post(client, "/accounts/999999/disable").status_code == 404
    assert _post(client, "/accounts/99999999999999999999/password").status_code == 404
    assert _post(client, "/accounts/999999/tokens", {"name": "x"}).status_code == 404
    admin_token = session.scalar(select(ApiToken.id).join(Account).where(Account.login == "admin"))
    # Another account's token is not this account's: nothing is revoked.
    assert _post(client, f"/accounts/{target['id']}/tokens/{admin_token}/revoke").status_code == 404
    assert _post(client, f"/accounts/{target['id']}/tokens/99999999999999999999/revoke").status_code == 404
    assert _snapshot(session) == before
    assert _api(client, accounts["admin"][1]) == 200


# --- the list ---

def test_the_list_shows_roles_scopes_states_and_tokens_but_no_secret(client, session, accounts, target):
    _login(client, "admin")
    response = client.get("/accounts")
    assert response.status_code == 200
    html = response.text
    ids = {a.login: a.id for a in session.scalars(select(Account))}
    expected = {"admin": ("администратор сети", "вся сеть"), "coordinator": ("координатор школы", "школа: СОШ № 29"),
                "teacher": ("сетевой педагог", "педагог: Орлов Дмитрий"), "viewer": ("наблюдатель", "вся сеть")}
    for login, (role, scope) in expected.items():
        row = _row(html, ids[login])
        assert f'<td class="role">{role}</td>' in row and f'<td class="scope">{scope}</td>' in row
        assert '<td class="state">действует</td>' in row and "tests, выдан" in row
    row = _row(html, target["id"])
    assert "Мишень" in row and "first, выдан" in row and "second, выдан" in row
    assert re.findall(r'id="token-(\d+)"', row) == [str(i) for i in target["token_ids"]]
    for secret in [*target["tokens"], *(t for _, t in accounts.values())]:
        assert secret not in html
    for hashed in session.scalars(select(ApiToken.token_hash)):
        assert hashed not in html
    for hashed in session.scalars(select(Account.password_hash)):
        assert hashed not in html


def test_confirmation_texts_are_fixed_not_echoed(client, accounts):
    _login(client, "admin")
    html = client.get("/accounts?done=<b>hacked</b>").text
    assert "hacked" not in html and 'id="done"' not in html
    assert 'id="done">Пароль изменён; сеансы завершены, API-токены отозваны.<' in client.get("/accounts?done=password").text


# --- creating ---

def test_create_a_coordinator_who_then_signs_in_and_sees_their_school(client, app, session, accounts):
    _login(client, "admin")
    response = _post(client, "/accounts/new", NEW)
    assert response.status_code == 303
    account = _account(session, "coord29")
    assert response.headers["Location"] == f"/accounts?done=created#account-{account.id}"
    assert (account.role, account.school.external_id, account.teacher_id, account.display_name, account.active) == (
        AccountRole.COORDINATOR, "SCH29", None, "Петрова А. С.", True)
    page = client.get(response.headers["Location"]).text
    assert 'id="done">Учётная запись создана.<' in page
    assert "координатор школы" in _row(page, account.id) and "школа: СОШ № 29" in _row(page, account.id)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "create account")).one()
    assert (entry.login, entry.target) == ("admin", "coord29 (coordinator, school SCH29)")

    assert _signs_in(app, "coord29", NEW_PASSWORD)
    assert not _signs_in(app, "coord29", PASSWORD)
    mine = app.test_client()
    page = mine.get("/login")
    mine.post("/login", data={"login": "coord29", "password": NEW_PASSWORD, "csrf_token": _csrf(page.text)})
    students = mine.get("/api/v1/students").json["items"]  # their school's, as the role says
    assert {s["id"] for s in students} == {"SCH29-S1", "SCH29-S2", "SCH29-S3"}


def test_create_a_teacher_account(client, app, session, accounts):
    _login(client, "admin")
    data = NEW | {"login": "orlov", "role": "teacher", "school": "", "teacher": "T-2", "display_name": ""}
    assert _post(client, "/accounts/new", data).status_code == 303
    account = _account(session, "orlov")
    assert (account.role, account.teacher.external_id, account.school_id, account.display_name) == (
        AccountRole.TEACHER, "T-2", None, "orlov")
    assert _signs_in(app, "orlov", NEW_PASSWORD)


BAD_NEW = [
    ({"login": ""}, "Логин: заполните поле"),
    ({"login": "two words"}, "Логин: от 1 до 64 символов"),
    ({"login": "x" * 65}, "Логин: от 1 до 64 символов"),
    ({"display_name": "И" * 256}, "Имя: не длиннее 255 символов"),
    ({"role": "root"}, "Роль: выберите роль из списка"),
    ({"role": None}, "Роль: выберите роль из списка"),
    ({"school": ""}, "Школа: выберите школу координатора"),
    ({"school": "SCH99"}, "Школа: выберите школу из реестра"),
    ({"teacher": "T-1"}, "Педагог: указывается только для сетевого педагога"),
    ({"role": "teacher", "school": "", "teacher": ""}, "Педагог: выберите педагога"),
    ({"role": "teacher", "school": "", "teacher": "T-99"}, "Педагог: выберите педагога из реестра"),
    ({"role": "teacher", "teacher": "T-1"}, "Школа: указывается только для координатора школы"),
    ({"role": "viewer"}, "Школа: указывается только для координатора школы"),
    ({"password": "short", "password2": "short"}, "Пароль: не короче 10 символов"),
    ({"password2": NEW_PASSWORD + "!"}, "Пароль ещё раз: пароли не совпадают"),
]


@pytest.mark.parametrize(("change", "message"), BAD_NEW,
                         ids=[f"{next(iter(c))}-{i}" for i, (c, _) in enumerate(BAD_NEW)])
def test_a_bad_new_account_is_named_and_nothing_is_added(client, session, accounts, change, message):
    _login(client, "admin")
    before = _snapshot(session)
    data = {k: v for k, v in (NEW | change).items() if v is not None}
    response = _post(client, "/accounts/new", data)
    assert response.status_code == 400
    assert _error(response.text).startswith(message)
    assert _snapshot(session) == before
    if "display_name" not in change:
        assert 'value="Петрова А. С."' in response.text  # what was sent is shown again ...
    assert NEW_PASSWORD not in response.text  # ... but never a password


# --- disabling and enabling ---

def test_disable_refuses_sign_in_and_tokens_then_enable_restores_both(client, app, session, accounts, target):
    token = target["tokens"][0]
    victim = app.test_client()
    _login(victim, "target")
    assert victim.get("/schools").status_code == 200 and _api(client, token) == 200

    _login(client, "admin")
    response = _post(client, f"/accounts/{target['id']}/disable")
    assert response.status_code == 303 and "done=disabled" in response.headers["Location"]
    assert _account(session, "target").active is False
    assert not _signs_in(app, "target", PASSWORD)
    assert _api(client, token) == 401 and _api(client, target["tokens"][1]) == 401
    assert victim.get("/schools").status_code == 302  # the session already open ends too
    page = client.get("/accounts").text
    assert '<td class="state">отключена</td>' in _row(page, target["id"])
    assert f'/accounts/{target["id"]}/tokens"' not in page  # no token is issued to a disabled account
    again = _post(client, f"/accounts/{target['id']}/disable")
    assert again.status_code == 303 and "done=already_disabled" in again.headers["Location"]

    response = _post(client, f"/accounts/{target['id']}/enable")
    assert response.status_code == 303 and "done=enabled" in response.headers["Location"]
    assert _signs_in(app, "target", PASSWORD) and _api(client, token) == 200
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target == "target")
                              .order_by(AuditEntry.id)).all()
    assert actions == ["disable account", "enable account"]


def test_no_token_is_issued_to_a_disabled_account(client, session, accounts, target):
    _disabled(session, target)
    _login(client, "admin")
    before = _snapshot(session)
    response = _post(client, f"/accounts/{target['id']}/tokens", {"name": "x"})
    assert response.status_code == 409 and _error(response.text) == (
        "Учётная запись target: учётная запись отключена: сначала включите её")
    assert _snapshot(session) == before


def test_the_last_administrator_cannot_be_disabled(client, app, session, accounts):
    admin_id = _account(session, "admin").id
    _login(client, "admin")
    before = _snapshot(session)
    response = _post(client, f"/accounts/{admin_id}/disable")
    assert response.status_code == 409
    assert _error(response.text).startswith("Учётная запись admin: это последний действующий администратор сети")
    assert f'id="manage-{admin_id}" open' in response.text
    assert _snapshot(session) == before and _signs_in(app, "admin", PASSWORD)

    # With a second administrator the first may go (even themselves); then the second is the last.
    second = create_account(session, "admin2", PASSWORD, AccountRole.ADMIN)
    session.commit()
    second_id = second.id
    assert _post(client, f"/accounts/{admin_id}/disable").status_code == 303
    assert _account(session, "admin").active is False
    assert client.get("/accounts").status_code == 302  # signed out by their own hand
    _login(client, "admin2")
    assert _post(client, f"/accounts/{second_id}/disable").status_code == 409
    assert _account(session, "admin2").active is True


# --- passwords ---

def test_password_reset_refuses_the_old_and_accepts_the_new(client, app, session, accounts, target):
    theirs = app.test_client()  # the target is signed in somewhere
    page = theirs.get("/login")
    theirs.post("/login", data={"login": "target", "password": PASSWORD, "csrf_token": _csrf(page.text)})
    assert theirs.get("/").status_code == 200
    _login(client, "admin")
    response = _post(client, f"/accounts/{target['id']}/password", {"password": NEW_PASSWORD,
                                                                    "password2": NEW_PASSWORD})
    assert response.status_code == 303 and "done=password" in response.headers["Location"]
    assert not _signs_in(app, "target", PASSWORD)
    assert _signs_in(app, "target", NEW_PASSWORD)
    assert theirs.get("/").status_code == 302  # the session signed in with the old password has ended
    assert client.get("/accounts").status_code == 200  # the administrator's own session goes on
    assert _api(client, target["tokens"][0]) == 401  # a reset revokes the account's API tokens too
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "set password")).one()
    assert (entry.login, entry.target) == ("admin", "target")
    revoked = session.scalars(select(AuditEntry).where(AuditEntry.action == "revoke API tokens")).one()
    assert revoked.login == "admin" and revoked.target.startswith("target: tokens ")


@pytest.mark.parametrize(("data", "message"), [
    ({"password": "too short", "password2": "too short"}, "Пароль: не короче 10 символов (учётная запись target)"),
    ({"password": NEW_PASSWORD, "password2": "another horse"},
     "Пароль ещё раз: пароли не совпадают (учётная запись target)"),
    ({"password": NEW_PASSWORD}, "Пароль ещё раз: пароли не совпадают (учётная запись target)"),
    ({}, "Пароль: не короче 10 символов (учётная запись target)"),
], ids=["short", "mismatch", "no-repeat", "empty"])
def test_a_bad_password_is_named_and_nothing_changes(client, app, session, accounts, target, data, message):
    _login(client, "admin")
    before = _snapshot(session)
    response = _post(client, f"/accounts/{target['id']}/password", data)
    assert response.status_code == 400 and _error(response.text) == message
    assert f'id="manage-{target["id"]}" open' in response.text
    assert _snapshot(session) == before and _signs_in(app, "target", PASSWORD)


# --- tokens ---

def test_a_token_is_shown_once_and_then_works(client, session, accounts, target, caplog):
    caplog.set_level(logging.DEBUG)
    _login(client, "admin")
    response = _post(client, f"/accounts/{target['id']}/tokens", {"name": "отчёты для РУО"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Токен показывается только один раз." in response.text and "отчёты для РУО" in response.text
    token = re.search(r'<code id="token">(nct_[\w-]+)</code>', response.text).group(1)
    assert _api(client, token) == 200
    row = session.scalars(select(ApiToken).where(ApiToken.name == "отчёты для РУО")).one()
    assert row.account_id == target["id"] and row.token_hash != token and token not in row.token_hash

    # Nowhere else: not the list, not the audit log, not the database, not the logs.
    listing = client.get("/accounts").text
    assert token not in listing and "отчёты для РУО, выдан" in _row(listing, target["id"])
    assert token not in client.get("/audit").text
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "issue API token")).one()
    assert (entry.login, entry.target) == ("admin", f"target: token {row.id} (отчёты для РУО)")
    assert token not in caplog.text
    assert all(token not in str(r.args) for r in caplog.records)


def test_a_bad_token_name_is_named_and_nothing_is_issued(client, session, accounts, target):
    _login(client, "admin")
    before = _snapshot(session)
    response = _post(client, f"/accounts/{target['id']}/tokens", {"name": "н" * 101})
    assert response.status_code == 400
    assert _error(response.text) == "Назначение токена: не длиннее 100 символов (учётная запись target)"
    assert 'id="token"' not in response.text
    assert _snapshot(session) == before


def test_revoke_a_token_by_id_and_the_others_still_work(client, session, accounts, target):
    first, second = target["tokens"]
    first_id = target["token_ids"][0]
    _login(client, "admin")
    response = _post(client, f"/accounts/{target['id']}/tokens/{first_id}/revoke")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/accounts?done=revoked#account-{target['id']}"
    assert _api(client, first) == 401
    assert _api(client, second) == 200 and _api(client, accounts["viewer"][1]) == 200
    page = client.get(response.headers["Location"]).text
    assert 'id="done">Токен отозван.<' in page
    assert re.search(rf'id="token-{first_id}">[^<]*<span class="revoked">отозван ', page)
    assert f"/tokens/{first_id}/revoke" not in page and f"/tokens/{target['token_ids'][1]}/revoke" in page
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "revoke API token")).one()
    assert (entry.login, entry.target) == ("admin", f"target: token {first_id}")

    before = _snapshot(session)
    again = _post(client, f"/accounts/{target['id']}/tokens/{first_id}/revoke")
    assert again.status_code == 303 and "done=already_revoked" in again.headers["Location"]
    assert _snapshot(session) == before


def test_forms_without_the_csrf_token_are_refused(client, session, accounts, target):
    _login(client, "admin")
    before = _snapshot(session)
    assert client.post(f"/accounts/{target['id']}/disable").status_code == 400
    assert client.post("/accounts/new", data=NEW).status_code == 400
    assert client.post(f"/accounts/{target['id']}/tokens", data={"csrf_token": "forged"}).status_code == 400
    assert _snapshot(session) == before


def test_a_disabled_accounts_bearer_is_refused_everywhere(client, session, accounts, target):
    """The loader and account_for_token both check ``active``: the API says 401, not 403."""
    _disabled(session, target)
    assert client.get("/api/v1/stats", headers={"Authorization": f"Bearer {target['tokens'][0]}"}).status_code == 401
    assert client.get("/api/v1/stats", headers=bearer(accounts, "viewer")).status_code == 200
