"""Attack: leave the network without an active administrator by disabling (or demoting) the last
two at the same moment, each request counting the other administrator as still active.

A lost race is a matter of timing, so each test tries many times (the probe lost it 20 times in 25
on SQLite); every try must leave exactly one active administrator and refuse the other request.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update

from bridge.accounts import AccountError, create_account, set_active, set_role
from bridge.models import Account, AccountRole
from tests.conftest import PASSWORD
from tests.security.conftest import csrf, signed_in

TRIES = 20


def _active_admins(session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Account.login).where(Account.role == AccountRole.ADMIN,
                                                            Account.active.is_(True)).order_by(Account.login)))


def _restore(session, ids: list[int]) -> None:
    session.execute(update(Account).where(Account.id.in_(ids)).values(role=AccountRole.ADMIN, active=True))
    session.commit()


def test_two_simultaneous_disables_of_the_last_two_administrators(app, session, accounts):
    """POST /accounts/<id>/disable for each of the last two administrators at once, each by the other."""
    second = create_account(session, "admin2", PASSWORD, AccountRole.ADMIN)
    session.commit()
    first = session.scalar(select(Account).where(Account.login == "admin"))
    ids = [first.id, second.id]
    for _ in range(TRIES):
        _restore(session, ids)
        browsers = [signed_in(app, "admin"), signed_in(app, "admin2")]  # the last try signed one out
        tokens = [csrf(browser) for browser in browsers]
        start = threading.Barrier(2)

        def disable(browser, token: str, target: int) -> int:
            start.wait()
            return browser.post(f"/accounts/{target}/disable", data={"csrf_token": token}).status_code

        with ThreadPoolExecutor(2) as pool:
            statuses = sorted(pool.map(disable, browsers, tokens, [second.id, first.id]))
        assert len(_active_admins(session)) == 1, statuses
        # One is disabled (303); the other is refused as the last one (409), or, when it came
        # after the first had committed, its sender was already signed out (302 to the login).
        assert statuses in ([302, 303], [303, 409]), statuses


ACTIONS = {
    "disable": lambda session, account: set_active(session, account, False),
    "demote": lambda session, account: set_role(session, account, AccountRole.VIEWER),
}


@pytest.mark.parametrize(("one", "other"), [("disable", "demote"), ("demote", "demote")])
def test_simultaneous_disable_and_demote_of_the_last_two_administrators(runtime, session, accounts, one, other):
    """The same race through the services the CLI uses (`netcourses user disable|role`)."""
    second = create_account(session, "admin2", PASSWORD, AccountRole.ADMIN)
    session.commit()
    ids = [session.scalar(select(Account.id).where(Account.login == "admin")), second.id]
    for _ in range(TRIES):
        _restore(session, ids)
        start = threading.Barrier(2)

        def act(action: str, account_id: int) -> str:
            with runtime.sessions() as own:
                account = own.get(Account, account_id)
                start.wait()
                try:
                    ACTIONS[action](own, account)
                except AccountError as exc:
                    own.rollback()
                    return exc.code
                own.commit()
                return "done"

        with ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(act, [one, other], ids))
        assert outcomes == ["done", "last_admin"]
        assert len(_active_admins(session)) == 1
