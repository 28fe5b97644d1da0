"""The one place that talks HTTP to Moodle.

Every call is a form-encoded POST to ``/webservice/rest/server.php`` with ``wstoken``, ``wsfunction``
and ``moodlewsrestformat=json`` in the body (never in the URL, so the token stays out of access logs
and proxies), with a (connect, read) timeout, retried per :mod:`moodle_client.retry`, logged with
function, parameter count and duration, counted in :class:`CallStats` and told to the observers
registered with :func:`observe` (the product's metrics). The token is removed from
every error this module raises.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from config.settings import MoodleSettings, Secret
from moodle_client.batch import BatchResult, Decoded, Probe, run_batch
from moodle_client.errors import (
    MoodleError,
    OutcomeUnknown,
    TransportError,
    UnexpectedResponse,
    error_from_body,
    is_error_body,
)
from moodle_client.functions import Kind, describe
from moodle_client.php_params import flatten
from moodle_client.records import ApiInput
from moodle_client.retry import Backoff, Verdict, parse_retry_after, verdict

log = logging.getLogger("moodle_client")

ENDPOINT = "/webservice/rest/server.php"
# wstoken, wsfunction, moodlewsrestformat: fields every POST carries.
FIXED_FIELDS = 3

I = TypeVar("I")  # noqa: E741

# Called after every HTTP attempt with (wsfunction, seconds, the error or None): the product's
# metrics listen here, so the client stays free of them.
CallObserver = Callable[[str, float, "MoodleError | None"], None]
_observers: list[CallObserver] = []


def observe(observer: CallObserver) -> None:
    """Have ``observer`` called after every attempt of every call, in every client of this process."""
    if observer not in _observers:
        _observers.append(observer)


def _notify(wsfunction: str, seconds: float, error: MoodleError | None) -> None:
    for observer in _observers:
        observer(wsfunction, seconds, error)


@dataclass
class CallStats:
    """Counters for reports ("N read and M write calls") and benchmarks.

    ``calls`` counts web-service calls (one per POST that got a final answer or error, retries not
    included); ``requests`` counts HTTP attempts including retries; ``params`` holds the form field
    count of every call, in order.
    """

    calls: int = 0
    reads: int = 0
    writes: int = 0
    requests: int = 0
    retries: int = 0
    by_function: Counter[str] = field(default_factory=Counter)
    params: list[int] = field(default_factory=list)

    def record(self, wsfunction: str, kind: Kind, nparams: int) -> None:
        self.calls += 1
        if kind is Kind.READ:
            self.reads += 1
        else:
            self.writes += 1
        self.by_function[wsfunction] += 1
        self.params.append(nparams)

    @property
    def max_params(self) -> int:
        return max(self.params, default=0)

    def reset(self) -> None:
        self.__dict__.update(CallStats().__dict__)


def _reached_server(exc: requests.RequestException) -> bool:
    """Could the request body have reached Moodle? False only when the connection never opened."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        return not isinstance(reason, (NewConnectionError, ConnectTimeoutError))
    return True


