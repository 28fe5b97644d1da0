"""The administrator applies a sync from the console and watches it go: the run's page shows the
kind being applied and a progress bar while Moodle (the fake, holding one call) works, then the
outcome once the run has ended, without a reload by hand."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from config import Settings
from tests.browser.test_console import sign_in


@pytest.fixture
def settings(database_url, fake_moodle):
    return Settings(database_url=database_url, moodle=fake_moodle.settings())


def test_apply_a_sync_and_watch_its_progress(browser, live_server, background_worker, accounts, fake_moodle, screenshot):
    hold = fake_moodle.inject("hold", function="core_user_create_users")
    sign_in(browser, live_server, "admin")
    browser.find_element(By.LINK_TEXT, "Синхронизация").click()
    try:
        browser.find_element(By.ID, "apply").click()
        confirm = WebDriverWait(browser, 10).until(expected_conditions.alert_is_present())
        assert confirm.text.startswith("Применить изменения в Moodle?")
        confirm.accept()
        assert hold.reached.wait(30), "the run never reached user creation"
        WebDriverWait(browser, 30).until(
            lambda b: "Применяется: Пользователи" in b.find_element(By.ID, "progress-text").text)
        bar = browser.find_element(By.ID, "progress")
        assert 0 < float(bar.get_attribute("value")) < float(bar.get_attribute("max"))
        assert browser.find_element(By.ID, "status").text == "выполняется"
        WebDriverWait(browser, 30).until(lambda b: "создать: 8" in b.find_element(By.ID, "report").text)
        screenshot("sync-progress")
    finally:
        hold.release()
    WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "status").text == "успешно")
    assert "создать" in browser.find_element(By.ID, "report").text
    assert "применено" in browser.find_element(By.ID, "changes").text
    assert not browser.find_elements(By.ID, "progress")
    screenshot("sync-applied")
    assert fake_moodle.user_by_idnumber("SCH29-S1") is not None
