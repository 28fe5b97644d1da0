import pytest

from bridge.accounts import create_account, issue_token
from bridge.models import AccountRole
from tests.builders import build_district

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """scrypt costs ~0.1 s a hash by design; the tests check the flow, not the cost."""
    monkeypatch.setattr("bridge.accounts.PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def accounts(session):
    """A district and one account per role, each with an API token: role -> (login, token)."""
    build_district(session)
    out = {}
    for role, extra in [(AccountRole.ADMIN, {}), (AccountRole.COORDINATOR, {"school": "SCH29"}),
                        (AccountRole.TEACHER, {"teacher": "T-2"}), (AccountRole.VIEWER, {})]:
        account = create_account(session, role.value, PASSWORD, role, **extra)
        out[role.value] = (account.login, issue_token(session, account, "tests"))
    session.commit()
    return out


def bearer(accounts, role):
    return {"Authorization": f"Bearer {accounts[role][1]}"}
