"""The printable statement in a real browser: printed, it is one A4 landscape page without the console's
header and controls, and the figures are on it."""

from __future__ import annotations

import base64
import re

from selenium.webdriver.common.by import By
from sqlalchemy import select

from bridge.accounts import create_account
from bridge.models import AccountRole, Agreement
from tests.agreements.district import OCTOBER, build
from tests.browser.test_console import sign_in
from tests.conftest import PASSWORD

A4_LANDSCAPE = (842, 595)  # points


def test_statement_prints_on_one_a4_page(browser, live_server, session, screenshot):
    build(session)
    create_account(session, "coord", PASSWORD, AccountRole.COORDINATOR, school="SCH29")
    session.commit()
    key = session.scalar(select(Agreement.id).where(Agreement.number == "7-Н"))
    sign_in(browser, live_server, "coord")
    browser.get(f"{live_server}/agreements/{key}/statement?month={OCTOBER}")
    assert browser.find_element(By.ID, "total-amount").text == "1866.68"
    screenshot("statement")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        hidden = browser.execute_script(
            "return [document.querySelector('header'), document.getElementById('statement-filters')]"
            ".map(e => getComputedStyle(e).display)")
        assert hidden == ["none", "none"]
        assert browser.find_element(By.ID, "statement").is_displayed()
        pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})["data"])
    finally:  # the browser serves the next tests: as it was, signed out
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        browser.delete_all_cookies()
    pages = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert len(pages) == 1
    assert tuple(round(float(v)) for v in pages[0]) == A4_LANDSCAPE