def _cause(exc: requests.RequestException) -> str:
    """The transport fault in words, not requests' 300-character chain of wrapped exceptions."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS failed (the certificate or the protocol)"
    if isinstance(exc, requests.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, requests.Timeout):
        return "timed out waiting for the answer"
    text = str(exc)
    if "NameResolution" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return "DNS: the host name does not resolve"
    if "Connection refused" in text:
        return "connection refused"
    return "no answer (the connection was closed or reset)"


# Never left out by a probe: what finds the thing again in Moodle, and what the item cannot do without.
_NEVER_PROBED = frozenset({"idnumber", "password", "createpassword"})


def _optional(item: Any) -> list[str]:
    """The fields of an input dataclass that Moodle may go without (their default is None)."""
    if not dataclasses.is_dataclass(item):
        return []
    return [f.name for f in dataclasses.fields(item) if f.default is None and f.name not in _NEVER_PROBED]


def _snippet(text: str, limit: int = 120) -> str:
    return " ".join(text.split())[:limit]


class ClientCore:
    """Transport, retries, batching and counters; the typed calls live in the mixins of MoodleClient."""

    def __init__(
        self,
        url: str,
        token: str | Secret,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        max_params: int = 1000,
        verify_tls: bool = True,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        secret = token.reveal() if isinstance(token, Secret) else token
        if not url:
            raise ValueError("Moodle URL is not configured (set NETCOURSES_MOODLE_URL)")
        if not secret:
            raise ValueError("Moodle token is not configured (set NETCOURSES_MOODLE_TOKEN)")
        self.url = url.rstrip("/")
        self.endpoint = self.url + ENDPOINT
        self._token = secret
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max_retries
        self.max_params = max_params
        self._backoff = Backoff(backoff_base, backoff_cap)
        self._sleep, self._rand, self._clock = sleep, rand, clock
        self.session = session or requests.Session()
        self.session.verify = verify_tls
        self.session.headers.update({"Accept": "application/json", "User-Agent": "netcourses-moodle-client"})
        self.stats = CallStats()

    @classmethod
    def from_settings(cls, settings: MoodleSettings, **kwargs: Any) -> Self:
        """Build from ``settings.moodle``; ``kwargs`` (session, sleep, clock...) are for tests."""
        return cls(
            settings.url,
            settings.token,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_retries=settings.max_retries,
            backoff_base=settings.backoff_base,
            backoff_cap=settings.backoff_cap,
            max_params=settings.max_params,
            verify_tls=settings.verify_tls,
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r}, token='***')"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one call ---------------------------------------------------------------------------------

    def call(self, wsfunction: str, params: Mapping[str, Any] | None = None) -> Any:
        """Call ``wsfunction`` and return its decoded JSON (``None`` for void functions).

        Raises a :class:`MoodleError` subclass; a write whose outcome is unknown raises
        :class:`OutcomeUnknown`.
        """
        return self._post(wsfunction, flatten(params or {}))

    def _post(self, wsfunction: str, fields: list[tuple[str, str]]) -> Any:
        kind = describe(wsfunction).kind
        form = [("wstoken", self._token), ("wsfunction", wsfunction), ("moodlewsrestformat", "json"), *fields]
        if len(form) > self.max_params:
            raise ValueError(
                f"{wsfunction}: {len(form)} form fields exceed max_params={self.max_params}; "
                "PHP would silently drop the rest"
            )
        self.stats.record(wsfunction, kind, len(form))
        attempt = 0
        while True:
            started = self._clock()
            try:
                answer = self._attempt(wsfunction, form)
            except MoodleError as error:
                error.redacted(self._token)
                elapsed = self._clock() - started
                _notify(wsfunction, elapsed, error)
                decision = verdict(error, kind)
                if decision is Verdict.RETRY and attempt < self.max_retries:
                    delay = self._backoff.delay(attempt, getattr(error, "retry_after", None), self._rand)
                    attempt += 1
                    self.stats.retries += 1
                    # INFO: a retry is the client doing its job; the failure, if it stays, is raised.
                    log.info(
                        "moodle %s params=%d %.3fs failed (%s); retry %d/%d in %.2fs",
                        wsfunction,
                        len(form),
                        elapsed,
                        error,
                        attempt,
                        self.max_retries,
                        delay,
                    )
                    self._sleep(delay)
                    continue
                log.info("moodle %s params=%d %.3fs failed: %r", wsfunction, len(form), elapsed, error)
                if decision is Verdict.UNKNOWN:
                    raise OutcomeUnknown(error) from error
                raise
            elapsed = self._clock() - started
            _notify(wsfunction, elapsed, None)
            log.info("moodle %s params=%d %.3fs ok", wsfunction, len(form), elapsed)
            return answer

    def _attempt(self, wsfunction: str, form: list[tuple[str, str]]) -> Any:
        self.stats.requests += 1
        try:
            response = self.session.post(self.endpoint, data=form, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransportError(_cause(exc), reached_server=_reached_server(exc), wsfunction=wsfunction) from None
        status = response.status_code
        if status != 200:
            raise UnexpectedResponse(
                f"HTTP {status} from Moodle: {_snippet(response.text)}",
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                wsfunction=wsfunction,
            )
        try:
            body = response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "?")
            raise UnexpectedResponse(
                f"not a JSON answer ({kind}): {_snippet(response.text)}", status=status, wsfunction=wsfunction
            ) from None
        if is_error_body(body):
            raise error_from_body(body, wsfunction)
        return body

    # -- lists ------------------------------------------------------------------------------------

    def call_list(
        self,
        wsfunction: str,
        items: Sequence[I],
        decode: Callable[[Any, Sequence[I]], Decoded],
        extra: Mapping[str, Any] | None = None,
    ) -> BatchResult[I, Any]:
        """Send ``items`` (ApiInput values) as the function's list parameter, chunked and bisected."""
        spec = describe(wsfunction)
        key = spec.list_param
        if key is None:
            raise ValueError(f"{wsfunction} takes no list")
        encoded = [item.to_api() if isinstance(item, ApiInput) else item for item in items]
        extra_fields = flatten(extra or {})

        def send(indices: Sequence[int]) -> Any:
            return self._post(wsfunction, extra_fields + flatten({key: [encoded[i] for i in indices]}))

        def send_without(index: int, name: str) -> Any:
            item = {k: v for k, v in encoded[index].items() if k != name}
            return self._post(wsfunction, extra_fields + flatten({key: [item]}))

        def optional_fields(index: int) -> list[tuple[str, Any]]:
            item = items[index]
            return [(name, encoded[index][name]) for name in _optional(item) if name in encoded[index]]

        sizes = [len(flatten({key: [e]})) for e in encoded]
        room = self.max_params - FIXED_FIELDS - len(extra_fields)
        return run_batch(items, sizes, room, send, decode, spec.atomic, Probe(optional_fields, send_without))

    def read_list(self, wsfunction: str, values: Sequence[Any], extra: Mapping[str, Any] | None = None) -> list[Any]:
        """A read whose list parameter may be long: one POST per chunk, answers concatenated."""
        result = self.call_list(wsfunction, values, lambda answer, chunk: ([(None, a) for a in answer], []), extra)
        return result.results
