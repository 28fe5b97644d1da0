"""The allocation result page in a browser: the chart of ranks granted is drawn, «Утвердить» asks first."""

import datetime as dt

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from bridge.accounts import create_account
from bridge.choices.allocation import run_allocation
from bridge.choices.survey import import_answers
from bridge.models import AccountRole
from bridge.choices.links import issue_choice_link
from choices.district import TODAY, build
from tests.browser.test_console import sign_in
from tests.conftest import PASSWORD


def test_the_result_page_draws_its_chart(browser, live_server, session, runtime, screenshot):
    d = build(session)
    import_answers(session, d["campaign"], "a.csv", b"student,choice_1,choice_2\nS1,CHEM,PHYS\nS2,CHEM,\nS3,ROBO,\n",
                   today=TODAY)
    create_account(session, "admin", PASSWORD, AccountRole.ADMIN)
    run = run_allocation(session, runtime.settings, d["campaign"], today=TODAY)
    session.commit()
    sign_in(browser, live_server, "admin")
    browser.get(f"{live_server}/choices/runs/{run.id}")
    bars = browser.find_elements(By.CSS_SELECTOR, "#rank-chart svg rect")
    assert len(bars) == 3 and bars[0].size["width"] > bars[1].size["width"]  # S1 and S2 got their 1st choice, nobody a 2nd or 3rd
    assert "ROBO: пересекается с уроком своего класса" in browser.find_element(By.ID, "unserved").text
    assert browser.find_element(By.ID, "approve").get_attribute("data-confirm").startswith("Утвердить")
    screenshot("choices-run")


def test_the_students_choice_page_fits_a_phone(browser, live_server, session, screenshot):
    d = build(session)
    now = dt.datetime.now(dt.UTC)
    d["campaign"].opens_at, d["campaign"].closes_at = now - dt.timedelta(days=1), now + dt.timedelta(days=10)
    token = issue_choice_link(session, d["campaign"], d["students"][0])
    session.commit()
    browser.set_window_size(390, 900)
    browser.get(f"{live_server}/choose/{token}")
    assert "совпадает с уроком" in browser.find_element(By.ID, "offer-ROBO").text
    assert not browser.execute_script(
        "return document.documentElement.scrollWidth > document.documentElement.clientWidth")
    Select(browser.find_element(By.ID, "choice_1")).select_by_value("CHEM")
    browser.find_element(By.ID, "save").click()
    assert browser.find_element(By.ID, "done").text == "Выбор сохранён."
    screenshot("choose-390")
