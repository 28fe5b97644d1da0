"""``netcourses choices`` (campaigns and survey answers) and ``netcourses allocate`` (form the groups,
then approve them). The CLI speaks English: it words the reasons a student is not fully served from
the codes the run's report keeps (the console words the same codes in Russian)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import sys
from pathlib import Path

import click
from sqlalchemy import select

from bridge import db
from bridge.choices.allocation import queue_allocation, run_allocation
from bridge.choices.approval import ApprovalRefused, approve, difference
from bridge.choices.campaigns import (
    CampaignError,
    find_campaign,
    read_campaign_file,
    save_campaign,
)
from bridge.choices.decisions import DecisionError, decide, force_offer
from bridge.choices.links import NoStudents, class_students, issue_links, revoke_links
from bridge.choices.survey import export_answers, import_answers
from bridge.cli.common import (
    TERMINAL_LIMIT,
    CliError,
    echo_json,
    echo_problems,
    link_base,
    os_user,
    pass_runtime,
    school_id,
)
from bridge.models import AllocationRun, ChoiceCampaign, DecisionKind, OfferState
from bridge.runtime import Runtime
from bridge.sheets.problems import ImportRejected
from bridge.spreadsheets import csv_cells

_campaign_option = click.option("--campaign", "code", default=None,
                                help="The campaign's code (default: the latest campaign).")
_on_option = click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
                          help="As of this day (default today): before the campaign's year starts, "
                               "students are matched by next year's grade.")


def _day(on: dt.datetime | None) -> dt.date:
    return on.date() if on else dt.date.today()


def _campaign(session, code: str | None) -> ChoiceCampaign:
    campaign = find_campaign(session, code)
    if campaign is None:
        raise CliError(f"no campaign {code}" if code else "no campaign yet: load one with `netcourses choices campaign FILE`")
    return campaign


@click.group()
def choices() -> None:
    """Course choice campaigns and students' ranked choices."""


@choices.command("campaign")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_runtime
def campaign_command(rt: Runtime, path: Path) -> None:
    """Create or update the campaign a TOML or JSON file describes (its code is the key)."""
    try:
        with db.session_scope(rt.sessions) as session:
            campaign = save_campaign(session, read_campaign_file(path), by=os_user())
            click.echo(f"campaign {campaign.code}: {len(campaign.offers)} offers, {len(campaign.rules)} rules")
    except CampaignError as exc:
        for problem in exc.problems:
            click.echo(f"{path.name}: {problem}")
        raise CliError(f"campaign rejected: {len(exc.problems)} problem(s); nothing was changed") from None


@choices.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_campaign_option
@click.option("--school", default=None, help="A coordinator's import: only this school's students (external id).")
@_on_option
@click.option("--all", "show_all", is_flag=True, help=f"List every problem (a terminal shows {TERMINAL_LIMIT}).")
@click.option("--json", "as_json", is_flag=True, help="Print the result, or the problems, as JSON.")
@pass_runtime
def import_command(rt: Runtime, path: Path, code: str | None, school: str | None, on: dt.datetime | None,
                   show_all: bool, as_json: bool) -> None:
    """Import survey answers (CSV or XLSX: student, choice_1 … choice_N). All or nothing: on any problem
    nothing changes, and every problem is listed as file:row:column: reason."""
    try:
        with db.session_scope(rt.sessions) as session:
            summary = import_answers(session, _campaign(session, code), path.name, path.read_bytes(),
                                     today=_day(on), school_id=school_id(session, school), by=os_user())
    except ImportRejected as exc:
        echo_problems(exc.problems, show_all=show_all, as_json=as_json)
        raise CliError(f"import rejected: {len(exc.problems)} problem(s); nothing was changed") from None
    if as_json:
        echo_json({"ok": True, "students": summary.students, "choices": summary.choices})
    else:
        click.echo(f"imported the choices of {summary.students} students ({summary.choices} choices)")


@choices.command("export")
@_campaign_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The CSV file to write (default: standard output).")
@pass_runtime
def export_command(rt: Runtime, code: str | None, out: Path | None) -> None:
    """Write the campaign's choices as a survey CSV; importing it back changes nothing."""
    with db.session_scope(rt.sessions) as session:
        text = export_answers(session, _campaign(session, code), by=os_user())
    if out is None:
        sys.stdout.write(text.lstrip("\ufeff"))
    else:
        out.write_text(text, encoding="utf-8")


@choices.group("links")
def links() -> None:
    """Students' private choice links: issue a school's or a class's sheet, revoke lost ones."""


