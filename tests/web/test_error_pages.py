"""A person's browser gets a Russian page in the console's layout (what happened, what to do, the detail
folded away); the API and programs keep JSON."""

from __future__ import annotations

import pytest

from tests.web.conftest import bearer
from tests.web.test_access import _login

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize(("role", "path", "code", "title"), [
    ("coordinator", "/sync", 403, "Нет доступа"),
    ("admin", "/courses/NOPE", 404, "Не найдено"),
    ("admin", "/students/NOPE", 404, "Не найдено"),
    (None, "/calendar/feed/" + "x" * 43, 404, "Не найдено"),  # a revoked or mistyped parent's link
])
def test_browsers_get_a_russian_page(client, accounts, role, path, code, title):
    if role:
        _login(client, role)
    page = client.get(path, headers=BROWSER)
    assert page.status_code == code and page.mimetype == "text/html"
    assert f"<h1>{title}</h1>" in page.text and "<details>" in page.text
    assert '{"error"' not in page.text


def test_the_api_and_programs_keep_json(client, accounts):
    api = client.get("/api/v1/courses/NOPE", headers={**BROWSER, **bearer(accounts, "viewer")})
    assert api.status_code == 404 and api.json["error"] == "Not Found"
    _login(client, "admin")
    program = client.get("/courses/NOPE")  # no Accept header: a script
    assert program.status_code == 404 and program.json["error"] == "Not Found"


def test_apply_without_moodle_says_so_in_russian(client, accounts):
    _login(client, "admin")
    page = client.get("/sync")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    refused = client.post("/sync", data={"action": "apply", "csrf_token": token}, headers=BROWSER)
    assert refused.status_code == 409
    assert "Moodle не настроен: задайте адрес и токен" in refused.text
    assert "<details><summary>Подробности</summary>" in refused.text
