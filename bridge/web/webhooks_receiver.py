"""``POST /webhooks/moodle``: verify, store once, answer at once. Processing happens later.

Order matters: the size is checked before the body is read, the sender is verified before the
content is trusted, and nothing is stored for a request that fails any check. Webhooks only
hint that something changed; a worker (woken by a queued job) re-reads the truth from Moodle.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from bridge import jobs
from bridge.models import MAX_INTEGER, WebhookEvent
from bridge.web import db_session, runtime
from bridge.web.inputs import BadJson, strict_json
from webhooks.inbox import event_key, moodle_id, store
from webhooks.verify import VerificationError, token_matches, verify_signed

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

SIGNED_PREFIX = "msg:"
MAX_MESSAGE_ID = WebhookEvent.dedupe_key.type.length - len(SIGNED_PREFIX)  # it is stored as the dedupe key


def _error(status: int, message: str):
    return jsonify(error=message), status


@bp.post("/moodle")
def moodle():
    cfg = runtime().settings.webhooks
    limit = cfg.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        return _error(413, f"body over {limit} bytes")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        return _error(413, f"body over {limit} bytes")

    msg_id = request.headers.get("webhook-id", "")
    if len(msg_id) > MAX_MESSAGE_ID or "\x00" in msg_id:
        return _error(400, f"webhook-id must be at most {MAX_MESSAGE_ID} characters, without NUL")
    signed_key = None
    if "webhook-signature" in request.headers:
        if not cfg.signing_secrets:
            return _error(401, "signed requests are not configured")
        try:
            signed_key = verify_signed(request.headers, body, cfg.signing_secrets, tolerance=cfg.tolerance_seconds)
        except VerificationError as exc:
            return _error(401, str(exc))

    try:
        event = strict_json(body)
    except BadJson as exc:
        return _error(400, str(exc))
    if not isinstance(event, dict):
        return _error(400, "body is not a JSON object")
    if signed_key is None and not token_matches(event.get("token"), cfg.tokens):
        return _error(401, "bad or missing token")
    if not isinstance(event.get("eventname"), str) or not event["eventname"].startswith("\\"):
        return _error(400, "eventname missing or not a Moodle event class")
    if event.get("courseid") is not None and moodle_id(event["courseid"]) is None:
        return _error(400, f"courseid must be a Moodle id: a whole number from 0 to {MAX_INTEGER}")

    key = SIGNED_PREFIX + signed_key if signed_key else event_key(event)
    stored = store(db_session(), event, key)
    if stored:
        _wake_a_worker()
    return jsonify(status="accepted" if stored else "duplicate"), 202 if stored else 200


def _wake_a_worker() -> None:
    """Queue the inbox job unless one is waiting already, so the event is processed within a worker's
    poll rather than at the scheduler's next tick (a running one may have read the inbox before it)."""
    session = db_session()
    if jobs.active(session, "webhooks", (jobs.QUEUED,)) is None:
        jobs.enqueue(session, "webhooks", max_attempts=runtime().settings.jobs.max_attempts)
        session.commit()
