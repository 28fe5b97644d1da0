import re


def bearer(accounts, role):
    return {"Authorization": f"Bearer {accounts[role][1]}"}


def download_report(client, worker, query: str, fmt: str):
    """Download a report's file as the console does (the signed-in account): queue it from the reports page
    of ``query`` (e.g. ``report=marks&term=1``), let ``worker`` make it, fetch it from the job's page."""
    page = client.get(f"/reports?{query}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    action = re.search(r'<form method="post" action="([^"]+)"[^>]*id="download"', page.text).group(1)
    queued = client.post(action.replace("&amp;", "&"), data={"csrf_token": token, "format": fmt})
    assert queued.status_code == 303, queued.text
    assert worker.drain() == 1
    link = re.search(r'id="files"><a href="([^"]+)"', client.get(queued.headers["Location"]).text).group(1)
    return client.get(link)
