"""The token never shows: not in logs (at DEBUG, urllib3 included), reprs, or any exception text."""

from __future__ import annotations

import json
import logging
import traceback

import pytest
import responses

from fake_moodle import FakeMoodle
from moodle_client import MoodleClient, MoodleError, NewUser
from moodle_client.core import ENDPOINT

TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
USER = NewUser("sch14.orlov.k", "Кирилл", "Орлов", "k.orlov@sch14.example.ru", createpassword=True)


def texts(error: BaseException) -> list[str]:
    """Everything an exception could print: str, repr, fields, causes, traceback, partial results."""
    out = [str(error), repr(error), "".join(traceback.format_exception(error))]
    out += [str(getattr(error, name, "")) for name in ("message", "errorcode", "debuginfo", "partial")]
    cause = getattr(error, "cause", None)
    return out + (texts(cause) if cause is not None else [])


def error_paths(client: MoodleClient, fake: FakeMoodle) -> list[BaseException]:
    """Drive the client through every kind of failure and collect what it raised."""
    raised: list[BaseException] = []
    client.get_site_info()
    client.create_users([NewUser("sch14.ok", "Ок", "Ок", "ok@example.org", createpassword=True)])
    client.get_users_by_field("username", ["sch14.ok"])

    def attempt(call) -> None:  # noqa: ANN001
        try:
            call()
        except (MoodleError, ValueError) as exc:
            raised.append(exc)

    for kind in ("timeout_before_commit", "timeout_after_commit", "reset_after_commit", "connect_error", "html"):
        fake.inject(kind, times=10)
        attempt(lambda: client.create_users([USER]))
        attempt(client.get_site_info)
        fake.faults.clear()
    for status in (500, 503, 404):
        fake.inject("http_error", status=status, retry_after="1", times=10)
        attempt(lambda: client.create_users([USER]))
        fake.faults.clear()
    fake.maintenance = True
    attempt(client.get_site_info)
    fake.maintenance = False
    fake.revoke("moodle/user:create")
    attempt(lambda: client.create_users([USER]))
    fake.remove_from_service("core_cohort_get_cohorts")
    attempt(lambda: client.get_cohorts([1]))
    attempt(lambda: client.call("local_nope"))
    attempt(lambda: client.call("core_user_get_users_by_field", {"field": "nope", "values": [TOKEN]}))
    attempt(lambda: client.call("core_user_get_users_by_field", {"values": ["x"]}))
    attempt(lambda: client.call("core_user_get_users_by_field", {"field": "id", "values": ["1"] * 2000}))
    attempt(lambda: client.create_users([NewUser("Bad Name", "a", "b", "c@example.org", password="123")]))
    fake.token = "another"  # the site no longer knows our token
    attempt(client.get_site_info)
    return raised


def test_token_never_appears(caplog):
    caplog.set_level(logging.DEBUG)
    fake = FakeMoodle(token=TOKEN)
    settings = fake.settings(max_retries=1)
    with fake.running():
        client = MoodleClient.from_settings(settings, sleep=lambda s: None)
        raised = error_paths(client, fake)
        # A site that echoes the token back (as a dml error's debuginfo can) is redacted too.
        fake.token = TOKEN
        with responses.RequestsMock() as mock:
            mock.add(
                responses.POST,
                fake.url + ENDPOINT,
                json={
                    "exception": "dml_missing_record_exception",
                    "errorcode": "invalidrecord",
                    "message": f"Can't find data record in database table external_tokens ({TOKEN}).",
                    "debuginfo": f"SELECT * FROM {{external_tokens}} WHERE token = ?\n[array (\n  0 => '{TOKEN}',\n)]",
                },
            )
            with pytest.raises(MoodleError) as echoed:
                client.get_site_info()
        raised.append(echoed.value)
    assert len(raised) >= 20
    assert "***" in echoed.value.debuginfo and "***" in str(echoed.value)
    everything = [caplog.text, repr(client), repr(settings), str(client.stats)]
    everything += [t for error in raised for t in texts(error)]
    assert caplog.records, "the client logs its calls"
    assert not [t for t in everything if TOKEN in t]


def test_token_stays_out_of_real_http_logs(caplog):
    """With real sockets urllib3 logs every request line at DEBUG: the token is in the body, not the URL."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps(
                {
                    "exception": "moodle_exception",
                    "errorcode": "invalidtoken",
                    "message": "Invalid token - token not found",
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            logging.getLogger("test.server").debug(self.requestline)

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    caplog.set_level(logging.DEBUG)
    try:
        with MoodleClient(f"http://127.0.0.1:{server.server_address[1]}", TOKEN) as client:
            with pytest.raises(MoodleError) as caught:
                client.get_site_info()
    finally:
        server.shutdown()
        server.server_close()
    assert "POST /webservice/rest/server.php HTTP/1.1" in caplog.text  # urllib3 and the server did log
    assert TOKEN not in caplog.text and not [t for t in texts(caught.value) if TOKEN in t]
