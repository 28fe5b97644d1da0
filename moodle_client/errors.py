"""One exception hierarchy for everything that can go wrong talking to Moodle.

Moodle reports errors with HTTP 200 and a body ``{"exception", "errorcode", "message"[, "debuginfo"]}``;
:func:`error_from_body` maps that body to a class by ``exception``/``errorcode`` only, never by
``debuginfo`` (production sites omit it). Transport faults and answers that are not Moodle JSON get
their own classes, so the retry policy and callers can decide by type. Modelled on the hierarchies of
canvasapi (exceptions.py) and stripe-python (_error.py): one base class carrying the raw fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class MoodleNotConfigured(Exception):
    """The URL or the token is not set, so no call can be made. Not a :class:`MoodleError`: Moodle
    was never asked, and callers tell the administrator which setting is missing."""


class MoodleError(Exception):
    """Base class. ``exception``/``errorcode``/``message``/``debuginfo`` are Moodle's own fields."""

    def __init__(
        self,
        message: str,
        *,
        wsfunction: str = "",
        exception: str = "",
        errorcode: str = "",
        debuginfo: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.wsfunction = wsfunction
        self.exception = exception
        self.errorcode = errorcode
        self.debuginfo = debuginfo
        # Set on errors that stop a list call: the BatchResult of what was settled before.
        self.partial: Any = None

    def __str__(self) -> str:
        where = f"{self.wsfunction}: " if self.wsfunction else ""
        code = f" [{self.errorcode}]" if self.errorcode and self.errorcode != self.message else ""
        # Sites with debugging on say which value was wrong; a first line of it helps a report.
        detail = (
            f": {self.debuginfo.strip().splitlines()[0][:200]}" if self.debuginfo and self.debuginfo.strip() else ""
        )
        return f"{where}{self.message}{detail}{code}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def redacted(self, secret: str) -> MoodleError:
        """Remove ``secret`` from every text field (Moodle's debuginfo may echo SQL parameters)."""
        if secret:
            for name in ("message", "errorcode", "debuginfo"):
                value = getattr(self, name)
                if value and secret in value:
                    setattr(self, name, value.replace(secret, "***"))
            self.args = (self.message,)
        return self


class InvalidToken(MoodleError):
    """The token is unknown or expired: nothing will work until an administrator issues a new one."""


class AccessDenied(MoodleError):
    """The function is not in the token's service, or the token's user lacks a capability."""


class InvalidParameter(MoodleError):
    """Moodle rejected a parameter (often ``invalidparameter``; the detail is only in debuginfo)."""


class NotFound(MoodleError):
    """A record the call refers to does not exist (``dml_missing_record_exception`` and kin)."""


class SiteMaintenance(MoodleError):
    """The site is in maintenance mode; the call was not executed."""


class UnknownFunction(MoodleError):
    """The wsfunction does not exist on this site (plugin missing or older Moodle)."""


class TransportError(MoodleError):
    """No usable HTTP answer: connection refused, reset, timeout.

    ``reached_server`` is False only when we know nothing was sent (connection never established),
    so a write may be retried safely; True means the server may have received and executed it.
    """

    def __init__(self, message: str, *, reached_server: bool, wsfunction: str = "") -> None:
        super().__init__(message, wsfunction=wsfunction, errorcode="transport")
        self.reached_server = reached_server


class UnexpectedResponse(MoodleError):
    """An answer that is not Moodle's JSON: an HTML page, a proxy error, a 5xx, a 503 with Retry-After."""

    def __init__(self, message: str, *, status: int, retry_after: float | None = None, wsfunction: str = "") -> None:
        super().__init__(message, wsfunction=wsfunction, errorcode=f"http{status}")
        self.status = status
        self.retry_after = retry_after


class OutcomeUnknown(MoodleError):
    """A write was sent but no answer came back: it may or may not have been applied.

    Never retried blindly; re-read the objects (by idnumber/username) and decide. ``cause`` is the
    transport fault or unexpected answer behind it.
    """

    def __init__(self, cause: MoodleError) -> None:
        super().__init__(
            f"outcome unknown, re-read before retrying ({cause.message})",
            wsfunction=cause.wsfunction,
            errorcode="outcomeunknown",
        )
        self.cause = cause


def explain(error: MoodleError, url: str) -> str:
    """One line for the administrator: which Moodle, what went wrong in words, and what to check."""
    if isinstance(error, OutcomeUnknown):
        return f"{explain(error.cause, url)} (a write may have been applied; the next run re-reads it)"
    if isinstance(error, TransportError):
        check = ("the certificate (moodle.verify_tls)" if error.message.startswith("TLS")
                 else "the network and moodle.read_timeout" if "timed out" in error.message
                 else "NETCOURSES_MOODLE_URL and that the site is up")
        return f"no answer from Moodle at {url}: {error.message}; check {check}"
    if isinstance(error, UnexpectedResponse):
        what = (f"HTTP {error.status}" if error.status != 200 else "a page that is not web-service JSON")
        check = ("that the site is not in maintenance" if error.status == 503
                 else "the site's error log" if error.status >= 500
                 else "NETCOURSES_MOODLE_URL (the site's address) and that the REST protocol is enabled")
        return f"Moodle at {url} answered {what}; check {check}"
    if isinstance(error, InvalidToken):
        return f"Moodle at {url} rejected the token (unknown or expired); check NETCOURSES_MOODLE_TOKEN"
    if isinstance(error, AccessDenied):
        return (f"Moodle at {url} refused {error.wsfunction or 'the call'}: {error.message}; check the token's "
                "service has the function and its user the capability")
    if isinstance(error, SiteMaintenance):
        return f"Moodle at {url} is in maintenance mode; run again when it is over"
    return f"Moodle at {url} answered: {error}"


def is_item_level(error: MoodleError) -> bool:
    """An error about the request's own content (a bad value, a missing record, a taken shortname).

    A batch failing with one has a bad item in it, so splitting the batch isolates it. The other
    classes (token, access, maintenance, transport...) would fail every item alike.
    """
    return type(error) is MoodleError or isinstance(error, (InvalidParameter, NotFound))


_ACCESS_EXCEPTIONS = {
    "webservice_access_exception",
    "required_capability_exception",
    "require_login_exception",
    "restricted_context_exception",
}
_ACCESS_CODES = {"accessexception", "nopermissions", "requireloginerror", "enablewsdescription", "servicenotavailable"}
_NOT_FOUND_CODES = {"invalidrecord", "invalidrecordunknown", "invaliduser", "invalidcourseid", "invalidcoursemodule"}


def is_error_body(body: Any) -> bool:
    return isinstance(body, Mapping) and "exception" in body and "errorcode" in body


def error_from_body(body: Mapping[str, Any], wsfunction: str = "") -> MoodleError:
    """Map Moodle's error body to the most specific class."""
    exception = str(body.get("exception") or "")
    errorcode = str(body.get("errorcode") or "")
    message = str(body.get("message") or errorcode or exception)
    debuginfo = body.get("debuginfo")
    fields = dict(
        wsfunction=wsfunction,
        exception=exception,
        errorcode=errorcode,
        debuginfo=str(debuginfo) if debuginfo is not None else None,
    )
    cls: type[MoodleError] = MoodleError
    if errorcode in ("invalidtoken", "invalidtokenexpired"):
        cls = InvalidToken
    elif errorcode == "sitemaintenance":
        cls = SiteMaintenance
    elif exception == "dml_missing_record_exception" and "external_functions" in message:
        # Moodle looks the function name up before anything else; a miss names that table.
        cls = UnknownFunction
    elif exception in _ACCESS_EXCEPTIONS or errorcode in _ACCESS_CODES:
        cls = AccessDenied
    elif exception == "invalid_parameter_exception" or errorcode == "invalidparameter":
        cls = InvalidParameter
    elif exception == "dml_missing_record_exception" or errorcode in _NOT_FOUND_CODES:
        cls = NotFound
    return cls(message, **fields)
