"""An import as a job of the queue: the console keeps the upload in the database and queues it; a
worker applies it, all or nothing, in one transaction that also deletes the upload, writes the audit
entry (naming the account that confirmed) and records the outcome on the job (:func:`bridge.jobs.record`).
A worker that takes the job over after that transaction committed finds the outcome and applies
nothing again; one whose lease was taken over cannot commit it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from bridge import jobs, uploads
from bridge.audit import audit
from bridge.models import Account, Job, Upload
from bridge.sheets.problems import ImportRejected
from bridge.transfer import import_bytes
from bridge.transfer.report import ImportReport
from config import Settings

JOB_KIND = "import"  # the queue's kind that sync_jobs.worker runs with apply_upload


class UploadGone(LookupError):
    """The job's upload was deleted (kept more than a day before a worker came to it)."""


def queue_import(session: Session, settings: Settings, upload: Upload, by: Account | None) -> Job:
    """Queue the import of ``upload`` for a worker, on behalf of ``by``. The caller commits."""
    job = jobs.enqueue(session, JOB_KIND, {"upload": upload.id, "by": by.id if by else None},
                       max_attempts=settings.jobs.max_attempts)
    upload.job_id = job.id
    return job


def apply_upload(session: Session, settings: Settings, job: Job, worker: str) -> dict[str, Any]:
    """Import the job's upload and commit it with its outcome: ``{"report": ...}`` when applied,
    ``{"rejected": ...}`` (every problem, nothing written) when not. Raises :class:`UploadGone`, or
    :class:`bridge.jobs.NotHolder` when the job is no longer ``worker``'s (nothing is committed)."""
    uploads.sweep(session, dt.timedelta(minutes=settings.imports.upload_ttl_minutes))
    session.commit()
    upload = session.get(Upload, job.params["upload"])
    if upload is None:
        raise UploadGone(f"upload {job.params['upload']} is gone (kept for a day at most): upload the file again")
    name, by = upload.name, job.params.get("by")
    try:
        report = import_bytes(session, name, upload.data, limits=settings.imports)
    except ImportRejected as rejected:
        session.rollback()
        outcome = {"name": name, "rejected": rejected.to_dict()}
    else:
        audit(session, session.get(Account, by) if by is not None else None, "import", name)
        outcome = {"name": name, "report": report.to_dict()}
    uploads.discard(session, job.params["upload"])
    return jobs.commit_outcome(session, job, worker, outcome)


def shown(outcome: dict[str, Any] | None) -> tuple[ImportReport | None, ImportRejected | None]:
    """(report, rejection) of a recorded outcome, for the console's page of the job."""
    if not outcome:
        return None, None
    if "rejected" in outcome:
        return None, ImportRejected.from_dict(outcome["rejected"])
    return ImportReport.from_dict(outcome["report"]), None


def describe(outcome: dict[str, Any]) -> str:
    """One line for the job's result or failure."""
    if "rejected" in outcome:
        rejected = ImportRejected.from_dict(outcome["rejected"])
        return f"import of {outcome['name']} rejected: {rejected.total} problem(s), nothing was changed"
    report = ImportReport.from_dict(outcome["report"])
    return (f"imported {outcome['name']}: {report.total('created')} created, {report.total('updated')} updated, "
            f"{report.total('deleted')} deleted")


def given_up(session: Session, job: Job) -> None:
    """A job that failed or was cancelled before applying: its upload goes too. The caller commits."""
    uploads.discard(session, job.params.get("upload"))
