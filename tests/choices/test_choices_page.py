"""The allocation result page: figures by role, a decision, a re-run, «Утвердить» and the difference."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bridge.accounts import create_account
from bridge.db import utc
from bridge.choices.allocation import run_allocation
from bridge.choices.survey import import_answers
from bridge.models import AccountRole, AllocationDecision, AuditEntry, Enrolment
from choices.district import TODAY, build
from tests.conftest import PASSWORD
from tests.web.test_access import _csrf, _login


@pytest.fixture
def run_id(session, runtime):
    d = build(session)
    # S3 wants only ROBO, which clashes with 10А's 7th period at home: not served, with the reason.
    import_answers(session, d["campaign"], "a.csv",
                   b"student,choice_1,choice_2\nS1,CHEM,PHYS\nS2,CHEM,\nS3,ROBO,\n", today=TODAY)
    for login, role, extra in [("admin", AccountRole.ADMIN, {}), ("coordinator", AccountRole.COORDINATOR,
                                                                    {"school": "SCH1"}),
                               ("other", AccountRole.COORDINATOR, {"school": "SCH2"}),
                               ("viewer", AccountRole.VIEWER, {}), ("teacher", AccountRole.TEACHER, {"teacher": "T1"})]:
        create_account(session, login, PASSWORD, role, **extra)
    run = run_allocation(session, runtime.settings, d["campaign"], today=TODAY)
    session.commit()
    return run.id


def test_the_administrator_sees_figures_chart_and_reasons(client, session, run_id):
    _login(client, "admin")
    page = client.get(f"/choices/runs/{run_id}")
    assert page.status_code == 200
    assert "Статус решателя: <b>OPTIMAL</b>" in page.text and "разрыв 0.00%" in page.text
    assert "<svg" in page.text and "1-й выбор" in page.text
    assert "S3" in page.text and "ROBO: пересекается с уроком своего класса" in page.text
    assert "Основа: нынешние расписания и учебные планы" in page.text or "Основа: расписания и учебные планы класса" in page.text
    assert 'data-confirm="Утвердить распределение?' in page.text
    assert session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "read allocation run"


@pytest.mark.parametrize("role, status, names", [("coordinator", 200, True), ("other", 200, False),
                                                 ("viewer", 200, False), ("teacher", 403, False)])
def test_each_role_sees_its_scope(client, run_id, role, status, names):
    _login(client, role)
    page = client.get(f"/choices/runs/{run_id}")
    assert page.status_code == status
    if status == 200:
        unserved = page.text.split('id="unserved"')[1]  # not the whole page: a random CSRF token may hold "S3"
        assert ("<td>S3</td>" in unserved) is names  # another school's coordinator and a viewer: no student
        assert "<svg" in page.text and "Утвердить" not in page.text
        assert ("Ручные решения" in page.text) is (role != "viewer")  # coordinators decide for their school
        forbidden = ("approve",) if role != "viewer" else ("rerun", "approve", "decide")
        for path in forbidden:
            assert client.post(f"/choices/runs/{run_id}/{path}",
                               data={"csrf_token": _csrf(page.text)}).status_code == 403


def test_a_coordinator_decides_for_their_school_only(client, session, worker, run_id):
    """A coordinator pins and forbids their own students and forces the groups their school teaches;
    anything else is refused with 403 and writes nothing. Their rerun is solved with the decision."""
    from bridge.models import AllocationRun, OfferState
    from bridge.choices.campaigns import find_campaign

    create_account(session, "rc", PASSWORD, AccountRole.COORDINATOR, school="RC")
    session.commit()
    _login(client, "coordinator")
    page = client.get(f"/choices/runs/{run_id}").text
    token = _csrf(page)
    assert 'id="decide-student"' in page and 'id="decide-offer"' not in page  # SCH1 teaches no group
    for refused in ({"student": "X1", "course": "CHEM", "action": "pin"},  # a student of SCH2
                    {"course": "CHEM", "state": "closed"}):  # a group the resource centre teaches
        answer = client.post(f"/choices/runs/{run_id}/decide", data={"csrf_token": token, **refused})
        assert answer.status_code == 403 and "своей школы" in answer.text
    assert session.scalar(select(func.count()).select_from(AllocationDecision)) == 0
    assert find_campaign(session, "VYBOR-2027").offers[0].forced == OfferState.AUTO

    assert client.post(f"/choices/runs/{run_id}/decide", data={"csrf_token": token, "student": "S3",
                                                              "course": "CHEM", "action": "pin"}).status_code == 303
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "pin allocation" and "S3 CHEM" in entry.target
    fresh = re.sub(r">\s+<", "><", _rerun(client, session, worker, run_id, token))
    assert "<tr><td>S3</td><td>SCH1</td><td>10</td><td>CHEM</td>" in fresh  # pinned: granted CHEM
    run = session.scalar(select(AllocationRun).order_by(AllocationRun.id.desc()))

    client.post("/logout", data={"csrf_token": token})
    _login(client, "rc")
    token = _csrf(client.get(f"/choices/runs/{run.id}").text)
    assert client.post(f"/choices/runs/{run.id}/decide", data={"csrf_token": token, "course": "CHEM",
                                                              "state": "closed"}).status_code == 303
    session.expire_all()
    assert {o.course.code: o.forced for o in find_campaign(session, "VYBOR-2027").offers}["CHEM"] == OfferState.CLOSED


def test_reruns_queued_one_after_another_make_one_job(client, session, run_id):
    from bridge.models import Job

    _login(client, "coordinator")
    token = _csrf(client.get(f"/choices/runs/{run_id}").text)
    for _ in range(3):
        assert client.post(f"/choices/runs/{run_id}/rerun", data={"csrf_token": token}).status_code == 303
    assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == "allocate")) == 1


def _rerun(client, session, worker, run_id: int, token: str) -> str:
    """«Рассчитать заново» queues a job (the web process solves nothing); a worker runs it; the new run's page."""
    from bridge.models import AllocationRun

    queued = client.post(f"/choices/runs/{run_id}/rerun", data={"csrf_token": token})
    assert queued.status_code == 303 and "расчёт в очереди" in client.get(queued.headers["Location"]).text
    assert worker.drain() == 1
    fresh = session.scalar(select(func.max(AllocationRun.id)))
    assert fresh > run_id
    return client.get(f"/choices/runs/{fresh}").text


