"""The ``netcourses`` command. Every command: ``--help``, exit 0 on success, non-zero with a one-line reason."""

from __future__ import annotations

import contextlib

import click

from bridge import db
from bridge.models import AccountRole
from bridge.runtime import Runtime
from config import SettingsError


class CliError(click.ClickException):
    """A failure the user can act on; click prints ``Error: <message>`` and exits 1."""


pass_runtime = click.make_pass_decorator(Runtime)


class _Group(click.Group):
    """Turns settings errors (raised lazily, when a command first needs them) into one-line failures."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            raise CliError(f"configuration: {exc}") from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="netcourses")
@click.pass_context
def main(ctx: click.Context) -> None:
    """netcourses: the network-course registry and its sync with Moodle."""
    if ctx.obj is None:
        ctx.obj = Runtime()


@main.command()
@pass_runtime
def init(rt: Runtime) -> None:
    """Create the database or upgrade it to the newest schema."""
    db.upgrade(rt.engine)
    click.echo(f"database ready: {rt.engine.url.render_as_string(hide_password=True)}")


@main.command()
@pass_runtime
def demo(rt: Runtime) -> None:
    """Load the demo district (Volzhsky-like network). Running it twice changes nothing."""
    from bridge.demo import load_demo

    db.upgrade(rt.engine)
    with db.session_scope(rt.sessions) as session:
        summary = load_demo(session)
    click.echo(summary.describe())


@main.command()
@click.option("--host", default=None, help="Address to bind (default from settings: 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default from settings: 5000).")
@pass_runtime
def serve(rt: Runtime, host: str | None, port: int | None) -> None:
    """Run the web app with Flask's development server (use a WSGI server in production)."""
    from bridge.app import create_app

    app = create_app(rt)
    app.run(host=host or rt.settings.web.host, port=port or rt.settings.web.port)


@main.group()
def report() -> None:
    """Reports of the registry."""


@report.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_runtime
def report_stats(rt: Runtime, as_json: bool) -> None:
    """Network statistics: schools by role, courses by subject area, teachers, students by grade."""
    import json

    from bridge.stats import network_stats

    with rt.sessions() as session:
        stats = network_stats(session, rt.settings)
    click.echo(json.dumps(stats.as_json(), ensure_ascii=False, indent=2) if as_json else stats.describe())


@main.group()
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

    db.upgrade(rt.engine)
    try:
        with db.session_scope(rt.sessions) as session:
            create_account(session, login, password, AccountRole(role), display_name=display_name,
                           school=school, teacher=teacher)
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
        click.echo(issue_token(session, find_account(session, login), name))


@contextlib.contextmanager
def _account_errors():
    """An AccountError (no such account, the last administrator, ...) as a one-line failure."""
    from bridge.accounts import AccountError

    try:
        yield
    except AccountError as exc:
        raise CliError(str(exc)) from None


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_runtime
def user_list(rt: Runtime, as_json: bool) -> None:
    """Accounts with their role, scope, state and API tokens (ids, names, dates; never the tokens)."""
    import json

    from bridge.accounts import list_accounts

    with rt.sessions() as session:
        accounts = list_accounts(session)
    if as_json:
        click.echo(json.dumps([a.as_json() for a in accounts], ensure_ascii=False, indent=2))
        return
    if not accounts:
        click.echo("no accounts (netcourses user add LOGIN creates one)")
    for a in accounts:
        scope = f" school {a.school}" if a.school else f" teacher {a.teacher}" if a.teacher else ""
        state = "active" if a.active else "DISABLED"
        click.echo(f"{a.login}  {a.role.value}{scope}  {state}  {a.display_name}")
        for t in a.tokens:
            revoked = f"  revoked {_when(t.revoked_at)}" if t.revoked else ""
            click.echo(f"    token {t.id}  {t.name or '(no name)'}  issued {_when(t.created_at)}{revoked}")


@user.command("revoke-token")
@click.argument("login")
@click.option("--id", "token_id", type=click.IntRange(min=1), help="The token's id (netcourses user list shows it).")
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
            click.echo(f"{revoke_all_tokens(session, account)} token(s) of {login} revoked")
        elif revoke_token_id(session, account, token_id):
            click.echo(f"token {token_id} of {login} revoked")
        else:
            click.echo(f"token {token_id} of {login} was revoked already")


def _set_active(rt: Runtime, login: str, active: bool) -> None:
    from bridge.accounts import find_account, set_active

    with _account_errors(), db.session_scope(rt.sessions) as session:
        changed = set_active(session, find_account(session, login), active)
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
    """Set a new password for an account."""
    from bridge.accounts import find_account, set_password

    with _account_errors(), db.session_scope(rt.sessions) as session:
        set_password(session, find_account(session, login), password)
    click.echo(f"password of {login} changed")


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
        changed = set_role(session, find_account(session, login), AccountRole(role), school=school, teacher=teacher)
    click.echo(f"account {login} is now {role}" if changed else f"account {login} was {role} already")


def _register() -> None:
    """Commands that live with their features; imported here, once CliError and pass_runtime exist."""
    from bridge.calendar.cli import calendar_link, check, lessons
    from bridge.pull.cli import pull
    from bridge.reports.cli import REPORT_COMMANDS
    from bridge.sync.cli import scheduler, sync
    from bridge.transfer.cli import export_command, import_command
    from moodle_client.cli import moodle
    from webhooks.cli import webhooks

    for command in (import_command, export_command, sync, scheduler, moodle, lessons, check, calendar_link, pull,
                    webhooks):
        main.add_command(command)
    for command in REPORT_COMMANDS:
        report.add_command(command)


_register()
