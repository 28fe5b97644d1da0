"""The console page of accounts and API tokens («Учётные записи»), for the network administrator.

``/accounts`` lists every account with its role, scope, state and tokens (names and dates, never a
token or its hash). Forms create an account, disable or enable one, set a new password, issue a
token (its clear text is in that one response only, sent ``Cache-Control: no-store``) and revoke a
token by its id. The rules are :mod:`bridge.accounts`'s, which the ``netcourses user`` commands
share; this module reads the forms and says in Russian what a service refused.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.accounts import (
    MAX_DISPLAY_NAME,
    MAX_TOKEN_NAME,
    MIN_PASSWORD,
    AccountError,
    create_account,
    issue_token,
    list_accounts,
    revoke_token_id,
    set_active,
    set_password,
)
from bridge.models import Account, AccountRole, School, Teacher
from bridge.web import MAX_ID, db_session, get_or_404
from bridge.web.auth import current_account, require

bp = Blueprint("accounts_page", __name__)

ADMIN = AccountRole.ADMIN
ROLE_NAMES = {AccountRole.ADMIN: "администратор сети", AccountRole.COORDINATOR: "координатор школы",
              AccountRole.TEACHER: "сетевой педагог", AccountRole.VIEWER: "наблюдатель"}
LABELS = {"login": "Логин", "display_name": "Имя", "role": "Роль", "school": "Школа", "teacher": "Педагог",
          "password": "Пароль", "password2": "Пароль ещё раз", "name": "Назначение токена"}
# What a service's refusal (AccountError.code) means, in Russian; the label of its field goes first.
MESSAGES = {
    "login_invalid": "от 1 до 64 символов: буквы, цифры и . _ @ - (без пробелов)",
    "login_taken": "такой логин уже есть",
    "password_short": f"не короче {MIN_PASSWORD} символов",
    "display_name_invalid": f"не длиннее {MAX_DISPLAY_NAME} символов",
    "school_needed": "выберите школу координатора",
    "teacher_needed": "выберите педагога",
    "school_unexpected": "указывается только для координатора школы",
    "teacher_unexpected": "указывается только для сетевого педагога",
    "no_school": "выберите школу из реестра",
    "no_teacher": "выберите педагога из реестра",
    "token_name_invalid": f"не длиннее {MAX_TOKEN_NAME} символов",
    "inactive": "учётная запись отключена: сначала включите её",
    "last_admin": "это последний действующий администратор сети: сначала создайте другого администратора",
}
# Confirmations after a redirect: fixed texts by key, so nothing from the query is echoed.
DONE = {"created": "Учётная запись создана.",
        "disabled": "Учётная запись отключена: вход и её токены больше не действуют.",
        "enabled": "Учётная запись включена.", "already_disabled": "Учётная запись уже отключена.",
        "already_enabled": "Учётная запись уже включена.",
        "password": "Пароль изменён; сеансы завершены, API-токены отозваны.",
        "revoked": "Токен отозван.", "already_revoked": "Токен уже был отозван."}


class FormError(Exception):
    """A field of a form is wrong (or an action is refused): the message says so in Russian."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status

    @classmethod
    def field(cls, field: str, message: str) -> FormError:
        return cls(f"{LABELS[field]}: {message}")

    @classmethod
    def refused(cls, exc: AccountError, account: Account | None = None) -> FormError:
        message = MESSAGES.get(exc.code, str(exc))
        if exc.code in ("last_admin", "inactive"):  # not a field's fault: the account's state
            return cls(f"Учётная запись {account.login}: {message}", 409)
        error = cls.field(exc.field, message) if exc.field in LABELS else cls(message)
        if exc.code == "login_taken":  # a conflict with what is stored (perhaps a moment ago)
            error.status = 409
        return error

    def about(self, account: Account) -> FormError:
        """The same problem, saying which account's form it was on."""
        return self if str(self).startswith("Учётная запись") else FormError(
            f"{self} (учётная запись {account.login})", self.status)


def _text(field: str) -> str:
    value = request.form.get(field, "")
    return value.strip() if not field.startswith("password") else value


def _passwords() -> str:
    password = _text("password")
    if len(password) < MIN_PASSWORD:
        raise FormError.field("password", MESSAGES["password_short"])
    if _text("password2") != password:
        raise FormError.field("password2", "пароли не совпадают")
    return password


