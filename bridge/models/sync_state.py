"""The sync's own state: what it last applied to Moodle, its runs and their planned changes, and
the job leases that keep one job from running twice at once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.models.base import Base


class MoodleLink(Base):
    """What the sync last applied to Moodle for one managed thing.

    ``kind`` + ``key`` name the thing in registry terms (``user`` + external id,
    ``enrolment`` + ``course code/external id``, ...); ``moodle_id`` is Moodle's id where the thing
    has one; ``fingerprint`` is a hash of the fields last written. A delta run compares the
    registry's desired fingerprints with these rows, so when nothing changed it needs no Moodle
    call at all; a full run reads Moodle and repairs drift.
    """

    __tablename__ = "moodle_link"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_moodle_link_kind_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255))
    moodle_id: Mapped[int | None] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(32))
    # The fields last written (references as "kind:key"): what a suspension re-sends and
    # what a drift report compares with.
    applied: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class SyncRun(Base):
    """One run of the sync (or its dry run), with its outcome and call counts."""

    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))  # delta | full
    dry_run: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | failed | refused
    planned: Mapped[int] = mapped_column(Integer, default=0)
    applied: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    drift: Mapped[int] = mapped_column(Integer, default=0)
    read_calls: Mapped[int] = mapped_column(Integer, default=0)
    write_calls: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(2000), default="")

    changes: Mapped[list[SyncChange]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="SyncChange.id"
    )


class SyncChange(Base):
    """One planned change of a run and what became of it."""

    __tablename__ = "sync_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_run.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(16))  # create | update | suspend | reactivate | remove
    drift: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(String(16), default="planned")  # planned | applied | failed | skipped
    detail: Mapped[str] = mapped_column(String(2000), default="")

    run: Mapped[SyncRun] = relationship(back_populates="changes")


class JobLock(Base):
    """A lease on a named job, so two schedulers (or a manual run) never run one job at once."""

    __tablename__ = "job_lock"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
