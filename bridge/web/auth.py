"""Who is asking: session login for the console, Bearer tokens for scripts; roles; CSRF.

Every view states the roles it admits with :func:`require`; a view that shows student-level data
also narrows it to what the role may see (a coordinator: their school; a teacher: their courses)
and writes an audit entry.
"""

from __future__ import annotations

import functools
import hmac
import math
import secrets
from collections.abc import Callable

from flask import Blueprint, abort, g, make_response, redirect, render_template, request, session, url_for

from bridge.accounts import account_for_token, end_sessions, sign_in
from sqlalchemy import Select, false, select

from bridge.models import Account, AccountRole, CourseTeacher, Enrolment, Student
from bridge.web import db_session

bp = Blueprint("auth", __name__)

ALL_ROLES = tuple(AccountRole)


def current_account() -> Account | None:
    return g.get("account")


def _load_account() -> None:
    g.account = None
    g.via_token = False
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.account = account_for_token(db_session(), header.removeprefix("Bearer ").strip())
        g.via_token = g.account is not None
        return
    account_id = session.get("account_id")
    if account_id is not None:
        account = db_session().get(Account, account_id)
        if account is not None and account.active and session.get("generation") == account.session_generation:
            g.account = account


def visible_students(query: Select, account: Account) -> Select:
    """Narrow a query over Student to the students ``account`` may see: all for the administrator,
    their school's for a coordinator, their courses' for a teacher, none for a viewer (minors)."""
    if account.role == AccountRole.ADMIN:
        return query
    if account.role == AccountRole.COORDINATOR:
        return query.where(Student.school_id == account.school_id)
    if account.role == AccountRole.TEACHER:
        own = (select(Enrolment.student_id).join(CourseTeacher, CourseTeacher.course_id == Enrolment.course_id)
               .where(CourseTeacher.teacher_id == account.teacher_id))
        return query.where(Student.id.in_(own))
    return query.where(false())


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _check_csrf() -> None:
    """Forms posted with a session cookie must carry the session's CSRF token. Token-authenticated
    API calls carry no cookie, and webhooks authenticate themselves."""
    if request.method in ("GET", "HEAD", "OPTIONS") or g.via_token or request.blueprint == "webhooks":
        return
    if g.account is None and request.endpoint != "auth.login":
        return  # unauthenticated: the view itself answers 401/redirect
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    # Compared as bytes: compare_digest refuses str with characters beyond ASCII (a TypeError, a 500).
    if not sent or not hmac.compare_digest(sent.encode(), session.get("csrf", "").encode()):
        abort(400, "CSRF token missing or wrong")


@bp.before_app_request
def _before() -> None:
    _load_account()
    _check_csrf()


@bp.app_context_processor
def _template_globals() -> dict:
    return {"csrf_token": csrf_token, "account": current_account()}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def require(*roles: AccountRole) -> Callable:
    """Admit only signed-in accounts with one of ``roles`` (all roles when none are given). What they are
    answered is ``Cache-Control: no-store``: it names students, or may, and must not stay in a browser's or a
    proxy's cache (a school's shared computer) after sign-out."""
    admitted = roles or ALL_ROLES

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            account = current_account()
            if account is None:
                if wants_json():
                    abort(401, "sign in or send a Bearer token")
                return redirect(url_for("auth.login", next=request.full_path))
            if account.role not in admitted:
                abort(403, "your role may not see this")
            response = make_response(view(*args, **kwargs))
            response.headers["Cache-Control"] = "no-store"
            return response

        wrapped.roles = admitted  # type: ignore[attr-defined]
        return wrapped

    return decorate


def local_path(target: str) -> str:
    r"""``target`` when it is a path of this site, else ``/``: where sign-in may send someone back to.

    Browsers drop tabs and line feeds from a URL, strip leading spaces, read a backslash as a slash and
    any run of slashes as the start of a host, so ``/<TAB>/evil.example`` and ``/\evil.example`` lead to
    another site: a control or invisible character or a backslash is refused, not cleaned. What is left and
    starts with exactly one slash is a path (RFC 3986: no scheme, no host)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and target.isprintable():
        return target
    return "/"


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", error=None)
    result = sign_in(db_session(), request.form.get("login", ""), request.form.get("password", ""),
                     request.remote_addr or "-")
    db_session().commit()
    if result.account is not None:
        session.clear()
        session.permanent = True  # ends after web.session_idle_minutes without a request
        session["account_id"] = result.account.id
        session["generation"] = result.account.session_generation
        csrf_token()
        return redirect(local_path(request.args.get("next", "")))
    if result.wait:
        after = f"{result.wait} с" if result.wait < 60 else f"{math.ceil(result.wait / 60)} мин"
        error = f"Слишком много неудачных попыток входа. Повторите через {after}."
        return render_template("login.html", error=error), 429, {"Retry-After": str(result.wait)}
    return render_template("login.html", error="Неверный логин или пароль"), 401


@bp.post("/logout")
def logout():
    """Sign out everywhere: the session ends on the server too, so a copy of the cookie is worth nothing."""
    account = current_account()
    if account is not None:
        end_sessions(account)
        db_session().commit()
    session.clear()
    return redirect(url_for("auth.login"))
