"""``netcourses moodle ...``: commands about the Moodle connection."""

from __future__ import annotations

import click

from bridge.cli.common import CliError, pass_runtime
from bridge.runtime import Runtime
from bridge.sync.gateway import missing_language
from moodle_client.client import MoodleClient
from moodle_client.errors import AccessDenied, InvalidToken, MoodleError, explain
from moodle_client.functions import REQUIRED_FUNCTIONS

SERVICE_PATH = "Site administration > Server > Web services > External services > (the service) > Functions"
TOKENS_PATH = "Site administration > Server > Web services > Manage tokens"


@click.group("moodle")
def moodle() -> None:
    """The connection to Moodle's web services."""


@moodle.command("check")
@pass_runtime
def check(rt: Runtime) -> None:
    """Check the Moodle URL, token and service.

    Connects with the configured URL and token and reports the Moodle version, whether
    mod_attendance is available, the web-service functions missing from the token's service and
    whether the language the sync gives new accounts (sync.lang) is installed.
    Exits non-zero if anything is missing.
    """
    settings = rt.settings.moodle
    if not settings.url:
        raise CliError("Moodle URL is not configured: set NETCOURSES_MOODLE_URL")
    if not settings.token:
        raise CliError("Moodle token is not configured: set NETCOURSES_MOODLE_TOKEN")
    lang = rt.settings.sync.lang
    with MoodleClient.from_settings(settings) as client:
        try:
            info = client.get_site_info()
            missing = info.missing_functions()
            language = missing_language(client, lang) if "core_get_string" not in missing else None
        except InvalidToken:
            raise CliError(f"Moodle rejected the token (unknown or expired); issue one in {TOKENS_PATH}") from None
        except AccessDenied as exc:
            raise CliError(f"the token may not call core_webservice_get_site_info: {exc}") from None
        except MoodleError as exc:
            raise CliError(explain(exc, settings.url)) from None
    click.echo(f"Moodle {info.release} (version {info.version}) at {info.siteurl}, token user {info.username}")
    click.echo(f"mod_attendance: {'installed' if info.has_attendance else 'NOT available'}")
    if missing:
        click.echo(f"add these {len(missing)} functions to the token's service ({SERVICE_PATH}):")
        for name in missing:
            click.echo(f"  {name}")
        raise CliError(f"{len(missing)} of {len(REQUIRED_FUNCTIONS)} required web-service functions are missing")
    click.echo(f"all {len(REQUIRED_FUNCTIONS)} required web-service functions are in the token's service")
    if language:
        raise CliError(language)
    if lang:
        click.echo(f"language of new accounts: {lang} (installed)")
