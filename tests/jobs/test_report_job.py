"""A report's XLSX or CSV file as a job: the console's «Скачать» and the API only queue it, a worker builds it
with the scope of the account that asked and keeps it in the database (stored, audited and recorded on the
job in one transaction), the job's page and the API follow it and then give the file, to that account or an
administrator only, until ``jobs.report_ttl_minutes``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select, update

from bridge import jobs
from bridge.accounts import create_account, issue_token
from bridge.models import AccountRole, AuditEntry, Job, ReportFile, School
from bridge.reports.data import Scope
from bridge.reports.export import report_bytes
from bridge.reports.queued import make_file
from bridge.reports.tables import build_report
from tests.jobs.takeover import BEFORE_AND_AFTER, finished_by_another, kill_at, lost_to_another
from tests.conftest import PASSWORD
from tests.web.conftest import bearer
from tests.web.test_access import _csrf, _login


def _files(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(ReportFile))


def _queue(client, query: str, fmt: str) -> str:
    """Press «Скачать» on the reports page of ``query``: the address of the job's page."""
    page = client.get(f"/reports?{query}").text
    action = re.search(r'<form method="post" action="([^"]+)"[^>]*id="download"', page).group(1)
    queued = client.post(action.replace("&amp;", "&"), data={"csrf_token": _csrf(page), "format": fmt})
    assert queued.status_code == 303 and re.fullmatch(r"/reports/jobs/\d+", queued.headers["Location"])
    return queued.headers["Location"]


def _sheet_values(data: bytes) -> list[list[tuple]]:
    return [list(sheet.iter_rows(values_only=True)) for sheet in openpyxl.load_workbook(io.BytesIO(data)).worksheets]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_download_is_queued_and_the_file_is_what_the_request_made(client, session, accounts, runtime, worker, fmt):
    _login(client, "coordinator")  # of SCH29: the file is narrowed to their school, as the page
    job_page = _queue(client, "report=attendance&term=1", fmt)
    job = session.scalar(select(Job))
    assert (job.kind, job.status, job.params["report"], job.params["format"]) == ("report", "queued", "attendance", fmt)
    assert _files(session) == 0  # the web process built nothing
    queued = client.get(job_page).text
    assert "в очереди" in queued and 'http-equiv="refresh"' in queued and 'id="files"' not in queued

    assert worker.drain() == 1
    done = client.get(job_page).text
    assert "выполнена" in done and 'http-equiv="refresh"' not in done
    link = re.search(r'id="files"><a href="([^"]+)"', done).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"] == f'attachment; filename="attendance.{fmt}"'

    own = session.scalar(select(School.id).where(School.external_id == "SCH29"))
    table = build_report("attendance", session, runtime.settings, Scope(own_school_id=own, term=1), runtime.today())
    before = report_bytes(table, fmt)  # what the request sent before it became a job
    if fmt == "csv":
        assert download.data == before
        students = {row[1] for row in csv.reader(io.StringIO(download.data.decode("utf-8-sig")), delimiter=";")}
        assert students - {"Код обучающегося"} and all(s.startswith("SCH29") for s in students - {"Код обучающегося"})
    else:
        assert _sheet_values(download.data) == _sheet_values(before) and len(table.rows) > 0
    (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "export attendance report")).all()
    assert entry.login == "coordinator" and "term=1" in entry.target
    kept = session.scalar(select(ReportFile))
    assert (kept.size, kept.account_id) == (len(download.data), entry.account_id)


def test_only_the_account_that_asked_or_an_administrator_gets_the_file(app, session, accounts, worker):
    create_account(session, "coordinator2", PASSWORD, AccountRole.COORDINATOR, school="SCH29")
    session.commit()
    mine = app.test_client()
    _login(mine, "coordinator")
    job_page = _queue(mine, "report=marks", "xlsx")
    worker.drain()
    file = f"{job_page}/file"
    assert mine.get(file).status_code == 200
    for role in ("coordinator2", "teacher"):  # another coordinator of the same school, a teacher
        other = app.test_client()
        _login(other, role)
        assert other.get(job_page).status_code == 404 and other.get(file).status_code == 404
    viewer = app.test_client()
    _login(viewer, "viewer")
    assert viewer.get(job_page).status_code == 403
    admin = app.test_client()
    _login(admin, "admin")
    assert admin.get(job_page).status_code == 200 and admin.get(file).status_code == 200
    assert app.test_client().get(file).status_code in (302, 303)  # not signed in: to the sign-in page


