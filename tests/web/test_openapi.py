"""The OpenAPI document describes every API route, and the running app, fuzzed from it, never
answers 5xx (schemathesis)."""

import os
import re

import schemathesis
from hypothesis import HealthCheck, given, settings

from bridge.web.openapi import document
from tests.web.conftest import bearer

# Examples per operation; a nightly or pre-release run raises it (NETCOURSES_FUZZ_EXAMPLES=500).
EXAMPLES = int(os.environ.get("NETCOURSES_FUZZ_EXAMPLES", "25"))


def test_every_api_route_is_documented(app):
    documented = set(document()["paths"])
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule) for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")}
    assert routes == documented


def test_document_is_served(client):
    body = client.get("/api/openapi.json").json
    assert body["openapi"].startswith("3.1") and "/api/v1/students" in body["paths"]


def test_fuzzed_api_never_answers_5xx(app, accounts):
    """Every operation, examples generated from the document, called as three roles."""
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == sum(len(methods) for methods in document()["paths"].values())
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            for role in ("admin", "coordinator", "viewer"):
                response = case.call(headers=bearer(accounts, role))
                assert response.status_code < 500, f"{operation.label}: {response.text}"
                content_type = response.headers.get("content-type", [""])[0]
                assert content_type.startswith("application/json"), f"{operation.label}: {content_type}"

        check()
