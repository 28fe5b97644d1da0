"""What a request may carry, checked before any of it reaches a query: an answer of 400 that names
the part at fault instead of a 500 from deep inside the database driver or the JSON parser.

- NUL characters: PostgreSQL text cannot hold them, so a NUL in the path, a query parameter or a
  form field fails the query (SQLite would store it); no key, code or name of ours contains one.
- JSON bodies: strict JSON only (no ``NaN``/``Infinity``, no number beyond a float), at most
  :data:`MAX_DEPTH` levels deep (the parser and everything that walks the result recurse) and
  without NUL in any string.
- Whole numbers in URLs and queries: ASCII digits only. ``str.isdigit`` and werkzeug's ``int``
  converter accept other scripts' digits (``²``, ``１``), which ``int`` rejects or reads as
  another number.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import abort, request
from werkzeug.routing import IntegerConverter

MAX_DEPTH = 32  # Moodle's events and our bodies are three levels deep at most
DIGITS = re.compile(r"[0-9]{1,18}")  # beyond 18 digits no number of ours, and no 64-bit integer


class AsciiIntegerConverter(IntegerConverter):
    """The ``int`` URL converter, for ASCII digits only (``/accounts/１/disable`` is no account's URL)."""

    regex = r"[0-9]+"


def whole_number(text: str) -> int | None:
    """``text`` as a whole number when it is one written in ASCII digits, else None."""
    return int(text) if DIGITS.fullmatch(text) else None


def _clean(name: str) -> str:
    """A name sent with a NUL, fit to be quoted in an answer."""
    return name.replace("\x00", "")[:50]


def refuse_nul() -> None:
    """400 when the path, a query parameter or a form field holds a NUL character. The webhook
    endpoint reads its own body (its size is checked before it is read) and checks it itself."""
    if "\x00" in request.path:
        abort(400, "the path may not contain NUL characters")
    parts = [("query parameter", request.args)]
    if request.blueprint != "webhooks":
        request.get_data(cache=True)  # kept, so a view that reads the body as JSON still finds it
        parts.append(("form field", request.form))
    for where, values in parts:
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                abort(400, f"{where} {_clean(name)!r}: NUL characters are not allowed")


class BadJson(ValueError):
    """A body that is not the strict, shallow, NUL-free JSON we accept; the message says why."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJson(f"the number {text[:20]} is out of range")
    return value


def _constant(name: str) -> Any:
    raise BadJson(f"{name} is not JSON")


def strict_json(data: bytes) -> Any:
    """``data`` parsed as JSON, or :class:`BadJson` (see the module's doc for what is refused)."""
    try:
        value = json.loads(data, parse_float=_finite, parse_constant=_constant)
    except BadJson:
        raise
    except ValueError:  # not JSON, not UTF-8, or an integer of thousands of digits
        raise BadJson("the body is not JSON") from None
    except RecursionError:
        raise BadJson(f"the body is nested more than {MAX_DEPTH} levels deep") from None
    pending: list[tuple[Any, int, str]] = [(value, 1, "")]  # a value, its depth, where it is ("item 2: remarks")
    while pending:  # not recursive: the depth is what is being checked
        item, depth, where = pending.pop()
        if depth > MAX_DEPTH:
            raise BadJson(f"the body is nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            pending.extend((v, depth + 1, f"{where}{_clean(k)}: ") for k, v in item.items())
            pending.extend((k, depth, f"{where}a key: ") for k in item)
        elif isinstance(item, list):
            pending.extend((v, depth + 1, f"{where}item {i + 1}: ") for i, v in enumerate(item))
        elif isinstance(item, str) and "\x00" in item:
            raise BadJson(f"{where or 'the body: '}NUL characters are not allowed")
    return value


def request_json(expected: str) -> Any:
    """The request's JSON body, or 400 saying it must be ``expected`` ("a JSON object") and what is wrong."""
    try:
        return strict_json(request.get_data(cache=True))
    except BadJson as exc:
        abort(400, f"the body must be {expected}: {exc}")
