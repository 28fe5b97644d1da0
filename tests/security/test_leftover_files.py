"""Attack: pupils' data left on disk. A report download used to leave /tmp/nc-report-*/<name>.xlsx|csv with
names and marks behind, and an abandoned upload stayed in /tmp/netcourses-uploads/ for ever."""

from __future__ import annotations

import tempfile

import pytest

from tests.web.test_access import _login


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_report_download_leaves_no_file_behind(client, accounts, tmp_path, monkeypatch, fmt):
    """Report downloads left in the temporary folder: the file is sent from memory, nothing stays."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where tempfile would have put it
    _login(client, "admin")
    download = client.get(f"/reports?report=attendance&download={fmt}")
    assert download.status_code == 200 and f"attendance.{fmt}" in download.headers["Content-Disposition"]
    assert "Иванов Пётр" in download.data.decode("utf-8-sig") if fmt == "csv" else download.data[:2] == b"PK"
    assert list(tmp_path.iterdir()) == []
