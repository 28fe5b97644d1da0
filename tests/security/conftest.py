"""What the attack tests share: a browser signed in to the console, a count of every table's rows
(what a refused attack must not change), and a way to land other requests between a request's
check and the write that check allows, deterministically, as a race would."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from bridge.models import Base
from tests.web.test_access import _login


def signed_in(app, login: str):
    """A new browser signed in to the console as ``login`` (whose password is the tests' one)."""
    browser = app.test_client()
    _login(browser, login)
    return browser


def csrf(browser) -> str:
    """The CSRF token of the browser's session, as the console's forms carry it."""
    return re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/catalogue").text).group(1)


def post_form(browser, path: str, data: dict | None = None):
    """Post a form as the console's page would, with the session's CSRF token."""
    return browser.post(path, data=(data or {}) | {"csrf_token": csrf(browser)})


def row_counts(session: Session) -> dict[str, int]:
    """Every table's number of rows."""
    session.expire_all()
    return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


@contextmanager
def meanwhile(engine: Engine, fragment: str, action: Callable[[], None]) -> Iterator[threading.Event]:
    """Run ``action`` once, in another thread, right after the first statement that contains
    ``fragment`` has run, and wait for it: as if other requests had landed between that statement
    (a check) and whatever follows it. The event tells whether it ran."""
    ran = threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            action()
        except BaseException as exc:  # reported in the test's thread
            failures.append(exc)

    def after(conn, cursor, statement, parameters, context, executemany) -> None:
        if fragment in statement and not ran.is_set():
            ran.set()
            other = threading.Thread(target=run)  # its own Flask contexts and database session
            other.start()
            other.join()

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield ran
    finally:
        event.remove(engine, "after_cursor_execute", after)
    if failures:
        raise failures[0]
