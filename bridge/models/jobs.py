"""The job queue: background work (a sync, a pull, the webhook inbox, an allocation, an import, a
report) that outlives the process that asked for it, the workers that take it (see :mod:`bridge.jobs`),
the files an import job works on and the files a report job makes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bridge.models.base import Base


class Job(Base):
    """One piece of background work and where it got to.

    ``worker`` and ``lease_until`` say who holds a running job and until when; the holder's
    heartbeat pushes the lease forward. A job whose lease ran out is taken over and run again:
    every kind goes on from what it recorded itself (a sync from its run's changes and links).
    """

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_status_run_after", "status", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    enqueued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    run_after: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))  # not before (a retry's backoff)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(String(255))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    result: Mapped[str] = mapped_column(String(2000), default="")
    error: Mapped[str] = mapped_column(String(2000), default="")
    # Times it was put back without using an attempt because the lock it needs was held (a sync of
    # the command line): its backoff grows with them.
    waits: Mapped[int] = mapped_column(Integer, default=0)
    # What a kind that does its work in one transaction recorded in that same transaction (an
    # import's report, an allocation's run): a re-run after a takeover finds it and does not redo it.
    outcome: Mapped[dict | None] = mapped_column(JSON)


class JobWorker(Base):
    """A worker process, as its heartbeat last said: readiness asks whether one is alive."""

    __tablename__ = "job_worker"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))



class Upload(Base):
    """A file uploaded on the console's import page, kept in the database (not on disk, where lists of
    pupils would outlive the process and sit outside the backup) from its check until its import job
    ends; one never confirmed is deleted after ``imports.upload_ttl_minutes``, any after a day
    (:mod:`bridge.uploads`)."""

    __tablename__ = "upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    # The import job that applies it, once confirmed (the upload is deleted when that job ends).
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))


class ReportFile(Base):
    """A report file a ``report`` job made (:mod:`bridge.reports.queued`), kept in the database for its
    download by the account that asked (a worker on another machine made it; nothing with pupils' names
    is left on disk), and deleted after ``jobs.report_ttl_minutes``. One per job: a job taken over after
    its file was stored does not make a second."""

    __tablename__ = "report_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    # Who asked: only they (or an administrator) may download it.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
