"""Management monitoring: the monthly reports for the education department, kept once made.

A report holds aggregates only (per school, per education area; at-risk students counted, never
named), so it may be kept in the database and listed for every role that sees the monitoring. It is
kept as made (XLSX, the printable HTML and its PDF), not rebuilt on download: what was sent to the department
stays what it was, even after late marks arrive. Made again for the same month, it replaces the old.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bridge.models.base import Base


class MonthlyReport(Base):
    __tablename__ = "monthly_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, unique=True)  # the first day of the month reported
    generated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # Who asked: a console login, "scheduler", "command line".
    generated_by: Mapped[str] = mapped_column(String(100))
    xlsx: Mapped[bytes] = mapped_column(LargeBinary)
    html: Mapped[str] = mapped_column(Text)
    # Made with the others since 0018 (by the worker, not in a web request); none in a report kept before.
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
