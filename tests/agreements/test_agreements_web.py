"""Agreements in the API and the console: role scopes, the figures of the planted district, the statement as
XLSX and as a printable page, the teachers' hours, the uncovered enrolments, and changes audited."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bridge.accounts import create_account, issue_token
from bridge.models import AccountRole, Agreement, AuditEntry
from tests.agreements.district import OCTOBER, build
from tests.conftest import PASSWORD
from tests.web.test_access import _csrf

ROLES = {"admin": (AccountRole.ADMIN, {}), "coord29": (AccountRole.COORDINATOR, {"school": "SCH29"}),
         "coord14": (AccountRole.COORDINATOR, {"school": "SCH14"}), "t1": (AccountRole.TEACHER, {"teacher": "T-1"}),
         "viewer": (AccountRole.VIEWER, {})}


@pytest.fixture
def tokens(session) -> dict[str, dict[str, str]]:
    build(session)
    out = {}
    for login, (role, extra) in ROLES.items():
        account = create_account(session, login, PASSWORD, role, **extra)
        out[login] = {"Authorization": f"Bearer {issue_token(session, account, 'tests')}"}
    session.commit()
    return out


def _id(session, number: str) -> int:
    return session.scalar(select(Agreement.id).where(Agreement.number == number))


def _sign_in(client, login: str) -> str:
    page = client.get("/login")
    assert client.post("/login", data={"login": login, "password": PASSWORD,
                                       "csrf_token": _csrf(page.text)}).status_code == 302
    return _csrf(client.get("/agreements" if login != "t1" else "/teacher-hours").text)


@pytest.mark.parametrize("login, numbers, uncovered", [
    ("admin", {"12/СВ", "7-Н"}, 2), ("coord14", {"12/СВ", "7-Н"}, 2), ("coord29", {"7-Н"}, 0),
    ("viewer", {"12/СВ", "7-Н"}, 2)])
def test_who_sees_which_agreements(client, tokens, login, numbers, uncovered):
    body = client.get("/api/v1/agreements?year=2026-2027", headers=tokens[login]).json
    assert {a["number"] for a in body["items"]} == numbers and body["uncovered_enrolments"] == uncovered


def test_a_coordinator_gets_404_for_an_agreement_of_other_schools_and_a_teacher_403(client, session, tokens):
    key = _id(session, "12/СВ")
    assert client.get(f"/api/v1/agreements/{key}", headers=tokens["coord29"]).status_code == 404
    statement = f"/api/v1/agreements/{key}/statement?month={OCTOBER}"
    assert client.get(statement, headers=tokens["coord29"]).status_code == 404
    assert client.get(f"/agreements/{key}/statement", headers=tokens["coord29"]).status_code == 404
    assert client.get("/api/v1/agreements", headers=tokens["t1"]).status_code == 403
    assert client.get(f"/api/v1/agreements/{key}", headers=tokens["coord14"]).status_code == 200


def test_statement_api_has_the_hand_figures_and_names_no_student(client, session, tokens):
    body = client.get(f"/api/v1/agreements/{_id(session, '12/СВ')}/statement?month={OCTOBER}",
                      headers=tokens["coord14"]).json
    assert body["groups"] == [{
        "course": "NC-CHEM-11", "title": "Химия", "teachers": ["Кузнецова Ирина Владимировна"],
        "lessons_planned": 4, "lessons_held": 3, "academic_hours": 3, "group_students": 5, "receiver_students": 3,
        "share": "3/5", "share_percent": "60.0", "hours": "1.80", "amount": "2700.00"}]
    assert body["agreement"]["rate"] == "1500.00" and body["totals"]["amount"] == "2700.00"
    assert "Иванов" not in str(body) and "SCH01-S" not in str(body)
    viewer = client.get(f"/api/v1/agreements/{_id(session, '12/СВ')}/statement?month={OCTOBER}",
                        headers=tokens["viewer"]).json
    assert viewer["groups"][0]["teachers"] == [] and viewer["groups"][0]["hours"] == "1.80"
    assert client.get(f"/api/v1/agreements/{_id(session, '12/СВ')}/statement?month=10.2026",
                      headers=tokens["admin"]).status_code == 400


def test_uncovered_in_the_api_within_the_role(client, tokens):
    body = client.get("/api/v1/agreements/uncovered?year=2026-2027", headers=tokens["admin"]).json
    assert body["items"] == [{"course": "NC-PY-11", "title": "Программирование", "provider": "SCH14",
                              "receiver": "SCH01", "receiver_name": "СОШ № 1", "students": 2}]
    assert client.get("/api/v1/agreements/uncovered?year=2026-2027", headers=tokens["coord29"]).json["items"] == []
    assert client.get("/api/v1/agreements/uncovered?year=1900-1901", headers=tokens["admin"]).status_code == 404


@pytest.mark.parametrize("login, expected", [
    ("admin", [("T-1", {"2026-09": 1, "2026-10": 3}, 4), ("T-2", {"2026-10": 2}, 2)]),
    ("coord14", [("T-1", {"2026-09": 1, "2026-10": 3}, 4), ("T-2", {"2026-10": 2}, 2)]),
    ("coord29", []),  # no teacher of SCH29
    ("t1", [("T-1", {"2026-09": 1, "2026-10": 3}, 4)]),
    ("viewer", [(None, {"2026-09": 1, "2026-10": 5}, 6)]),  # per school, no names
])
def test_teacher_hours_within_the_role(client, tokens, login, expected):
    body = client.get("/api/v1/teacher-hours?year=2026-2027", headers=tokens[login]).json
    assert [(i["teacher"], i["hours"], i["total"]) for i in body["items"]] == expected
    assert body["months"][0] == "2026-09" and body["months"][-1] == "2027-05"
    if login == "viewer":
        assert body["items"][0]["name"] is None and body["items"][0]["school"] == "СОШ № 14"


def test_create_change_delete_through_the_api_audited(client, session, tokens):
    admin = tokens["admin"]
    terms = {"provider": "SCH14", "receiver": "SCH01", "year": "2026-2027", "number": "13/СВ",
             "date": "2026-09-01", "courses": ["NC-PY-11"], "rate": "900,50"}
    assert client.post("/api/v1/agreements", json=terms, headers=tokens["coord14"]).status_code == 403
    created = client.post("/api/v1/agreements", json=terms, headers=admin)
    assert created.status_code == 201, created.json
    assert created.json["rate"] == "900.50" and created.json["courses"] == ["NC-PY-11"]
    assert client.post("/api/v1/agreements", json=terms, headers=admin).status_code == 409
    bad = client.post("/api/v1/agreements", json={**terms, "number": "14", "courses": ["NC-X"], "rate": -1},
                      headers=admin)
    assert bad.status_code == 400
    assert "courses: unknown course NC-X" in bad.json["message"] and "rate: not a sum" in bad.json["message"]
    key = created.json["id"]
    changed = client.put(f"/api/v1/agreements/{key}", json={"courses": "all", "rate": None}, headers=admin)
    assert changed.status_code == 200 and changed.json["all_courses"] and changed.json["rate"] is None
    assert changed.json["number"] == "13/СВ"  # fields not sent keep their value
    assert client.get("/api/v1/agreements/uncovered?year=2026-2027", headers=admin).json["items"] == []
    assert client.delete(f"/api/v1/agreements/{key}", headers=admin).json == {"deleted": key}
    assert client.get(f"/api/v1/agreements/{key}", headers=admin).status_code == 404
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("% agreement"))).all()
    assert actions == ["create agreement", "change agreement", "delete agreement"]


def test_statement_xlsx_opens_and_has_the_figures(client, session, tokens):
    response = client.get(f"/agreements/{_id(session, '7-Н')}/statement?month={OCTOBER}&download=xlsx",
                          headers=tokens["coord29"])
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Ведомость часов по договору № 7-Н от 28.08.2026 за октябрь 2026"
    header = rows.index(next(r for r in rows if r and r[0] == "Курс"))
    chem, prog, total = rows[header + 1], rows[header + 2], rows[header + 3]
    assert chem[:2] == ["NC-CHEM-11", "Химия"] and chem[3:] == [4, 3, 3, 5, 2, 40, 1.2, 1200.01]
    assert prog[0] == "NC-PY-11" and prog[9:] == [0.67, 666.67]
    assert total[0] == "Итого" and total[9:] == [1.87, 1866.68]
    assert "1866.69" in rows[-1][0]  # the rounding note


def test_printable_statement_page(client, session, tokens):
    _sign_in(client, "coord29")
    page = client.get(f"/agreements/{_id(session, '7-Н')}/statement?month={OCTOBER}")
    assert page.status_code == 200
    html = page.text
    assert "@page { size: A4 landscape" in html and "@media print" in html
    assert 'id="total-hours">1.87<' in html and 'id="total-amount">1866.68<' in html
    assert 'id="rounding-note"' in html and "СОШ № 29" in html
    assert "Иванов" not in html


def test_agreements_page_counts_the_uncovered_and_lists_them(client, tokens):
    _sign_in(client, "admin")
    page = client.get("/agreements?year=2026-2027&month=2026-10").text
    assert "Зачислений без договора: <strong>2</strong>" in page
    assert page.count('<tr id="agreement-') == 2 and "Ведомость за октябрь 2026" in page and "month=2026-10" in page
    listed = client.get("/agreements/uncovered?year=2026-2027").text
    assert "Зачислений без договора: 2" in listed and "NC-PY-11" in listed and "NC-CHEM-11" not in listed
    workbook = load_workbook(io.BytesIO(client.get("/agreements/uncovered?year=2026-2027&download=xlsx").data))
    assert [c.value for c in workbook.active[3]][:2] == ["NC-PY-11", "Программирование"]


def test_coordinator_page_shows_only_their_agreements_and_no_form(client, tokens):
    _sign_in(client, "coord29")
    page = client.get("/agreements?year=2026-2027").text
    assert "7-Н" in page and "12/СВ" not in page and "Новый договор" not in page
    assert client.get("/agreements/new").status_code == 403


def test_console_form_creates_refuses_and_deletes(client, session, tokens):
    csrf = _sign_in(client, "admin")
    refused = client.post("/agreements/new", data={
        "csrf_token": csrf, "provider": "SCH14", "receiver": "SCH14", "year": "2026-2027", "number": "",
        "date": "2026-09-01", "rate": "abc"})
    assert refused.status_code == 400
    assert 'id="error-receiver">школа-получатель совпадает' in refused.text
    assert 'id="error-number">не заполнено' in refused.text and 'id="error-courses"' in refused.text
    assert 'id="error-rate">не сумма в рублях' in refused.text
    done = client.post("/agreements/new", data={
        "csrf_token": csrf, "provider": "SCH14", "receiver": "SCH01", "year": "2026-2027", "number": "13/СВ",
        "date": "2026-09-01", "courses": ["NC-PY-11"], "rate": "1 200,00"})
    assert done.status_code == 302
    key = _id(session, "13/СВ")
    assert session.get(Agreement, key).rate_kopecks == 120000
    edit = client.get(f"/agreements/{key}/edit").text
    assert 'value="NC-PY-11" checked' in edit and 'value="1200.00"' in edit
    assert client.post(f"/agreements/{key}/delete", data={"csrf_token": csrf}).status_code == 302
    session.expire_all()
    assert session.get(Agreement, key) is None


def test_console_import_shows_problems_in_russian_and_writes_nothing(client, session, tokens):
    csrf = _sign_in(client, "admin")
    body = "provider,receiver,year,number,date,courses,rate\nSCH14,SCH01,2026-2027,20,2026-09-01,NC-X,\n"
    response = client.post("/agreements/import?year=2026-2027", data={
        "csrf_token": csrf, "file": (io.BytesIO(body.encode()), "a.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "<code>a.csv:2:courses</code>: неизвестный курс NC-X" in response.text
    assert session.scalar(select(func.count()).select_from(Agreement)) == 2


def test_teacher_hours_page_and_its_xlsx(client, tokens):
    _sign_in(client, "t1")
    page = client.get("/teacher-hours?year=2026-2027").text
    assert "Кузнецова" in page and "Орлов" not in page
    workbook = load_workbook(io.BytesIO(client.get("/teacher-hours?year=2026-2027&download=xlsx").data))
    header, row = [c.value for c in workbook.active[2]], [c.value for c in workbook.active[3]]
    assert header[:5] == ["Код", "Педагог", "Школа", "сентябрь 2026", "октябрь 2026"] and header[-1] == "Всего"
    assert row[0] == "T-1" and row[3:5] == [1, 3] and row[-1] == 4
    assert re.search(r"Договоры", client.get("/teacher-hours").text) is None  # a teacher has no agreements link


@pytest.mark.parametrize("login", ["coord14", "t1", "viewer"])
def test_only_the_administrator_changes_agreements(client, session, tokens, login):
    key = _id(session, "7-Н")
    csrf = _sign_in(client, login)
    for path in (f"/agreements/{key}/edit", f"/agreements/{key}/delete", "/agreements/new", "/agreements/import"):
        assert client.post(path, data={"csrf_token": csrf}).status_code == 403, path
    assert client.get(f"/agreements/{key}/edit").status_code == 403
    for method in ("put", "delete"):
        assert getattr(client, method)(f"/api/v1/agreements/{key}", json={}, headers=tokens[login]).status_code == 403
    assert session.get(Agreement, key) is not None
    statement = client.get(f"/agreements/{key}/statement")
    assert statement.status_code == (403 if login == "t1" else 200)