def _students(session, school: str, class_name: str | None, student: str | None):
    from bridge.models import School

    found = session.scalar(select(School).where(School.external_id == school))
    if found is None:
        raise CliError(f"--school: no school {school!r}")
    try:
        return found, class_students(session, found, class_name, student)
    except NoStudents as exc:
        raise CliError(str(exc)) from None


def _scope(school: str, class_name: str | None, student: str | None) -> str:
    return " ".join(part for part in (school, class_name, student) if part)


@links.command("issue")
@_campaign_option
@click.option("--school", required=True, help="The school (external id).")
@click.option("--class", "class_name", default=None, help="Only this class, e.g. 9А (default: the whole school).")
@click.option("--student", default=None, help="Only this student (external id).")
@click.option("--reissue", is_flag=True, help="Issue new links to all of them; their old links stop working.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The CSV sheet to write (a new file, readable by you only): the links exist nowhere else.")
@pass_runtime
def links_issue(rt: Runtime, code: str | None, school: str, class_name: str | None, student: str | None,
                reissue: bool, out: Path) -> None:
    """Write a sheet of choice links (student, name, class, link) for a school's students who have none,
    or with --reissue for all of them. Only a link's hash is kept: a student who already has one gets an
    empty cell (re-issue to print it again)."""
    if out.exists():
        raise CliError(f"--out: {out} exists; links are written to a new file only, so none is lost")
    base, note = link_base(rt)
    buffer = io.StringIO()
    with db.session_scope(rt.sessions) as session:
        found, students = _students(session, school, class_name, student)
        issued = issue_links(session, _campaign(session, code), students, base, reissue=reissue, by=os_user(),
                             scope=_scope(school, class_name, student))
        writer = csv.writer(buffer)
        writer.writerow(["student", "last_name", "first_name", "class", "link"])
        for link in issued:
            s = link.student
            writer.writerow(csv_cells([s.external_id, s.last_name, s.first_name, s.class_name, link.url or ""]))
        # Written before the commit: if the file cannot be written, no link is issued (nor an old one revoked).
        with os.fdopen(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8",
                       newline="") as sheet:
            sheet.write(buffer.getvalue())
    new = sum(1 for link in issued if link.url)
    click.echo(f"{new} link(s) issued, {len(issued) - new} kept (already issued) for {found.external_id}: {out}")
    if note:
        click.echo(note)


@links.command("revoke")
@_campaign_option
@click.option("--school", required=True, help="The school (external id).")
@click.option("--class", "class_name", default=None, help="This class's links, e.g. 9А.")
@click.option("--student", default=None, help="This student's link (external id).")
@pass_runtime
def links_revoke(rt: Runtime, code: str | None, school: str, class_name: str | None, student: str | None) -> None:
    """Revoke the working choice links of a class or a student (a lost sheet): their pages stop answering."""
    if not class_name and not student:
        raise CliError("name what to revoke: --class or --student")
    with db.session_scope(rt.sessions) as session:
        _, students = _students(session, school, class_name, student)
        revoked = revoke_links(session, _campaign(session, code), students, by=os_user(),
                               scope=_scope(school, class_name, student))
    click.echo(f"{revoked} link(s) revoked")


REASON_WORDS = {
    "forbidden": "{course}: forbidden by the coordinator",
    "closed_forced": "{course}: group closed by the coordinator",
    "closed_few": "{course}: group did not open, fewer than {amount} chose it",
    "home_clash": "{course}: overlaps a lesson of their own class ({detail})",
    "overlap": "{course}: overlaps course {other}",
    "overload": "{course}: over the weekly load by {amount} h",
    "full": "{course}: group full ({amount} places)",
    "at_max": "{course}: already the most courses allowed",
    "not_chosen": "{course}: the place went to others for a better allocation overall",
}


def _reasons(unserved: dict) -> str:
    """Why a student is not fully served, in English (a run stored before the codes were kept: its words)."""
    if "why" not in unserved:
        return "; ".join(unserved["reasons"])
    return "; ".join(REASON_WORDS[r["code"]].format(**r) for r in unserved["why"]) or "no courses chosen"


def _describe(run: AllocationRun, change) -> list[str]:
    report = run.report
    opened = sum(1 for o in report["offers"] if o["open"])
    lines = [f"run {run.id}: {run.status}, objective {run.objective:.0f}, bound {run.bound:.0f}, "
             f"gap {100 * report['gap']:.2f}%, {run.wall_seconds:.1f} s",
             *(f"cannot allocate: {p}" for p in report["problems"]),
             f"based on {report['basis']}",
             f"{report['students']} students; {opened} of {len(report['offers'])} groups open; "
             f"{len(report['unserved'])} students not fully served; {report['shortfall']} required courses lacking"]
    lines += [f"load not checked: no curriculum for grade {grade} of {school}" for school, grade in report["unchecked_load"]]
    for o in report["offers"]:
        lines.append(f"  {o['course']}: {o['size']} (min {o['min']}, max {o['max']}) "
                     + ("open" if o["open"] else "closed"))
    for u in report["unserved"]:
        lines.append(f"  {u['student']} ({u['grade']}): got {', '.join(u['granted']) or 'nothing'}; "
                     + _reasons(u))
    if change.approved_run is not None:
        lines.append(f"against approved run {change.approved_run}: {len(change.added)} added, "
                     f"{len(change.dropped)} dropped (nothing changes until approved)")
        lines += [f"  + {s} {c}" for s, c in change.added] + [f"  - {s} {c}" for s, c in change.dropped]
    return lines


