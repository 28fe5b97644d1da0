"""A person at the console: signs in, sees the dashboard, previews a sync."""

from selenium.webdriver.common.by import By

from tests.conftest import PASSWORD


def sign_in(browser, base, login):
    browser.get(f"{base}/login")
    browser.find_element(By.ID, "login").send_keys(login)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def test_login_and_dashboard(browser, live_server, accounts, screenshot):
    browser.get(f"{live_server}/")
    assert "/login" in browser.current_url  # strangers are sent to sign in
    sign_in(browser, live_server, "admin")
    figures = browser.find_element(By.ID, "figures").text
    assert "Обучающихся в сети: 6" in figures
    assert browser.find_elements(By.CSS_SELECTOR, "svg rect")
    assert screenshot("dashboard").stat().st_size > 10_000


def test_wrong_password_is_reported(browser, live_server, accounts, screenshot):
    browser.get(f"{live_server}/login")
    browser.find_element(By.ID, "login").send_keys("admin")
    browser.find_element(By.ID, "password").send_keys("not the password")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert browser.find_element(By.CSS_SELECTOR, "[role=alert]").text == "Неверный логин или пароль"
    screenshot("login-error")


def test_dry_run_sync_from_the_console(browser, live_server, accounts, screenshot):
    sign_in(browser, live_server, "admin")
    browser.find_element(By.LINK_TEXT, "Синхронизация").click()
    browser.find_element(By.ID, "preview").click()
    report = browser.find_element(By.ID, "report").text
    assert "План (ничего не изменено)" in report and "create: 8" in report
    screenshot("sync-plan")
