"""``netcourses user ...``: listing accounts and tokens (never a secret), revoking a token by id or
all of them, disabling and enabling, passwords (prompted twice, hidden) and roles, the last
administrator kept; every command has --help, exits 0 or fails with one line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bridge.accounts import account_for_token, authenticate, issue_token
from bridge.models import Account, AccountRole, ApiToken
from tests.conftest import PASSWORD

NEW_PASSWORD = "another horse staple"
COMMANDS = ["add", "token", "list", "revoke-token", "disable", "enable", "password", "role"]


def _account(session, login: str) -> Account:
    session.expire_all()
    return session.scalar(select(Account).where(Account.login == login))


def _token_ids(session, login: str) -> list[int]:
    return session.scalars(select(ApiToken.id).join(Account).where(Account.login == login)
                           .order_by(ApiToken.id)).all()


def _fails(result, text: str) -> None:
    """Exit 1 with one line saying ``text``."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and text in lines[0], result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(runner, command):
    result = runner.invoke(["user", command, "--help"])
    assert result.exit_code == 0 and "Usage: main user " + command in result.output


def test_list_shows_accounts_and_tokens_but_no_secret(runner, session, accounts):
    second = issue_token(session, _account(session, "viewer"), "reports")
    session.commit()
    result = runner.invoke(["user", "list"])
    assert result.exit_code == 0, result.output
    accounts_part, tokens_part = result.output.split("\nAPI tokens")
    rows = [line.split() for line in accounts_part.strip().splitlines()]
    assert rows[0] == ["login", "role", "scope", "state", "name"]  # a header, then aligned columns
    assert [r[0] for r in rows[1:]] == ["admin", "coordinator", "teacher", "viewer"]
    assert rows[2][:5] == ["coordinator", "coordinator", "school", "SCH29", "active"]
    assert rows[3][:5] == ["teacher", "teacher", "teacher", "T-2", "active"]
    lines = accounts_part.strip("\n").splitlines()
    assert len({line.find("active") for line in lines[1:]}) == 1  # the state column lines up
    viewer_ids = _token_ids(session, "viewer")
    token_rows = [line.split()[:3] for line in tokens_part.splitlines()[1:]]
    assert ["viewer", str(viewer_ids[0]), "tests"] in token_rows
    assert ["viewer", str(viewer_ids[1]), "reports"] in token_rows

    listed = json.loads(runner.invoke(["user", "list", "--json"]).output)
    viewer = next(a for a in listed if a["login"] == "viewer")
    assert (viewer["role"], viewer["active"], viewer["school"]) == ("viewer", True, None)
    assert [t["id"] for t in viewer["tokens"]] == viewer_ids and viewer["tokens"][0]["revoked_at"] is None
    assert set(viewer["tokens"][0]) == {"id", "name", "created_at", "revoked_at"}
    both = result.output + json.dumps(listed)
    for secret in [second, *(t for _, t in accounts.values()), *session.scalars(select(ApiToken.token_hash)),
                   *session.scalars(select(Account.password_hash))]:
        assert secret not in both


def test_list_of_no_accounts(runner, session):
    result = runner.invoke(["user", "list"])
    assert result.exit_code == 0 and "no accounts" in result.output
    assert json.loads(runner.invoke(["user", "list", "--json"]).output) == []


def test_revoke_a_token_by_id_leaves_the_others(runner, session, accounts):
    first = accounts["viewer"][1]
    second = issue_token(session, _account(session, "viewer"), "reports")
    session.commit()
    first_id, second_id = _token_ids(session, "viewer")
    result = runner.invoke(["user", "revoke-token", "viewer", "--id", str(first_id)])
    assert result.exit_code == 0 and f"token {first_id} of viewer revoked" in result.output
    session.expire_all()
    assert account_for_token(session, first) is None
    assert account_for_token(session, second).login == "viewer"
    assert account_for_token(session, accounts["admin"][1]).login == "admin"
    again = runner.invoke(["user", "revoke-token", "viewer", "--id", str(first_id)])
    assert again.exit_code == 0 and "revoked already" in again.output
    listed = json.loads(runner.invoke(["user", "list", "--json"]).output)
    tokens = next(a for a in listed if a["login"] == "viewer")["tokens"]
    assert [t["revoked_at"] is not None for t in tokens] == [True, False]


