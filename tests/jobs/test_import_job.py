"""The console's import as a job: the confirmation only queues it, a worker applies it (all or nothing,
its outcome recorded in the same transaction), the job's page shows the state and then the report or the
problems, and the upload, kept in the database, goes when the job ends."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest
from sqlalchemy import func, select, update

from bridge import jobs
from bridge.models import AuditEntry, Job, Student, Upload
from bridge.transfer.queued import apply_upload
from config.settings import ImportSettings
from tests.jobs.takeover import BEFORE_AND_AFTER, finished_by_another, kill_at, lost_to_another
from tests.web.test_access import _csrf, _login
from tests.web.test_pages import BAD_STUDENTS, GOOD_STUDENTS, _upload


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _queue(client) -> str:
    """Check a good list and confirm it: the address of the job's page."""
    _login(client, "admin")
    assert "Будет изменено (ещё ничего не сохранено)" in _upload(client, GOOD_STUDENTS).text
    page = client.get("/imports")
    queued = client.post("/imports", data={"csrf_token": _csrf(page.text), "action": "confirm"})
    assert queued.status_code == 303 and re.fullmatch(r"/imports/jobs/\d+", queued.headers["Location"])
    return queued.headers["Location"]


def test_confirm_queues_a_job_and_the_worker_applies_it(client, session, accounts, worker):
    students = _count(session, Student)
    job_page = _queue(client)
    job = session.scalar(select(Job))
    assert (job.kind, job.status) == ("import", "queued")
    upload = session.scalar(select(Upload))
    assert job.params["upload"] == upload.id and upload.job_id == job.id
    assert _count(session, Student) == students  # the web process applied nothing
    queued = client.get(job_page).text
    assert "в очереди" in queued and 'http-equiv="refresh"' in queued and "Загружено" not in queued

    assert worker.drain() == 1
    done = client.get(job_page).text
    assert "выполнена" in done and "Загружено" in done and 'http-equiv="refresh"' not in done
    assert re.search(r"<td>Обучающиеся</td><td>1</td><td>0</td>", done)  # 1 created, 0 updated
    assert _count(session, Student) == students + 1
    assert _count(session, Upload) == 0
    (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).all()
    assert (entry.login, entry.target) == ("admin", "students.csv")  # the account that confirmed
    assert session.get(Job, job.id).result == "imported students.csv: 1 created, 0 updated, 0 deleted"


def test_a_file_the_registry_no_longer_accepts_fails_with_its_problems(client, session, accounts, worker):
    """Checked good, but bad by the time a worker comes to it (here its bytes stand for a registry that
    changed in between): the job fails, its page lists file, row and column, and nothing is written."""
    students = _count(session, Student)
    job_page = _queue(client)
    session.execute(update(Upload).values(data=BAD_STUDENTS))
    session.commit()
    assert worker.drain() == 1
    html = client.get(job_page).text
    assert "не выполнена" in html and "Файл не принят: ошибок 2. Ничего не изменено." in html
    rows = re.findall(r"<tr><td>students.csv</td><td>(\d+)</td><td>(\w+)</td>", html)
    assert sorted(rows) == [("3", "grade"), ("3", "school_id")]
    assert _count(session, Student) == students
    job = session.scalar(select(Job))
    assert job.status == "failed" and "rejected: 2 problem(s)" in job.error
    assert _count(session, Upload) == 0
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "import")) is None


@pytest.mark.parametrize("when", BEFORE_AND_AFTER)
def test_a_killed_worker_s_import_is_applied_once(client, runtime, session, accounts, spawn_worker, when):
    """The first worker is killed just before or just after the commit that imports the file, audits it
    and records the outcome: the second one imports it (before) or finds it imported (after)."""
    students = _count(session, Student)
    _queue(client)
    job = session.scalar(select(Job))

    kill_at(spawn_worker, f"{when}:audit_entry")
    imported = when == "after"
    assert (_count(session, Student), _count(session, Upload)) == (students + imported, 1 - imported)

    done, _ = finished_by_another(runtime, spawn_worker, job.id)
    assert ("recorded before a takeover" in done.result) == imported
    assert done.outcome["report"]["counts"]["students"]["created"] == 1
    assert (_count(session, Student), _count(session, Upload)) == (students + 1, 0)
    assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).all()) == 1


def test_a_worker_whose_import_was_taken_over_cannot_commit_it(client, runtime, session, accounts):
    students = _count(session, Student)
    _queue(client)
    job = session.scalar(select(Job))
    lost_to_another(runtime, session, job.id)
    with runtime.sessions() as mine:
        with pytest.raises(jobs.NotHolder):
            apply_upload(mine, runtime.settings, mine.get(Job, job.id), "first")
    assert _count(session, Student) == students  # rolled back: the successor imports it
    assert _count(session, Upload) == 1
    assert session.get(Job, job.id).outcome is None


def test_a_cancelled_import_leaves_no_upload(client, session, accounts):
    """A queued import cancelled (``netcourses jobs cancel``) never runs; its upload goes at the next visit
    of the import page."""
    _queue(client)
    job = session.scalar(select(Job))
    jobs.cancel(session, job.id)
    session.commit()
    assert _count(session, Upload) == 1
    assert "отменена" in client.get(f"/imports/jobs/{job.id}").text
    assert _count(session, Upload) == 0


def test_an_upload_is_kept_a_day_at_most(client, session, accounts, worker):
    """A confirmed upload that no worker came to within a day is deleted; the job then fails saying so."""
    _queue(client)
    session.execute(update(Upload).values(uploaded_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1, minutes=1)))
    session.commit()
    students = _count(session, Student)
    assert worker.drain() == 1
    job = session.scalar(select(Job))
    assert job.status == "failed" and "is gone (kept for a day at most)" in job.error
    assert _count(session, Upload) == 0 and _count(session, Student) == students


def test_an_upload_over_the_size_limit_is_refused(client, session, accounts, runtime, monkeypatch):
    """An upload larger than imports.max_file_bytes is neither checked nor kept."""
    monkeypatch.setattr(runtime, "settings", replace(runtime.settings, imports=ImportSettings(max_file_bytes=1024)))
    _login(client, "admin")
    body = GOOD_STUDENTS + b"SCH01-S10,\xd0\x98,\xd0\x98,,,SCH01,11,\xd0\x91\n" * 50
    assert len(body) > 1024
    html = _upload(client, body).text
    assert "Файл больше" in html and "(imports.max_file_bytes): его не загрузить." in html
    assert _count(session, Upload) == 0


@pytest.mark.parametrize("role", ["coordinator", "teacher", "viewer"])
def test_only_an_administrator_sees_an_import_job(app, session, accounts, role):
    """The job's page lists pupils' problems and changes: administrators only, as the import page."""
    job_page = _queue(app.test_client())
    other = app.test_client()
    _login(other, role)
    assert other.get(job_page).status_code == 403
    assert app.test_client().get(job_page).status_code in (302, 303)  # not signed in: to the sign-in page


def test_a_job_of_another_kind_is_not_an_import_job(client, session, accounts):
    job = jobs.enqueue(session, "pull")
    session.commit()
    _login(client, "admin")
    assert client.get(f"/imports/jobs/{job.id}").status_code == 404
