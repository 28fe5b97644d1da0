"""Accounts, passwords and API tokens: the services the CLI and the web app share.

Passwords are hashed with werkzeug's scrypt; API tokens are random (256 bits) and only their
SHA-256 is stored, so neither can be read back from the database.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from bridge import sign_in_throttle
from bridge.audit import Actor, audit
from bridge.db import utc
from bridge.models import Account, AccountRole, ApiToken, School, Teacher

MIN_PASSWORD = 10
# werkzeug's memory-hard default; tests swap in a cheap method to stay fast.
PASSWORD_METHOD = "scrypt"
LOGIN = re.compile(r"[\w.@-]{1,64}")  # the column holds 64 characters; no spaces, nothing to confuse a shell
MAX_DISPLAY_NAME = 255
MAX_TOKEN_NAME = 100


class AccountError(ValueError):
    """A request about an account that cannot be done; the message says why (in English, for the CLI).

    ``code`` says which rule refused it and ``field`` which input it is about, so the console can
    say the same in Russian next to the right field."""

    def __init__(self, message: str, *, code: str = "", field: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.field = field


def create_account(session: Session, login: str, password: str, role: AccountRole, *, display_name: str = "",
                   school: str | None = None, teacher: str | None = None, by: Actor | None = None) -> Account:
    """A new active account; ``by`` (the administrator acting, when known) is written to the audit log."""
    if not LOGIN.fullmatch(login):
        raise AccountError("a login is 1 to 64 letters, digits and . _ @ - (no spaces)", code="login_invalid",
                           field="login")
    if session.scalar(select(Account.id).where(Account.login == login)) is not None:
        raise _login_taken(login)
    _check_password(password)
    if len(display_name) > MAX_DISPLAY_NAME or "\x00" in display_name:
        raise AccountError(f"the display name must have at most {MAX_DISPLAY_NAME} characters",
                           code="display_name_invalid", field="display_name")
    account = Account(login=login, password_hash=generate_password_hash(password, PASSWORD_METHOD), role=role,
                      display_name=display_name or login)
    account.school_id, account.teacher_id = _scope(session, role, school, teacher)
    session.add(account)
    try:
        session.flush()
    except IntegrityError:
        # Another request created the login between the check above and now (the column is
        # unique): this transaction cannot go on, so it is rolled back.
        session.rollback()
        raise _login_taken(login) from None
    if by is not None:
        audit(session, by, "create account", f"{login} ({role.value}{_scope_text(account)})")
    return account


def _login_taken(login: str) -> AccountError:
    return AccountError(f"login {login!r} is taken", code="login_taken", field="login")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters", code="password_short",
                           field="password")


def _scope(session: Session, role: AccountRole, school: str | None,
           teacher: str | None) -> tuple[int | None, int | None]:
    """(school_id, teacher_id) of an account with ``role``: a coordinator's school, a teacher's record."""
    if role == AccountRole.COORDINATOR:
        if not school:
            raise AccountError("a coordinator needs --school", code="school_needed", field="school")
        if teacher:
            raise AccountError("--teacher is for teacher accounts only", code="teacher_unexpected", field="teacher")
        return _id(session, School, School.external_id, school, "school"), None
    if role == AccountRole.TEACHER:
        if not teacher:
            raise AccountError("a teacher account needs --teacher", code="teacher_needed", field="teacher")
        if school:
            raise AccountError("--school is for coordinators only", code="school_unexpected", field="school")
        return None, _id(session, Teacher, Teacher.external_id, teacher, "teacher")
    if school:
        raise AccountError("--school is for coordinators only", code="school_unexpected", field="school")
    if teacher:
        raise AccountError("--teacher is for teacher accounts only", code="teacher_unexpected", field="teacher")
    return None, None


def _id(session: Session, model, column, value: str, what: str) -> int:
    found = session.scalar(select(model.id).where(column == value))
    if found is None:
        raise AccountError(f"no {what} {value!r} in the registry", code=f"no_{what}", field=what)
    return found


def _scope_text(account: Account) -> str:
    if account.school_id is not None:
        return f", school {account.school.external_id if account.school else account.school_id}"
    if account.teacher_id is not None:
        return f", teacher {account.teacher.external_id if account.teacher else account.teacher_id}"
    return ""


@dataclass(frozen=True)
class SignIn:
    """What an attempt to sign in came to: ``account`` when it succeeded; else ``wait``, the seconds before
    another attempt may be made when it was refused unchecked (too many failures), or 0 (a wrong login or
    password)."""

    account: Account | None
    wait: int = 0


def sign_in(session: Session, login: str, password: str, address: str, now: dt.datetime | None = None) -> SignIn:
    """Sign in as ``login`` from ``address`` (the client's IP address), unless failures of that login or from
    that address say to wait first (bridge.sign_in_throttle). A failure is counted and written to the audit
    log with the login it tried (when it is an account's: a mistyped password is not a login) and the address."""
    now = now or dt.datetime.now(dt.UTC)
    wait = sign_in_throttle.seconds_to_wait(session, login, address, now)
    if wait:
        return SignIn(None, wait)
    account = authenticate(session, login, password)
    if account is not None:
        sign_in_throttle.forget_login(session, login)
        return SignIn(account)
    sign_in_throttle.record_failure(session, login, address, now)
    known = _named(session, login)
    audit(session, None, "sign-in failed", f"{known.login if known else 'unknown login'} from {address}")
    return SignIn(None)


def _named(session: Session, login: str) -> Account | None:
    """The account ``login``, active or not; None for what cannot be a login (nor, with a NUL, be sent to
    PostgreSQL)."""
    return session.scalar(select(Account).where(Account.login == login)) if LOGIN.fullmatch(login) else None


def authenticate(session: Session, login: str, password: str) -> Account | None:
    """The active account ``login`` if ``password`` is its password. An unknown or disabled login is
    checked against a decoy hash, so both answers cost one hash and time does not tell which logins exist."""
    account = _named(session, login)
    if account is not None and not account.active:
        account = None
    stored = account.password_hash if account is not None else _decoy_hash(PASSWORD_METHOD)
    return account if check_password_hash(stored, password) and account is not None else None


@functools.cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(32), method)


def end_sessions(account: Account) -> None:
    """End every console session of ``account`` (on every computer, copied cookies included)."""
    account.session_generation += 1


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, account: Account, name: str = "", *, by: Actor | None = None) -> str:
    """A new API token for ``account``; the only time it is seen in clear (never logged, never audited)."""
    if len(name) > MAX_TOKEN_NAME or "\x00" in name:
        raise AccountError(f"a token's name must have at most {MAX_TOKEN_NAME} characters", code="token_name_invalid",
                           field="name")
    if not account.active:
        raise AccountError(f"account {account.login!r} is disabled: enable it first", code="inactive")
    token = "nct_" + secrets.token_urlsafe(32)
    row = ApiToken(account_id=account.id, token_hash=token_hash(token), name=name)
    session.add(row)
    session.flush()
    if by is not None:
        audit(session, by, "issue API token", f"{account.login}: token {row.id}" + (f" ({name})" if name else ""))
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


