"""The ``netcourses`` command: the root group, the commands about the database and the app, and every
feature's commands added to it. Every command: ``--help``, exit 0 on success, non-zero with a one-line reason."""

from __future__ import annotations

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bridge import db
from bridge.cli.accounts import user
from bridge.cli.agreements import agreements
from bridge.cli.backup import backup, restore
from bridge.cli.calendar import calendar_link, check, expand_everything, lessons
from bridge.cli.choices import allocate, choices
from bridge.cli.common import CliError, pass_runtime
from bridge.cli.jobs import jobs, worker
from bridge.cli.moodle import moodle
from bridge.cli.pull import pull
from bridge.cli.reports import report
from bridge.cli.sync import scheduler, sync
from bridge.cli.transfer import export_command, import_command
from bridge.cli.webhooks import webhooks
from bridge.logs import FORMATS
from bridge.runtime import Runtime
from config import SettingsError


class _Group(click.Group):
    """Turns settings errors (raised lazily, when a command first needs them), a database that cannot be
    reached or used and one without this version's schema into one-line failures; the database's URL
    is shown without its password."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            raise CliError(f"configuration: {exc}") from None
        except db.SchemaNotReady as exc:
            raise CliError(str(exc)) from None
        except OperationalError as exc:
            url = ctx.obj.engine.url.render_as_string(hide_password=True)
            reason = next(iter(str(exc.orig).strip().splitlines()), type(exc.orig).__name__)
            raise CliError(f"database {url}: {reason}") from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="netcourses")
@click.option("--log-format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Logs of the worker and the scheduler: text lines, or one JSON object a line (log shippers).")
@click.pass_context
def main(ctx: click.Context, log_format: str) -> None:
    """netcourses: the network-course registry and its sync with Moodle."""
    ctx.meta["log_format"] = log_format
    if ctx.obj is None:
        # Its first session checks the schema: connecting would create an empty SQLite file wherever the
        # command runs; init and demo migrate through the engine first.
        ctx.obj = Runtime(require_schema=True)


@main.command()
@pass_runtime
def init(rt: Runtime) -> None:
    """Create the database or upgrade it to the newest schema."""
    db.upgrade(rt.engine)
    click.echo(f"database ready: {rt.engine.url.render_as_string(hide_password=True)}")


@main.command()
@click.option("--admin-login", default="admin", show_default=True, help="Login of the demo administrator.")
@click.option("--admin-password", help="Its password (default: generated and printed once).")
@pass_runtime
def demo(rt: Runtime, admin_login: str, admin_password: str | None) -> None:
    """Load the demo district (Volzhsky-like network), expand its year of lessons and face-to-face sessions,
    add a year to date of attendance and grades (generated, marked as demo data) and an administrator to
    sign in with. Refuses a registry that is not the demo's. Running it again changes nothing but adds what
    became due since."""
    from bridge.demo import NotTheDemo, check_demo_registry, load_demo
    from bridge.demo.results import generate_results

    db.upgrade(rt.engine)
    zone = rt.settings.district.timezone
    with db.session_scope(rt.sessions) as session:
        try:
            check_demo_registry(session)
        except NotTheDemo as exc:
            raise CliError(str(exc)) from None
        click.echo(load_demo(session).describe())
        expand_everything(session)
        session.flush()
        today = dt.datetime.now(ZoneInfo(zone)).date()
        click.echo(generate_results(session, today, zone).describe())
        click.echo(_demo_monthly_report(session, rt, today))
        click.echo(_demo_admin(session, rt, admin_login, admin_password))


def _demo_monthly_report(session: Session, rt: Runtime, today: dt.date) -> str:
    """The previous month's report for the education department, so the console lists one at once."""
    from bridge.reports.monthly import generate, previous_month

    kept = generate(session, rt.settings, previous_month(today), by="demo")
    return f"monthly report {kept.month:%Y-%m}: made (Мониторинг школ)"


def _demo_admin(session: Session, rt: Runtime, login: str, password: str | None) -> str:
    """The account a newcomer signs in with after ``serve``: created once, its password shown once."""
    from bridge.accounts import AccountError, create_account
    from bridge.models import Account, AccountRole

    web = f"http://{rt.settings.web.host}:{rt.settings.web.port}/"
    if session.scalar(select(Account.id).where(Account.login == login)) is not None:
        return (f"account {login} exists, its password unchanged (netcourses user password {login} sets one); "
                f"netcourses serve, then sign in at {web}")
    password = password or secrets.token_urlsafe(12)
    try:
        create_account(session, login, password, AccountRole.ADMIN, display_name="Администратор (демо)")
    except AccountError as exc:
        raise CliError(f"--admin-login/--admin-password: {exc}") from None
    return (f"demo administrator: login {login}, password {password} (shown once); "
            f"netcourses serve, then sign in at {web}")


@main.command()
@click.option("--host", default=None, help="Address to bind (default from settings: 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default from settings: 5000).")
@click.option("--no-worker", is_flag=True, help="Do not start a worker beside it (one runs elsewhere).")
@pass_runtime
def serve(rt: Runtime, host: str | None, port: int | None, no_worker: bool) -> None:
    """Run the web app with Flask's development server (use a WSGI server in production), and one
    worker process beside it for the jobs the console queues."""
    import signal
    import subprocess
    import sys

    from bridge.app import create_app

    rt.check_schema()  # before the first request finds it missing
    app = create_app(rt)
    # Its own process, as in production: the web process never runs a job.
    child = None if no_worker else subprocess.Popen([sys.executable, "-m", "bridge.cli.root", "worker"])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stopped by a service manager: the worker too
    try:
        # Flask's run() would take FLASK_DEBUG from the environment (or a .env file) and start Werkzeug's
        # interactive debugger, a Python prompt for whoever reaches it: never, whatever the environment says.
        app.run(host=host or rt.settings.web.host, port=port or rt.settings.web.port, debug=False,
                use_debugger=False, use_reloader=False, load_dotenv=False)
    finally:
        if child is not None:
            child.terminate()
            child.wait(timeout=60)


for _command in (import_command, export_command, sync, scheduler, moodle, lessons, check, calendar_link, pull,
                 webhooks, report, user, worker, jobs, backup, restore, choices, allocate, agreements):
    main.add_command(_command)


if __name__ == "__main__":
    main()
