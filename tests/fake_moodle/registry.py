"""The web-service functions the fake implements: parameters, kind and handler, one entry each.

``kind`` is Moodle's own classification (``'type' => 'read'|'write'`` in each component's
db/services.php); ``component`` gives the version site info reports; ``capability`` is checked like
``require_capability`` (see ``FakeMoodle.revoke``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fake_moodle.params import Single

# Versions a Moodle 4.1.10 site with mod_attendance 2023020107 reports (from the recorded site info).
COMPONENT_VERSIONS = {
    "moodle": "2022112810",
    "enrol_manual": "2022112800",
    "gradereport_user": "2022112800",
    "mod_attendance": "2023020107",
}


@dataclass(frozen=True)
class Definition:
    name: str
    kind: str
    params: Single
    handler: Callable[[Any, dict[str, Any]], Any]
    component: str
    capability: tuple[str, str] | None  # (capability, its human name in the error message)


REGISTRY: dict[str, Definition] = {}


def ws(
    name: str,
    kind: str,
    params: Single,
    *,
    component: str = "moodle",
    capability: tuple[str, str] | None = None,
) -> Callable[[Callable[[Any, dict[str, Any]], Any]], Callable[[Any, dict[str, Any]], Any]]:
    def register(handler: Callable[[Any, dict[str, Any]], Any]) -> Callable[[Any, dict[str, Any]], Any]:
        REGISTRY[name] = Definition(name, kind, params, handler, component, capability)
        return handler

    return register
