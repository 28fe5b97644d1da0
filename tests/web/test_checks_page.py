"""Clashes and overloads have pages of their own, linked from the dashboard's figures: found by school, course
and student, a page at a time, downloadable, and audited (they name students)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from bridge.calendar.lessons import expand_lessons
from bridge.models import AuditEntry
from tests.web.test_long_lists import _sign_in, demo  # noqa: F401  (the demo district fixture)


def test_the_demos_planted_clashes_are_found_and_filtered(client, demo):  # noqa: F811
    expand_lessons(demo)
    demo.commit()
    _sign_in(client, "admin")
    dashboard = client.get("/").text
    assert 'href="/conflicts" id="conflicts-link"><strong>5</strong>' in dashboard
    page = client.get("/conflicts").text
    assert "Найдено: 5" in page and page.count("День кадета") == 5
    assert "Найдено: 2" in client.get("/conflicts?course=NC-2026-SOC-LAW-11").text
    assert "Найдено: 2" in client.get("/conflicts?student=S-0081").text
    assert "Найдено: 0" in client.get("/conflicts?school=VLZ-06").text
    assert "Найдено: 0" in client.get("/conflicts?student=NOBODY").text
    rows = list(csv.reader(io.StringIO(client.get("/conflicts?download=csv").data.decode("utf-8-sig")),
                           delimiter=";"))
    assert rows[0][:3] == ["Школа", "Код", "Кто"] and len(rows) == 6
    assert client.get("/conflicts?download=pdf").status_code == 400
    assert "Найдено: 0" in client.get("/load").text
    assert demo.scalars(select(AuditEntry.action).where(AuditEntry.action == "read conflicts")).all()
