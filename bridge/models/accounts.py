"""Who signs in to the console or calls the API: accounts and their roles, API tokens, and the
audit log of who read, exported or changed what.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bridge.models.base import Base, _enum

if TYPE_CHECKING:
    from bridge.models.registry import School, Teacher


class AccountRole(enum.StrEnum):
    ADMIN = "admin"  # network administrator: everything, runs the sync
    COORDINATOR = "coordinator"  # school coordinator: their own school's students, marks, feeds
    TEACHER = "teacher"  # network teacher: their own courses
    VIEWER = "viewer"  # aggregates only, no names


class Account(Base):
    """A person who signs in to the console or calls the API."""

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("role <> 'coordinator' OR school_id IS NOT NULL", name="coordinator_school"),
        CheckConstraint("role <> 'teacher' OR teacher_id IS NOT NULL", name="teacher_link"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[AccountRole] = mapped_column(_enum(AccountRole, "account_role"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="RESTRICT"))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teacher.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # A console session is valid only while it carries this number: sign-out, a new password and
    # disabling bump it, which ends every session of the account, copied cookies included.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    school: Mapped[School | None] = relationship()
    teacher: Mapped[Teacher | None] = relationship()


class ApiToken(Base):
    """A token for scripts; only its SHA-256 is stored, so a leaked database leaks no token."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    account: Mapped[Account] = relationship()


class AuditEntry(Base):
    """Who read or exported student-level data, or changed something, and when (152-FZ)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    login: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(500))


class SignInFailure(Base):
    """A failed sign-in, kept a day so that guessing passwords slows down (bridge.sign_in_throttle). ``key``
    is the SHA-256 of the login or of the address tried from, so a password typed into the login field is
    not stored."""

    __tablename__ = "sign_in_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)

    __table_args__ = (Index("ix_sign_in_failure_key_at", "key", "at"),)
