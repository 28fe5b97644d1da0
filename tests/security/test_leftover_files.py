"""Attack: pupils' data left on disk. A report download used to leave /tmp/nc-report-*/<name>.xlsx|csv with
names and marks behind, and an abandoned upload stayed in /tmp/netcourses-uploads/ for ever."""

from __future__ import annotations

import io
import os
import stat
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bridge.models import Student
from tests.web.test_access import _csrf, _login


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_report_download_leaves_no_file_behind(client, accounts, tmp_path, monkeypatch, fmt):
    """Report downloads left in the temporary folder: the file is sent from memory, nothing stays."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where tempfile would have put it
    _login(client, "admin")
    download = client.get(f"/reports?report=attendance&download={fmt}")
    assert download.status_code == 200 and f"attendance.{fmt}" in download.headers["Content-Disposition"]
    assert "Иванов Пётр" in download.data.decode("utf-8-sig") if fmt == "csv" else download.data[:2] == b"PK"
    assert list(tmp_path.iterdir()) == []


STUDENTS = ("student_id,last_name,first_name,school_id,grade\n"
            "SCH01-S9,Петрова,Анна,SCH01,11\n").encode()


def _upload_pending(app, client, tmp_path) -> Path:
    """Sign in, upload a good list (it waits for confirmation) and return where it waits."""
    app.instance_path = str(tmp_path / "instance")  # the app's own folder, as a deployment has one
    _login(client, "admin")
    page = client.get("/imports")
    html = client.post("/imports", data={"csrf_token": _csrf(page.text), "action": "check",
                                         "file": (io.BytesIO(STUDENTS), "students.csv")},
                       content_type="multipart/form-data").text
    assert "Будет изменено (ещё ничего не сохранено)" in html
    with client.session_transaction() as flask_session:
        return tmp_path / "instance" / "uploads" / flask_session["pending_import"] / "students.csv"


def test_pending_upload_is_in_an_owner_only_folder_of_the_app(app, client, accounts, tmp_path):
    """Uploads in the shared /tmp: a pending list of pupils waits in the app's instance folder, in folders
    only the app's user may open (0700) and a file only it may read (0600)."""
    pending = _upload_pending(app, client, tmp_path)
    assert pending.read_bytes() == STUDENTS
    assert stat.S_IMODE(pending.stat().st_mode) == 0o600
    for folder in (pending.parent, pending.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_abandoned_upload_expires(app, client, session, accounts, tmp_path):
    """Uploads kept for ever: one left unconfirmed longer than imports.upload_ttl_minutes is deleted on the
    next visit of the page, and confirming it then imports nothing and says why."""
    pending = _upload_pending(app, client, tmp_path)
    an_hour_ago = time.time() - 61 * 60
    os.utime(pending.parent, (an_hour_ago, an_hour_ago))
    page = client.get("/imports")
    assert not pending.parent.exists()
    done = client.post("/imports", data={"csrf_token": _csrf(page.text), "action": "confirm"}).text
    assert "Нет загруженного файла (неподтверждённый файл хранится 60 мин)" in done
    assert session.scalar(select(Student).where(Student.external_id == "SCH01-S9")) is None
