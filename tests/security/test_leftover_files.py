"""Attack: pupils' data left on disk. A report download used to leave /tmp/nc-report-*/<name>.xlsx|csv with
names and marks behind (now report files are kept in the database until jobs.report_ttl_minutes), and an
abandoned upload stayed in /tmp/netcourses-uploads/ for ever; now uploads are kept in the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import tempfile

import pytest
from sqlalchemy import func, select, update

from bridge.models import Job, Student, Upload
from tests.web.conftest import download_report
from tests.web.test_access import _csrf, _login


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_report_download_leaves_no_file_behind(client, accounts, tmp_path, monkeypatch, worker, fmt):
    """Report downloads left in the temporary folder: the file is made in memory and kept in the database
    for its download (table report_file), nothing stays on disk."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where tempfile would have put it
    _login(client, "admin")
    download = download_report(client, worker, "report=attendance", fmt)
    assert download.status_code == 200 and f"attendance.{fmt}" in download.headers["Content-Disposition"]
    assert "Иванов Пётр" in download.data.decode("utf-8-sig") if fmt == "csv" else download.data[:2] == b"PK"
    assert list(tmp_path.iterdir()) == []


STUDENTS = ("student_id,last_name,first_name,school_id,grade\n"
            "SCH01-S9,Петрова,Анна,SCH01,11\n").encode()


def _upload_pending(app, client, session, tmp_path, monkeypatch) -> Upload:
    """Sign in, upload a good list (it waits for confirmation) and return it as it waits."""
    app.instance_path = str(tmp_path / "instance")  # the app's own folder, as a deployment has one
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    _login(client, "admin")
    page = client.get("/imports")
    html = client.post("/imports", data={"csrf_token": _csrf(page.text), "action": "check",
                                         "file": (io.BytesIO(STUDENTS), "students.csv")},
                       content_type="multipart/form-data").text
    assert "Будет изменено (ещё ничего не сохранено)" in html
    with client.session_transaction() as flask_session:
        upload_id = flask_session["pending_import"]
    return session.get(Upload, upload_id)


def test_pending_upload_is_kept_in_the_database_not_on_disk(app, client, accounts, tmp_path, monkeypatch, worker,
                                                           session):
    """Uploads on disk (once in the shared /tmp, then in the instance folder): a pending list of pupils is
    kept in the database only, with its size and digest, and goes when its import job ends."""
    pending = _upload_pending(app, client, session, tmp_path, monkeypatch)
    assert (pending.name, pending.data, pending.size) == ("students.csv", STUDENTS, len(STUDENTS))
    assert pending.sha256 == hashlib.sha256(STUDENTS).hexdigest()
    assert not (tmp_path / "instance" / "uploads").exists() and list((tmp_path / "tmp").iterdir()) == []
    page = client.get("/imports")
    client.post("/imports", data={"csrf_token": _csrf(page.text), "action": "confirm"})
    assert worker.drain() == 1
    assert session.scalar(select(func.count()).select_from(Upload)) == 0
    assert list((tmp_path / "tmp").iterdir()) == []


def test_abandoned_upload_expires(app, client, session, accounts, tmp_path, monkeypatch):
    """Uploads kept for ever: one left unconfirmed longer than imports.upload_ttl_minutes is deleted on the
    next visit of the page, and confirming it then imports nothing and says why."""
    pending = _upload_pending(app, client, session, tmp_path, monkeypatch)
    session.execute(update(Upload).where(Upload.id == pending.id)
                    .values(uploaded_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61)))
    session.commit()
    page = client.get("/imports")
    assert session.scalar(select(func.count()).select_from(Upload)) == 0
    done = client.post("/imports", data={"csrf_token": _csrf(page.text), "action": "confirm"}).text
    assert "Нет загруженного файла (неподтверждённый файл хранится 60 мин)" in done
    assert session.scalar(select(Job)) is None
    assert session.scalar(select(Student).where(Student.external_id == "SCH01-S9")) is None
