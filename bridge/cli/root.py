"""The ``netcourses`` command: the root group, the commands about the database and the app, and every
feature's commands added to it. Every command: ``--help``, exit 0 on success, non-zero with a one-line reason."""

from __future__ import annotations

import click

from bridge import db
from bridge.cli.accounts import user
from bridge.cli.calendar import calendar_link, check, expand_everything, lessons
from bridge.cli.choices import allocate, choices
from bridge.cli.common import CliError, pass_runtime
from bridge.cli.moodle import moodle
from bridge.cli.pull import pull
from bridge.cli.reports import report
from bridge.cli.sync import scheduler, sync
from bridge.cli.transfer import export_command, import_command
from bridge.cli.webhooks import webhooks
from bridge.runtime import Runtime
from config import SettingsError


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
    """Load the demo district (Volzhsky-like network) and expand its year of lessons and face-to-face
    sessions. Running it twice changes nothing."""
    from bridge.demo import load_demo

    db.upgrade(rt.engine)
    with db.session_scope(rt.sessions) as session:
        click.echo(load_demo(session).describe())
        expand_everything(session)


@main.command()
@click.option("--host", default=None, help="Address to bind (default from settings: 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default from settings: 5000).")
@pass_runtime
def serve(rt: Runtime, host: str | None, port: int | None) -> None:
    """Run the web app with Flask's development server (use a WSGI server in production)."""
    from bridge.app import create_app

    app = create_app(rt)
    app.run(host=host or rt.settings.web.host, port=port or rt.settings.web.port)


for _command in (import_command, export_command, sync, scheduler, moodle, lessons, check, calendar_link, pull,
                 webhooks, report, user, choices, allocate):
    main.add_command(_command)
