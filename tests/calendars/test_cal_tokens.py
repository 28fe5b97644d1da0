"""Secret calendar links: hashed at rest, rotated and revoked from the CLI, never in a log."""

from __future__ import annotations

import hashlib
import logging
import re

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from bridge.calendar.tokens import (
    FeedKind,
    FeedOwner,
    LinkExists,
    issue_link,
    issue_token,
    private_feed_url,
    resolve_token,
    revoke_tokens,
    subscribe_links,
)
from bridge.models import CalendarToken
from bridge.web.calendar_feeds import REDACT

LINK = re.compile(r"^http://127\.0\.0\.1:5000/calendar/feed/([A-Za-z0-9_-]{43})\.ics$", re.M)


def test_only_the_hash_is_stored_and_revoking_closes_the_calendar(session, year_district):
    owner = FeedOwner(FeedKind.TEACHER, year_district.teachers["t2"].id)
    token = issue_token(session, owner)
    assert len(token) == 43  # 32 random bytes
    row = session.scalar(select(CalendarToken))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(row.__dict__)
    assert resolve_token(session, token) == owner
    assert resolve_token(session, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert resolve_token(session, "../../etc/passwd") is None
    assert revoke_tokens(session, owner) == 1
    assert resolve_token(session, token) is None
    assert row.revoked_at is not None  # kept for the record


def test_subscribe_links():
    links = subscribe_links(private_feed_url("https://nc.example.org/", "T0k-en_"))
    assert links.url == "https://nc.example.org/calendar/feed/T0k-en_.ics"
    assert links.webcal == "webcal://nc.example.org/calendar/feed/T0k-en_.ics"
    assert links.google == (
        "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Fnc.example.org%2Fcalendar%2Ffeed%2FT0k-en_.ics"
    )


def path_of(output: str) -> str:
    token = LINK.search(output).group(1)
    return f"/calendar/feed/{token}.ics"


def test_calendar_link_issue_refuse_rotate_revoke(runner, year_district, client):
    first = runner.invoke(["calendar-link", "--student", "s1"])
    assert first.exit_code == 0, first.output
    old = path_of(first.output)
    token = old.split("/")[-1].removesuffix(".ics")
    assert f"webcal://127.0.0.1:5000/calendar/feed/{token}.ics" in first.output
    assert "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2F127.0.0.1" in first.output
    assert client.get(old).status_code == 200

    again = runner.invoke(["calendar-link", "--student", "s1"])
    assert again.exit_code == 1
    assert "already has a calendar link" in again.output and "--rotate" in again.output
    assert token not in again.output

    rotated = runner.invoke(["calendar-link", "--student", "s1", "--rotate"])
    assert rotated.exit_code == 0, rotated.output
    new = path_of(rotated.output)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200

    revoked = runner.invoke(["calendar-link", "--student", "s1", "--revoke"])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert client.get(new).status_code == 404
    assert runner.invoke(["calendar-link", "--student", "s1", "--revoke"]).output.strip() == "student s1 has no calendar link"


@pytest.mark.parametrize("kind", ["--teacher t1", "--school p1"])
def test_calendar_link_for_teachers_and_schools(runner, year_district, client, kind):
    result = runner.invoke(["calendar-link", *kind.split()])
    assert result.exit_code == 0, result.output
    assert client.get(path_of(result.output)).status_code == 200


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [([], 2, "exactly one of"), (["--student", "s1", "--teacher", "t1"], 2, "exactly one of"),
     (["--student", "s1", "--rotate", "--revoke"], 2, "exclude each other"),
     (["--student", "nobody"], 1, "no student with id 'nobody'")],
)
def test_calendar_link_usage_errors(runner, year_district, args, code, message):
    result = runner.invoke(["calendar-link", *args])
    assert result.exit_code == code
    assert message in result.output
    assert year_district.session.scalar(select(CalendarToken)) is None


def test_access_log_never_shows_a_token(session, year_district, live_url, http, caplog):
    token = issue_token(session, FeedOwner(FeedKind.STUDENT, year_district.students["s1"].id))
    session.commit()
    caplog.set_level(logging.INFO, logger="werkzeug")
    for path in (f"/calendar/feed/{token}.ics", "/calendar/feed/" + "x" * 43 + ".ics"):
        http.get(live_url + path, timeout=10)
    http.get(live_url + f"/calendar/feed/{token}.ics", params={"from": "app"}, timeout=10)
    access = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len(access) == 3
    assert all("/calendar/feed/<token>.ics" in line for line in access)
    assert token not in caplog.text and "x" * 43 not in caplog.text


def test_redaction_covers_gunicorn_style_records(app):
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s',
                               ({"h": "10.0.0.1", "r": "GET /calendar/feed/SECRET.ics?x=1 HTTP/1.1", "s": "200"},),
                               None)
    assert REDACT.filter(record)
    assert record.getMessage() == '10.0.0.1 "GET /calendar/feed/<token>.ics?x=1 HTTP/1.1" 200'
    assert all(REDACT in logging.getLogger(name).filters for name in ("gunicorn.access", "werkzeug"))


def test_one_working_link_per_owner_is_the_databases_rule(session, year_district):
    owner = FeedOwner(FeedKind.STUDENT, year_district.students["s1"].id)
    issue_token(session, owner)
    with pytest.raises(IntegrityError):
        issue_token(session, owner)  # the low-level insert, without the check issue_link makes
    session.rollback()
    issue_token(session, owner)
    revoke_tokens(session, owner)
    issue_token(session, owner)  # revoked links do not count
    session.commit()
    assert session.scalar(select(func.count()).select_from(CalendarToken)) == 2


def test_a_link_issued_meanwhile_by_another_request_is_link_exists(runtime, year_district):
    """Two requests issue a link for one student at the same moment: the one that loses the race
    gets LinkExists, and the student keeps one working link, the winner's."""
    owner = FeedOwner(FeedKind.STUDENT, year_district.students["s1"].id)
    won = []

    def the_other_request_commits_first(session, flush_context, instances):
        if not won:
            with runtime.sessions() as other:
                won.append(issue_link(other, owner, "https://nc.example.org"))
                other.commit()

    with runtime.sessions() as session:
        event.listen(session, "before_flush", the_other_request_commits_first)
        with pytest.raises(LinkExists):
            issue_link(session, owner, "https://nc.example.org")
    with runtime.sessions() as session:
        rows = session.scalars(select(CalendarToken).where(CalendarToken.revoked_at.is_(None))).all()
        token = won[0].feed.url.rsplit("/", 1)[1].removesuffix(".ics")
        assert len(rows) == 1 and resolve_token(session, token) == owner
