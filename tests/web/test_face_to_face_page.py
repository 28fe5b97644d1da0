"""The console page of the face-to-face sessions: who may see and change what, moving, cancelling
and adding a session (and what the calendar feeds then say), and every bad field refused whole."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from bridge.calendar.face_to_face import expand_sessions
from bridge.calendar.feeds import FeedContext, build_feed, course_scope
from bridge.models import (
    AcademicYear,
    AuditEntry,
    FaceToFaceRule,
    FaceToFaceSession,
    HolidayPolicy,
    ScheduleStatus,
    School,
    SessionKind,
)
from bridge.web.calendar_feeds import BODIES
from tests.web.conftest import bearer
from tests.web.test_access import _csrf, _login

ROLES = ("admin", "coordinator", "teacher", "viewer")
MOSCOW = ZoneInfo("Europe/Moscow")
OCTOBER, MAY = dt.date(2026, 10, 17), dt.date(2027, 5, 15)  # third Saturdays of the rule


@pytest.fixture(autouse=True)
def _fresh_feed_bodies():
    """Feeds are cached by version; every test builds a new district, so start from an empty cache."""
    BODIES.clear()
    yield
    BODIES.clear()


@pytest.fixture
def district(session, accounts) -> dict[dt.date, int]:
    """The monthly rule at the base school (third Saturday, 10:00-14:00, September to May), expanded:
    the sessions' ids by date."""
    base = session.scalar(select(School).where(School.external_id == "SCH01"))
    year = session.scalar(select(AcademicYear).where(AcademicYear.code == "2026-2027"))
    session.add(FaceToFaceRule(academic_year=year, school=base, room="актовый зал", nth=3, weekday=6,
                               starts_at=dt.time(10), ends_at=dt.time(14), holiday_policy=HolidayPolicy.SKIP))
    session.flush()
    expand_sessions(session)
    session.commit()
    return {fs.date: fs.id for fs in session.scalars(select(FaceToFaceSession))}


def _get(session, session_id: int) -> FaceToFaceSession:
    session.expire_all()
    return session.get(FaceToFaceSession, session_id)


def _snapshot(session) -> list[tuple]:
    """Everything stored about every session, and the audit log's length: what a refused form must not change."""
    session.expire_all()
    rows = session.scalars(select(FaceToFaceSession).order_by(FaceToFaceSession.id)).all()
    return [(s.id, s.date, s.starts_at, s.duration_minutes, s.school_id, s.room, s.title, s.status, s.sequence,
             s.edited, s.note, tuple(c.id for c in s.courses)) for s in rows] + [
        session.scalar(select(func.count()).select_from(AuditEntry))]


def _form(**changes) -> dict:
    values = {"date": "2026-10-24", "start": "11:00", "end": "13:00", "school": "SCH01", "room": "кабинет 5",
              "title": "Очная сессия"}
    return {k: v for k, v in (values | changes).items() if v is not None}


def _post(client, path: str, data: dict):
    page = client.get("/face-to-face")
    return client.post(path, data=data | {"csrf_token": _csrf(page.text)} if page.status_code == 200 else data)


def _row(html: str, session_id: int) -> str:
    """The list's row of one session."""
    return re.search(rf'<tr id="session-{session_id}" .*?</tr>', html, re.S).group(0)


def _event(feed: bytes, uid: str):
    events = [e for e in Calendar.from_ical(feed).walk("VEVENT") if str(e["UID"]).startswith(uid + "@")]
    assert len(events) == 1
    return events[0]


def _feed_event(client, uid: str):
    response = client.get("/calendar/course/NC-CHEM-11.ics")
    assert response.status_code == 200
    return _event(response.data, uid)


def _feed_event_on(session, runtime, uid: str, today: dt.date):
    """The course feed as built on ``today``: cancelled entries stay in feeds only a while after their date."""
    ctx = FeedContext.from_settings(runtime.settings, today=today)
    return _event(build_feed(session, course_scope(session, "NC-CHEM-11"), ctx), uid)


# --- who may do what ---

# (method, path, data) -> expected status per role; anonymous is sent to sign in (302).
MOVE, CANCEL = {"action": "move", **_form()}, {"action": "cancel", "note": "карантин"}
NEW = {"kind": "contest", **_form(date="2027-05-22", title="Конкурс сетевых курсов")}
TABLE = [
    ("GET", "/face-to-face", None, {"admin": 200, "coordinator": 200, "teacher": 200, "viewer": 200}),
    ("GET", "/face-to-face/{october}", None, {"admin": 200, "coordinator": 200, "teacher": 200, "viewer": 200}),
    ("POST", "/face-to-face/{october}", MOVE, {"admin": 303, "coordinator": 403, "teacher": 403, "viewer": 403}),
    ("POST", "/face-to-face/{october}", CANCEL, {"admin": 303, "coordinator": 403, "teacher": 403, "viewer": 403}),
    ("POST", "/face-to-face/new", NEW, {"admin": 303, "coordinator": 403, "teacher": 403, "viewer": 403}),
]


