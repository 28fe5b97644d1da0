"""The monthly report of the planted district (conftest.py): its XLSX opened with openpyxl, every
sheet checked; its printable HTML rendered to PNG in headless chromium, checked not blank and not wider
than a phone's screen; its PDF's layout read from WeasyPrint's boxes; made by the CLI, the API and the
console, and by the scheduler's job for the previous month."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from bridge.models import Job, MonthlyReport
from bridge.reports.monthly import build, html_text, xlsx_bytes
from sync_jobs.scheduler import configure, monthly_report_job
from tests.web.conftest import bearer
from tests.web.test_access import _csrf, _login

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _sheets(content: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_every_sheet_of_the_workbook(session, runtime, planted):
    sheets = _sheets(xlsx_bytes(build(session, runtime.settings, dt.date(2026, 11, 1))))
    assert list(sheets) == ["Сводка", "Школы", "Предметные области", "Низкие результаты", "Группа риска",
                            "Преподаватели"]
    teachers = sheets["Преподаватели"]
    assert teachers[1][:4] == ("Преподаватель", "Школа преподавателя", "Код курса", "Курс")
    assert teachers[2:] and all(isinstance(row[4], int) and row[5] <= row[4] for row in teachers[2:])
    summary = {row[0]: row[1] for row in sheets["Сводка"][2:]}
    assert summary["Период"] == "ноябрь 2026" and summary["Обучающихся в сети"] == 12
    assert summary["Посещаемость за месяц, %"] == 66.7 and summary["Школ с низкими результатами"] == 1
    assert summary["Обучающихся в зоне риска"] == 7
    schools = {row[1]: row for row in sheets["Школы"][2:]}
    assert set(schools) == {"SCH01", "SCH29", "SCH40"}  # SCH14 has no students in the network
    assert schools["SCH29"][7] == 60.0 and schools["SCH29"][8] == -6.7  # against the district, points
    assert schools["SCH40"][-1].startswith("не оценивается")
    assert sheets["Предметные области"][2:] == [("Естественные науки", 1, 12, 3), ("Математика и информатика", 1, 5, 2)]
    assert [row[1] for row in sheets["Низкие результаты"][2:]] == ["SCH29"]
    assert [(row[1], row[3]) for row in sheets["Группа риска"][2:]] == [("SCH29", 5), ("SCH40", 2)]
    names = {"Иванов", "Петров", "Пётр", "Иван"}  # students' names never appear
    assert not any(str(v) in names for rows in sheets.values() for row in rows for v in row)


def test_the_printable_version_renders_with_its_charts(session, runtime, planted):
    from tests.browser.chromium import chromium

    html = html_text(build(session, runtime.settings, dt.date(2026, 11, 1)), runtime.settings)
    assert html.count("<svg") == 3 and "@page { size: A4 landscape" in html and "Иванов" not in html
    ARTIFACTS.mkdir(exist_ok=True)
    page, shot = ARTIFACTS / "monthly-report.html", ARTIFACTS / "monthly-report.png"
    page.write_text(html, encoding="utf-8")
    with chromium(width=1100, height=1400) as driver:
        driver.get(page.as_uri())
        assert "СОШ № 29" in driver.find_element("tag name", "body").text
        driver.save_screenshot(str(shot))
        for width in (390, 1100):  # a wide table scrolls in its own box; the page never scrolls sideways
            driver.set_window_size(width, 1400)
            fits = driver.execute_script("const e = document.documentElement; return e.scrollWidth <= e.clientWidth")
            assert fits, f"the page scrolls sideways at {width} px"
    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 20  # text, the bars, the table's lines: not one colour
    assert (31, 78, 121) in {c for _, c in colours}  # the bars' blue (#1f4e79)


def _boxes(box):
    from weasyprint.formatting_structure.boxes import ParentBox

    yield box
    if isinstance(box, ParentBox):
        for child in box.children:
            yield from _boxes(child)


def _rejoined(lines: list[str]) -> str:
    """A header cell's lines put back together: a line ending in the hyphen WeasyPrint adds (U+2010) or in
    the text's own hyphen goes on in the same word; any other line ends a word."""
    text = ""
    for line in lines[:-1]:
        text += line[:-1] if line.endswith("\u2010") else line if line.endswith("-") else line + " "
    return text + lines[-1]


