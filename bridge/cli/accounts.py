"""``netcourses user ...``: accounts of the console and the API, and their tokens."""

from __future__ import annotations

import contextlib

import click

from bridge import db
from bridge.cli.common import CliError, echo_json, os_user, pass_runtime, table, when
from bridge.models import MAX_INTEGER, AccountRole
from bridge.runtime import Runtime


@click.group()
def user() -> None:
    """Accounts of the console and the API."""


@user.command("add")
@click.argument("login")
@click.option("--role", type=click.Choice([r.value for r in AccountRole]), default="admin", show_default=True)
@click.option("--name", "display_name", default="", help="Name shown in the console.")
@click.option("--school", help="External id of the school (coordinators).")
@click.option("--teacher", help="External id of the teacher (teacher accounts).")
@click.password_option(help="Prompted for when not given (at least 10 characters).")
@pass_runtime
def user_add(rt: Runtime, login: str, role: str, display_name: str, school: str | None, teacher: str | None,
             password: str) -> None:
    """Create an account (the first one: the network administrator)."""
    from bridge.accounts import AccountError, create_account

    try:
        with db.session_scope(rt.sessions) as session:
            create_account(session, login, password, AccountRole(role), display_name=display_name,
                           school=school, teacher=teacher, by=os_user())
    except AccountError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"account {login} ({role}) created")


@user.command("token")
@click.argument("login")
@click.option("--name", default="", help="What the token is for.")
@pass_runtime
def user_token(rt: Runtime, login: str, name: str) -> None:
    """Issue an API token for an account (printed once; only its hash is kept)."""
    from bridge.accounts import find_account, issue_token

    with _account_errors(), db.session_scope(rt.sessions) as session:
        click.echo(issue_token(session, find_account(session, login), name, by=os_user()))


@contextlib.contextmanager
def _account_errors():
    """An AccountError (no such account, the last administrator, ...) as a one-line failure."""
    from bridge.accounts import AccountError

    try:
        yield
    except AccountError as exc:
        raise CliError(str(exc)) from None


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_runtime
def user_list(rt: Runtime, as_json: bool) -> None:
    """Accounts with their role, scope, state and API tokens (ids, names, dates; never the tokens)."""
    from bridge.accounts import list_accounts

    with rt.sessions() as session:
        accounts = list_accounts(session)
    if as_json:
        echo_json([a.as_json() for a in accounts])
        return
    if not accounts:
        click.echo("no accounts (netcourses user add LOGIN creates one)")
        return
    click.echo(table(("login", "role", "scope", "state", "name"), [
        (a.login, a.role.value, f"school {a.school}" if a.school else f"teacher {a.teacher}" if a.teacher else "-",
         "active" if a.active else "DISABLED", a.display_name or "-") for a in accounts]))
    tokens = [(a.login, t.id, t.name or "(no name)", when(t.created_at), when(t.revoked_at) if t.revoked else "-")
              for a in accounts for t in a.tokens]
    if tokens:
        click.echo("\nAPI tokens (ids and names; a token itself is shown once, when issued):")
        click.echo(table(("login", "id", "name", "issued", "revoked"), tokens))


@user.command("revoke-token")
@click.argument("login")
@click.option("--id", "token_id", type=click.IntRange(min=1, max=MAX_INTEGER),
              help="The token's id (netcourses user list shows it).")
@click.option("--all", "every", is_flag=True, help="Every token of the account.")
@pass_runtime
def user_revoke_token(rt: Runtime, login: str, token_id: int | None, every: bool) -> None:
    """Revoke an API token of an account by its id, or all of them; its clear text is not needed."""
    from bridge.accounts import find_account, revoke_all_tokens, revoke_token_id

    if (token_id is None) == (not every):
        raise CliError("give either --id N or --all")
    with _account_errors(), db.session_scope(rt.sessions) as session:
        account = find_account(session, login)
        if every:
            click.echo(f"{revoke_all_tokens(session, account, by=os_user())} token(s) of {login} revoked")
        elif revoke_token_id(session, account, token_id, by=os_user()):
            click.echo(f"token {token_id} of {login} revoked")
        else:
            click.echo(f"token {token_id} of {login} was revoked already")


def _set_active(rt: Runtime, login: str, active: bool) -> None:
    from bridge.accounts import find_account, set_active

    with _account_errors(), db.session_scope(rt.sessions) as session:
        changed = set_active(session, find_account(session, login), active, by=os_user())
    word = "enabled" if active else "disabled"
    click.echo(f"account {login} {word}" if changed else f"account {login} was {word} already")


@user.command("disable")
@click.argument("login")
@pass_runtime
def user_disable(rt: Runtime, login: str) -> None:
    """Disable an account: it can no longer sign in, and its API tokens stop working (the last
    active administrator cannot be disabled)."""
    _set_active(rt, login, False)


@user.command("enable")
@click.argument("login")
@pass_runtime
def user_enable(rt: Runtime, login: str) -> None:
    """Enable a disabled account again (its tokens that were not revoked work again)."""
    _set_active(rt, login, True)


@user.command("password")
@click.argument("login")
@click.password_option(help="Prompted for, twice and hidden, when not given (at least 10 characters).")
@pass_runtime
def user_password(rt: Runtime, login: str, password: str) -> None:
    """Set a new password for an account: its console sessions end and its API tokens are revoked."""
    from bridge.accounts import find_account, set_password

    with _account_errors(), db.session_scope(rt.sessions) as session:
        revoked = set_password(session, find_account(session, login), password, by=os_user())
    click.echo(f"password of {login} changed; its sessions ended, {revoked} API token(s) revoked")


@user.command("role")
@click.argument("login")
@click.option("--role", type=click.Choice([r.value for r in AccountRole]), required=True)
@click.option("--school", help="External id of the school (coordinators).")
@click.option("--teacher", help="External id of the teacher (teacher accounts).")
@pass_runtime
def user_role(rt: Runtime, login: str, role: str, school: str | None, teacher: str | None) -> None:
    """Give an account another role (the last active administrator cannot be demoted)."""
    from bridge.accounts import find_account, set_role

    with _account_errors(), db.session_scope(rt.sessions) as session:
        changed = set_role(session, find_account(session, login), AccountRole(role), school=school, teacher=teacher,
                           by=os_user())
    click.echo(f"account {login} is now {role}" if changed else f"account {login} was {role} already")
