"""Moodle's parameter descriptions and ``external_api::validate_parameters``, error texts included.

A function's parameters are a :class:`Single` of :class:`Value`/:class:`Single`/:class:`Multiple`,
as in Moodle's ``*_parameters()`` methods. Validation cleans each value with its PARAM_* type and
fails when cleaning changed it, nesting the messages the way Moodle does
(``users => Invalid parameter value detected: username => ...``), so a client sending a wrong
key, a missing key or a bad value gets exactly the answer the real site gives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fake_moodle.exceptions import InvalidParameterException

REQUIRED, DEFAULT, OPTIONAL = "required", "default", "optional"

_TAG = re.compile(r"<[^>]*>")
_EMAIL = re.compile(r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)+$")
_PLUGIN = re.compile(r"^[a-z][a-z0-9_]*$")
_TIMEZONE = re.compile(r"^([+-]?\d{1,2}(\.[05])?|99|[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*)$")
_INT = re.compile(r"^\s*[+-]?\d+")
_FLOAT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _int(value: str) -> str:
    match = _INT.match(value)
    return str(int(match.group())) if match else "0"


def _keep(pattern: str) -> Callable[[str], str]:
    regex = re.compile(pattern)
    return lambda value: regex.sub("", value)


def _matches(regex: re.Pattern[str]) -> Callable[[str], str]:
    return lambda value: value if regex.match(value) else ""


def _bool(value: str) -> str:
    lowered = value.lower()
    if lowered in ("on", "yes", "true"):
        return "1"
    if lowered in ("off", "no", "false"):
        return "0"
    return "0" if value in ("", "0") else "1"


CLEANERS: dict[str, Callable[[str], str]] = {
    "int": _int,
    "bool": _bool,
    "float": lambda v: v if _FLOAT.match(v) else "",
    "raw": lambda v: v,
    "text": lambda v: _TAG.sub("", v),
    "notags": lambda v: _TAG.sub("", v),
    "alpha": _keep(r"[^a-zA-Z]"),
    "alphanum": _keep(r"[^A-Za-z0-9]"),
    "alphanumext": _keep(r"[^A-Za-z0-9_-]"),
    "alphaext": _keep(r"[^a-zA-Z/_-]"),
    "safedir": _keep(r"[^a-zA-Z0-9_-]"),
    "username": lambda v: re.sub(r"[^-.@_a-z0-9]", "", v.strip().lower()),
    "email": _matches(_EMAIL),
    "plugin": _matches(_PLUGIN),
    "component": _matches(_PLUGIN),
    "timezone": _matches(_TIMEZONE),
}


@dataclass(frozen=True)
class Value:
    type: str
    required: str = REQUIRED
    default: Any = None

    def validate(self, value: Any) -> Any:
        if isinstance(value, dict):
            raise InvalidParameterException("Scalar type expected, array or object received.")
        if self.type == "bool" and value in ("0", "1"):
            return value == "1"
        cleaned = CLEANERS[self.type](value)
        if cleaned != value:
            raise InvalidParameterException(
                f'Invalid external api parameter: the value is "{value}", the server was expecting "{self.type}" type'
            )
        if self.type == "int":
            return int(value)
        if self.type == "float":
            return float(value)
        return value


def _array_only(value: Any) -> None:
    if not isinstance(value, dict):
        raise InvalidParameterException(f"Only arrays accepted. The bad value is: '{value}'")


@dataclass(frozen=True)
class Single:
    keys: Mapping[str, Value | Single | Multiple]
    required: str = REQUIRED
    default: Any = None

    def validate(self, value: Any) -> dict[str, Any]:
        _array_only(value)
        result: dict[str, Any] = {}
        for key, desc in self.keys.items():
            if key not in value:
                if desc.required == REQUIRED:
                    raise InvalidParameterException(f"Missing required key in single structure: {key}")
                if desc.required == DEFAULT:
                    result[key] = desc.default
                continue
            try:
                result[key] = desc.validate(value[key])
            except InvalidParameterException as exc:
                raise InvalidParameterException(f"{key} => Invalid parameter value detected: {exc.debuginfo}") from None
        extra = [k for k in value if k not in self.keys]
        if extra:
            raise InvalidParameterException(f"Unexpected keys ({', '.join(extra)}) detected in parameter array.")
        return result


@dataclass(frozen=True)
class Multiple:
    content: Value | Single
    required: str = REQUIRED
    default: Any = field(default_factory=list)

    def validate(self, value: Any) -> list[Any]:
        _array_only(value)
        return [self.content.validate(v) for v in value.values()]


def opt(type_: str) -> Value:
    return Value(type_, OPTIONAL)


def dflt(type_: str, default: Any) -> Value:
    return Value(type_, DEFAULT, default)


def options() -> Multiple:
    """The ``options: [{name, value}]`` list several functions take."""
    return Multiple(Single({"name": Value("alphanum"), "value": Value("raw")}), DEFAULT, [])
