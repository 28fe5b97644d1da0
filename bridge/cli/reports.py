"""``netcourses report``: network statistics; attendance, marks and at-risk reports to a CSV or XLSX
file (audited); the monthly report for the education department (aggregates, kept in the registry)."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from bridge.cli.common import CliError, echo_json, pass_runtime, school_id
from bridge.runtime import Runtime


@click.group()
def report() -> None:
    """Reports of the registry."""


@report.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_runtime
def report_stats(rt: Runtime, as_json: bool) -> None:
    """Network statistics: schools by role, courses by subject area, teachers, students by grade."""
    from bridge.reports.stats import network_stats

    with rt.sessions() as session:
        stats = network_stats(session, rt.settings)
    if as_json:
        echo_json(stats.as_json())
    else:
        click.echo(stats.describe())


def _report_command(name: str, help_text: str) -> click.Command:
    @click.command(name, help=help_text)
    @click.option("--school", "school_key", metavar="ID", help="Students of this home school only (external id).")
    @click.option("--term", type=click.IntRange(1, 6), help="Term number of the home school (default: the year).")
    @click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True, help="File format.")
    @click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
                  help="File to write.")
    @pass_runtime
    def command(rt: Runtime, school_key: str | None, term: int | None, fmt: str, out: Path) -> None:
        from bridge import db
        from bridge.audit import audit
        from bridge.reports.data import Scope
        from bridge.reports.export import report_bytes
        from bridge.reports.tables import build_report

        with db.session_scope(rt.sessions) as session:
            table = build_report(name, session, rt.settings, Scope(school_id=school_id(session, school_key), term=term),
                                 rt.today())
            try:
                out.write_bytes(report_bytes(table, fmt))
            except OSError as exc:
                raise CliError(f"--out: cannot write {out}: {exc.strerror}") from None
            what = f"{out} ({fmt}, school={school_key or 'all'}, term={term or 'year'})"
            audit(session, None, f"export {name} report", f"{what} by {getpass.getuser()} (command line)")
        click.echo(f"{table.title}: {len(table.rows)} rows written to {out}")

    return command


for _command in (
    _report_command("attendance", "Attendance per home school, course and student (share attended, dates missed)."),
    _report_command("marks", "Marks for the home schools' journals, for a term or the year."),
    _report_command("at-risk", "Students at risk: low attendance or a failing mark."),
):
    report.add_command(_command)


@report.command("monthly")
@click.option("--month", metavar="YYYY-MM", help="The month to report (default: the previous month).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the XLSX workbook here.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the printable HTML here.")
@click.option("--pdf", "pdf_out", type=click.Path(dir_okay=False, path_type=Path), help="Also write a PDF here.")
@pass_runtime
def report_monthly(rt: Runtime, month: str | None, out: Path | None, html_out: Path | None,
                   pdf_out: Path | None) -> None:
    """The monthly report for the education department: summary, schools, education areas, schools with
    low results, students at risk counted per school. Kept in the registry (the console lists it), replacing
    one made before for the same month."""
    from bridge import db
    from bridge.reports.monthly import generate, parse_month, previous_month

    try:
        first = parse_month(month) if month else previous_month(rt.settings.district.today())
    except ValueError as exc:
        raise CliError(f"--{exc}") from None
    with db.session_scope(rt.sessions) as session:
        try:
            kept = generate(session, rt.settings, first, by=f"{getpass.getuser()} (command line)")
        except LookupError as exc:
            raise CliError(str(exc)) from None
        files = [(out, kept.xlsx), (html_out, kept.html.encode()), (pdf_out, kept.pdf)]
        for path, content in files:
            if path is None:
                continue
            try:
                path.write_bytes(content)
            except OSError as exc:
                raise CliError(f"cannot write {path}: {exc.strerror}") from None
    click.echo(f"monthly report {first:%Y-%m}: made and kept"
               + "".join(f"; written to {p}" for p, _ in files if p is not None))
