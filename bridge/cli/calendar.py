"""Commands: ``netcourses lessons expand``, ``netcourses check conflicts|load``, ``netcourses calendar-link``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from itertools import groupby

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge import db
from bridge.calendar.conflicts import ConflictKind, find_conflicts
from bridge.calendar.face_to_face import expand_sessions
from bridge.calendar.lessons import expand_lessons
from bridge.calendar.load import check_load
from bridge.calendar.tokens import (
    FeedKind,
    LinkExists,
    find_owner,
    issue_link,
    revoke_tokens,
)
from bridge.cli.common import CliError, echo_json, link_base, pass_runtime, table
from bridge.models import NetworkCourse, School, Student
from bridge.runtime import Runtime

PROBLEMS_FOUND = 1


@click.group()
def lessons() -> None:
    """Dated lessons of the network courses."""


@lessons.command("expand")
@click.option("--course", "code", help="Only this course (its code); default: every course and every face-to-face rule.")
@pass_runtime
def lessons_expand(rt: Runtime, code: str | None) -> None:
    """Expand weekly slots into lessons (and face-to-face rules into sessions). Safe to run again."""
    with db.session_scope(rt.sessions) as session:
        course = None
        if code is not None:
            course = session.scalar(select(NetworkCourse).where(NetworkCourse.code == code))
            if course is None:
                raise CliError(f"no network course with code {code!r}")
        if course is None:
            expand_everything(session)
        else:
            click.echo(expand_lessons(session, course).describe("lessons"))


def expand_everything(session: Session) -> None:
    """Every course's lessons and every rule's face-to-face sessions, as ``lessons expand`` and ``demo`` do."""
    click.echo(expand_lessons(session).describe("lessons"))
    click.echo(expand_sessions(session).describe("face-to-face sessions"))


@click.group()
def check() -> None:
    """Check the timetable against the schools' calendars and the SanPiN load (exit 1 on findings)."""


# The CLI speaks English throughout; the console words the kinds in Russian (conflicts.KIND_TEXT).
KIND_WORDS = {
    ConflictKind.CLASS_LESSON: "own class's lesson",
    ConflictKind.HOME_HOLIDAY: "day off at home school",
    ConflictKind.TEACHER_OVERLAP: "two lessons at once",
}


def _dates(dates: Sequence[dt.date], shown: int = 4) -> str:
    text = ", ".join(d.strftime("%d.%m.%Y") for d in dates[:shown])
    return text + (f" … {len(dates)} in all" if len(dates) > shown else "")


def _by_school(items, headers: Sequence[str], row) -> list[str]:
    """``items`` (sorted by school) as one table per school."""
    blocks = []
    for (school, name), group in groupby(items, key=lambda i: (i.school, i.school_name)):
        blocks.append(f"{name} ({school})\n{table(headers, [row(i) for i in group])}\n")
    return blocks


def _check_command(name: str, run: Callable[..., tuple[dict, list[str], int]]) -> click.Command:
    """``check <name> [--school ID] [--student ID] [--json]``: ``run`` gives the JSON payload, the
    human lines and the number of problems; the exit code is 1 when there are problems."""

    @check.command(name, help=run.__doc__)
    @click.option("--school", help="Only this school (its external id): its students, and its teachers' lessons.")
    @click.option("--student", help="Only this student (their external id).")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @pass_runtime
    @click.pass_context
    def command(ctx: click.Context, rt: Runtime, school: str | None, student: str | None, as_json: bool) -> None:
        with rt.sessions() as session:
            scope = {}
            for option, model, value in (("school_id", School, school), ("student_id", Student, student)):
                if value is not None:
                    row = session.scalar(select(model.id).where(model.external_id == value))
                    if row is None:
                        raise CliError(f"no {model.__tablename__} with id {value!r}")
                    scope[option] = row
            payload, lines, problems = run(session, **scope)
        if as_json:
            echo_json(payload)
        else:
            click.echo("\n".join(lines))
        if problems:
            ctx.exit(PROBLEMS_FOUND)

    return command


def _conflicts(session: Session, **scope: int) -> tuple[dict, list[str], int]:
    """Network lessons against class timetables and holidays of home schools, and teachers' double lessons."""
    found = find_conflicts(session, **scope)
    lines = _by_school(
        found,
        ("kind", "who", "course", "clashes with", "dates"),
        lambda c: (KIND_WORDS[c.kind], f"{c.person} {c.person_name}", c.course, c.detail, _dates(c.dates)),
    )
    lines.append(f"conflicts: {len(found)}" if found else "no conflicts")
    return {"conflicts": [c.as_dict() for c in found], "count": len(found)}, lines, len(found)


def _load(session: Session, **scope: int) -> tuple[dict, list[str], int]:
    """Students whose home curriculum plus network courses exceed the SanPiN weekly maximum."""
    report = check_load(session, **scope)
    lines = _by_school(
        report.overloads,
        ("student", "class", "week", "school h", "network h", "total h", "maximum h", "courses"),
        lambda o: (f"{o.student} {o.student_name}", o.class_name, f"{o.week_days} days", o.home_hours,
                   o.network_hours, o.total, o.limit, ", ".join(o.courses)),
    )
    lines.append(f"overloads: {len(report.overloads)}" if report.overloads else "no overloads")
    lines += [f"not checked: {school}, grade {grade} (no curriculum)" for school, grade in report.unchecked]
    payload = {
        "overloads": [o.as_dict() for o in report.overloads],
        "count": len(report.overloads),
        "unchecked": [{"school": s, "grade": g} for s, g in report.unchecked],
    }
    return payload, lines, len(report.overloads)


_check_command("conflicts", _conflicts)
_check_command("load", _load)


@click.command("calendar-link")
@click.option("--student", help="External id of a student (the link is for the student and the parents).")
@click.option("--teacher", help="External id of a teacher.")
@click.option("--school", help="External id of a school (the link is for its coordinator).")
@click.option("--rotate", is_flag=True, help="Revoke the current link and issue a new one.")
@click.option("--revoke", is_flag=True, help="Revoke the link; the calendar stops answering.")
@pass_runtime
def calendar_link(rt: Runtime, student: str | None, teacher: str | None, school: str | None,
                  rotate: bool, revoke: bool) -> None:
    """Issue (or rotate, or revoke) the secret calendar link of a student, teacher or school.

    Only a hash of the link is stored, so a link is shown once, when it is issued.
    """
    chosen = [(kind, value) for kind, value in zip(FeedKind, (student, teacher, school)) if value is not None]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --student, --teacher, --school")
    if rotate and revoke:
        raise click.UsageError("--rotate and --revoke exclude each other")
    (kind, external_id), = chosen
    with db.session_scope(rt.sessions) as session:
        owner = find_owner(session, kind, external_id)
        if owner is None:
            raise CliError(f"no {kind.value} with id {external_id!r}")
        if revoke:
            revoked = revoke_tokens(session, owner)
            message = f"revoked the calendar link of {kind.value} {external_id}" if revoked else (
                f"{kind.value} {external_id} has no calendar link")
        else:
            base, note = link_base(rt)
            try:
                link = issue_link(session, owner, base, rotate=rotate)
            except LinkExists as exists:
                raise CliError(
                    f"{kind.value} {external_id} already has a calendar link (issued {exists.issued_at:%Y-%m-%d}); "
                    "only its hash is kept, so it cannot be shown again: use --rotate to replace it"
                ) from None
            message = (f"{link.feed.url}\nwebcal: {link.feed.webcal}\nGoogle Calendar: {link.feed.google}\n"
                       f"page: {link.page}")
            if note:
                message += f"\n{note}"
    click.echo(message)  # once committed
