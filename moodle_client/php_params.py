"""Flatten nested parameters into the form fields PHP turns back into arrays.

Moodle's REST server reads ``$_POST``, so ``{"users": [{"username": "a"}]}`` must travel as
``users[0][username]=a``. Indices are always explicit: PHP's ``users[][username]`` would start a new
array element per field. Each field counts against PHP's ``max_input_vars``, which is why the batcher
budgets requests by ``len(flatten(...))``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator, Mapping
from typing import Any


def scalar(value: Any) -> str:
    """One value as PHP will read it: booleans as 1/0, times as Unix seconds."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, enum.Enum):
        return scalar(value.value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Moodle needs an aware time to send Unix seconds")
        return str(int(value.timestamp()))
    if isinstance(value, dt.timedelta):
        return str(int(value.total_seconds()))
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    raise TypeError(f"cannot send {type(value).__name__} to Moodle: {value!r}")


def _walk(prefix: str, value: Any) -> Iterator[tuple[str, str]]:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(f"{prefix}[{key}]" if prefix else str(key), item)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _walk(f"{prefix}[{index}]", item)
    else:
        yield prefix, scalar(value)


def flatten(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``{"a": [{"b": 1}], "c": None}`` → ``[("a[0][b]", "1")]``; ``None`` means "not sent"."""
    return list(_walk("", params))
