"""Files uploaded on the console's import page, kept in the database between their check and their
import job (:class:`bridge.models.Upload`): a worker on another machine reads them from there, and
nothing with pupils' names is left on disk.

An upload goes when its import job ends (the job deletes it in the transaction that applies it, or
when it fails or is cancelled); :func:`sweep`, run on every visit of the import pages and at the start
of every import job, deletes one never confirmed after ``imports.upload_ttl_minutes``, one whose job
ended without deleting it (a queued job cancelled), and any upload older than a day.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from bridge.models import Account, Job, Upload

KEPT_AT_MOST = dt.timedelta(days=1)
_ENDED = ("done", "failed", "cancelled")


def store(session: Session, name: str, data: bytes, by: Account | None) -> Upload:
    """Keep an upload (the caller commits)."""
    upload = Upload(name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data,
                    account_id=by.id if by else None, uploaded_at=dt.datetime.now(dt.UTC))
    session.add(upload)
    session.flush()
    return upload


def discard(session: Session, upload_id: int | None) -> None:
    """Delete an upload if it is still there (the caller commits)."""
    if upload_id is not None:
        session.execute(delete(Upload).where(Upload.id == upload_id))


def sweep(session: Session, unconfirmed_ttl: dt.timedelta) -> int:
    """Delete the uploads nobody will import any more (see the module); how many. The caller commits."""
    now = dt.datetime.now(dt.UTC)
    ended = select(Job.id).where(Job.status.in_(_ENDED))
    gone = session.execute(delete(Upload).where(or_(
        Upload.uploaded_at < now - KEPT_AT_MOST,
        (Upload.job_id.is_(None)) & (Upload.uploaded_at < now - unconfirmed_ttl),
        Upload.job_id.in_(ended))))
    return gone.rowcount
