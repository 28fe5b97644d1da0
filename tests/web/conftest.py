def bearer(accounts, role):
    return {"Authorization": f"Bearer {accounts[role][1]}"}
