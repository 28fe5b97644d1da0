"""``netcourses import`` and ``netcourses export``. The CLI speaks English; problem reasons come
from the shared reason table (the web UI shows the Russian column of the same table)."""

from __future__ import annotations

from pathlib import Path

import click

from bridge import db
from bridge.cli.common import (
    TERMINAL_LIMIT,
    CliError,
    echo_json,
    echo_problems,
    pass_runtime,
)
from bridge.runtime import Runtime


@click.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything and report what would change; write nothing.")
@click.option("--all", "show_all", is_flag=True, help=f"List every problem (a terminal shows {TERMINAL_LIMIT}).")
@click.option("--json", "as_json", is_flag=True, help="Print the report, or the problems, as JSON.")
@pass_runtime
def import_command(rt: Runtime, path: Path, dry_run: bool, show_all: bool, as_json: bool) -> None:
    """Import PATH into the registry: a template CSV (students.csv), a folder of CSVs, an XLSX
    workbook with a sheet per template, or a OneRoster 1.1/1.2 folder or zip.

    All or nothing: on any problem nothing changes, and every problem is listed as
    file:row:column: reason.
    """
    from bridge.transfer import ImportRejected, import_path

    try:
        with db.session_scope(rt.sessions) as session:
            report = import_path(session, path, dry_run=dry_run, limits=rt.settings.imports)
    except ImportRejected as exc:
        echo_problems(exc.problems, show_all=show_all, as_json=as_json, more=exc.more)
        raise CliError(f"import rejected: {exc.total:,} problem(s); nothing was changed") from None
    if as_json:
        echo_json({"ok": True, **report.to_dict()})
    else:
        click.echo(report.describe())


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True,
              help="csv: a folder with a file per template; xlsx: one workbook with a sheet per template.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder (csv) or .xlsx file to write.")
@pass_runtime
def export_command(rt: Runtime, fmt: str, out: Path) -> None:
    """Write the registry in the import templates; importing it back changes nothing."""
    from bridge.transfer import export_registry

    if fmt == "csv" and out.exists() and not out.is_dir():
        raise CliError(f"{out} is a file; csv export writes a folder")
    if fmt == "xlsx" and out.is_dir():
        raise CliError(f"{out} is a folder; xlsx export writes a file")
    with db.session_scope(rt.sessions) as session:
        summary = export_registry(session, out, fmt)
    click.echo(summary.describe())
