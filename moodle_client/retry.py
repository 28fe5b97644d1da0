"""When to try a call again, and how long to wait first.

Exponential backoff with full jitter (a random wait between 0 and ``min(cap, base * 2**attempt)``,
as stripe-python's _http_client does for its retries), unless the server said how long with
``Retry-After``. Reads are retried on every transient fault. A write is retried only when it cannot
have run: the connection was never made, the server refused it up front (503, 429, maintenance).
When a write may have run (timeout or reset after sending, a 5xx mid-way), the verdict is
``UNKNOWN`` and the caller gets :class:`~moodle_client.errors.OutcomeUnknown`.
"""

from __future__ import annotations

import email.utils
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass

from moodle_client.errors import MoodleError, SiteMaintenance, TransportError, UnexpectedResponse
from moodle_client.functions import Kind

# Answers that mean "not executed, come back later" for reads and writes alike.
_REFUSED = {429, 503}
# Answers a read may get past by asking again; for a write they leave the outcome unknown.
_TRANSIENT = {500, 502, 504}


class Verdict(enum.Enum):
    RETRY = "retry"
    FAIL = "fail"
    UNKNOWN = "unknown"


def verdict(error: MoodleError, kind: Kind) -> Verdict:
    if isinstance(error, SiteMaintenance):
        return Verdict.RETRY
    if isinstance(error, TransportError):
        if not error.reached_server or kind is Kind.READ:
            return Verdict.RETRY
        return Verdict.UNKNOWN
    if isinstance(error, UnexpectedResponse):
        if error.status in _REFUSED:
            return Verdict.RETRY
        if kind is Kind.READ:
            return Verdict.RETRY if error.status in _TRANSIENT else Verdict.FAIL
        # A write answered by garbage (HTTP 200 with HTML, a 5xx) did reach PHP.
        return Verdict.UNKNOWN if error.status >= 500 or error.status < 300 else Verdict.FAIL
    return Verdict.FAIL


@dataclass(frozen=True)
class Backoff:
    base: float
    cap: float

    def delay(self, attempt: int, retry_after: float | None, rand: Callable[[], float]) -> float:
        """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts from 0)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.cap)
        return rand() * min(self.cap, self.base * 2**attempt)


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """``Retry-After`` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now(), 0.0)
