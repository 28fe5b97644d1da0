"""How a list call's answer maps back to the items sent: the shapes Moodle uses for list answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from moodle_client.batch import Decoded
from moodle_client.errors import UnexpectedResponse
from moodle_client.records import MoodleWarning


def aligned(parse: Callable[[Any], Any]) -> Callable[[Any, Sequence[Any]], Decoded]:
    """Create calls answer one record per item, in order."""

    def decode(answer: Any, chunk: Sequence[Any]) -> Decoded:
        if not isinstance(answer, list) or len(answer) != len(chunk):
            raise UnexpectedResponse(f"expected {len(chunk)} records back, got {type(answer).__name__}", status=200)
        return list(zip(chunk, map(parse, answer), strict=True)), []

    return decode


def void(answer: Any, chunk: Sequence[Any]) -> Decoded:
    """Functions answering ``null``: every item of a successful POST went through."""
    return [(item, None) for item in chunk], []


def warnings_of(answer: Any) -> list[MoodleWarning]:
    return [MoodleWarning.from_api(w) for w in (answer or {}).get("warnings", ())]


def warned_by_id(answer: Any, chunk: Sequence[Any]) -> Decoded:
    """Update calls: items named by a warning's ``itemid`` were not (fully) applied."""
    warnings = warnings_of(answer)
    warned = {w.itemid for w in warnings}
    return [(item, None) for item in chunk if item.id not in warned], warnings


def with_warnings(answer: Any, chunk: Sequence[Any]) -> Decoded:
    """Calls whose warnings do not name the item (e.g. cohort members): items plus warnings."""
    return [(item, None) for item in chunk], warnings_of(answer)
