"""One click is not enough for what cannot be taken back: the browser asks, saying what will happen, and a
«no» leaves everything as it was."""

from sqlalchemy import func, select
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from bridge.calendar.tokens import FeedKind, find_owner, issue_link
from bridge.models import CalendarToken, SyncRun
from tests.browser.test_console import sign_in


def _asked(browser) -> str:
    alert = WebDriverWait(browser, 10).until(expected_conditions.alert_is_present())
    text = alert.text
    alert.dismiss()
    return text


def test_apply_asks_first_and_no_changes_nothing(browser, live_server, accounts, session):
    sign_in(browser, live_server, "admin")
    browser.get(f"{live_server}/sync")
    browser.find_element(By.ID, "apply").click()
    assert _asked(browser).startswith("Применить изменения в Moodle?")
    assert browser.current_url.endswith("/sync")
    assert session.scalar(select(func.count()).select_from(SyncRun)) == 0


def test_a_new_calendar_link_asks_first_since_the_old_one_stops(browser, live_server, accounts, session):
    issue_link(session, find_owner(session, FeedKind.STUDENT, "SCH29-S1"), "http://x")
    session.commit()
    tokens = session.scalars(select(CalendarToken.token_hash)).all()
    sign_in(browser, live_server, "admin")
    browser.get(f"{live_server}/students/SCH29-S1")
    browser.find_element(By.ID, "issue-link").click()
    assert "Прежняя ссылка перестанет работать" in _asked(browser)
    session.expire_all()
    assert session.scalars(select(CalendarToken.token_hash)).all() == tokens
