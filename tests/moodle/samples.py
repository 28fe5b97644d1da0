"""The recorded Moodle samples (tests/fixtures/moodle-ws/), in the order they were recorded."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "moodle-ws"
# The recording's token was replaced by this placeholder.
RECORDED_TOKEN = "TOKEN"


@dataclass(frozen=True)
class Sample:
    name: str
    wsfunction: str
    params: dict[str, str]
    status: int
    response: Any

    @property
    def fields(self) -> dict[str, str]:
        """The form fields after wstoken/wsfunction/moodlewsrestformat."""
        return {k: v for k, v in self.params.items() if k not in ("wstoken", "wsfunction", "moodlewsrestformat")}


@cache
def order() -> tuple[str, ...]:
    """The copied samples in recording order, as the samples' README lists them.

    Samples of functions the product does not use (completion, today's sessions) were not copied.
    """
    text = (FIXTURES / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^- `([\w.]+\.json)`", text, flags=re.M)
    return tuple(name for name in listed if (FIXTURES / name).exists())


@cache
def sample(name: str) -> Sample:
    data = json.loads((FIXTURES / f"{name.removesuffix('.json')}.json").read_text(encoding="utf-8"))
    return Sample(name.removesuffix(".json"), data["wsfunction"], data["params"], data["http_status"], data["response"])


def all_samples() -> list[Sample]:
    return [sample(name) for name in order()]
