"""Attack: reading pupils' data out of a cache. A page or API answer with students' names, marks or attendance
that a browser or a proxy may store stays on a shared school computer (the back button, the disk cache)
after its user signed out. The safe answer: every such answer says ``Cache-Control: no-store``."""

from __future__ import annotations

import pytest

from tests.web.conftest import bearer, download_report
from tests.web.test_access import _login

PAGES = ["/students", "/students/SCH29-S1", "/reports", "/reports?report=marks", "/courses/NC-CHEM-11"]
API = ["/api/v1/students", "/api/v1/students?school=SCH29", "/api/v1/reports/attendance", "/api/v1/reports/marks",
       "/api/v1/reports/at-risk", "/api/v1/courses/NC-CHEM-11"]


@pytest.mark.parametrize("path", PAGES)
def test_console_pages_with_students_are_not_cached(client, accounts, path):
    """Attack: the browser's cache of a console page with students' data, read after sign-out. Safe
    answer: Cache-Control: no-store."""
    _login(client, "admin")
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_report_files_are_not_cached(client, accounts, worker, fmt):
    """Attack: a downloaded report file (names, marks) kept by the browser's cache. Safe answer: no-store."""
    _login(client, "admin")
    assert download_report(client, worker, "report=marks", fmt).headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize("path", API)
def test_api_answers_with_students_are_not_cached(client, accounts, path):
    """Attack: a proxy's or client's cache of a student-level API answer. Safe answer: Cache-Control:
    no-store."""
    response = client.get(path, headers=bearer(accounts, "admin"))
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") == "no-store"