def _choices(session: Session) -> dict:
    return {"schools": session.scalars(select(School).order_by(School.short_name, School.id)).all(),
            "teachers": session.scalars(select(Teacher).order_by(Teacher.last_name, Teacher.first_name,
                                                                 Teacher.id)).all()}


def _render(session: Session, *, error: FormError | None = None, form: dict | None = None,
            open_id: int | None = None):
    sent = {k: v for k, v in (form or {}).items() if not k.startswith("password") and k != "csrf_token"}
    return render_template(
        "console/accounts.html", accounts=list_accounts(session), role_names=ROLE_NAMES, labels=LABELS,
        error=str(error) if error else None, form=sent, open_id=open_id, me=current_account(),
        min_password=MIN_PASSWORD, done=DONE.get(request.args.get("done", "")), **_choices(session),
    ), error.status if error else 200


def _back(done: str, account: Account):
    return redirect(url_for(".accounts", done=done, _anchor=f"account-{account.id}"), 303)


@bp.get("/accounts")
@require(ADMIN)
def accounts():
    return _render(db_session())


@bp.post("/accounts/new")
@require(ADMIN)
def account_new():
    session = db_session()
    try:
        login = _text("login")
        if not login:
            raise FormError.field("login", "заполните поле")
        display_name = _text("display_name")
        try:
            role = AccountRole(request.form.get("role", ""))
        except ValueError:
            raise FormError.field("role", "выберите роль из списка") from None
        school, teacher = _text("school") or None, _text("teacher") or None
        password = _passwords()
        try:
            account = create_account(session, login, password, role, display_name=display_name, school=school,
                                     teacher=teacher, by=current_account())
        except AccountError as exc:
            session.rollback()
            raise FormError.refused(exc) from None
    except FormError as exc:
        return _render(session, error=exc, form=request.form.to_dict())
    session.commit()
    return _back("created", account)


def _change_state(account_id: int, active: bool):
    session = db_session()
    account = get_or_404(Account, account_id, "account")
    try:
        changed = set_active(session, account, active, by=current_account())
    except AccountError as exc:
        session.rollback()
        return _render(session, error=FormError.refused(exc, account), open_id=account.id)
    session.commit()
    word = "enabled" if active else "disabled"
    return _back(word if changed else f"already_{word}", account)


@bp.post("/accounts/<int:account_id>/disable")
@require(ADMIN)
def account_disable(account_id: int):
    return _change_state(account_id, False)


@bp.post("/accounts/<int:account_id>/enable")
@require(ADMIN)
def account_enable(account_id: int):
    return _change_state(account_id, True)


@bp.post("/accounts/<int:account_id>/password")
@require(ADMIN)
def account_password(account_id: int):
    session = db_session()
    account = get_or_404(Account, account_id, "account")
    try:
        set_password(session, account, _passwords(), by=current_account())
    except FormError as exc:
        return _render(session, error=exc.about(account), open_id=account.id)
    session.commit()
    return _back("password", account)


@bp.post("/accounts/<int:account_id>/tokens")
@require(ADMIN)
def token_issue(account_id: int):
    """The token is in this response only: it is not stored in clear, logged, audited or cached."""
    session = db_session()
    account = get_or_404(Account, account_id, "account")
    try:
        name = _text("name")
        try:
            token = issue_token(session, account, name, by=current_account())
        except AccountError as exc:
            session.rollback()
            raise FormError.refused(exc, account) from None
    except FormError as exc:
        return _render(session, error=exc.about(account), form=request.form.to_dict(), open_id=account.id)
    session.commit()
    response = render_template("console/account_token.html", target=account, name=name, token=token)
    return response, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}


@bp.post("/accounts/<int:account_id>/tokens/<int:token_id>/revoke")
@require(ADMIN)
def token_revoke(account_id: int, token_id: int):
    session = db_session()
    account = get_or_404(Account, account_id, "account")
    if token_id > MAX_ID:
        abort(404, f"no token {token_id}")
    try:
        revoked = revoke_token_id(session, account, token_id, by=current_account())
    except AccountError as exc:  # not this account's token
        abort(404, str(exc))
    session.commit()
    return _back("revoked" if revoked else "already_revoked", account)
