"""Authorization, table-driven: every role against every endpoint, allowed what it must and
refused the rest; a coordinator never sees another school's student."""

import re

import pytest
from sqlalchemy import select

from bridge.accounts import revoke_token
from bridge.models import AuditEntry
from tests.conftest import PASSWORD
from tests.web.conftest import bearer

ROLES = ("admin", "coordinator", "teacher", "viewer")

# endpoint -> roles admitted (everyone else: 403; nobody signed in: 401)
ACCESS = {
    "/api/v1/stats": ROLES,
    "/api/v1/stats/dynamics": ROLES,
    "/api/v1/stats/checks": ("admin", "coordinator"),
    "/api/v1/schools": ROLES,
    "/api/v1/schools/SCH14": ROLES,
    "/api/v1/courses": ROLES,
    "/api/v1/courses/NC-CHEM-11": ROLES,
    "/api/v1/teachers": ("admin", "coordinator", "teacher"),
    "/api/v1/students": ("admin", "coordinator", "teacher"),
    "/api/v1/sync/runs": ("admin",),
    "/api/v1/reports/attendance": ("admin", "coordinator", "teacher"),
    "/api/v1/reports/marks": ("admin", "coordinator", "teacher"),
    "/api/v1/reports/at-risk": ("admin", "coordinator", "teacher"),
    "/api/v1/reports/summary": ROLES,
    "/api/v1/choices/campaigns": ROLES,
    "/api/v1/agreements": ("admin", "coordinator", "viewer"),
    "/api/v1/agreements/uncovered": ("admin", "coordinator", "viewer"),
    "/api/v1/teacher-hours": ROLES,
    "/api/v1/monitoring/teachers": ROLES,
    "/api/v1/students/SCH29-S2/timeline": ("admin", "coordinator", "teacher"),
    "/api/v1/monitoring/schools": ("admin", "coordinator", "viewer"),
    "/api/v1/monitoring/monthly": ("admin", "viewer"),
}


@pytest.mark.parametrize("path", sorted(ACCESS))
@pytest.mark.parametrize("role", ROLES)
def test_role_access_table(client, accounts, path, role):
    response = client.get(path, headers=bearer(accounts, role))
    assert response.status_code == (200 if role in ACCESS[path] else 403), response.json


@pytest.mark.parametrize("path", sorted(ACCESS))
def test_anonymous_is_401(client, accounts, path):
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer nct_not-a-token"}).status_code == 401


