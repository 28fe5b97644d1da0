"""A person at the console: signs in, sees the dashboard, previews a sync."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import PASSWORD


def sign_in(browser, base, login):
    browser.get(f"{base}/login")
    browser.find_element(By.ID, "login").send_keys(login)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # Signed in once the sign-in page is left: a page asked for sooner would race the form's answer.
    WebDriverWait(browser, 30).until(lambda b: "/login" not in b.current_url)


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


def test_dry_run_sync_from_the_console(browser, live_server, background_worker, accounts, screenshot):
    sign_in(browser, live_server, "admin")
    browser.find_element(By.LINK_TEXT, "Синхронизация").click()
    browser.find_element(By.ID, "preview").click()
    # The plan is made by a worker; the run's page follows it, queued then running, until it has ended.
    WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "status").text == "успешно")
    report = browser.find_element(By.ID, "report").text
    assert "План (ничего не изменено)" in report and "Пользователи" in report and "создать: 8" in report
    screenshot("sync-plan")


def test_upload_an_import_with_an_error_and_see_it_reported(browser, live_server, accounts, screenshot, tmp_path):
    from tests.web.test_pages import BAD_STUDENTS

    path = tmp_path / "students.csv"
    path.write_bytes(BAD_STUDENTS)
    sign_in(browser, live_server, "admin")
    browser.find_element(By.LINK_TEXT, "Загрузка списков").click()
    browser.find_element(By.ID, "file").send_keys(str(path))
    browser.find_element(By.ID, "check").click()
    problems = browser.find_element(By.ID, "problems").text
    assert "Файл не принят: ошибок 2. Ничего не изменено." in problems
    assert "school_id" in problems and "grade" in problems
    assert not browser.find_elements(By.ID, "confirm")
    screenshot("import-problems")


def test_open_a_students_subscribe_page(browser, live_server, session, accounts, screenshot):
    from tests.web.test_pages import _student_link

    token = _student_link(session)
    browser.get(f"{live_server}/calendar/feed/{token}")
    subscribe = browser.find_element(By.ID, "subscribe")
    assert browser.find_element(By.ID, "webcal").get_attribute("href").startswith("webcal://")
    assert "calendar.google.com" in browser.find_element(By.ID, "google").get_attribute("href")
    assert browser.find_element(By.ID, "feed-url").get_attribute("value").endswith(f"/calendar/feed/{token}.ics")
    assert subscribe.find_elements(By.CSS_SELECTOR, ".qr svg")
    assert "Химия" in browser.find_element(By.ID, "upcoming").text
    screenshot("subscribe-page")