def test_a_pin_rerun_and_approval_show_the_difference(client, session, worker, run_id):
    _login(client, "admin")
    token = _csrf(client.get(f"/choices/runs/{run_id}").text)
    bad = client.post(f"/choices/runs/{run_id}/decide", data={"csrf_token": token, "student": "NOPE",
                                                             "course": "ART", "action": "pin"})
    assert bad.status_code == 400 and "unknown student NOPE" in bad.text
    assert session.scalar(select(func.count()).select_from(AllocationDecision)) == 0

    approved = client.post(f"/choices/runs/{run_id}/approve", data={"csrf_token": token})
    assert approved.status_code == 303
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 2
    assert "Распределение утверждено" in client.get(approved.headers["Location"]).text

    decided = client.post(f"/choices/runs/{run_id}/decide", data={"csrf_token": token, "student": "S3",
                                                                 "course": "CHEM", "action": "pin"})
    assert decided.status_code == 303
    fresh = _rerun(client, session, worker, run_id, token)
    assert f"Отличие от утверждённого распределения № {run_id}: добавится 1" in fresh
    assert "добавлено: S3 — CHEM" in fresh
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 2  # nothing changes until approved


def test_forcing_a_group_closed_is_kept_and_a_bad_state_is_refused(client, session, worker, run_id):
    _login(client, "admin")
    token = _csrf(client.get(f"/choices/runs/{run_id}").text)
    assert client.post(f"/choices/runs/{run_id}/decide", data={"csrf_token": token, "course": "CHEM",
                                                              "state": "maybe"}).status_code == 400
    assert client.post(f"/choices/runs/{run_id}/decide", data={"csrf_token": token, "course": "CHEM",
                                                              "state": "closed"}).status_code == 303
    assert "закрыта вручную" not in client.get(f"/choices/runs/{run_id}").text  # the run's own report
    fresh = re.sub(r">\s+<", "><", _rerun(client, session, worker, run_id, token))
    assert "<td>CHEM</td><td>0</td><td>1</td><td>3</td><td>закрыта</td><td>закрыта вручную</td>" in fresh


FORM = {"code": "VYBOR-2028", "title": "Второй тур", "year": "2027-2028", "opens_at": "2027-05-01T09:00",
        "closes_at": "2027-05-20T18:00", "max_choices": "2", "rank_weights": "2, 1", "rules": "10 0 1\n9 0 1",
        "offers": "CHEM 2 20\nART 1 5 нет"}


def test_the_administrator_creates_a_campaign_from_the_form(client, session, run_id):
    from bridge.choices.campaigns import find_campaign

    _login(client, "admin")
    token = _csrf(client.get("/choices").text)
    saved = client.post("/choices", data={**FORM, "csrf_token": token})
    assert saved.status_code == 303
    campaign = find_campaign(session, "VYBOR-2028")
    assert utc(campaign.opens_at).hour == 6  # 09:00 in Moscow, the district's clock
    assert [(o.min_size, o.max_size, o.may_close) for o in campaign.offers] == [(2, 20, True), (1, 5, False)]
    listed = client.get(saved.headers["Location"]).text
    assert "Кампания сохранена." in listed and "VYBOR-2028" in listed


@pytest.mark.parametrize("change, named", [
    ({"offers": "NOPE 1 2"}, "offers[1].course: unknown course &#39;NOPE&#39;"),
    ({"rules": "десять 1 2"}, "rules[1].grade: a whole number from 1 to 11 is required"),
    ({"closes_at": "2027-04-01T09:00"}, "closes_at: must be after opens_at"),
    ({"opens_at": "завтра"}, "opens_at: a date and time with its offset is required"),
    ({"rank_weights": "5 x"}, "rank_weights: a list of 1 to 10 whole numbers"),
])
def test_a_bad_form_names_the_field_and_saves_nothing(client, session, run_id, change, named):
    from bridge.choices.campaigns import find_campaign

    _login(client, "admin")
    token = _csrf(client.get("/choices").text)
    answer = client.post("/choices", data={**FORM, **change, "csrf_token": token})
    assert answer.status_code == 400 and "Ничего не сохранено" in answer.text and named in answer.text
    assert find_campaign(session, "VYBOR-2028") is None


@pytest.mark.parametrize("role, runs", [("coordinator", 303), ("viewer", 403), ("teacher", 403)])
def test_only_the_administrator_creates_and_coordinators_run(client, run_id, role, runs):
    _login(client, role)
    page = client.get("/choices")
    assert page.status_code == (403 if role == "teacher" else 200)
    token = _csrf(client.get("/login").text) if role == "teacher" else _csrf(page.text)
    assert client.post("/choices", data={**FORM, "csrf_token": token}).status_code == 403
    assert client.post("/choices/VYBOR-2027/run", data={"csrf_token": token}).status_code == runs
