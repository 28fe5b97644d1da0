"""Private calendar links over the API (``/api/v1/calendar-links/<kind>/<key>``): read whether one
works (GET), issue or rotate it (POST), revoke it (DELETE). ``kind`` is student, teacher or
school; ``key`` the owner's external id. The same service as ``netcourses calendar-link`` and the
console's student page (:mod:`bridge.calendar.tokens`).

Who may manage whose link:

- admin: every student, teacher and school;
- coordinator: the students of their own school (:func:`bridge.web.auth.visible_students`) and
  their own school's link;
- teacher: their own teacher link only;
- viewer: none (403, whatever the target); nobody signed in: 401.

The rule for a target out of reach: **404, the same answer and message as for an unknown id**,
for every kind. A coordinator asking for another school's student, or a teacher for a colleague,
cannot tell from the answer whether that person exists; 403 is kept for roles that manage no link
at all. An unknown ``kind`` is 404 too.

A link is shown once, in the 201 answer of POST (``Cache-Control: no-store``): only its hash is
stored. POST when a link works already is 409, since the old one cannot be shown again; send
``{"rotate": true}`` (or ``?rotate=true``) to replace it, the old one then stops opening the
calendar. Every issue, rotation, revocation and status read is written to the audit log (target
``<kind> <key>``, never the link), and nothing here logs a link.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select

from bridge.audit import audit
from bridge.calendar.tokens import (
    FeedKind,
    FeedOwner,
    LinkExists,
    find_owner,
    issue_link,
    link_status,
    revoke_tokens,
)
from bridge.models import Account, AccountRole, Student
from bridge.web import db_session, json_fields, public_url
from bridge.web.auth import current_account, require, visible_students

bp = Blueprint("links_api", __name__, url_prefix="/api/v1")

ADMIN, COORDINATOR, TEACHER = AccountRole.ADMIN, AccountRole.COORDINATOR, AccountRole.TEACHER
ROUTE = "/calendar-links/<kind>/<key>"
ROLES = (ADMIN, COORDINATOR, TEACHER)
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def may_manage(account: Account, owner: FeedOwner) -> bool:
    """Whether ``account`` may read, issue and revoke the link of ``owner`` (see the module doc)."""
    if account.role == ADMIN:
        return True
    if account.role == COORDINATOR and owner.kind == FeedKind.STUDENT:
        query = visible_students(select(Student.id).where(Student.id == owner.id), account)
        return db_session().scalar(query) is not None
    if account.role == COORDINATOR and owner.kind == FeedKind.SCHOOL:
        return owner.id == account.school_id
    if account.role == TEACHER and owner.kind == FeedKind.TEACHER:
        return owner.id == account.teacher_id
    return False


def _owner_or_404(kind: str, key: str) -> FeedOwner:
    """The owner behind the path, or 404 when there is none or the caller may not manage it:
    one answer for both, so that it tells nothing about who exists."""
    try:
        feed_kind = FeedKind(kind)
    except ValueError:
        abort(404, "calendar links are of a student, a teacher or a school")
    owner = find_owner(db_session(), feed_kind, key)
    if owner is None or not may_manage(current_account(), owner):
        abort(404, f"no {feed_kind.value} {key!r}")
    return owner


def _rotate() -> bool:
    """``rotate`` from the query (``true``/``false``/``1``/``0``) or the JSON body (a boolean)."""
    rotate = json_fields({"rotate": bool}).get("rotate", False)
    if "rotate" in request.args:
        value = _BOOLEANS.get(request.args["rotate"].lower())
        if value is None:
            abort(400, "rotate must be true or false")
        rotate = rotate or value
    return rotate


def _audit(action: str, owner: FeedOwner, key: str) -> None:
    audit(db_session(), current_account(), action, f"{owner.kind.value} {key}")
    db_session().commit()


@bp.get(ROUTE)
@require(*ROLES)
def link_state(kind: str, key: str):
    owner = _owner_or_404(kind, key)
    status = link_status(db_session(), owner)
    body: dict[str, Any] = {"kind": owner.kind.value, "id": key, "active": status.active,
                            "issued_at": status.issued_at.isoformat() if status.issued_at else None}
    _audit("read calendar link", owner, key)
    return jsonify(body)


@bp.post(ROUTE)
@require(*ROLES)
def link_issue(kind: str, key: str):
    rotate = _rotate()
    owner = _owner_or_404(kind, key)
    try:
        link = issue_link(db_session(), owner, public_url(), rotate=rotate)
    except LinkExists as exists:
        abort(409, f"{owner.kind.value} {key} already has a calendar link (issued {exists.issued_at:%Y-%m-%d}); "
                   "only its hash is kept, so it cannot be shown again: send rotate: true to replace it")
    _audit("rotate calendar link" if link.replaced else "issue calendar link", owner, key)
    response = jsonify(link.as_dict())
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"  # the only copy of the link
    return response


@bp.delete(ROUTE)
@require(*ROLES)
def link_revoke(kind: str, key: str):
    owner = _owner_or_404(kind, key)
    revoked = revoke_tokens(db_session(), owner)
    _audit("revoke calendar link", owner, key)
    return jsonify(revoked=revoked)