def test_a_job_of_another_kind_is_no_report_job(client, session, accounts):
    job = jobs.enqueue(session, "pull")
    session.commit()
    _login(client, "admin")
    assert client.get(f"/reports/jobs/{job.id}").status_code == 404
    assert client.get(f"/reports/jobs/{job.id}/file").status_code == 404


@pytest.mark.parametrize("when", BEFORE_AND_AFTER)
def test_a_killed_worker_s_report_file_is_made_once(client, runtime, session, accounts, spawn_worker, when):
    """The first worker is killed just before or just after the commit that stores the file, audits it and
    records the outcome: the second one makes it (before) or finds it recorded (after)."""
    _login(client, "admin")
    _queue(client, "report=attendance", "csv")
    job = session.scalar(select(Job))

    kill_at(spawn_worker, f"{when}:audit_entry")
    made = when == "after"
    assert _files(session) == made

    done, _ = finished_by_another(runtime, spawn_worker, job.id)
    assert ("recorded before a takeover" in done.result) == made and done.outcome["filename"] == "attendance.csv"
    assert _files(session) == 1
    assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == "export attendance report")).all()) == 1


def test_a_worker_whose_report_job_was_taken_over_cannot_store_it(client, runtime, session, accounts):
    _login(client, "admin")
    _queue(client, "report=attendance", "xlsx")
    job = session.scalar(select(Job))
    lost_to_another(runtime, session, job.id)
    with runtime.sessions() as mine:
        with pytest.raises(jobs.NotHolder):
            make_file(mine, runtime.settings, mine.get(Job, job.id), "first")
    assert _files(session) == 0 and session.get(Job, job.id).outcome is None
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "export attendance report")) is None


def test_a_file_is_deleted_after_its_time(client, session, accounts, worker):
    _login(client, "admin")
    job_page = _queue(client, "report=at-risk", "csv")
    worker.drain()
    assert client.get(f"{job_page}/file").status_code == 200
    session.execute(update(ReportFile).values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61)))
    session.commit()
    page = client.get(job_page).text
    assert "Файл удалён по истечении срока хранения" in page and 'id="files"' not in page
    assert _files(session) == 0
    assert client.get(f"{job_page}/file").status_code == 410


def test_api_queues_with_202_and_follows_to_the_file(client, session, accounts, worker):
    teacher = bearer(accounts, "teacher")
    asked = client.post("/api/v1/reports/marks/exports?format=csv&term=1", headers=teacher)
    assert asked.status_code == 202
    body = asked.json
    assert (body["status"], body["report"], body["format"], body["file_url"]) == ("queued", "marks", "csv", None)
    assert body["url"] == f"/api/v1/reports/exports/{body['job']}"
    file = f"{body['url']}/file"
    assert client.get(file, headers=teacher).status_code == 409  # not made yet

    assert worker.drain() == 1
    done = client.get(body["url"], headers=teacher).json
    assert done["status"] == "done" and done["file_url"] == file
    download = client.get(file, headers=teacher)
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig")), delimiter=";"))
    table = client.get("/api/v1/reports/marks?term=1&per_page=500", headers=teacher).json
    assert len(rows) == table["total"] + 1 and rows[0] == [c["header"] for c in table["columns"]]
    for role in ("coordinator", "viewer"):
        assert client.get(body["url"], headers=bearer(accounts, role)).status_code == 404
        assert client.get(file, headers=bearer(accounts, role)).status_code == 404
    assert client.get(file, headers=bearer(accounts, "admin")).status_code == 200


def test_api_export_roles_and_bad_input(client, session, accounts):
    viewer = bearer(accounts, "viewer")
    assert client.post("/api/v1/reports/attendance/exports?format=xlsx", headers=viewer).status_code == 403
    assert client.post("/api/v1/reports/summary/exports?format=xlsx", headers=viewer).status_code == 202
    admin = bearer(accounts, "admin")
    assert client.post("/api/v1/reports/attendance/exports?format=pdf", headers=admin).status_code == 400
    assert client.post("/api/v1/reports/attendance/exports", headers=admin).status_code == 400
    assert client.post("/api/v1/reports/grades/exports?format=csv", headers=admin).status_code == 404
    assert client.post("/api/v1/reports/attendance/exports?format=csv").status_code == 401
    token = issue_token(session, create_account(session, "coord2", PASSWORD, AccountRole.COORDINATOR,
                                                school="SCH01"), "tests")
    session.commit()
    mine = client.post("/api/v1/reports/attendance/exports?format=csv&school=SCH29",
                       headers={"Authorization": f"Bearer {token}"}).json
    job = session.get(Job, mine["job"])
    own = session.scalar(select(School.id).where(School.external_id == "SCH01"))
    assert job.params["scope"]["own_school_id"] == own  # the role's narrowing travels with the job