@pytest.mark.parametrize("role", (*ROLES, "anonymous"))
@pytest.mark.parametrize(("method", "path", "data", "expected"), TABLE,
                         ids=["list", "one", "move", "cancel", "new"])
def test_role_page_method_table(client, session, district, role, method, path, data, expected):
    if role != "anonymous":
        _login(client, role)
    url = path.format(october=district[OCTOBER])
    before = _snapshot(session)
    if method == "GET":
        response = client.get(url)
    else:
        response = _post(client, url, data)
    want = expected.get(role, 302)
    assert response.status_code == want, response.text[:300]
    if want == 302:
        assert "/login" in response.headers["Location"]
    if method == "POST" and want != 303:
        assert _snapshot(session) == before  # refused: nothing changed
    if method == "POST" and want == 303:
        assert _snapshot(session) != before


def test_unknown_session_is_404(client, district):
    _login(client, "viewer")
    assert client.get("/face-to-face/999999").status_code == 404
    assert client.get("/face-to-face/99999999999999999999").status_code == 404
    assert client.get("/face-to-face?year=1999-2000").status_code == 404
    _login(client, "admin")
    assert _post(client, "/face-to-face/999999", MOVE).status_code == 404


def test_list_shows_every_session_of_the_year_in_date_order(client, district):
    _login(client, "viewer")
    html = client.get("/face-to-face").text
    dates = re.findall(r'<tr id="session-\d+" class="scheduled">\s*<td><a [^>]+>(\w\w), (\d\d\.\d\d\.\d{4})</a>', html)
    assert dates == [("сб", d.strftime("%d.%m.%Y")) for d in sorted(district)]
    assert len(dates) == 9
    row = _row(html, district[OCTOBER])
    for text in ("10:00–14:00", "СОШ № 1, актовый зал", "Очная сессия", "очная сессия", "все курсы", "по плану"):
        assert text in row
    assert 'id="add"' not in html  # the add form is the administrator's


# --- moving ---


