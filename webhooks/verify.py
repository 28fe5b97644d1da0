"""Who sent this request? Verified on the raw body before anything else is trusted.

Two schemes: the local_webhooks plugin puts a shared ``token`` in the JSON body; deployments that
sign use Standard Webhooks (HMAC-SHA256 over ``<id>.<timestamp>.<body>``, headers
``webhook-id``/``webhook-timestamp``/``webhook-signature``, a 5-minute tolerance). Every
comparison is constant-time, and every configured secret is tried, so a rotation needs no gap.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Iterable, Mapping

from config import Secret

TIMESTAMP = re.compile(r"[0-9]{1,12}")  # seconds since 1970, in ASCII digits


class VerificationError(Exception):
    """The request is not from a holder of a configured secret (answer 401)."""


def token_matches(token: object, tokens: Iterable[Secret]) -> bool:
    if not isinstance(token, str) or not token:
        return False
    given = token.encode()
    ok = False
    for secret in tokens:  # no early exit: the time does not say which secret was close
        ok |= hmac.compare_digest(given, secret.reveal().encode())
    return ok


def _key(secret: Secret) -> bytes:
    return base64.b64decode(secret.reveal().removeprefix("whsec_"))


def sign(secret: Secret, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of a message (used by tests and by senders we write)."""
    mac = hmac.new(_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def verify_signed(headers: Mapping[str, str], body: bytes, secrets: Iterable[Secret], *,
                  tolerance: int = 300, now: float | None = None) -> str:
    """Check a Standard Webhooks request; return its message id (the dedupe key)."""
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    header = headers.get("webhook-signature", "")
    if not (msg_id and stamp and header):
        raise VerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    if not TIMESTAMP.fullmatch(stamp):  # a 400-digit number is an int, but no float to compare with the clock
        raise VerificationError("webhook-timestamp is not a number of seconds")
    timestamp = int(stamp)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise VerificationError("webhook-timestamp is outside the tolerance")
    offered = [part.encode() for part in header.split() if part.startswith("v1,")]
    ok = False
    for secret in secrets:
        expected = sign(secret, msg_id, timestamp, body).encode()
        for candidate in offered:
            ok |= hmac.compare_digest(expected, candidate)
    if not ok:
        raise VerificationError("no valid signature")
    return msg_id