def test_the_pdf_breaks_headers_between_words_and_fits_tables_on_the_page(session, runtime, planted):
    """The PDF as WeasyPrint lays it out, read from its boxes: a narrow column's header breaks at a space or
    between syllables with a hyphen, never inside a word («Ку / рсо / в») or before a comma, and every
    table, the teachers' 13 columns too, stays within the page's width."""
    from weasyprint import HTML
    from weasyprint.formatting_structure.boxes import LineBox, TableBox, TableCellBox, TextBox

    report = build(session, runtime.settings, dt.date(2026, 11, 1))
    document = HTML(string=html_text(report, runtime.settings)).render()
    headers = {h for section in report.sections for h in section.table.headers}
    cells, hyphenated = 0, 0
    for page in document.pages:
        body = page._page_box.children[0]
        for box in _boxes(page._page_box):
            if isinstance(box, TableBox):
                assert box.position_x + box.margin_width() <= body.position_x + body.width + 0.5
            if isinstance(box, TableCellBox) and box.element_tag == "th":
                lines = ["".join(t.text for t in _boxes(line) if isinstance(t, TextBox))
                         for line in _boxes(box) if isinstance(line, LineBox)]
                assert _rejoined(lines) in headers, lines
                cells += 1
                hyphenated += any(line.endswith("\u2010") for line in lines)
    assert cells >= sum(len(s.table.headers) for s in report.sections if s.table.rows)
    assert hyphenated  # the narrow columns do break, so the rule above was put to the test


def test_the_scheduler_queues_the_previous_month_and_the_worker_keeps_it(session, runtime, planted, worker):
    sched = configure(BackgroundScheduler(timezone="Europe/Moscow"), runtime)
    job = sched.get_job("monthly-report")
    assert job.max_instances == 1 and job.coalesce is True
    assert str(job.trigger.fields[2]) == "1" and str(job.trigger.fields[5]) == "6"  # the 1st, 06:00
    assert monthly_report_job(runtime, today=dt.date(2026, 12, 1)) .startswith("monthly_report: queued job")
    assert "skipped" in monthly_report_job(runtime, today=dt.date(2026, 12, 1))  # not stacked
    assert session.scalars(select(Job.params)).all() == [{"month": "2026-11"}]
    assert worker.drain() == 1
    kept = session.scalars(select(MonthlyReport)).one()
    assert kept.month == dt.date(2026, 11, 1) and kept.generated_by == "scheduler"
    assert "Сводка" in _sheets(kept.xlsx) and "ноябрь 2026" in kept.html


def test_cli_writes_and_keeps_it_and_names_a_bad_month(runner, session, planted, tmp_path):
    out, html, pdf = tmp_path / "r.xlsx", tmp_path / "r.html", tmp_path / "r.pdf"
    result = runner.invoke(["report", "monthly", "--month", "2026-11", "--out", str(out), "--html", str(html),
                            "--pdf", str(pdf)])
    assert result.exit_code == 0, result.output
    assert "Низкие результаты" in _sheets(out.read_bytes()) and "<svg" in html.read_text()
    assert pdf.read_bytes().startswith(b"%PDF")
    assert session.scalars(select(MonthlyReport.month)).all() == [dt.date(2026, 11, 1)]
    bad = runner.invoke(["report", "monthly", "--month", "2026-13"])
    assert bad.exit_code != 0 and "--month: expected YYYY-MM" in bad.output