def test_move_stores_it_marks_it_moved_and_the_feed_shows_the_new_time(client, session, district):
    fs = _get(session, district[OCTOBER])
    uid, sequence = fs.uid, fs.sequence
    assert _feed_event(client, uid).decoded("DTSTART") == dt.datetime(2026, 10, 17, 10, tzinfo=MOSCOW)
    _login(client, "admin")
    response = _post(client, f"/face-to-face/{fs.id}", {"action": "move", **_form(note="зал занят")})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/face-to-face/{fs.id}?done=moved")
    page = client.get(response.headers["Location"]).text
    assert "Изменения сохранены." in page and re.search(r'id="status">перенесено \(зал занят\)', page)

    fs = _get(session, fs.id)
    assert (fs.date, fs.starts_at, fs.duration_minutes, fs.room) == (
        dt.date(2026, 10, 24), dt.time(11), 120, "кабинет 5")
    assert (fs.status, fs.edited, fs.note, fs.uid) == (ScheduleStatus.MOVED, True, "зал занят", uid)
    assert fs.sequence == sequence + 1

    event = _feed_event(client, uid)
    assert event.decoded("DTSTART") == dt.datetime(2026, 10, 24, 11, tzinfo=MOSCOW)
    assert event.decoded("DTEND") == dt.datetime(2026, 10, 24, 13, tzinfo=MOSCOW)
    assert event["SEQUENCE"] == sequence + 1 and "кабинет 5" in str(event["LOCATION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "перенесено" in _row(client.get("/face-to-face").text, fs.id)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "edit face-to-face session")).one()
    assert entry.login == "admin" and entry.target == f"session {fs.id}: 2026-10-24"


def test_changing_only_the_room_keeps_the_session_on_plan(client, session, district):
    fs = _get(session, district[OCTOBER])
    _login(client, "admin")
    form = _form(date="2026-10-17", start="10:00", end="14:00", room="кабинет 12")
    assert _post(client, f"/face-to-face/{fs.id}", {"action": "move", **form}).status_code == 303
    fs = _get(session, fs.id)
    assert (fs.room, fs.date, fs.starts_at, fs.status, fs.sequence, fs.edited) == (
        "кабинет 12", OCTOBER, dt.time(10), ScheduleStatus.SCHEDULED, 1, True)
    # The rule re-expanded leaves the edited session alone.
    expand_sessions(session)
    session.commit()
    assert _get(session, fs.id).room == "кабинет 12"


def test_saving_the_form_unchanged_changes_nothing(client, session, district):
    _login(client, "admin")
    before = _snapshot(session)
    form = _form(date="2026-10-17", start="10:00", end="14:00", room="актовый зал")
    response = _post(client, f"/face-to-face/{district[OCTOBER]}", {"action": "move", **form})
    assert response.status_code == 303 and response.headers["Location"].endswith("?done=unchanged")
    assert _snapshot(session) == before


def test_courses_can_be_chosen_and_the_other_courses_feeds_drop_the_session(client, session, district):
    fs = _get(session, district[OCTOBER])
    _login(client, "admin")
    form = _form(date="2026-10-17", start="10:00", end="14:00", room="актовый зал") | {"courses": ["NC-PY-11"]}
    assert _post(client, f"/face-to-face/{fs.id}", {"action": "move", **form}).status_code == 303
    assert [c.code for c in _get(session, fs.id).courses] == ["NC-PY-11"]
    chem = Calendar.from_ical(client.get("/calendar/course/NC-CHEM-11.ics").data)
    assert not [e for e in chem.walk("VEVENT") if str(e["UID"]).startswith(fs.uid + "@")]
    row = _row(client.get("/face-to-face").text, fs.id)
    assert "Программирование" in row and "все курсы" not in row


# --- cancelling ---


def test_cancel_keeps_it_as_cancelled_and_the_feed_says_so(client, session, runtime, district):
    fs = _get(session, district[MAY])
    uid, sequence = fs.uid, fs.sequence
    _login(client, "admin")
    response = _post(client, f"/face-to-face/{fs.id}", {"action": "cancel", "note": "карантин"})
    assert response.status_code == 303 and response.headers["Location"].endswith("?done=cancelled")
    page = client.get(response.headers["Location"]).text
    assert "Сессия отменена." in page and 'id="cancel-session"' not in page

    fs = _get(session, fs.id)
    assert (fs.status, fs.note, fs.sequence, fs.date) == (ScheduleStatus.CANCELLED, "карантин", sequence + 1, MAY)
    event = _feed_event_on(session, runtime, uid, MAY)
    assert str(event["STATUS"]) == "CANCELLED" and str(event["SUMMARY"]).startswith("Отменено:")
    assert "карантин" not in str(event["DESCRIPTION"])  # a public feed carries no hand-written note
    row = _row(client.get("/face-to-face").text, fs.id)
    assert 'class="cancelled"' in row and "отменено (карантин)" in row

    again = _post(client, f"/face-to-face/{fs.id}", {"action": "cancel"})
    assert again.headers["Location"].endswith("?done=already") and _get(session, fs.id).sequence == sequence + 1


# --- bad input ---

BAD_MOVES = [
    ({"date": "2026-02-30"}, "Дата: укажите существующую дату"),
    ({"date": "24 октября"}, "Дата: укажите существующую дату"),
    ({"date": "2027-07-03"}, "Дата: вне учебного года 2026-2027 (01.09.2026–31.05.2027)"),
    ({"start": "25:00"}, "Начало: укажите время в виде ЧЧ:ММ"),
    ({"start": None}, "Начало: укажите время в виде ЧЧ:ММ"),
    ({"end": "1 pm"}, "Окончание: укажите время в виде ЧЧ:ММ"),
    ({"end": "10:59"}, "Окончание: должно быть позже начала"),
    ({"end": "11:00"}, "Окончание: должно быть позже начала"),
    ({"school": "SCH99"}, "Школа: выберите школу из реестра"),
    ({"room": "к" * 256}, "Кабинет: не длиннее 255 символов"),
    ({"title": "Т" * 256}, "Название: не длиннее 255 символов"),
    ({"title": "  "}, "Название: заполните поле"),
    ({"courses": ["NC-CHEM-11", "NC-NONE"]}, "Курсы: выберите курсы из реестра"),
    ({"note": "п" * 501}, "Примечание: не длиннее 500 символов"),
]


@pytest.mark.parametrize(("change", "message"), BAD_MOVES,
                         ids=[f"{next(iter(c))}-{i}" for i, (c, _) in enumerate(BAD_MOVES)])
def test_a_bad_field_is_named_and_nothing_changes(client, session, district, change, message):
    _login(client, "admin")
    before = _snapshot(session)
    response = _post(client, f"/face-to-face/{district[OCTOBER]}", {"action": "move", **_form(**change)})
    assert response.status_code == 400
    assert re.search(r'role="alert" id="error">([^<]*)<', response.text).group(1).startswith(message)
    assert 'value="кабинет 5"' in response.text or "room" in change  # what was sent is shown again
    assert _snapshot(session) == before


def test_a_bad_cancel_note_is_named_and_nothing_changes(client, session, district):
    _login(client, "admin")
    before = _snapshot(session)
    response = _post(client, f"/face-to-face/{district[MAY]}", {"action": "cancel", "note": "п" * 501})
    assert response.status_code == 400 and "Примечание: не длиннее 500 символов" in response.text
    assert 'value="2027-05-15"' in response.text  # the move form still shows the session as it is
    assert _snapshot(session) == before


@pytest.mark.parametrize(("change", "message"), [
    ({"kind": "party"}, "Вид: выберите «очная сессия» или «конкурс»"),
    ({"date": "2028-05-20"}, "Дата: не попадает ни в один учебный год реестра"),
    ({"date": "20.05.2027", "end": "09:00"}, "Окончание: должно быть позже начала"),
    ({"title": "К" * 256}, "Название: не длиннее 255 символов (сейчас 256)"),
    ({"school": ""}, "Школа: выберите школу из реестра"),
], ids=["kind", "date", "end", "title", "school"])
def test_a_bad_new_session_is_named_and_nothing_is_added(client, session, district, change, message):
    _login(client, "admin")
    before = _snapshot(session)
    response = _post(client, "/face-to-face/new", NEW | change)
    assert response.status_code == 400
    assert re.search(r'role="alert" id="error">([^<]*)<', response.text).group(1) == message
    assert _snapshot(session) == before


# --- adding ---


def test_add_the_contest_and_see_it_listed(client, session, district):
    _login(client, "admin")
    data = NEW | {"date": "22.05.2027", "start": "10:00", "end": "15:00", "room": "спортзал", "courses": ["NC-CHEM-11"]}
    response = _post(client, "/face-to-face/new", data)
    assert response.status_code == 303
    contest = session.scalars(select(FaceToFaceSession).where(FaceToFaceSession.rule_id.is_(None))).one()
    assert response.headers["Location"].endswith(f"/face-to-face/{contest.id}?done=added")
    assert (contest.kind, contest.title, contest.date, contest.starts_at, contest.duration_minutes, contest.room) == (
        SessionKind.CONTEST, "Конкурс сетевых курсов", dt.date(2027, 5, 22), dt.time(10), 300, "спортзал")
    assert [c.code for c in contest.courses] == ["NC-CHEM-11"] and contest.status == ScheduleStatus.SCHEDULED

    _login(client, "teacher")
    html = client.get("/face-to-face").text
    rows = re.findall(r'<tr id="session-(\d+)"', html)
    assert len(rows) == 10 and rows[-2:] == [str(district[MAY]), str(contest.id)]  # in date order
    row = _row(html, contest.id)
    for text in ("сб, 22.05.2027", "10:00–15:00", "СОШ № 1, спортзал", "конкурс", "Химия", "по плану"):
        assert text in row
    assert _feed_event(client, contest.uid).decoded("DTSTART") == dt.datetime(2027, 5, 22, 10, tzinfo=MOSCOW)


# --- attendance ---


def test_attendance_names_are_for_the_administrator_only(client, session, accounts, district):
    sid = district[OCTOBER]
    entered = client.post(f"/api/v1/face-to-face/{sid}/attendance", headers=bearer(accounts, "admin"), json=[
        {"student": "SCH01-S1", "status": "P"}, {"student": "SCH29-S2", "status": "A"},
        {"student": "SCH29-S1", "status": "P"}])
    assert entered.status_code == 200 and entered.json["created"] == 3
    audits = session.scalar(select(func.count()).select_from(AuditEntry))

    _login(client, "admin")
    html = client.get(f"/face-to-face/{sid}").text
    counts = re.search(r'id="counts">([^<]*)<', html).group(1)
    assert counts == "Отмечено: 3 · присутствовал: 2 · отсутствовал: 1"
    marked = html.split('id="attendance-form"')[0]  # the form below lists every expected student again
    assert marked.count("Иванов Пётр") == 3 and "СОШ № 29" in marked
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits + 1

    for role in ("coordinator", "teacher", "viewer"):
        _login(client, role)
        page = client.get(f"/face-to-face/{sid}")
        assert page.status_code == 200 and "Иванов" not in page.text and 'id="attendance"' not in page.text
        assert 'id="move"' not in page.text and 'id="cancel"' not in page.text
        assert "Иванов" not in client.get("/face-to-face").text


def test_confirmation_texts_are_fixed_not_echoed(client, district):
    _login(client, "admin")
    html = client.get(f"/face-to-face/{district[OCTOBER]}?done=<b>hacked</b>").text
    assert "hacked" not in html and 'id="done"' not in html
