"""The student's private choice page: admitted offers only, clash and load marks, saves through the
survey import's checks, read-only after the window, revocable links, tokens never logged."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from sqlalchemy import select

from bridge.accounts import create_account
from bridge.models import AccountRole, AuditEntry, CalendarToken, CurriculumLoad, StudentChoice
from bridge.web.calendar_feeds import LOGGERS
from bridge.web.choose import REDACT
from calendars.conftest import http, live_url  # noqa: F401 (the fixtures of a live server)
from choices.district import build
from tests.conftest import PASSWORD
from tests.web.test_access import _csrf, _login

SHEET = "/choices/VYBOR-2027/class/links"
LINK = re.compile(r"/choose/([A-Za-z0-9_-]{43})")


@pytest.fixture
def district(session):
    d = build(session)
    now = dt.datetime.now(dt.UTC)
    d["campaign"].opens_at, d["campaign"].closes_at = now - dt.timedelta(days=1), now + dt.timedelta(days=10)
    for login, role, extra in [("admin", AccountRole.ADMIN, {}),
                               ("coordinator", AccountRole.COORDINATOR, {"school": "SCH1"}),
                               ("other", AccountRole.COORDINATOR, {"school": "SCH2"})]:
        create_account(session, login, PASSWORD, role, **extra)
    session.commit()
    return d


def _sheet(client, login="coordinator", **form) -> str:
    _login(client, login)
    token = _csrf(client.get("/choices/VYBOR-2027/class?class=9А").text)
    answer = client.post(f"{SHEET}?class=9А", data={"csrf_token": token, **form})
    assert answer.status_code == 200, answer.text
    return answer.text



def _choices(session):
    return session.execute(select(StudentChoice.student_id, StudentChoice.rank)
                           .order_by(StudentChoice.student_id, StudentChoice.rank)).all()


def test_the_sheet_issues_a_link_per_student_once(client, session, district):
    sheet = _sheet(client)
    assert len(set(LINK.findall(sheet))) == 4 and sheet.count("<svg") == 4
    assert LINK.search(_sheet(client)) is None  # already issued: not shown again
    assert session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "issue choice links"
    again = _sheet(client, reissue="1")
    assert len(LINK.findall(again)) == 4
    revoked = session.scalars(select(CalendarToken).where(CalendarToken.revoked_at.is_not(None))).all()
    assert len(revoked) == 4  # re-issuing revokes the old links


def test_a_coordinator_of_another_school_gets_no_links(client, session, district):
    _login(client, "other")
    token = _csrf(client.get("/choices/VYBOR-2027/class?class=9А").text)
    answer = client.post(f"{SHEET}?class=9А", data={"csrf_token": token})
    assert answer.status_code == 404 and session.scalar(select(CalendarToken)) is None


def test_the_student_sees_admitted_offers_marked_and_saves(client, session, district, app):
    token = LINK.findall(_sheet(client))[0]
    anonymous = app.test_client()
    page = anonymous.get(f"/choose/{token}")
    assert page.status_code == 200
    assert 'id="offer-ROBO"' in page.text and 'id="offer-ART"' not in page.text  # ART is for grades 8-9
    robo = page.text.split('id="offer-ROBO"')[1].split("</li>")[0]
    assert "совпадает с уроком" in robo  # the Tuesday 7th period at home
    chem = page.text.split('id="offer-CHEM"')[1].split("</li>")[0]
    assert "⚠" not in chem
    saved = anonymous.post(f"/choose/{token}", data={"csrf_token": _csrf(page.text), "choice_1": "CHEM",
                                                     "choice_2": "PHYS"})
    assert saved.status_code == 303
    again = anonymous.get(saved.headers["Location"]).text
    assert "Выбор сохранён." in again
    phys = again.split('id="offer-PHYS"')[1].split("</li>")[0]
    assert "идёт в одно время с курсом из вашего выбора (CHEM)" in phys  # Wednesday 16:00-16:40 and 16:20
    assert [r for _, r in _choices(session)] == [1, 2]
    actors = session.scalars(select(AuditEntry.login).order_by(AuditEntry.id)).all()
    assert "link:student S1" in actors and not any(token in a for a in actors)


def test_an_offer_over_the_spare_hours_is_marked(client, session, district, app):
    load = session.scalar(select(CurriculumLoad))
    load.hours_per_week = 33  # SanPiN's 34 for a 5-day 10th grade: 1 spare hour
    session.commit()
    token = LINK.findall(_sheet(client))[0]
    page = app.test_client().get(f"/choose/{token}").text
    marked = {code: "превысит недельную нагрузку" in page.split(f'id="offer-{code}"')[1].split("</li>")[0]
              for code in ("CHEM", "PHYS", "ROBO")}
    assert marked == {"CHEM": True, "PHYS": False, "ROBO": True}  # 2 h, 1 h, 2 h


@pytest.mark.parametrize("form", [{"choice_1": "CHEM", "choice_2": "CHEM"}, {"choice_1": "ART"},
                                  {"choice_1": "NOPE"}])
def test_bad_input_is_refused_and_nothing_written(client, session, district, app, form):
    token = LINK.findall(_sheet(client))[0]
    anonymous = app.test_client()
    page = anonymous.get(f"/choose/{token}")
    answer = anonymous.post(f"/choose/{token}", data={"csrf_token": _csrf(page.text), **form})
    assert answer.status_code == 400 and "Ничего не сохранено" in answer.text
    assert _choices(session) == []


def test_a_post_without_the_csrf_token_is_refused(client, session, district, app):
    token = LINK.findall(_sheet(client))[0]
    assert app.test_client().post(f"/choose/{token}", data={"choice_1": "CHEM"}).status_code == 400
    assert _choices(session) == []


def test_after_the_window_the_page_is_read_only(client, session, district, app):
    token = LINK.findall(_sheet(client))[0]
    district["campaign"].closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    session.commit()
    anonymous = app.test_client()
    page = anonymous.get(f"/choose/{token}")
    assert page.status_code == 200 and "Приём выбора закрыт" in page.text and 'id="save"' not in page.text
    refused = anonymous.post(f"/choose/{token}", data={"csrf_token": _csrf(page.text), "choice_1": "CHEM"})
    assert refused.status_code == 409 and "приём выбора закрыт" in refused.text and _choices(session) == []


def test_a_revoked_or_unknown_link_is_not_found(client, session, district, app):
    token = LINK.findall(_sheet(client))[0]
    _sheet(client, reissue="1")
    anonymous = app.test_client()
    assert anonymous.get(f"/choose/{token}").status_code == 404
    unknown = anonymous.get("/choose/" + "x" * 43, headers={"Accept": "text/html"})
    assert unknown.status_code == 404 and "Не найдено" in unknown.text


def test_the_access_log_never_shows_a_choice_token(client, session, district, live_url, http, caplog):
    token = LINK.findall(_sheet(client))[0]
    caplog.set_level(logging.INFO, logger="werkzeug")
    http.get(live_url + f"/choose/{token}", timeout=10)
    access = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert access and all("/choose/<token>" in line for line in access)
    assert token not in caplog.text
    assert all(REDACT in logging.getLogger(name).filters for name in LOGGERS)


def test_the_administrator_names_the_school(client, session, district):
    _login(client, "admin")
    token = _csrf(client.get("/choices/VYBOR-2027/class?school=SCH1&class=9А").text)
    assert client.post(f"{SHEET}?class=9А", data={"csrf_token": token}).status_code == 404  # which school?
    sheet = client.post(f"{SHEET}?school=SCH1&class=9А", data={"csrf_token": token})
    assert sheet.status_code == 200 and len(LINK.findall(sheet.text)) == 4
