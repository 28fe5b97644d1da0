"""Accounts, passwords and API tokens: the services the CLI and the web app share.

Passwords are hashed with werkzeug's scrypt; API tokens are random (256 bits) and only their
SHA-256 is stored, so neither can be read back from the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bridge.models import Account, AccountRole, ApiToken, AuditEntry, School, Teacher

MIN_PASSWORD = 10
# werkzeug's memory-hard default; tests swap in a cheap method to stay fast.
PASSWORD_METHOD = "scrypt"


class AccountError(ValueError):
    """A request about an account that cannot be done; the message says why."""


def create_account(session: Session, login: str, password: str, role: AccountRole, *, display_name: str = "",
                   school: str | None = None, teacher: str | None = None) -> Account:
    if session.scalar(select(Account.id).where(Account.login == login)) is not None:
        raise AccountError(f"login {login!r} is taken")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    account = Account(login=login, password_hash=generate_password_hash(password, PASSWORD_METHOD), role=role,
                      display_name=display_name or login)
    if role == AccountRole.COORDINATOR:
        if not school:
            raise AccountError("a coordinator needs --school")
        account.school_id = _id(session, School, School.external_id, school, "school")
    if role == AccountRole.TEACHER:
        if not teacher:
            raise AccountError("a teacher account needs --teacher")
        account.teacher_id = _id(session, Teacher, Teacher.external_id, teacher, "teacher")
    session.add(account)
    session.flush()
    return account


def _id(session: Session, model, column, value: str, what: str) -> int:
    found = session.scalar(select(model.id).where(column == value))
    if found is None:
        raise AccountError(f"no {what} {value!r} in the registry")
    return found


def authenticate(session: Session, login: str, password: str) -> Account | None:
    account = session.scalar(select(Account).where(Account.login == login, Account.active.is_(True)))
    if account is None:
        check_password_hash(generate_password_hash("x", PASSWORD_METHOD), password)  # same work either way
        return None
    return account if check_password_hash(account.password_hash, password) else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, account: Account, name: str = "") -> str:
    """A new API token for ``account``; the only time it is seen in clear."""
    token = "nct_" + secrets.token_urlsafe(32)
    session.add(ApiToken(account_id=account.id, token_hash=token_hash(token), name=name))
    session.flush()
    return token


def account_for_token(session: Session, token: str) -> Account | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token),
                                                ApiToken.revoked_at.is_(None)))
    if row is None or not row.account.active:
        return None
    return row.account


def revoke_token(session: Session, token: str) -> bool:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = dt.datetime.now(dt.UTC)
    return True


def audit(session: Session, account: Account | None, action: str, target: str) -> None:
    session.add(AuditEntry(at=dt.datetime.now(dt.UTC), account_id=account.id if account else None,
                           login=account.login if account else "-", action=action, target=target[:500]))
