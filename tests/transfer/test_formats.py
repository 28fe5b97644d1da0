"""The files administrators really send: Russian Excel CSV (Windows-1251, ``;``), UTF-8 with a
BOM, XLSX workbooks with real date and time cells, folders and zips; and files in an encoding
we cannot read, rejected without a change."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bridge.models import BellPeriod, Enrolment, School, Student
from bridge.transfer import ImportRejected, import_path, import_tables
from transfer.helpers import district, registry_state, write_csv, write_folder


@pytest.fixture
def with_schools(session):
    tables = district()
    import_tables(session, {"schools": tables["schools"]})
    return registry_state(session)


def _names(session) -> set[tuple[str, str, int]]:
    return set(session.execute(select(Student.external_id, Student.last_name, Student.grade)))


def test_windows_1251_semicolon_csv_from_russian_excel(session, with_schools, tmp_path):
    path = write_csv(tmp_path / "students.csv", district()["students"], encoding="cp1251", delimiter=";")
    assert path.read_bytes().count(b";") > 10 and "Смирнов".encode("cp1251") in path.read_bytes()
    report = import_path(session, path)
    assert report.counts["students"].created == 6
    assert ("s-0001", "Смирнов", 9) in _names(session)


def test_windows_1251_problems_are_located_too(session, with_schools, tmp_path):
    rows = district()["students"]
    rows[2]["grade"] = "десятый"
    path = write_csv(tmp_path / "students.csv", rows, encoding="cp1251", delimiter=";")
    with pytest.raises(ImportRejected) as exc:
        import_path(session, path)
    assert [str(p) for p in exc.value.problems] == ["students.csv:4:grade: not a whole number: десятый"]
    assert registry_state(session) == with_schools


def test_utf8_with_bom(session, with_schools, tmp_path):
    path = write_csv(tmp_path / "students.csv", district()["students"], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert import_path(session, path).counts["students"].created == 6
    assert ("s-0004", "Зайцева", 11) in _names(session)


def test_tab_separated_utf8(session, with_schools, tmp_path):
    path = write_csv(tmp_path / "students.csv", district()["students"], delimiter="\t")
    assert import_path(session, path).counts["students"].created == 6


@pytest.mark.parametrize(
    ("data", "line"),
    [
        # UTF-8 Cyrillic with one byte broken on the third line: not UTF-8, and as cp1251 it is mojibake.
        ("student_id,last_name,first_name,school_id,grade\ns-1,Смирнов,Иван,sch-01,9\n"
         "s-2,Волкова,Дарья,sch-01,9\n".encode().replace("Дарья".encode(), "Дарья".encode()[:-1] + b"\xff"), 3),
        # Excel's "Unicode text": UTF-16 with a BOM.
        ("student_id\tlast_name\ns-1\tСмирнов\n".encode("utf-16"), 1),
        # UTF-8 BOM followed by Windows-1251 bytes.
        (b"\xef\xbb\xbf" + "student_id;last_name\ns-1;Смирнов\n".encode("cp1251"), 2),
    ],
    ids=["broken-utf8", "utf16", "bom-then-cp1251"],
)
def test_wrong_encoding_is_rejected(session, with_schools, tmp_path, data, line):
    path = tmp_path / "students.csv"
    path.write_bytes(data)
    with pytest.raises(ImportRejected) as exc:
        import_path(session, path)
    assert [(p.file, p.row, p.column, p.code) for p in exc.value.problems] == [
        ("students.csv", line, "", "wrong_encoding")
    ]
    assert str(exc.value.problems[0]) == (
        f"students.csv:{line}: wrong encoding: the file is neither UTF-8 nor Windows-1251 text"
    )
    assert registry_state(session) == with_schools


def _workbook(path, tables, typed: bool = True):
    """A workbook like an administrator's: real date, time and number cells."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        sheet = book.create_sheet(name)
        header = list(rows[0])
        sheet.append(header)
        for row in rows:
            sheet.append([_typed(column, row[column]) if typed else row[column] for column in header])
    book.save(path)
    return path


def _typed(column: str, text: str):
    if not text:
        return None
    if column in ("starts_on", "ends_on"):
        return dt.datetime.strptime(text.replace(".", "-"), "%Y-%m-%d" if text[4] == "-" else "%d-%m-%Y")
    if column in ("starts_at", "ends_at"):
        return dt.time.fromisoformat(text)
    if column in ("grade", "period", "week_days", "student_count", "number", "hours_per_week"):
        return int(text)
    return text


