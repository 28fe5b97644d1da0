"""The allocation result page in a browser: the chart of ranks granted is drawn, «Утвердить» asks first."""

from selenium.webdriver.common.by import By

from bridge.accounts import create_account
from bridge.choices.allocation import run_allocation
from bridge.choices.survey import import_answers
from bridge.models import AccountRole
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