# --- administration: listing, revoking, disabling, passwords, roles ---


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown of an API token: never its hash (nor, after issue, its clear text)."""

    id: int
    name: str
    created_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "created_at": _iso(self.created_at),
                "revoked_at": _iso(self.revoked_at)}


@dataclass(frozen=True)
class AccountInfo:
    """An account as the CLI and the console list it: scope by external ids, tokens oldest first."""

    id: int
    login: str
    display_name: str
    role: AccountRole
    school: str | None  # a coordinator's school (external id)
    school_name: str | None
    teacher: str | None  # a teacher account's teacher (external id)
    teacher_name: str | None
    active: bool
    created_at: dt.datetime | None
    tokens: tuple[TokenInfo, ...]

    def as_json(self) -> dict:
        return {"id": self.id, "login": self.login, "display_name": self.display_name, "role": self.role.value,
                "school": self.school, "teacher": self.teacher, "active": self.active,
                "created_at": _iso(self.created_at), "tokens": [t.as_json() for t in self.tokens]}


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return utc(value).isoformat()


def list_accounts(session: Session) -> list[AccountInfo]:
    """Every account by login, with its tokens (revoked ones too, so the history shows)."""
    accounts = session.scalars(select(Account).options(selectinload(Account.school), selectinload(Account.teacher))
                               .order_by(Account.login)).all()
    tokens: dict[int, list[TokenInfo]] = {}
    for t in session.scalars(select(ApiToken).order_by(ApiToken.id)):
        tokens.setdefault(t.account_id, []).append(TokenInfo(t.id, t.name, t.created_at, t.revoked_at))
    return [AccountInfo(
        id=a.id, login=a.login, display_name=a.display_name, role=a.role,
        school=a.school.external_id if a.school else None, school_name=a.school.short_name if a.school else None,
        teacher=a.teacher.external_id if a.teacher else None,
        teacher_name=_person(a.teacher) if a.teacher else None,
        active=a.active, created_at=a.created_at, tokens=tuple(tokens.get(a.id, ()))) for a in accounts]


def _person(teacher: Teacher) -> str:
    return " ".join(p for p in (teacher.last_name, teacher.first_name, teacher.middle_name) if p)


def find_account(session: Session, login: str) -> Account:
    account = session.scalar(select(Account).where(Account.login == login))
    if account is None:
        raise AccountError(f"no account {login!r}", code="no_account", field="login")
    return account


def revoke_token_id(session: Session, account: Account, token_id: int, *, by: Actor | None = None) -> bool:
    """Revoke ``account``'s token ``token_id`` (as listed); False when it was revoked already."""
    row = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.account_id == account.id))
    if row is None:
        raise AccountError(f"account {account.login!r} has no token {token_id}", code="no_token", field="token")
    if row.revoked_at is not None:
        return False
    row.revoked_at = dt.datetime.now(dt.UTC)
    if by is not None:
        audit(session, by, "revoke API token", f"{account.login}: token {row.id}")
    session.flush()
    return True