def test_xlsx_workbook_with_date_time_and_number_cells(session, tmp_path):
    path = _workbook(tmp_path / "registry.xlsx", district())
    report = import_path(session, path)
    assert report.counts["enrolments"].created == 7
    assert session.scalar(select(Enrolment.ends_on).where(Enrolment.ends_on.is_not(None))) == dt.date(2026, 10, 15)
    assert set(session.execute(select(BellPeriod.period, BellPeriod.starts_at).join(School).where(
        School.external_id == "sch-01"))) == {(1, dt.time(8, 0)), (2, dt.time(8, 50)), (3, dt.time(9, 45))}
    # The same content with every cell as text changes nothing.
    again = import_path(session, _workbook(tmp_path / "text.xlsx", district(), typed=False))
    assert not again.changed


def test_xlsx_problems_name_the_sheet(session, tmp_path):
    tables = district()
    tables["students"][1]["grade"] = "0"
    with pytest.raises(ImportRejected) as exc:
        import_path(session, _workbook(tmp_path / "registry.xlsx", tables))
    assert [str(p) for p in exc.value.problems] == ["registry.xlsx[students]:3:grade: 0 is not between 1 and 11"]


def test_xlsx_sheet_recognised_by_header_and_unknown_sheet_rejected(session, tmp_path):
    book = Workbook()
    book.active.title = "Лист1"
    book.active.append(list(district()["schools"][0]))
    book.active.append(list(district()["schools"][0].values()))
    other = book.create_sheet("Пояснения")
    other.append(["Заполните листы по шаблону"])
    book.save(tmp_path / "book.xlsx")
    with pytest.raises(ImportRejected) as exc:
        import_path(session, tmp_path / "book.xlsx")
    assert [str(p) for p in exc.value.problems] == [
        "book.xlsx[Пояснения]: cannot tell which template this is: name it after a template "
        "(e.g. students.csv) or use a template's columns"
    ]
    del book["Пояснения"]
    book.save(tmp_path / "book.xlsx")
    assert import_path(session, tmp_path / "book.xlsx").counts["schools"].created == 1


def test_not_a_workbook(session, tmp_path):
    (tmp_path / "book.xlsx").write_text("just text")
    with pytest.raises(ImportRejected) as exc:
        import_path(session, tmp_path / "book.xlsx")
    assert [(p.file, p.code) for p in exc.value.problems] == [("book.xlsx", "unreadable")]


def test_csv_recognised_by_its_header(session, with_schools, tmp_path):
    path = write_csv(tmp_path / "список 9А.csv", district()["students"])
    assert import_path(session, path).counts["students"].created == 6


def test_folder_and_zip_of_csv_files(session, tmp_path):
    folder = write_folder(district(), tmp_path / "upload")
    (folder / "README.txt").write_text("ignored: not a CSV")
    dry = import_path(session, folder, dry_run=True)
    assert dry.counts["students"].created == 6 and dry.dry_run
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in folder.glob("*.csv"):
            zf.write(path, f"upload/{path.name}")  # zipped with its folder, as Windows does
    report = import_path(session, archive)
    assert report.counts["students"].created == 6
    assert report.counts["lesson_slots"].created == 4


def test_values_in_a_column_without_a_name(session, with_schools, tmp_path):
    path = tmp_path / "students.csv"
    path.write_text("student_id,last_name,first_name,school_id,grade,\n"
                    "s-1,Смирнов,Иван,sch-01,9,\n"
                    "s-2,Волкова,Дарья,sch-01,9,примечание\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as exc:
        import_path(session, path)
    assert [str(p) for p in exc.value.problems] == ["students.csv:3:F: values in a column without a name"]


def test_blank_rows_are_skipped_and_rows_keep_spreadsheet_numbers(session, with_schools, tmp_path):
    path = tmp_path / "students.csv"
    path.write_text("student_id;last_name;first_name;school_id;grade\n"
                    "s-1;Смирнов;Иван;sch-01;9\n"
                    ";;;;\n"
                    "s-2;Волкова;Дарья;sch-01;13\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as exc:
        import_path(session, path)
    assert [(p.row, p.column) for p in exc.value.problems] == [(4, "grade")]


def test_unknown_file_and_empty_folder(session, tmp_path):
    (tmp_path / "data.txt").write_text("x")
    with pytest.raises(ImportRejected) as exc:
        import_path(session, tmp_path / "data.txt")
    assert exc.value.problems[0].code == "unknown_template"
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImportRejected) as exc:
        import_path(session, tmp_path / "empty")
    assert exc.value.problems[0].code == "no_files"
