from tests.conftest import PASSWORD  # noqa: F401 - shared with the tests of this folder


def bearer(accounts, role):
    return {"Authorization": f"Bearer {accounts[role][1]}"}
