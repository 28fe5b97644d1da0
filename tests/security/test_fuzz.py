"""Attack: NUL bytes, digits of other scripts and huge numbers sent to every route of the app, in
every path argument, in the query parameters and form and JSON fields the views read, as the
administrator (who reaches the most code): no answer may be a 5xx. PostgreSQL is where NUL bytes
fail (its text cannot hold them); CI runs this on both databases."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlencode

from tests.web.conftest import bearer

VALUES = ["\x00", "a\x00b", "²", "１", "٣", "9" * 400, str(2**31), str(2**63), "-1", "1e400", "NaN", "-Infinity"]
# Every name a view reads from the query, a form or a JSON body (grep request.args/.form and json_fields).
FIELDS = ("login", "password", "password2", "display_name", "role", "school", "teacher", "name", "date", "start",
          "end", "room", "title", "kind", "courses", "note", "action", "full", "force", "mode", "dry_run", "rotate",
          "student", "status", "remarks", "eventname", "courseid", "objectid", "token", "year", "page", "per_page",
          "term", "report", "download", "next", "done")


def _path(rule, value: str) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", quote(value, safe=""), path)
    return path


def _requests(app, value: str):
    """(method, path, keyword arguments of the test client) for every route and method."""
    fields = {name: value for name in FIELDS}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = _path(rule, value)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path, {}
            yield method, f"{path}?{urlencode(fields)}", {}
            if method != "GET":
                yield method, path, {"data": fields}
                yield method, path, {"json": fields}
                raw = "{" + ", ".join(f'"{name}": {value}' for name in FIELDS) + "}"  # numbers unquoted
                yield method, path, {"data": raw, "content_type": "application/json"}
                yield method, path, {"data": json.dumps([fields]), "content_type": "application/json"}


def test_nul_bytes_unicode_digits_and_huge_numbers_on_every_route(app, accounts):
    """Every route and method × each value in the path, the query, a form, a JSON body: never a 5xx."""
    client = app.test_client()
    failures = []
    for value in VALUES:
        for method, path, kwargs in _requests(app, value):
            try:
                status = client.open(path, method=method, headers=bearer(accounts, "admin"), **kwargs).status_code
            except Exception as exc:  # the app raises in tests instead of answering 500
                status = f"{type(exc).__name__}: {str(exc)[:200]}"
            # /ready answers 503 by design while no worker is seen (none runs in this test): not a failure.
            if not isinstance(status, int) or (status >= 500 and not (path.startswith("/ready") and status == 503)):
                failures.append(f"{method} {path[:80]!r} {sorted(kwargs)}: {status}")
    assert not failures, "\n".join(failures[:40])