def test_revoke_all_tokens_of_an_account(runner, session, accounts, client):
    issue_token(session, _account(session, "viewer"), "reports")
    session.commit()
    result = runner.invoke(["user", "revoke-token", "viewer", "--all"])
    assert result.exit_code == 0 and "2 token(s) of viewer revoked" in result.output
    viewer, admin = ({"Authorization": f"Bearer {accounts[role][1]}"} for role in ("viewer", "admin"))
    assert client.get("/api/v1/schools", headers=viewer).status_code == 401
    assert client.get("/api/v1/schools", headers=admin).status_code == 200
    assert "0 token(s)" in runner.invoke(["user", "revoke-token", "viewer", "--all"]).output


def test_revoke_token_refusals(runner, session, accounts):
    admin_token = _token_ids(session, "admin")[0]
    _fails(runner.invoke(["user", "revoke-token", "viewer"]), "give either --id N or --all")
    _fails(runner.invoke(["user", "revoke-token", "viewer", "--id", "1", "--all"]), "give either --id N or --all")
    _fails(runner.invoke(["user", "revoke-token", "viewer", "--id", str(admin_token)]),
           f"account 'viewer' has no token {admin_token}")
    _fails(runner.invoke(["user", "revoke-token", "nobody", "--all"]), "no account 'nobody'")
    session.expire_all()
    assert account_for_token(session, accounts["admin"][1]).login == "admin"


def test_disable_then_enable(runner, session, accounts):
    result = runner.invoke(["user", "disable", "teacher"])
    assert result.exit_code == 0 and "account teacher disabled" in result.output
    session.expire_all()
    assert authenticate(session, "teacher", PASSWORD) is None
    assert account_for_token(session, accounts["teacher"][1]) is None
    assert "was disabled already" in runner.invoke(["user", "disable", "teacher"]).output

    result = runner.invoke(["user", "enable", "teacher"])
    assert result.exit_code == 0 and "account teacher enabled" in result.output
    session.expire_all()
    assert authenticate(session, "teacher", PASSWORD).login == "teacher"
    assert account_for_token(session, accounts["teacher"][1]).login == "teacher"
    _fails(runner.invoke(["user", "enable", "nobody"]), "no account 'nobody'")


def test_a_disabled_account_gets_no_new_token(runner, session, accounts):
    runner.invoke(["user", "disable", "viewer"])
    before = session.scalar(select(func.count()).select_from(ApiToken))
    _fails(runner.invoke(["user", "token", "viewer"]), "account 'viewer' is disabled")
    assert session.scalar(select(func.count()).select_from(ApiToken)) == before


def test_the_last_administrator_is_kept(runner, session, accounts):
    _fails(runner.invoke(["user", "disable", "admin"]), "'admin' is the last active administrator: cannot disable")
    _fails(runner.invoke(["user", "role", "admin", "--role", "viewer"]),
           "'admin' is the last active administrator: cannot demote")
    account = _account(session, "admin")
    assert (account.active, account.role) == (True, AccountRole.ADMIN)

    assert runner.invoke(["user", "role", "viewer", "--role", "admin"]).exit_code == 0
    result = runner.invoke(["user", "role", "admin", "--role", "coordinator", "--school", "SCH14"])
    assert result.exit_code == 0 and "account admin is now coordinator" in result.output
    account = _account(session, "admin")
    assert (account.role, account.school.external_id) == (AccountRole.COORDINATOR, "SCH14")
    _fails(runner.invoke(["user", "disable", "viewer"]), "'viewer' is the last active administrator")
    # A disabled administrator is no administrator to keep: one enabled again counts.
    assert runner.invoke(["user", "role", "admin", "--role", "admin"]).exit_code == 0
    assert runner.invoke(["user", "disable", "viewer"]).exit_code == 0
    _fails(runner.invoke(["user", "role", "admin", "--role", "viewer"]), "'admin' is the last active administrator")


