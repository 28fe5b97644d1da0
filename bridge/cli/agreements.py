"""``netcourses agreements``: agreements between schools from a file, their list, a month's statement
(text, JSON or XLSX) and the enrolments no agreement covers."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from sqlalchemy import select

from bridge import db
from bridge.agreements.files import export_agreements, import_agreements
from bridge.agreements.hours import Month, statement, uncovered
from bridge.agreements.records import list_agreements, rate_text
from bridge.agreements.statement import as_dict, statement_xlsx, title
from bridge.cli.common import (
    TERMINAL_LIMIT,
    CliError,
    echo_json,
    echo_problems,
    os_user,
    pass_runtime,
    school_id,
    table,
)
from bridge.models import AcademicYear, Agreement
from bridge.runtime import Runtime
from bridge.sheets.problems import ImportRejected
from bridge.years import current_year

_year_option = click.option("--year", "year_code", default=None,
                            help="Academic year code, e.g. 2026-2027 (default: the current one).")


def _year(session, code: str | None) -> AcademicYear:
    year = (session.scalar(select(AcademicYear).where(AcademicYear.code == code)) if code
            else current_year(session, dt.date.today()))
    if year is None:
        raise CliError(f"--year: no academic year {code!r}" if code else "no academic year in the registry")
    return year


@click.group()
def agreements() -> None:
    """Agreements between schools (договоры о сетевой форме) and the hours taught under them."""


@agreements.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--all", "show_all", is_flag=True, help=f"List every problem (a terminal shows {TERMINAL_LIMIT}).")
@click.option("--json", "as_json", is_flag=True, help="Print the result, or the problems, as JSON.")
@pass_runtime
def import_command(rt: Runtime, path: Path, show_all: bool, as_json: bool) -> None:
    """Create or change agreements from a CSV or XLSX file (provider, receiver, year, number, date, courses,
    rate). All or nothing: on any problem nothing changes, and every problem is listed as file:row:column."""
    try:
        with db.session_scope(rt.sessions) as session:
            summary = import_agreements(session, path.name, path.read_bytes(), by=os_user())
    except ImportRejected as exc:
        echo_problems(exc.problems, show_all=show_all, as_json=as_json)
        raise CliError(f"import rejected: {len(exc.problems)} problem(s); nothing was changed") from None
    if as_json:
        echo_json({"ok": True, "created": summary.created, "changed": summary.changed,
                   "unchanged": summary.unchanged})
    else:
        click.echo(f"agreements: {summary.created} created, {summary.changed} changed, "
                   f"{summary.unchanged} unchanged")


@agreements.command("list")
@_year_option
@click.option("--school", default=None, help="Only the agreements this school (external id) is a party to.")
@click.option("--csv", "as_csv", is_flag=True, help="Write them as an import file (CSV) instead.")
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON.")
@pass_runtime
def list_command(rt: Runtime, year_code: str | None, school: str | None, as_csv: bool, as_json: bool) -> None:
    """The agreements of a year, with the enrolments no agreement covers."""
    with db.session_scope(rt.sessions) as session:
        year = _year(session, year_code)
        own = school_id(session, school)
        found = list_agreements(session, year=year, school_id=own)
        if as_csv:
            sys.stdout.write(export_agreements(found).lstrip("\ufeff"))
            return
        rows = [(a.id, a.number, a.signed_on.isoformat(), a.provider_school.external_id,
                 a.receiver_school.external_id, "all" if a.all_courses else ", ".join(c.code for c in a.courses),
                 rate_text(a.rate_kopecks) or "-") for a in found]
        gaps = uncovered(session, year, school_id=own)
        if as_json:
            echo_json({"year": year.code, "agreements": [dict(zip(
                ("id", "number", "date", "provider", "receiver", "courses", "rate"), r)) for r in rows],
                "uncovered": [vars(u) for u in gaps]})
            return
        click.echo(f"{year.code}: {len(rows)} agreement(s)")
        if rows:
            click.echo(table(("id", "number", "date", "provider", "receiver", "courses", "rate"), rows))
        click.echo(f"enrolments no agreement covers: {sum(u.students for u in gaps)}")
        for u in gaps:
            click.echo(f"  {u.course} ({u.provider}) <- {u.receiver}: {u.students} student(s)")


@agreements.command("statement")
@click.argument("agreement_id", type=int)
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the statement as an XLSX workbook to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print the statement as JSON.")
@pass_runtime
def statement_command(rt: Runtime, agreement_id: int, month: str, xlsx: Path | None, as_json: bool) -> None:
    """A month's statement of an agreement (its id, as `agreements list` shows): lessons held, academic hours,
    each group's share of the receiving school's students, the hours and the amount."""
    which = Month.parse(month)
    if which is None:
        raise CliError(f"--month: not a month YYYY-MM: {month!r}")
    with db.session_scope(rt.sessions) as session:
        agreement = session.get(Agreement, agreement_id)
        if agreement is None:
            raise CliError(f"no agreement {agreement_id}")
        st = statement(session, agreement, which)
        if xlsx is not None:
            xlsx.write_bytes(statement_xlsx(st))
            click.echo(f"wrote {xlsx}")
        elif as_json:
            echo_json(as_dict(st))
        else:
            click.echo(title(st))
            click.echo(table(("course", "held", "hours", "group", "receiver", "share %", "hours to receiver",
                              "amount"),
                             [(g.code, g.lessons_held, g.hours_held, g.group_students, g.receiver_students,
                               g.share_percent, g.hours, g.amount if g.amount is not None else "-")
                              for g in st.groups]))
            click.echo(f"total: {st.lessons_held} lessons held, {st.hours} hours to the receiver"
                       + (f", {st.amount} roubles" if st.amount is not None else ""))
            if st.note:
                click.echo(st.note)
