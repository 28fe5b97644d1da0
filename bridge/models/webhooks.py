"""The webhook inbox: Moodle events stored as they arrive, processed later by the worker (webhooks/)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bridge.models.base import Base


class WebhookEvent(Base):
    """A Moodle event received by the webhook endpoint: stored once, processed later.

    ``dedupe_key`` is the Standard Webhooks message id when signed, otherwise a hash of the
    event's own fields (the local_webhooks plugin sends no id), so a replay is stored once.
    The payload is kept without the plugin's token.
    """

    __tablename__ = "webhook_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    eventname: Mapped[str] = mapped_column(String(255))
    course_id: Mapped[int | None] = mapped_column(Integer)  # Moodle course id
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending | done | ignored | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str] = mapped_column(String(2000), default="")
