"""Attack: compressed files that explode. A 631 KB zip whose CSV unpacks to 300 MB took the server from
350 MB to 2.17 GB of memory and answered with a 163 MB page of 1.5 million problems. Here the limits are
small (1 MB a file, 2 MB in all, 100 problems listed) so that the bombs are small too."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from bridge.transfer import ImportRejected, import_path
from config import Settings
from config.settings import ImportSettings
from tests.web.test_access import _csrf, _login
from transfer.helpers import registry_state

MB = 2**20
LIMITS = ImportSettings(max_file_bytes=MB, max_total_bytes=2 * MB, max_problems=100)
HEADER = b"student_id,last_name,first_name,school_id,grade\n"


@pytest.fixture
def settings(database_url):
    return Settings(database_url=database_url, imports=LIMITS)


def _students(rows: int) -> bytes:
    """A students.csv of ``rows`` rows, each naming a school that does not exist (about 45 bytes a row)."""
    return HEADER + b"".join(f"s-{n},Иванов,Пётр,no-such-school,9\n".encode() for n in range(rows))


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _rejected(session, path) -> ImportRejected:
    with pytest.raises(ImportRejected) as rejected:
        import_path(session, path, limits=LIMITS)
    return rejected.value


def test_zip_member_that_unpacks_beyond_the_limit_is_not_unpacked(session, tmp_path):
    """Zip bomb: a member unpacking to 8 MB (over imports.max_file_bytes) is refused by name, reading stops
    at the limit (memory stays near it), and nothing changes."""
    bomb = _zip(tmp_path / "lists.zip", {"students.csv": HEADER + b"s-1,A,B,sch-01,9\n" * (8 * MB // 17)})
    assert bomb.stat().st_size < 100_000
    before = registry_state(session)
    tracemalloc.start()
    try:
        rejected = _rejected(session, bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(p.file, p.code) for p in rejected.problems] == [("students.csv", "file_too_large")]
    assert str(rejected.problems[0]) == (
        "students.csv: unpacks to more than 1 MB (imports.max_file_bytes): nothing was read further")
    assert peak < 3 * MB
    assert registry_state(session) == before


def test_zip_of_many_members_is_capped_in_total(session, tmp_path):
    """Zip bomb spread over members: each under the file limit, together over imports.max_total_bytes."""
    member = _students(20_000)
    assert MB // 2 < len(member) < MB
    bomb = _zip(tmp_path / "lists.zip", {f"{n}-students.csv": member for n in range(5)})
    rejected = _rejected(session, bomb)
    assert [(p.file, p.code) for p in rejected.problems] == [("2-students.csv", "total_too_large")]


def test_xlsx_workbook_that_unpacks_beyond_the_limit_is_refused(session, tmp_path):
    """XLSX bomb: a workbook is a zip that openpyxl unpacks; a part claiming more than the file limit is
    refused before openpyxl opens it."""
    book = Workbook()
    book.active.title = "students"
    book.active.append(HEADER.decode().strip().split(","))
    data = io.BytesIO()
    book.save(data)
    path = tmp_path / "lists.xlsx"
    path.write_bytes(data.getvalue())
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/image1.png", b"\0" * (4 * MB))
    assert path.stat().st_size < 100_000
    rejected = _rejected(session, path)
    assert [(p.file, p.code) for p in rejected.problems] == [("lists.xlsx", "file_too_large")]


def test_member_whose_header_lies_is_unreadable_not_a_crash(session, tmp_path):
    """Zip bomb with a forged header: a member claiming fewer bytes than it holds is named as unreadable."""
    path = _zip(tmp_path / "lists.zip", {"students.csv": _students(10_000)})
    raw = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo("students.csv")
    forged = (100).to_bytes(4, "little")
    local = info.header_offset
    raw[local + 22:local + 26] = forged  # local header: uncompressed size
    central = raw.rindex(b"PK\x01\x02")
    raw[central + 24:central + 28] = forged  # central directory: uncompressed size
    path.write_bytes(bytes(raw))
    rejected = _rejected(session, path)
    assert [(p.file, p.code) for p in rejected.problems] == [("lists.zip", "unreadable")]


def test_a_flood_of_problems_is_listed_up_to_the_limit_and_counted(session, tmp_path):
    """A million problems: only imports.max_problems are kept and listed, the rest are counted."""
    path = tmp_path / "students.csv"
    path.write_bytes(_students(4_901))
    rejected = _rejected(session, path)
    assert len(rejected.problems) == 100 and rejected.more == 4_901 - 100
    assert [p.row for p in rejected.problems] == list(range(2, 102))


def test_console_lists_the_first_problems_and_counts_the_rest(client, accounts, tmp_path):
    """A million problems in the console: the page lists imports.max_problems and says how many more."""
    _login(client, "admin")
    page = client.get("/imports")
    html = client.post("/imports", data={"csrf_token": _csrf(page.text), "action": "check",
                                         "file": (io.BytesIO(_students(4_901)), "students.csv")},
                       content_type="multipart/form-data").text
    assert "Файл не принят: ошибок 4 901. Ничего не изменено." in html
    assert html.count("<tr><td>students.csv</td>") == 100
    assert "…и ещё 4 801." in html


def test_console_refuses_a_zip_bomb_by_name(client, accounts, tmp_path):
    """Zip bomb through the console: the page names the member and the limit, nothing is kept."""
    bomb = _zip(tmp_path / "lists.zip", {"students.csv": HEADER + b"s-1,A,B,sch-01,9\n" * (8 * MB // 17)})
    _login(client, "admin")
    page = client.get("/imports")
    html = client.post("/imports", data={"csrf_token": _csrf(page.text), "action": "check",
                                         "file": (io.BytesIO(bomb.read_bytes()), "lists.zip")},
                       content_type="multipart/form-data").text
    assert "Файл не принят: ошибок 1." in html
    assert "в распакованном виде больше 1 MB (imports.max_file_bytes)" in html


def test_cli_refuses_a_zip_bomb_and_counts_a_flood_of_problems(runner, tmp_path):
    """Zip bomb and a million problems through `netcourses import`: the same limits, a one-line count."""
    bomb = _zip(tmp_path / "lists.zip", {"students.csv": HEADER + b"s-1,A,B,sch-01,9\n" * (8 * MB // 17)})
    result = runner.invoke(["import", str(bomb)])
    assert result.exit_code == 1
    assert "students.csv: unpacks to more than 1 MB (imports.max_file_bytes)" in result.stdout
    flood = tmp_path / "students.csv"
    flood.write_bytes(_students(4_901))
    result = runner.invoke(["import", str(flood)])
    lines = result.stdout.splitlines()
    assert len(lines) == 101 and lines[-1] == "... and 4,801 more (imports.max_problems caps the list)"
    assert result.stderr.strip() == "Error: import rejected: 4,901 problem(s); nothing was changed"
