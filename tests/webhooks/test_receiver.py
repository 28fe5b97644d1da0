"""The webhook endpoint with the real local_webhooks POSTs and the Standard Webhooks vectors."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bridge.models import WebhookEvent
from bridge.runtime import Runtime
from config import Secret
from config.settings import WebhookSettings
from webhooks.verify import VerificationError, sign, verify_signed

FIXTURES = Path(__file__).parent.parent / "fixtures" / "webhooks"
SIGNING = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def sample(name: str) -> bytes:
    return json.loads((FIXTURES / f"{name}.json").read_text())["body_raw"].encode()


@pytest.fixture
def app(runtime):
    from bridge.app import create_app

    hooks = WebhookSettings(tokens=(Secret("old-secret"), Secret("wh-secret-123")),
                            signing_secrets=(Secret(SIGNING),), max_body_bytes=4096)
    rt = Runtime(replace(runtime.settings, webhooks=hooks), engine=runtime.engine)
    application = create_app(rt)
    application.config["TESTING"] = True
    return application


def stored(session) -> list[WebhookEvent]:
    session.expire_all()
    return list(session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


def post(client, body: bytes, **headers):
    return client.post("/webhooks/moodle", data=body, headers={"Content-Type": "application/json", **headers})


@pytest.mark.parametrize("name", ["course_updated", "user_enrolment_created"])
def test_real_plugin_posts_are_accepted_and_stored_without_the_token(client, session, name):
    response = post(client, sample(name))
    assert response.status_code == 202 and response.json == {"status": "accepted"}
    (event,) = stored(session)
    assert event.eventname == json.loads(sample(name))["eventname"]
    assert event.course_id == 3 and event.status == "pending"
    assert "token" not in event.payload and "wh-secret-123" not in json.dumps(event.payload)


def test_replay_is_stored_once(client, session):
    assert post(client, sample("course_updated")).status_code == 202
    again = post(client, sample("course_updated"))
    assert again.status_code == 200 and again.json == {"status": "duplicate"}
    assert len(stored(session)) == 1


def test_ids_as_strings_or_ints_are_the_same_event(client, session):
    event = json.loads(sample("user_enrolment_created"))
    assert post(client, json.dumps(event).encode()).status_code == 202
    event["objectid"], event["courseid"], event["relateduserid"] = "7", 3, "3"
    assert post(client, json.dumps(event).encode()).json == {"status": "duplicate"}
    assert len(stored(session)) == 1


def test_concurrent_duplicates_are_stored_once(client, session):
    body = sample("user_enrolment_created")
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda _: post(client, body).status_code, range(24)))
    assert sorted(set(codes)) == [200, 202] and codes.count(202) == 1
    assert len(stored(session)) == 1


@pytest.mark.parametrize("token", ["wrong", "", None, 123])
def test_bad_token_is_401_and_nothing_stored(client, session, token):
    event = json.loads(sample("course_updated"))
    event["token"] = token
    response = post(client, json.dumps(event).encode())
    assert response.status_code == 401
    assert stored(session) == []


def test_rotated_token_is_still_valid(client, session):
    event = json.loads(sample("course_updated"))
    event["token"] = "old-secret"
    assert post(client, json.dumps(event).encode()).status_code == 202


@pytest.mark.parametrize(("body", "status"), [
    (b"{not json", 400),
    (b"[1, 2]", 400),
    (b"\xff\xfe", 400),
    (json.dumps({"token": "wh-secret-123", "objectid": 1}).encode(), 400),
    (json.dumps({"token": "wh-secret-123", "eventname": "x" * 5000}).encode(), 413),
])
def test_malformed_and_oversized_bodies(client, session, body, status):
    assert post(client, body).status_code == status
    assert stored(session) == []


def test_oversized_by_content_length_is_refused_before_reading(client, session):
    response = client.post("/webhooks/moodle", data=b"x" * 5000, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert stored(session) == []


def test_standard_webhooks_reference_vectors():
    vectors = json.loads((FIXTURES / "standard-webhooks-vectors.json").read_text())["standard-webhooks"]
    for v in vectors:
        secret = Secret(v["secret"])
        headers = {"webhook-id": v["id"], "webhook-timestamp": str(v["timestamp"]), "webhook-signature": v["signature"]}
        assert sign(secret, v["id"], v["timestamp"], v["body"].encode()) == v["signature"]
        assert verify_signed(headers, v["body"].encode(), [secret], now=v["timestamp"]) == v["id"]
        with pytest.raises(VerificationError, match="no valid signature"):
            verify_signed(headers, v["body"].encode() + b" ", [secret], now=v["timestamp"])
        with pytest.raises(VerificationError, match="outside the tolerance"):
            verify_signed(headers, v["body"].encode(), [secret], now=v["timestamp"] + 301)


def _signed_headers(body: bytes, msg_id: str = "msg_1", at: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if at is None else at
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts),
            "webhook-signature": "v1,bm90LXRoaXMtb25l " + sign(Secret(SIGNING), msg_id, ts, body)}


def test_signed_request_is_accepted_without_a_body_token(client, session):
    event = json.loads(sample("course_updated"))
    del event["token"]
    body = json.dumps(event).encode()
    assert post(client, body, **_signed_headers(body)).status_code == 202
    assert post(client, body, **_signed_headers(body)).json == {"status": "duplicate"}
    (row,) = stored(session)
    assert row.dedupe_key == "msg:msg_1"


@pytest.mark.parametrize("tamper", ["body", "stale", "secret"])
def test_bad_signatures_are_401(client, session, tamper):
    event = json.loads(sample("course_updated"))
    body = json.dumps(event).encode()
    headers = _signed_headers(body, at=int(time.time()) - 600 if tamper == "stale" else None)
    if tamper == "body":
        body = body.replace(b"course", b"COURSE")
    if tamper == "secret":
        ts = int(time.time())
        headers = {"webhook-id": "m", "webhook-timestamp": str(ts),
                   "webhook-signature": sign(Secret("whsec_QUJDREVGR0hJSktMTU5PUA=="), "m", ts, body)}
    assert post(client, body, **headers).status_code == 401
    assert stored(session) == []




def test_an_accepted_event_queues_the_inbox_job_once(client, session):
    from bridge.models import Job

    def queued() -> list[tuple[str, str]]:
        session.expire_all()
        return [(j.kind, j.status) for j in session.scalars(select(Job).order_by(Job.id))]

    assert post(client, sample("course_updated")).status_code == 202
    assert queued() == [("webhooks", "queued")]
    event = json.loads(sample("course_updated"))
    event["objectid"] = "77"
    assert post(client, json.dumps(event).encode()).status_code == 202  # one is waiting already
    assert post(client, sample("course_updated")).status_code == 200  # a replay wakes nobody
    assert queued() == [("webhooks", "queued")]
    session.execute(Job.__table__.update().values(status="running"))
    session.commit()
    event["objectid"] = "78"
    assert post(client, json.dumps(event).encode()).status_code == 202  # the running one may have read the inbox
    assert queued() == [("webhooks", "running"), ("webhooks", "queued")]
