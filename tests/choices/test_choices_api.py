"""Course choice through the JSON API: the campaigns, a run started and read, «Утвердить»."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bridge.accounts import create_account, issue_token
from bridge.choices.survey import import_answers
from bridge.models import AccountRole, AuditEntry, Enrolment
from choices.district import TODAY, build
from tests.conftest import PASSWORD


@pytest.fixture
def tokens(session):
    d = build(session)
    import_answers(session, d["campaign"], "a.csv", b"student,choice_1,choice_2\nS1,CHEM,PHYS\nS2,CHEM,\n",
                   today=TODAY)
    out = {}
    for role, extra in [(AccountRole.ADMIN, {}), (AccountRole.COORDINATOR, {"school": "SCH1"})]:
        account = create_account(session, role.value, PASSWORD, role, **extra)
        out[role.value] = {"Authorization": f"Bearer {issue_token(session, account, 'tests')}"}
    session.commit()
    return out


def _formed(client, tokens, worker, **body) -> dict:
    """Queue a run, let a worker solve it, and read it as the job names it."""
    started = client.post("/api/v1/choices/campaigns/VYBOR-2027/runs", json=body, headers=tokens["admin"])
    assert started.status_code == 202 and started.json["status"] == "queued", started.json
    assert worker.drain() == 1
    job = client.get(f"/api/v1/choices/jobs/{started.json['job']}", headers=tokens["admin"]).json
    assert job["status"] == "done", job
    return client.get(job["run_url"], headers=tokens["admin"]).json


def test_a_run_is_started_read_and_approved(client, session, tokens, worker):
    (campaign,) = client.get("/api/v1/choices/campaigns", headers=tokens["coordinator"]).json
    assert (campaign["code"], campaign["students_answered"], campaign["approved_run"]) == ("VYBOR-2027", 2, None)

    run = _formed(client, tokens, worker, time_limit=10)
    assert run["status"] == "OPTIMAL" and run["difference"] == {"approved_run": None, "added": [
        ["S1", "CHEM"], ["S2", "CHEM"]], "dropped": []}
    read = client.get(f"/api/v1/choices/runs/{run['id']}", headers=tokens["admin"])
    assert read.json["offers"] == run["offers"]
    assert session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "read allocation run"

    approved = client.post(f"/api/v1/choices/runs/{run['id']}/approve", headers=tokens["admin"])
    assert approved.status_code == 200 and approved.json["created"] == 2
    again = client.post(f"/api/v1/choices/runs/{run['id']}/approve", json={"withdraw": False},
                        headers=tokens["admin"])
    assert again.json == {"run": run["id"], "created": 0, "reactivated": 0, "withdrawn": 0, "unchanged": 2}
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 2
    assert session.scalar(select(Enrolment.starts_on).limit(1)) == dt.date(2027, 9, 1)


@pytest.mark.parametrize("body", [{"time_limit": 0}, {"time_limit": 500}, {"time_limit": True}, {"limit": 5}])
def test_a_bad_body_is_400_and_starts_nothing(client, session, tokens, body):
    answer = client.post("/api/v1/choices/campaigns/VYBOR-2027/runs", json=body, headers=tokens["admin"])
    assert answer.status_code == 400
    assert client.get("/api/v1/choices/runs/1", headers=tokens["admin"]).status_code == 404


def test_unknown_campaign_and_run_are_404(client, tokens):
    assert client.post("/api/v1/choices/campaigns/NOPE/runs", headers=tokens["admin"]).status_code == 404
    assert client.post("/api/v1/choices/runs/99/approve", headers=tokens["admin"]).status_code == 404


def test_only_the_administrator_approves_and_a_coordinator_reads_their_school(client, session, tokens, worker):
    """The role table of the run views (tests/web/test_access.py names this test's file): a coordinator
    queues and follows a run and reads their school's part of it; approving is the administrator's."""
    import_answers(session, _campaign(session), "b.csv", b"student,choice_1\nX1,ROBO\n", today=TODAY)
    session.commit()
    coordinator = tokens["coordinator"]
    started = client.post("/api/v1/choices/campaigns/VYBOR-2027/runs", headers=coordinator)
    assert started.status_code == 202
    again = client.post("/api/v1/choices/campaigns/VYBOR-2027/runs", headers=coordinator)
    assert again.json["job"] == started.json["job"]  # queued once, not stacked
    assert worker.drain() == 1
    job = client.get(f"/api/v1/choices/jobs/{started.json['job']}", headers=coordinator).json
    own = client.get(job["run_url"], headers=coordinator).json
    whole = client.get(job["run_url"], headers=tokens["admin"]).json
    assert {r["school"] for r in whole["ranks"]} == {"SCH1", "SCH2"}
    assert {r["school"] for r in own["ranks"]} == {"SCH1"} and own["difference"] is None
    assert own["offers"] == whole["offers"] and whole["difference"]["added"]
    for method, path in [("post", f"/api/v1/choices/runs/{own['id']}/approve"),
                         ("post", "/api/v1/choices/campaigns")]:
        assert getattr(client, method)(path, headers=coordinator).status_code == 403
        assert getattr(client, method)(path).status_code == 401


def _campaign(session):
    from bridge.choices.campaigns import find_campaign

    return find_campaign(session, "VYBOR-2027")


def test_decisions_by_api_keep_to_the_coordinators_school(client, session, tokens, worker):
    from bridge.models import AllocationDecision, OfferState

    coordinator, url = tokens["coordinator"], "/api/v1/choices/campaigns/VYBOR-2027"
    assert client.post(f"{url}/decisions", json={"student": "X1", "course": "CHEM", "action": "pin"},
                       headers=coordinator).status_code == 403  # a student of SCH2
    assert client.post(f"{url}/offers/CHEM/state", json={"state": "closed"},
                       headers=coordinator).status_code == 403  # the resource centre's group
    for bad in ({"student": "S1", "course": "CHEM", "action": "keep"}, {"student": "S1", "course": "CHEM"},
                {"student": "S1", "course": "NOPE", "action": "pin"}, {"student": "S1", "course": "CHEM",
                                                                      "action": "pin", "extra": 1}):
        assert client.post(f"{url}/decisions", json=bad, headers=coordinator).status_code == 400, bad
    assert client.post(f"{url}/offers/CHEM/state", json={"state": "maybe"}, headers=tokens["admin"]).status_code == 400
    assert session.scalar(select(func.count()).select_from(AllocationDecision)) == 0

    pinned = client.post(f"{url}/decisions", json={"student": "S1", "course": "ROBO", "action": "forbid"},
                         headers=coordinator)
    assert pinned.status_code == 200 and pinned.json == {"saved": True}
    assert client.post(f"{url}/offers/PHYS/state", json={"state": "open"}, headers=tokens["admin"]).status_code == 200
    assert client.post("/api/v1/choices/campaigns/NOPE/decisions", json={"student": "S1", "course": "CHEM",
                                                                      "action": "pin"}, headers=coordinator).status_code == 404
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AllocationDecision)) == 1
    assert {o.course.code: o.forced for o in _campaign(session).offers}["PHYS"] == OfferState.OPEN
    assert session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "force offer"


NEW_CAMPAIGN = {"code": "VYBOR-2028", "title": "Выбор курсов, второй тур", "year": "2027-2028",
                "opens_at": "2027-05-01T09:00:00+03:00", "closes_at": "2027-05-20T18:00:00+03:00",
                "max_choices": 2, "rank_weights": [2, 1],
                "rules": [{"grade": 10, "min_courses": 0, "max_courses": 1}],
                "offers": [{"course": "CHEM", "min_size": 2, "max_size": 20, "may_close": False}]}


def test_a_campaign_is_created_then_updated_by_its_code(client, session, tokens):
    created = client.post("/api/v1/choices/campaigns", json=NEW_CAMPAIGN, headers=tokens["admin"])
    assert created.status_code == 201, created.json
    assert (created.json["code"], created.json["offers"], created.json["rank_weights"]) == ("VYBOR-2028", 1, [2, 1])
    updated = client.post("/api/v1/choices/campaigns", json={**NEW_CAMPAIGN, "max_choices": 1},
                          headers=tokens["admin"])
    assert updated.status_code == 200 and updated.json["max_choices"] == 1
    codes = [c["code"] for c in client.get("/api/v1/choices/campaigns", headers=tokens["admin"]).json]
    assert codes == ["VYBOR-2028", "VYBOR-2027"]
    assert session.scalar(select(AuditEntry.target).order_by(AuditEntry.id.desc()).limit(1)) == "VYBOR-2028: 1 offers"


@pytest.mark.parametrize("change, named", [
    ({"year": "2099-2100"}, "year: unknown academic year '2099-2100'"),
    ({"closes_at": "2027-04-01T00:00:00+03:00"}, "closes_at: must be after opens_at"),
    ({"opens_at": "2027-05-01 09:00"}, "opens_at: a date and time with its offset is required"),
    ({"max_choices": 0}, "max_choices: a whole number from 1 to 10 is required"),
    ({"rules": 5}, "rules: a list of tables is required"),
    ({"offers": [{"course": "NOPE", "min_size": 1, "max_size": 2}]}, "offers[1].course: unknown course 'NOPE'"),
    ({"offers": [{"course": "CHEM", "min_size": 9, "max_size": 2}]}, "offers[1].max_size: below min_size"),
    ({"colour": "red"}, "colour: unknown key"),
])
def test_a_bad_campaign_is_400_naming_the_field_and_writes_nothing(client, session, tokens, change, named):
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    answer = client.post("/api/v1/choices/campaigns", json={**NEW_CAMPAIGN, **change}, headers=tokens["admin"])
    assert answer.status_code == 400 and named in answer.json["message"], answer.json
    assert [c["code"] for c in client.get("/api/v1/choices/campaigns", headers=tokens["admin"]).json] == ["VYBOR-2027"]
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_only_the_administrator_creates_a_campaign(client, tokens):
    assert client.post("/api/v1/choices/campaigns", json=NEW_CAMPAIGN, headers=tokens["coordinator"]).status_code == 403
    assert client.post("/api/v1/choices/campaigns", json=NEW_CAMPAIGN).status_code == 401
    assert client.post("/api/v1/choices/campaigns", json=[NEW_CAMPAIGN], headers=tokens["admin"]).status_code == 400


def test_choice_links_by_api(client, session, tokens, app):
    """A coordinator issues their class's links (201, not cached), opens one, revokes it; another school's
    students and an unnamed school are refused; the answer is the only place a token appears."""
    url = "/api/v1/choices/campaigns/VYBOR-2027/links"
    coordinator = tokens["coordinator"]
    issued = client.post(url, json={"class": "9А"}, headers=coordinator)
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    links = issued.json["links"]
    assert [link["student"] for link in links] == ["S1", "S2", "S3", "S4"] and all(link["url"] for link in links)
    token = links[0]["url"].rsplit("/", 1)[1]
    assert app.test_client().get(f"/choose/{token}").status_code == 200
    kept = client.post(url, json={"student": "S1"}, headers=coordinator).json["links"]
    assert kept == [{**links[0], "url": None}]  # only the hash is kept

    assert client.post(url, json={"school": "SCH2"}, headers=coordinator).status_code == 403
    assert client.post(url, json={}, headers=tokens["admin"]).status_code == 400  # which school?
    assert client.post(url, json={"school": "SCH1", "class": "5Я"}, headers=tokens["admin"]).status_code == 404
    assert client.post(f"{url}/revoke", json={}, headers=coordinator).status_code == 400
    revoked = client.post(f"{url}/revoke", json={"student": "S1"}, headers=coordinator)
    assert revoked.json == {"revoked": 1}
    assert app.test_client().get(f"/choose/{token}").status_code == 404
    assert token not in " ".join(session.scalars(select(AuditEntry.target)))
    reissued = client.post(url, json={"school": "SCH1", "class": "9А", "reissue": True}, headers=tokens["admin"])
    assert all(link["url"] for link in reissued.json["links"])
