"""The iCalendar feeds: valid for two independent parsers, byte-exact framing, identities, privacy, HTTP."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import ics
import pytest
from sqlalchemy import select

from bridge.calendar import feeds
from bridge.calendar.feeds import FeedContext, build_feed, course_scope, owner_scope
from bridge.calendar.lessons import cancel_lesson, move_lesson
from bridge.calendar.tokens import FeedKind, FeedOwner, revoke_tokens
from bridge.models import FaceToFaceSession, Lesson, SessionKind
from tests.calendars.conftest import feed_links, lesson_on

D = dt.date
PERSON_NAMES = ["Иванова", "Петрова", "Сидорова", "Мария", "Громова", "Физикова", "Химичева", "Анна", "Петровна"]


@pytest.fixture
def links(session, year_district):
    return feed_links(session, year_district)


def get(http, live_url, path, **headers):
    return http.get(live_url + path, headers=headers, timeout=10)


def events(body: bytes) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(body).walk("VEVENT")


def by_uid(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in events(body)}


def test_every_feed_parses_with_icalendar_and_ics_py(session, term_district, live_url, http):
    d = term_district
    links = feed_links(session, d)
    sizes = {}
    for name, path in links.items():
        response = get(http, live_url, path)
        assert response.status_code == 200, name
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        body = response.content
        cal = icalendar.Calendar.from_ical(body)
        assert not cal.errors
        zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
        evs = cal.walk("VEVENT")
        assert evs, name
        for ev in evs:
            assert not ev.errors
            assert re.fullmatch(r"[0-9a-f]{32}@127\.0\.0\.1", str(ev["UID"]))  # random: no personal data
            assert ev.decoded("DTSTAMP").utcoffset() == dt.timedelta(0)
            for prop in ("DTSTART", "DTEND"):
                value = ev.decoded(prop)
                assert value.tzinfo is not None, "floating time"
                assert ev[prop].params["TZID"] in zones
        parsed = ics.Calendar(body.decode("utf-8"))
        assert len(parsed.events) == len(evs)
        assert {e.uid for e in parsed.events} == {str(e["UID"]) for e in evs}
        for e in parsed.events:
            assert e.begin.tzinfo is not None and e.begin.utcoffset() is not None
        for prop, value in (("VERSION", "2.0"), ("CALSCALE", "GREGORIAN"), ("METHOD", "PUBLISH"),
                            ("X-WR-TIMEZONE", "Europe/Moscow"), ("X-PUBLISHED-TTL", "PT6H")):
            assert cal[prop].to_ical().decode() == value
        assert cal["NAME"] == cal["X-WR-CALNAME"] and cal["PRODID"]
        assert b"REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in body
        sizes[name] = len(evs)

    lessons = {code: session.query(Lesson).filter_by(course_id=c.id).count() for code, c in d.courses.items()}
    sessions = 10  # nine monthly sessions and the contest, for every course
    assert sizes["PHYS-9"] == lessons["PHYS-9"] + sessions
    assert sizes["student"] == lessons["PHYS-9"] + lessons["INFO-9"] + sessions
    assert sizes["teacher"] == lessons["MATH-10"] + lessons["INFO-9"] + sessions
    assert sizes["school"] == lessons["PHYS-9"] + lessons["INFO-9"] + lessons["CHEM-11"] + lessons["MATH-10"] + sessions


def test_bytes_are_crlf_lines_folded_at_75_octets_without_splitting_characters(links, live_url, http):
    body = get(http, live_url, links["student"]).content
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    folded_cyrillic = 0
    for line in lines:
        assert len(line) <= 75, line
        text = line.decode("utf-8")  # raises if a fold split a character
        if line.startswith(b" ") and re.search("[а-яА-Я]", text):
            folded_cyrillic += 1
    assert folded_cyrillic > 10  # long Russian descriptions really were folded


def test_edit_keeps_uids_raises_sequence_and_changes_etag(session, year_district, links, live_url, http):
    path = links["MATH-10"]
    first = get(http, live_url, path)
    before = by_uid(first.content)
    lesson = lesson_on(session, year_district.courses["MATH-10"], D(2026, 10, 6))
    uid = f"{lesson.uid}@127.0.0.1"
    assert int(before[uid]["SEQUENCE"]) == 0
    move_lesson(session, lesson, dt.datetime(2026, 10, 7, 12, 0), 45)
    session.commit()

    second = get(http, live_url, path)
    after = by_uid(second.content)
    assert after.keys() == before.keys()
    assert int(after[uid]["SEQUENCE"]) == 1
    assert after[uid].decoded("DTSTART") == dt.datetime(2026, 10, 7, 12, 0, tzinfo=after[uid].decoded("DTSTART").tzinfo)
    assert after[uid].decoded("DTEND") - after[uid].decoded("DTSTART") == dt.timedelta(minutes=45)
    assert "Перенесено" in str(after[uid]["DESCRIPTION"])
    assert second.headers["ETag"] != first.headers["ETag"]
    untouched = [u for u in before if u != uid]
    assert all(int(after[u]["SEQUENCE"]) == int(before[u]["SEQUENCE"]) for u in untouched)


def test_conditional_requests_answer_304_without_building_the_feed(session, year_district, links, live_url, http,
                                                                   monkeypatch):
    path = links["student"]
    full = get(http, live_url, path)
    etag, last_modified = full.headers["ETag"], full.headers["Last-Modified"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong

    def must_not_build(*_args, **_kwargs):
        raise AssertionError("the feed was built for a conditional request")

    monkeypatch.setattr("bridge.web.calendar_feeds.build_feed", must_not_build)
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"other", {etag}'},
                    {"If-Modified-Since": last_modified}):
        answer = get(http, live_url, path, **headers)
        assert answer.status_code == 304, headers
        assert answer.content == b"" and answer.headers["ETag"] == etag
    monkeypatch.undo()

    assert get(http, live_url, path, **{"If-None-Match": '"other"'}).status_code == 200
    cancel_lesson(session, lesson_on(session, year_district.courses["PHYS-9"], D(2026, 9, 9)))
    session.commit()
    changed = get(http, live_url, path, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_full_requests_reuse_the_body_built_for_the_same_version(session, year_district, links, live_url, http,
                                                                 monkeypatch):
    first = get(http, live_url, links["teacher"])
    monkeypatch.setattr("bridge.web.calendar_feeds.build_feed", lambda *a: b"must not be built again")
    second = get(http, live_url, links["teacher"])
    assert second.status_code == 200 and second.content == first.content
    move_lesson(session, lesson_on(session, year_district.courses["MATH-10"], D(2026, 10, 6)), dt.datetime(2026, 10, 7, 9))
    session.commit()
    assert get(http, live_url, links["teacher"]).content == b"must not be built again"  # a new version is built


def test_body_cache_keeps_the_most_recently_used_within_its_size():
    from bridge.web.calendar_feeds import BodyCache

    cache = BodyCache(max_bytes=10)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.get("a") == b"1234"  # now b is the least recently used
    cache.put("c", b"1234")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1234", None, b"1234")
    cache.put("huge", b"x" * 11)
    assert cache.get("huge") is None and cache.get("c") == b"1234"


def test_new_enrolment_changes_the_student_feed(session, year_district, links, live_url, http):
    path = links["student"]
    etag = get(http, live_url, path).headers["ETag"]
    year_district.enrol(year_district.students["s1"], "CHEM-11")
    session.commit()
    response = get(http, live_url, path, **{"If-None-Match": etag})
    assert response.status_code == 200
    assert any("Химия в задачах" in str(e["SUMMARY"]) for e in events(response.content))


def test_cache_headers_private_feeds_and_public_course_feeds(links, live_url, http):
    for name in ("student", "teacher", "school"):
        headers = get(http, live_url, links[name]).headers
        assert "private" in headers["Cache-Control"] and "public" not in headers["Cache-Control"]
        assert headers["Referrer-Policy"] == "no-referrer"
    headers = get(http, live_url, links["MATH-10"]).headers
    assert "public" in headers["Cache-Control"] and "max-age" in headers["Cache-Control"]
    assert headers["Content-Disposition"] == 'inline; filename="MATH-10.ics"'


def test_unknown_revoked_or_malformed_tokens_are_404(session, year_district, links, live_url, http):
    good = links["student"]
    token = good.removeprefix("/calendar/feed/").removesuffix(".ics")
    revoke_tokens(session, FeedOwner(FeedKind.STUDENT, year_district.students["s1"].id))
    session.commit()
    for path in (good, "/calendar/feed/" + "A" * 43 + ".ics", "/calendar/feed/short.ics",
                 "/calendar/course/NOPE.ics"):
        response = get(http, live_url, path)
        assert response.status_code == 404, path
        assert token not in response.text
    assert get(http, live_url, links["teacher"]).status_code == 200  # other links unaffected


def test_public_feeds_name_no_person(links, live_url, http):
    for path in (p for name, p in links.items() if name.startswith(("MATH", "INFO", "PHYS", "CHEM"))):
        text = get(http, live_url, path).content.decode("utf-8").replace("\r\n ", "")
        for name in PERSON_NAMES:
            assert name not in text, (path, name)


def context(**kw) -> FeedContext:
    values = dict(uid_domain="netcourses.example", moodle_url="", timezone="Europe/Moscow", today=D(2026, 9, 1))
    return FeedContext(**(values | kw))


def test_cancelled_lessons_stay_thirty_days_after_their_date(session, year_district):
    math = year_district.courses["MATH-10"]
    lesson = lesson_on(session, math, D(2026, 9, 8))
    cancel_lesson(session, lesson)
    scope = course_scope(session, "MATH-10")
    uid = f"{lesson.uid}@netcourses.example"
    for today, present in ((D(2026, 9, 1), True), (D(2026, 10, 8), True), (D(2026, 10, 9), False)):
        evs = by_uid(build_feed(session, scope, context(today=today)))
        assert (uid in evs) is present, today
        if present:
            assert str(evs[uid]["STATUS"]) == "CANCELLED"
            assert str(evs[uid]["SUMMARY"]) == "Отменено: Математика: профильный уровень"
    assert feeds.feed_version(session, scope, context(today=D(2026, 10, 8))).etag != feeds.feed_version(
        session, scope, context(today=D(2026, 10, 9))).etag


def test_notes_may_name_people_so_only_private_feeds_show_them(session, year_district):
    math = year_district.courses["MATH-10"]
    cancel_lesson(session, lesson_on(session, math, D(2026, 9, 8)), "Петрова и Громова на олимпиаде")
    public = build_feed(session, course_scope(session, "MATH-10"), context()).decode().replace("\r\n ", "")
    assert "Отменено" in public and "Петрова" not in public and "Громова" not in public
    teacher = owner_scope(session, FeedOwner(FeedKind.TEACHER, year_district.teachers["t1"].id))
    private = build_feed(session, teacher, context()).decode().replace("\r\n ", "")
    assert "Отменено: Петрова и Громова на олимпиаде" in private


def test_moodle_link_when_moodle_is_configured(session, year_district):
    scope = course_scope(session, "MATH-10")
    lesson_events = [e for e in events(build_feed(session, scope, context(moodle_url="https://moodle.example.org")))
                     if "сетевой курс" in str(e["DESCRIPTION"]).lower()]
    link = "https://moodle.example.org/course/view.php?idnumber=MATH-10"
    assert lesson_events and all(str(e["URL"]) == link and link in str(e["DESCRIPTION"]) for e in lesson_events)
    assert all(str(e["LOCATION"]) == "Дистанционно (Moodle)" for e in lesson_events)
    plain = build_feed(session, scope, context())
    assert b"http" not in plain and b"URL:" not in plain


def test_sessions_and_contest_carry_place_and_russian_summary(session, year_district):
    scope = course_scope(session, "PHYS-9")
    evs = events(build_feed(session, scope, context()))
    sessions = [e for e in evs if str(e["SUMMARY"]) in ("Очная сессия", "Конкурс сетевых курсов")]
    assert len(sessions) == 10
    contest = next(e for e in sessions if str(e["SUMMARY"]) == "Конкурс сетевых курсов")
    assert str(contest["LOCATION"]) == "Базовая школа, ул. Школьная, 1, спортзал"
    assert contest.decoded("DTSTART").isoformat() == "2027-05-22T10:00:00+03:00"
    zones = {str(tz["TZID"]) for tz in icalendar.Calendar.from_ical(build_feed(session, scope, context())).walk("VTIMEZONE")}
    assert zones == {"Europe/Moscow", "Asia/Yekaterinburg"}


def test_a_session_for_some_courses_shows_only_in_their_feeds(session, year_district):
    contest = session.scalar(select(FaceToFaceSession).where(FaceToFaceSession.kind == SessionKind.CONTEST))
    contest.courses = [year_district.courses["CHEM-11"]]
    contest.changed()
    session.flush()
    uid = f"{contest.uid}@netcourses.example"
    assert uid in by_uid(build_feed(session, course_scope(session, "CHEM-11"), context()))
    assert uid not in by_uid(build_feed(session, course_scope(session, "MATH-10"), context()))