def test_api_and_console_by_role(client, session, accounts, worker):
    admin, viewer, coordinator = (bearer(accounts, r) for r in ("admin", "viewer", "coordinator"))
    made = client.post("/api/v1/monitoring/monthly", json={"month": "2026-11"}, headers=admin)
    assert made.status_code == 202 and (made.json["status"], made.json["files"]) == ("queued", None)
    assert session.scalars(select(MonthlyReport)).all() == []  # the web process made nothing
    assert client.get(made.json["url"], headers=viewer).status_code == 403
    assert worker.drain() == 1
    done = client.get(made.json["url"], headers=admin).json
    assert done["status"] == "done" and done["files"]["xlsx"] == "/api/v1/monitoring/monthly/2026-11.xlsx"
    assert client.post("/api/v1/monitoring/monthly", json={"month": "11/2026"}, headers=admin).status_code == 400
    assert client.post("/api/v1/monitoring/monthly", json={"month": "2026-11"}, headers=viewer).status_code == 403
    assert [r["month"] for r in client.get("/api/v1/monitoring/monthly", headers=viewer).json["items"]] == ["2026-11"]
    xlsx = client.get("/api/v1/monitoring/monthly/2026-11.xlsx", headers=viewer)
    assert xlsx.status_code == 200 and "Школы" in _sheets(xlsx.data)
    assert client.get("/api/v1/monitoring/monthly/2026-11.xlsx", headers=coordinator).status_code == 403
    assert client.get("/api/v1/monitoring/monthly/2026-10.xlsx", headers=viewer).status_code == 404
    mine = client.get("/api/v1/monitoring/schools", headers=coordinator).json
    assert [s["school"] for s in mine["schools"]] == ["SCH29"] and mine["district"]["students"] == 6
    everyone = client.get("/api/v1/monitoring/schools", headers=viewer).json
    assert [s["school"] for s in everyone["schools"]] == ["SCH01", "SCH14", "SCH29"]
    _login(client, "admin")
    page = client.get("/monitoring")
    assert "Мониторинг школ" in page.text and "2026-11" in page.text
    again = client.post("/monitoring/monthly", data={"month": "2026-12", "csrf_token": _csrf(page.text)})
    assert again.status_code == 303 and re.fullmatch(r"/monitoring/monthly/jobs/\d+", again.headers["Location"])
    queued = client.get(again.headers["Location"]).text
    assert "в очереди" in queued and 'http-equiv="refresh"' in queued and 'id="files"' not in queued
    assert "Ежемесячный отчёт: декабрь 2026" in queued
    assert worker.drain() == 1
    links = re.findall(r'<a href="([^"]+)">', client.get(again.headers["Location"]).text.split('id="files"')[1])
    assert links[:3] == [f"/monitoring/monthly/2026-12.{fmt}" for fmt in ("xlsx", "html", "pdf")]
    assert client.get("/monitoring/monthly/2026-12.html").text.count("<svg") >= 1
    pdf = client.get("/monitoring/monthly/2026-12.pdf")  # made by the worker, sent as kept
    assert pdf.data.startswith(b"%PDF") and pdf.data == session.scalar(
        select(MonthlyReport.pdf).where(MonthlyReport.month == dt.date(2026, 12, 1)))


def test_a_registry_without_an_academic_year_queues_nothing(client, session):
    from bridge.accounts import create_account, issue_token
    from bridge.models import AccountRole
    from tests.conftest import PASSWORD

    token = issue_token(session, create_account(session, "admin", PASSWORD, AccountRole.ADMIN), "tests")
    session.commit()
    made = client.post("/api/v1/monitoring/monthly", json={"month": "2026-11"},
                       headers={"Authorization": f"Bearer {token}"})
    assert made.status_code == 404 and "no academic year" in made.json["message"]
    assert session.scalar(select(Job)) is None


def test_the_demo_district_has_a_monthly_report_with_figures(runner, session):
    result = runner.invoke(["demo", "--admin-password", "demo password 1"])
    assert result.exit_code == 0, result.output
    kept = session.scalars(select(MonthlyReport)).one()
    sheets = _sheets(kept.xlsx)
    assert len(sheets["Школы"]) > 2 + 5 and len(sheets["Предметные области"]) > 2 + 1
    assert all(len(rows) >= 2 for rows in sheets.values()) and kept.html.count("<svg") >= 2
