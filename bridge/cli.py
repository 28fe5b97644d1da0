"""The ``netcourses`` command. Every command: ``--help``, exit 0 on success, non-zero with a one-line reason."""

from __future__ import annotations

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
    from sqlalchemy import select

    from bridge.accounts import issue_token
    from bridge.models import Account

    with db.session_scope(rt.sessions) as session:
        account = session.scalar(select(Account).where(Account.login == login))
        if account is None:
            raise CliError(f"no account {login!r}")
        click.echo(issue_token(session, account, name))


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
