"""The administrator moves a face-to-face session from the console, in a real browser."""

import datetime as dt

from selenium.webdriver.common.by import By
from sqlalchemy import select

from bridge.calendar.face_to_face import expand_sessions
from bridge.models import AcademicYear, FaceToFaceRule, FaceToFaceSession, ScheduleStatus, School
from tests.browser.test_console import sign_in


def test_admin_moves_a_session_to_another_date(browser, live_server, session, accounts, screenshot):
    year = session.scalar(select(AcademicYear).where(AcademicYear.code == "2026-2027"))
    base = session.scalar(select(School).where(School.external_id == "SCH01"))
    session.add(FaceToFaceRule(academic_year=year, school=base, room="актовый зал", nth=3, weekday=6,
                               starts_at=dt.time(10), ends_at=dt.time(14)))
    session.flush()
    expand_sessions(session)
    session.commit()
    november = session.scalar(select(FaceToFaceSession).where(FaceToFaceSession.date == dt.date(2026, 11, 21)))

    sign_in(browser, live_server, "admin")
    browser.find_element(By.LINK_TEXT, "Очные сессии").click()
    row = browser.find_element(By.ID, f"session-{november.id}")
    assert "по плану" in row.find_element(By.CLASS_NAME, "status").text
    row.find_element(By.LINK_TEXT, "сб, 21.11.2026").click()

    date = browser.find_element(By.ID, "move-date")
    assert date.get_attribute("value") == "2026-11-21"
    # The order a date field is typed in follows the machine's locale (day or month first): choose
    # the date the way the picker does, by setting the field's value.
    browser.execute_script("arguments[0].value = arguments[1]", date, "2026-11-28")
    room = browser.find_element(By.ID, "move-room")
    room.clear()
    room.send_keys("кабинет 5")
    screenshot("move-form")
    browser.find_element(By.ID, "save").click()

    assert browser.find_element(By.ID, "done").text == "Изменения сохранены."
    assert browser.find_element(By.ID, "status").text == "перенесено"
    browser.find_element(By.LINK_TEXT, "Очные сессии").click()
    row = browser.find_element(By.ID, f"session-{november.id}")
    assert row.find_element(By.CLASS_NAME, "status").text == "перенесено"
    assert "сб, 28.11.2026" in row.text and "кабинет 5" in row.text
    assert screenshot("moved").stat().st_size > 10_000

    session.expire_all()
    moved = session.get(FaceToFaceSession, november.id)
    assert (moved.date, moved.room, moved.status) == (dt.date(2026, 11, 28), "кабинет 5", ScheduleStatus.MOVED)
