"""A report's XLSX or CSV file as a job of the queue: the console and the API only queue it (the web process
never builds a region's report in a request a gunicorn timeout may kill); a worker builds it with the scope
the asking account had when it asked, and stores the file in the database (:class:`bridge.models.ReportFile`)
in one transaction that also writes the audit entry (student-level reports) and records the outcome on the
job (:func:`bridge.jobs.record`). A worker that takes the job over after that transaction committed finds
the outcome and builds nothing again; one whose lease was taken over cannot commit it.

Only the account that asked, or an administrator, downloads the file (:func:`readable`); it is deleted
after ``jobs.report_ttl_minutes`` by :func:`sweep`, run on every visit of the report pages and at the start
of every report job.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bridge import jobs
from bridge.audit import audit
from bridge.models import Account, AccountRole, Job, ReportFile
from bridge.reports.data import Scope
from bridge.reports.export import report_bytes
from bridge.reports.tables import REPORTS, build_report
from config import Settings

JOB_KIND = "report"  # the queue's kind that sync_jobs.worker runs with make_file
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def queue_export(session: Session, settings: Settings, name: str, fmt: str, scope: Scope, today: dt.date,
                 by: Account, asked: str) -> Job:
    """Queue the file of report ``name`` as ``fmt`` for ``by``, narrowed by ``scope`` (the caller's role
    already applied) as of ``today``; ``asked`` (the request) goes into the audit entry. The caller commits."""
    if name not in REPORTS or fmt not in MEDIA_TYPES:
        raise ValueError(f"no report {name!r} as {fmt!r}")
    params = {"report": name, "format": fmt, "scope": dataclasses.asdict(scope), "today": today.isoformat(),
              "by": by.id, "asked": asked}
    return jobs.enqueue(session, JOB_KIND, params, max_attempts=settings.jobs.max_attempts)


def make_file(session: Session, settings: Settings, job: Job, worker: str) -> dict[str, Any]:
    """Build the job's report file and commit it with its audit entry and its outcome (``{"file": id,
    "filename": ..., "size": ..., "rows": ...}``). Raises :class:`bridge.jobs.NotHolder` when the job is no
    longer ``worker``'s (nothing is committed)."""
    sweep(session, settings)
    session.commit()
    p = job.params
    table = build_report(p["report"], session, settings, Scope(**p["scope"]), dt.date.fromisoformat(p["today"]))
    data = report_bytes(table, p["format"])
    kept = ReportFile(job_id=job.id, filename=f"{p['report']}.{p['format']}", media_type=MEDIA_TYPES[p["format"]],
                      size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data, account_id=p["by"],
                      created_at=dt.datetime.now(dt.UTC))
    session.add(kept)
    if table.student_level:
        audit(session, session.get(Account, p["by"]), f"export {p['report']} report", p["asked"])
    session.flush()
    outcome = {"file": kept.id, "filename": kept.filename, "size": kept.size, "rows": len(table.rows)}
    return jobs.commit_outcome(session, job, worker, outcome)


def describe(outcome: dict[str, Any]) -> str:
    """One line for the job's result."""
    return f"report file {outcome['filename']}: {outcome['rows']} rows, {outcome['size']} bytes"


def readable(job: Job | None, account: Account) -> bool:
    """Whether ``account`` may follow this report job and download its file: the account that asked it,
    or an administrator. Anyone else is told there is no such job."""
    return (job is not None and job.kind == JOB_KIND
            and (account.role == AccountRole.ADMIN or job.params.get("by") == account.id))


def kept_file(session: Session, job: Job) -> ReportFile | None:
    """The job's file, if it was made and not yet deleted."""
    return session.scalar(select(ReportFile).where(ReportFile.job_id == job.id))


def file_kept(session: Session, job: Job) -> bool:
    """Whether the job's file is there to download, without reading it (a job's page asks every 2 s)."""
    return session.scalar(select(ReportFile.id).where(ReportFile.job_id == job.id)) is not None


def sweep(session: Session, settings: Settings) -> int:
    """Delete the files kept longer than ``jobs.report_ttl_minutes``; how many. The caller commits."""
    oldest = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=settings.jobs.report_ttl_minutes)
    return session.execute(delete(ReportFile).where(ReportFile.created_at < oldest)).rowcount