def test_role_needs_the_scope_it_names(runner, session, accounts):
    _fails(runner.invoke(["user", "role", "viewer", "--role", "coordinator"]), "a coordinator needs --school")
    _fails(runner.invoke(["user", "role", "viewer", "--role", "teacher", "--teacher", "T-9"]), "no teacher 'T-9'")
    _fails(runner.invoke(["user", "role", "viewer", "--role", "viewer", "--school", "SCH01"]),
           "--school is for coordinators only")
    assert _account(session, "viewer").role == AccountRole.VIEWER
    assert "was viewer already" in runner.invoke(["user", "role", "viewer", "--role", "viewer"]).output
    result = runner.invoke(["user", "role", "viewer", "--role", "teacher", "--teacher", "T-1"])
    assert result.exit_code == 0
    account = _account(session, "viewer")
    assert (account.role, account.teacher.external_id, account.school_id) == (AccountRole.TEACHER, "T-1", None)


def test_password_from_the_option(runner, session, accounts):
    result = runner.invoke(["user", "password", "viewer", "--password", NEW_PASSWORD])
    assert result.exit_code == 0
    assert "password of viewer changed; its sessions ended, 1 API token(s) revoked" in result.output
    session.expire_all()
    assert authenticate(session, "viewer", PASSWORD) is None
    assert authenticate(session, "viewer", NEW_PASSWORD).login == "viewer"
    assert authenticate(session, "admin", PASSWORD).login == "admin"


def test_password_is_asked_twice_and_hidden(runner, session, accounts):
    result = runner.invoke(["user", "password", "viewer"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output
    assert NEW_PASSWORD not in result.output  # not echoed
    session.expire_all()
    assert authenticate(session, "viewer", NEW_PASSWORD).login == "viewer"


def test_password_prompts_that_differ_change_nothing(runner, session, accounts):
    before = _account(session, "viewer").password_hash
    result = runner.invoke(["user", "password", "viewer"], input=f"{NEW_PASSWORD}\nsomething else\n")
    assert result.exit_code != 0 and "do not match" in result.output
    assert _account(session, "viewer").password_hash == before


def test_password_refusals(runner, session, accounts):
    _fails(runner.invoke(["user", "password", "viewer", "--password", "short"]), "at least 10 characters")
    _fails(runner.invoke(["user", "password", "nobody", "--password", NEW_PASSWORD]), "no account 'nobody'")
    session.expire_all()
    assert authenticate(session, "viewer", PASSWORD).login == "viewer"


def test_add_refuses_a_bad_login_and_a_stray_scope(runner, session, accounts):
    _fails(runner.invoke(["user", "add", "two words", "--password", NEW_PASSWORD]), "a login is 1 to 64")
    _fails(runner.invoke(["user", "add", "v2", "--role", "viewer", "--teacher", "T-1", "--password", NEW_PASSWORD]),
           "--teacher is for teacher accounts only")
    _fails(runner.invoke(["user", "add", "viewer", "--password", NEW_PASSWORD]), "login 'viewer' is taken")
    assert session.scalar(select(func.count()).select_from(Account)) == 4



def test_every_change_from_the_command_line_is_audited_naming_the_os_user(runner, session, accounts, monkeypatch):
    from bridge.models import AuditEntry

    monkeypatch.setenv("LOGNAME", "ivanova")  # getpass.getuser() reads it first
    commands = [["user", "add", "boss", "--password", NEW_PASSWORD], ["user", "token", "boss", "--name", "cron"],
                ["user", "revoke-token", "boss", "--all"], ["user", "disable", "boss"], ["user", "enable", "boss"],
                ["user", "password", "boss", "--password", PASSWORD], ["user", "role", "boss", "--role", "viewer"]]
    outputs = []
    for command in commands:
        result = runner.invoke(command)
        assert result.exit_code == 0, result.output
        outputs.append(result.output.strip())
    assert runner.invoke(["user", "list"]).exit_code == 0  # a read: not audited
    session.expire_all()
    entries = session.execute(select(AuditEntry.login, AuditEntry.action, AuditEntry.account_id)
                              .order_by(AuditEntry.id)).all()
    assert [(login, action) for login, action, _ in entries] == [
        ("os:ivanova", "create account"), ("os:ivanova", "issue API token"), ("os:ivanova", "revoke API tokens"),
        ("os:ivanova", "disable account"), ("os:ivanova", "enable account"), ("os:ivanova", "set password"),
        ("os:ivanova", "set role")]
    assert all(account_id is None for _, _, account_id in entries)
    secrets = {PASSWORD, NEW_PASSWORD, outputs[1]}  # outputs[1]: the token, printed once
    targets = session.scalars(select(AuditEntry.target)).all()
    assert not any(secret in target for target in targets for secret in secrets)