def revoke_all_tokens(session: Session, account: Account, *, by: Actor | None = None) -> int:
    """Revoke every live token of ``account``; how many there were."""
    rows = session.scalars(select(ApiToken).where(ApiToken.account_id == account.id,
                                                  ApiToken.revoked_at.is_(None))).all()
    now = dt.datetime.now(dt.UTC)
    for row in rows:
        row.revoked_at = now
    if rows and by is not None:
        audit(session, by, "revoke API tokens", f"{account.login}: tokens {', '.join(str(r.id) for r in rows)}")
    session.flush()
    return len(rows)


def _keep_an_admin(session: Session, account: Account, doing: str) -> None:
    """Refuse to leave the network without an active administrator, also when two requests
    disable (or demote) the last two at once: each would count the other as still active. So the
    count is made under a lock held until the change commits, and a second request waits, then
    counts afresh. On PostgreSQL the active administrators' rows are locked, in id order. SQLite
    reads take no lock (and ignore FOR UPDATE): there a write to those rows first takes the
    database's write lock, and the transaction it begins reads what the first request committed."""
    if account.role != AccountRole.ADMIN or not account.active:
        return
    active_admins = (Account.role == AccountRole.ADMIN, Account.active.is_(True))
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Account).where(*active_admins).values(active=True),
                        execution_options={"synchronize_session": False})
    admins = session.scalars(select(Account.id).where(*active_admins).order_by(Account.id).with_for_update()).all()
    if not any(i != account.id for i in admins):
        raise AccountError(f"{account.login!r} is the last active administrator: cannot {doing} it "
                           "(make another administrator first)", code="last_admin")


def set_active(session: Session, account: Account, active: bool, *, by: Actor | None = None) -> bool:
    """Enable or disable ``account``; False when it already was. A disabled account can neither sign
    in nor use its tokens (they stay, and work again once it is enabled)."""
    if account.active == active:
        return False
    if not active:
        _keep_an_admin(session, account, "disable")
        end_sessions(account)
    account.active = active
    if by is not None:
        audit(session, by, "enable account" if active else "disable account", account.login)
    session.flush()
    return True


def set_password(session: Session, account: Account, password: str, *, by: Actor | None = None) -> int:
    """A new password for ``account`` (the same rule as when it was created). A password is reset when the
    account may be in someone else's hands, so its sessions end and its API tokens are revoked too (how
    many is returned): whoever had them must be given new ones."""
    _check_password(password)
    account.password_hash = generate_password_hash(password, PASSWORD_METHOD)
    end_sessions(account)
    if by is not None:
        audit(session, by, "set password", account.login)
    return revoke_all_tokens(session, account, by=by)


def set_role(session: Session, account: Account, role: AccountRole, *, school: str | None = None,
             teacher: str | None = None, by: Actor | None = None) -> bool:
    """Give ``account`` another role (and the scope it needs); False when nothing changes. The last
    active administrator cannot be demoted."""
    school_id, teacher_id = _scope(session, role, school, teacher)
    if (account.role, account.school_id, account.teacher_id) == (role, school_id, teacher_id):
        return False
    if role != AccountRole.ADMIN:
        _keep_an_admin(session, account, "demote")
    account.role, account.school_id, account.teacher_id = role, school_id, teacher_id
    session.flush()
    if by is not None:
        session.refresh(account, ["school", "teacher"])
        audit(session, by, "set role", f"{account.login}: {role.value}{_scope_text(account)}")
    return True
