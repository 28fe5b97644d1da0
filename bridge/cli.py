"""The ``netcourses`` command. Every command: ``--help``, exit 0 on success, non-zero with a one-line reason."""

from __future__ import annotations

import click

from bridge import db
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


from bridge.transfer.cli import export_command, import_command  # noqa: E402  (commands register after main)

main.add_command(import_command)
main.add_command(export_command)