@click.group(invoke_without_command=True)
@_campaign_option
@click.option("--time-limit", type=float, default=None, help="Seconds the solver may search (default [choices]).")
@_on_option
@click.option("--json", "as_json", is_flag=True, help="Print the run's report as JSON.")
@click.option("--queue", "queue", is_flag=True,
              help="Queue the run for a worker (`netcourses worker`) instead of solving here in the foreground.")
@click.pass_context
def allocate(ctx: click.Context, code: str | None, time_limit: float | None, on: dt.datetime | None,
             as_json: bool, queue: bool) -> None:
    """Form the network groups from the students' choices (a new run; no enrolment changes until it
    is approved with `netcourses allocate approve`). Solved here in the foreground unless --queue."""
    if ctx.invoked_subcommand is not None:
        return
    rt = ctx.find_object(Runtime)
    with db.session_scope(rt.sessions) as session:
        campaign = _campaign(session, code)
        if queue:
            job = queue_allocation(session, rt.settings, campaign, today=_day(on), time_limit=time_limit)
            session.flush()
            click.echo(f"queued job {job.id}: follow it with `netcourses jobs list`")
            return
        run = run_allocation(session, rt.settings, campaign, today=_day(on), time_limit=time_limit, by=os_user())
        change = difference(session, run)
        if as_json:
            echo_json({"run": run.id, "status": run.status, "objective": run.objective, "bound": run.bound,
                       "wall_seconds": run.wall_seconds, **run.report, "difference": change.as_dict()})
        else:
            for line in _describe(run, change):
                click.echo(line)


@allocate.command("approve")
@click.option("--run", "run_id", type=int, default=None, help="The run to approve (default: the latest one).")
@_campaign_option
@click.option("--withdraw", is_flag=True, help="Also withdraw approved enrolments the run no longer grants.")
@pass_runtime
def approve_command(rt: Runtime, run_id: int | None, code: str | None, withdraw: bool) -> None:
    """Approve (the console's «Утвердить»): turn a run into enrolments in one transaction; the next sync takes them to Moodle."""
    try:
        with db.session_scope(rt.sessions) as session:
            if run_id is None:
                campaign = _campaign(session, code)
                run = session.scalars(select(AllocationRun).where(AllocationRun.campaign_id == campaign.id)
                                      .order_by(AllocationRun.id.desc()).limit(1)).first()
            else:
                run = session.get(AllocationRun, run_id)
            if run is None:
                raise CliError("no allocation run to approve: run `netcourses allocate` first")
            done = approve(session, run, withdraw=withdraw, by=os_user(), today=rt.settings.district.today())
    except (ApprovalRefused, ValueError) as exc:
        raise CliError(str(exc)) from None
    click.echo(f"run {done.run} approved: {done.created} enrolments created, {done.reactivated} reactivated, "
               f"{done.withdrawn} withdrawn, {done.unchanged} unchanged")


@allocate.command("decide")
@click.argument("action", type=click.Choice(["pin", "forbid", "free"]))
@click.argument("student")
@click.argument("course")
@_campaign_option
@pass_runtime
def decide_command(rt: Runtime, action: str, student: str, course: str, code: str | None) -> None:
    """Pin STUDENT to COURSE, forbid it, or free the decision; every later run keeps it."""
    try:
        with db.session_scope(rt.sessions) as session:
            decide(session, _campaign(session, code), student, course,
                   None if action == "free" else DecisionKind(action), by=os_user())
    except DecisionError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"{student} {course}: {action}")


@allocate.command("force")
@click.argument("course")
@click.argument("state", type=click.Choice([s.value for s in OfferState]))
@_campaign_option
@pass_runtime
def force_command(rt: Runtime, course: str, state: str, code: str | None) -> None:
    """Force COURSE's group open or closed whatever its size, or back to auto (the solver decides)."""
    try:
        with db.session_scope(rt.sessions) as session:
            force_offer(session, _campaign(session, code), course, OfferState(state), by=os_user())
    except DecisionError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"{course}: {state}")
