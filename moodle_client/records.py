"""Base classes for the typed values that go to and come from Moodle.

Results are frozen dataclasses built by ``from_api(dict)``: keys Moodle adds in later versions are
ignored, and each field is converted by its annotation (Unix seconds → aware UTC ``datetime``, 0/1 →
``bool``, lists → tuples of records). One generic converter serves every record, so a record class
is just its fields. Inputs are frozen dataclasses whose ``to_api()`` drops unset (``None``) fields:
Moodle treats a missing optional key as "leave as is / use the default", which differs from sending
an empty value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Self

from moodle_client.errors import UnexpectedResponse

Converter = Callable[[Any], Any]


def timestamp(value: Any) -> dt.datetime | None:
    """Moodle's "no time" is 0 (or null): ``None``; anything else an aware UTC datetime."""
    if value in (None, "", 0, "0"):
        return None
    return dt.datetime.fromtimestamp(int(value), dt.UTC)


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false")
    return bool(value)


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _optional(convert: Converter) -> Converter:
    return lambda value: None if value is None else convert(value)


def _converter(hint: Any) -> Converter:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if args == [dt.datetime]:
            return timestamp
        return _optional(_converter(args[0]))
    if origin is tuple:
        item = _converter(typing.get_args(hint)[0])
        return lambda value: tuple(item(v) for v in (value or ()))
    if isinstance(hint, type) and issubclass(hint, ApiRecord):
        return hint.from_api
    simple: dict[Any, Converter] = {
        int: int,
        float: float,
        str: _str,
        bool: _bool,
        dt.datetime: lambda v: dt.datetime.fromtimestamp(int(v), dt.UTC),
        dt.timedelta: lambda v: dt.timedelta(seconds=int(v)),
    }
    return simple.get(hint, lambda value: value)


@functools.cache
def _plan(cls: type) -> tuple[tuple[str, Converter, bool], ...]:
    hints = typing.get_type_hints(cls)
    return tuple(
        (
            f.name,
            _converter(hints[f.name]),
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in dataclasses.fields(cls)
    )


class ApiRecord:
    """Mixin for frozen dataclasses read from Moodle answers."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        kwargs: dict[str, Any] = {}
        for name, convert, required in _plan(cls):
            if name in data:
                kwargs[name] = convert(data[name])
            elif required:
                raise UnexpectedResponse(
                    f"Moodle's answer has no {name!r} for {cls.__name__} (keys: {sorted(data)})", status=200
                )
        return cls(**kwargs)


def _to_api(value: Any) -> Any:
    if isinstance(value, ApiInput):
        return value.to_api()
    if isinstance(value, (list, tuple)):
        return [_to_api(v) for v in value]
    return value


class ApiInput:
    """Mixin for frozen dataclasses sent to Moodle; field names are Moodle's parameter names."""

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = _to_api(value)
        return out


@dataclasses.dataclass(frozen=True)
class MoodleWarning(ApiRecord):
    """One entry of Moodle's ``warnings[]``: a per-item problem that did not fail the call."""

    warningcode: str
    message: str
    item: str | None = None
    itemid: int | None = None
