"""Parse a form body back into the nested arrays PHP builds from ``users[0][username]=...``."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_SEGMENT = re.compile(r"\[([^\]]*)\]")


def parse_form(body: str | bytes | None) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """The raw fields in order, and PHP's nested view of them (arrays as dicts keyed by index)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    fields = parse_qsl(body or "", keep_blank_values=True)
    tree: dict[str, Any] = {}
    for name, value in fields:
        head, _, rest = name.partition("[")
        path = [head] + (_SEGMENT.findall("[" + rest) if rest else [])
        node = tree
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        last = path[-1]
        if last == "":
            last = str(len(node))
        node[last] = value
    return fields, tree
