"""Cell kinds: how one template cell is read from text and written back to text.

Each kind parses the trimmed text of a non-empty cell into the value the registry stores, or
raises :class:`CellProblem`; ``format`` is the inverse used by the export, so whatever the export
writes the import reads back to the same value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bridge.sheets.problems import CellProblem

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_RU_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_YEAR_CODE = re.compile(r"(\d{4})-(\d{4})")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Text:
    max_len: int
    doc_type: str = "text"

    def parse(self, text: str) -> Any:
        if len(text) > self.max_len:
            raise CellProblem("too_long", max=self.max_len)
        if "<" in text or ">" in text:
            # Moodle refuses markup in names and titles on every sync; say so here, once, at the row.
            raise CellProblem("markup", value=text)
        return text

    def format(self, value: Any) -> str:
        return "" if value is None else str(value)

    def allowed(self) -> str:
        return f"up to {self.max_len} characters, no < or >"


@dataclass(frozen=True)
class Ident(Text):
    """An external id (the key imports update by). Commas are reserved for id lists."""

    max_len: int = 64
    doc_type: str = "identifier"

    def parse(self, text: str) -> str:
        if "," in text:
            raise CellProblem("bad_id", value=text)
        return super().parse(text)

    def allowed(self) -> str:
        return f"up to {self.max_len} characters, no commas, no < or >"


@dataclass(frozen=True)
class IdList(Ident):
    """Comma-separated ids (a course's teachers); stored as a sorted tuple without repeats."""

    doc_type: str = "identifier list"

    def parse(self, text: str) -> tuple[str, ...]:
        ids = {part.strip() for part in text.split(",")} - {""}
        for one in ids:
            Text.parse(self, one)
        return tuple(sorted(ids))

    def format(self, value: Any) -> str:
        return ",".join(value or ())

    def allowed(self) -> str:
        return "ids separated by commas"


@dataclass(frozen=True)
class Email(Text):
    max_len: int = 255
    doc_type: str = "e-mail"

    def parse(self, text: str) -> str:
        if not _EMAIL.fullmatch(text):
            raise CellProblem("bad_email", value=text)
        return super().parse(text)

    def allowed(self) -> str:
        return "name@domain"


@dataclass(frozen=True)
class Integer:
    lo: int
    hi: int
    doc_type: str = "whole number"

    def parse(self, text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise CellProblem("not_integer", value=text) from None
        if not self.lo <= number <= self.hi:
            raise CellProblem("out_of_range", value=number, lo=self.lo, hi=self.hi)
        return number

    def format(self, value: Any) -> str:
        return str(value)

    def allowed(self) -> str:
        return f"{self.lo} to {self.hi}"


@dataclass(frozen=True)
class Choice:
    """One of a few values; ``aliases`` maps other spellings (Russian names) to a value."""

    values: tuple[str, ...]
    aliases: tuple[tuple[str, str], ...] = ()
    doc_type: str = "one of"

    def parse(self, text: str) -> str:
        folded = text.lower()
        if folded in self.values:
            return folded
        for alias, value in self.aliases:
            if folded == alias:
                return value
        raise CellProblem("bad_choice", value=text, allowed="|".join(self.values))

    def format(self, value: Any) -> str:
        return str(getattr(value, "value", value))

    def allowed(self) -> str:
        extra = ", ".join(f"«{a}»" for a, _ in self.aliases)
        return "|".join(self.values) + (f" (also {extra})" if extra else "")


@lru_cache(maxsize=4096)  # big files repeat a few dates over and over
def parse_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` or ``DD.MM.YYYY`` (how schools write dates) as a date; None if it is neither or no such day."""
    try:
        if _ISO_DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
        if m := _RU_DATE.fullmatch(text):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        pass
    return None


@lru_cache(maxsize=4096)
def _time(text: str) -> dt.time | None:
    m = _TIME.fullmatch(text)
    try:
        if m and not int(m[3] or 0):
            return dt.time(int(m[1]), int(m[2]))
    except ValueError:
        pass
    return None


@dataclass(frozen=True)
class Date:
    doc_type: str = "date"

    def parse(self, text: str) -> dt.date:
        if (value := parse_date(text)) is None:
            raise CellProblem("bad_date", value=text)
        return value

    def format(self, value: Any) -> str:
        return "" if value is None else value.isoformat()

    def allowed(self) -> str:
        return "YYYY-MM-DD or DD.MM.YYYY (or a date cell in XLSX)"


@dataclass(frozen=True)
class Time:
    doc_type: str = "time"

    def parse(self, text: str) -> dt.time:
        if (value := _time(text)) is None:
            raise CellProblem("bad_time", value=text)
        return value

    def format(self, value: Any) -> str:
        return value.strftime("%H:%M")

    def allowed(self) -> str:
        return "HH:MM, 24-hour (or a time cell in XLSX)"


_WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
_WEEKDAY_NAMES = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")


@dataclass(frozen=True)
class Weekday:
    doc_type: str = "weekday"

    def parse(self, text: str) -> int:
        folded = text.lower().rstrip(".")
        for names in (_WEEKDAYS, _WEEKDAY_NAMES):
            if folded in names:
                return names.index(folded) + 1
        if folded.isdigit() and 1 <= int(folded) <= 7:
            return int(folded)
        raise CellProblem("bad_weekday", value=text)

    def format(self, value: Any) -> str:
        return str(value)

    def allowed(self) -> str:
        return "1-7 (Monday = 1) or пн, вт, ср, чт, пт, сб, вс"


@lru_cache(maxsize=None)
def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Timezone:
    doc_type: str = "time zone"

    def parse(self, text: str) -> str:
        if len(text) > 64 or not _known_zone(text):
            raise CellProblem("bad_timezone", value=text)
        return text

    def format(self, value: Any) -> str:
        return value

    def allowed(self) -> str:
        return "an IANA name such as Europe/Moscow, Asia/Yekaterinburg"


@dataclass(frozen=True)
class YearCode:
    doc_type: str = "academic year code"

    def parse(self, text: str) -> str:
        m = _YEAR_CODE.fullmatch(text)
        if not m or int(m[2]) != int(m[1]) + 1:
            raise CellProblem("bad_year_code", value=text)
        return text

    def format(self, value: Any) -> str:
        return value

    def allowed(self) -> str:
        return "YYYY-YYYY, consecutive years"


Kind = Text | Integer | Choice | Date | Time | Weekday | Timezone | YearCode