def test_every_api_view_states_its_roles(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            assert hasattr(app.view_functions[rule.endpoint], "roles"), rule.rule


def _student_ids(client, headers):
    body = client.get("/api/v1/students?per_page=500", headers=headers).json
    return {s["id"] for s in body["items"]}


def test_coordinator_sees_only_their_school(client, accounts):
    assert _student_ids(client, bearer(accounts, "coordinator")) == {"SCH29-S1", "SCH29-S2", "SCH29-S3"}
    # Asking for another school by filter still yields nothing of it.
    body = client.get("/api/v1/students?school=SCH01", headers=bearer(accounts, "coordinator")).json
    assert body["items"] == [] and body["total"] == 0


def test_teacher_sees_only_students_of_their_courses(client, accounts):
    # T-2 teaches NC-PY-11: every second student of the district is enrolled there.
    assert _student_ids(client, bearer(accounts, "teacher")) == {"SCH01-S1", "SCH01-S3", "SCH29-S2"}
    assert len(_student_ids(client, bearer(accounts, "admin"))) == 6


def test_student_reads_are_audited(client, session, accounts):
    client.get("/api/v1/students?school=SCH29", headers=bearer(accounts, "coordinator"))
    entry = session.scalars(select(AuditEntry)).one()
    assert entry.login == "coordinator" and entry.action == "read students" and "school=SCH29" in entry.target


def test_revoked_token_is_refused(client, session, accounts):
    assert revoke_token(session, accounts["admin"][1])
    session.commit()
    assert client.get("/api/v1/schools", headers=bearer(accounts, "admin")).status_code == 401


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_login_with_csrf_then_session_access(client, accounts):
    page = client.get("/login")
    assert page.status_code == 200 and "Вход" in page.text
    assert client.post("/login", data={"login": "admin", "password": PASSWORD}).status_code == 400  # no CSRF
    bad = client.post("/login", data={"login": "admin", "password": "wrong password", "csrf_token": _csrf(page.text)})
    assert bad.status_code == 401 and "Неверный логин или пароль" in bad.text
    ok = client.post("/login", data={"login": "admin", "password": PASSWORD, "csrf_token": _csrf(page.text)})
    assert ok.status_code == 302
    assert client.get("/api/v1/students").status_code == 200
    # A form post with the session cookie but no CSRF token is refused.
    assert client.post("/logout").status_code == 400


def test_security_headers(client):
    response = client.get("/health")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_user_add_cli(runner, session):
    result = runner.invoke(["user", "add", "boss", "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    short = runner.invoke(["user", "add", "boss2", "--password", "short"])
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    coordinator = runner.invoke(["user", "add", "c1", "--role", "coordinator", "--password", "long enough pw"])
    assert coordinator.exit_code == 1 and "needs --school" in coordinator.output


PAGES = {
    "/": ROLES, "/sync": ("admin",), "/imports": ("admin",), "/schools": ROLES, "/courses": ROLES,
    "/courses/NC-CHEM-11": ROLES, "/students": ("admin", "coordinator", "teacher"),
    "/teachers": ("admin", "coordinator", "teacher"), "/audit": ("admin",),
    "/reports": ("admin", "coordinator", "teacher"), "/face-to-face": ROLES,
    "/accounts": ("admin",), "/conflicts": ("admin", "coordinator"), "/load": ("admin", "coordinator"),
    "/agreements": ("admin", "coordinator", "viewer"), "/agreements/uncovered": ("admin", "coordinator", "viewer"),
    "/agreements/new": ("admin",), "/teacher-hours": ROLES,
    "/monitoring/teachers": ROLES, "/students/SCH29-S2/timeline": ("admin", "coordinator", "teacher"),
    "/monitoring": ("admin", "coordinator", "viewer"),
}


def _login(client, role):
    page = client.get("/login")
    client.post("/login", data={"login": role, "password": PASSWORD, "csrf_token": _csrf(page.text)})


@pytest.mark.parametrize("path", sorted(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_page_access_table(client, accounts, path, role):
    _login(client, role)
    response = client.get(path)
    assert response.status_code == (200 if role in PAGES[path] else 403)


@pytest.mark.parametrize("path", sorted(PAGES))
def test_pages_send_strangers_to_login(client, accounts, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_dashboard_shows_network_figures(client, accounts):
    _login(client, "viewer")
    html = client.get("/").text
    assert "Обучающихся в сети: <strong>6</strong>" in html and "<svg" in html
    assert "Последние синхронизации" not in html  # runs are the administrator's


def test_applying_without_moodle_is_refused_and_starts_nothing(client, session, accounts):
    """No Moodle configured: a preview (a delta dry run) still works, an apply is refused at once."""
    from bridge.models import SyncRun

    _login(client, "admin")
    page = client.get("/sync")
    refused = client.post("/sync", data={"action": "apply", "csrf_token": _csrf(page.text)})
    assert refused.status_code == 409 and "Moodle is not configured" in refused.text
    api = client.post("/api/v1/sync/runs", json={"dry_run": False}, headers=bearer(accounts, "admin"))
    assert api.status_code == 409 and "NETCOURSES_MOODLE_URL" in api.json["message"]
    assert session.scalars(select(SyncRun)).all() == []
    assert client.post("/sync", data={"action": "preview", "csrf_token": _csrf(page.text)}).status_code == 303


# Routes with a key, by example: path -> status for (admin, coordinator, teacher, viewer). A student
# out of the role's reach is "not found", like one that does not exist.
KEYED = {
    "/api/v1/sync/runs/1": (200, 403, 403, 403),
    "/api/v1/sync/runs/1/progress": (200, 403, 403, 403),
    "/sync/runs/1": (200, 403, 403, 403),
    "/students/SCH29-S1": (200, 200, 404, 403),  # the coordinator's school; T-2 does not teach them
    "/students/SCH01-S1": (200, 404, 200, 403),  # another school; T-2 teaches them
}
# Views whose role table lives with their own tests (endpoint -> where).
ELSEWHERE = {
    "links_api.link_state": "test_calendar_links_api.py", "links_api.link_issue": "test_calendar_links_api.py",
    "links_api.link_revoke": "test_calendar_links_api.py",
    "choose.class_links": "tests/choices/test_choose.py",  # POST only: the coordinator's sheet of choice links
    "reports_api.face_to_face_attendance": "tests/attendance/test_reports_api.py",
    "face_to_face_page.session_page": "test_face_to_face_page.py",
    "face_to_face_page.attendance_form": "test_face_to_face_attendance_form.py",
    "face_to_face_page.session_change": "test_face_to_face_page.py",
    "face_to_face_page.session_new": "test_face_to_face_page.py",
    "registry_api.start_sync_run": "test_sync_console.py",
    "metrics.metrics": "test_metrics.py",
    "choices_api.save_campaign_view": "tests/choices/test_choices_api.py",
    "choices_page.run_page": "tests/choices/test_choices_page.py",
    "imports_page.import_job": "tests/jobs/test_import_job.py",
    **{endpoint: "tests/jobs/test_report_job.py" for endpoint in (
        "reports_page.export", "reports_page.report_job_page", "reports_page.report_job_file",
        "reports_api.export_report", "reports_api.export_job", "reports_api.export_file")},
    "choices_page.campaigns": "tests/choices/test_choices_page.py",
    "choices_classes.class_table": "tests/choices/test_choices_classes.py",
    "choices_page.first_run": "tests/choices/test_choices_page.py",
    "choices_page.rerun": "tests/choices/test_choices_page.py",
    "choices_page.decide_view": "tests/choices/test_choices_page.py",
    "choices_page.approve_view": "tests/choices/test_choices_page.py",
    "choices_api.start_run": "tests/choices/test_choices_api.py",
    "choices_api.run_report": "tests/choices/test_choices_api.py",
    "choices_api.approve_run": "tests/choices/test_choices_api.py",
    "choices_api.allocation_job": "tests/choices/test_choices_api.py",
    "choices_api.decision": "tests/choices/test_choices_api.py",
    "choices_api.offer_state": "tests/choices/test_choices_api.py",
    "choices_api.issue_choice_links": "tests/choices/test_choices_api.py",
    "choices_api.revoke_choice_links": "tests/choices/test_choices_api.py",
    "monitoring_api.monthly_make": "tests/monitoring/test_monthly.py",
    "monitoring_api.monthly_download": "tests/monitoring/test_monthly.py",
    "monitoring_page.monthly_make_page": "tests/monitoring/test_monthly.py",
    "monitoring_page.monthly_page_download": "tests/monitoring/test_monthly.py",
    "monitoring_api.monthly_job_state": "tests/monitoring/test_monthly.py",
    "monitoring_page.monthly_job_page": "tests/monitoring/test_monthly.py",
    "accounts_page.account_new": "test_accounts_page.py", "accounts_page.account_disable": "test_accounts_page.py",
    "accounts_page.account_enable": "test_accounts_page.py", "accounts_page.account_password": "test_accounts_page.py",
    "accounts_page.token_issue": "test_accounts_page.py", "accounts_page.token_revoke": "test_accounts_page.py",
    **{endpoint: "tests/agreements/test_agreements_web.py" for endpoint in (
        "agreements_api.create_agreement", "agreements_api.agreement", "agreements_api.change_agreement",
        "agreements_api.remove_agreement", "agreements_api.agreement_statement", "agreements_page.import_file",
        "agreements_page.edit_agreement", "agreements_page.remove", "agreements_page.statement_page")},
}
# Open to everyone: the feeds, the subscribe page and the choice page (behind their own secrets), the catalogue, sign-in,
# the webhook receiver (it authenticates Moodle itself), health, the OpenAPI document, static files.
PUBLIC = {"/health", "/ready", "/api/openapi.json", "/login", "/logout", "/catalogue", "/static/<path:filename>",
          "/calendar/course/<code>.ics", "/calendar/feed/<token>", "/calendar/feed/<token>.ics", "/webhooks/moodle",
          "/choose/<token>"}


@pytest.mark.parametrize("path", sorted(KEYED))
@pytest.mark.parametrize("role", ROLES)
def test_keyed_access_table(client, runner, accounts, path, role):
    assert runner.invoke(["sync", "--dry-run"]).exit_code == 0  # run 1
    _login(client, role)
    api = client.get(path, headers=bearer(accounts, role)) if path.startswith("/api/") else client.get(path)
    assert api.status_code == KEYED[path][ROLES.index(role)]


def test_every_route_is_in_an_access_table(app):
    """A new route cannot slip in without a row saying who may use it."""
    examples = {*ACCESS, *PAGES, *KEYED}
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.rule in PUBLIC or rule.endpoint in ELSEWHERE:
            continue
        matched = any(adapter.test(example, method="GET") and adapter.match(example, method="GET")[0] == rule.endpoint
                      for example in examples)
        assert matched, f"{rule.rule} ({rule.endpoint}) is in no access table"
