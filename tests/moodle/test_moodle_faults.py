"""Retries and fault handling: reads are retried, writes never blindly; permanent errors not at all."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest

from fake_moodle import FakeMoodle
from moodle_client import (
    InvalidParameter,
    MoodleClient,
    NewUser,
    OutcomeUnknown,
    SiteMaintenance,
    TransportError,
    UnexpectedResponse,
)
from moodle_client.retry import Backoff, parse_retry_after

GOOD = NewUser("sch14.orlov.k", "Кирилл", "Орлов", "k.orlov@sch14.example.ru", createpassword=True)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(fake_moodle: FakeMoodle, sleeps: Sleeps) -> Iterator[MoodleClient]:
    """Full jitter pinned to its maximum (rand=1.0) so the waits are predictable."""
    with MoodleClient(
        fake_moodle.url,
        fake_moodle.token,
        max_retries=3,
        backoff_base=0.5,
        backoff_cap=30.0,
        sleep=sleeps,
        rand=lambda: 1.0,
        clock=fake_moodle.clock,
    ) as c:
        yield c


def created(fake: FakeMoodle) -> bool:
    return fake.user(GOOD.username) is not None


@pytest.mark.parametrize(
    "kind", ["timeout_before_commit", "timeout_after_commit", "reset_after_commit", "connect_error"]
)
def test_reads_are_retried_after_transport_faults(fake_moodle, client, sleeps, kind):
    fake_moodle.inject(kind, function="core_webservice_get_site_info", times=2)
    assert client.get_site_info().userid == 2
    assert sleeps == [0.5, 1.0]  # base * 2**attempt, full jitter at its top
    assert (client.stats.calls, client.stats.requests, client.stats.retries) == (1, 3, 2)


def test_reads_give_up_after_max_retries_with_the_last_error(fake_moodle, client, sleeps):
    fake_moodle.inject("http_error", status=502, times=10)
    with pytest.raises(UnexpectedResponse) as caught:
        client.get_site_info()
    assert caught.value.status == 502 and len(sleeps) == 3
    assert fake_moodle.count("core_webservice_get_site_info") == 4


def test_backoff_is_capped(fake_moodle, sleeps):
    fake_moodle.inject("timeout_before_commit", times=5)
    with MoodleClient(
        fake_moodle.url,
        fake_moodle.token,
        max_retries=5,
        backoff_base=1.0,
        backoff_cap=4.0,
        sleep=sleeps,
        rand=lambda: 1.0,
    ) as client:
        client.get_site_info()
    assert sleeps == [1.0, 2.0, 4.0, 4.0, 4.0]


def test_full_jitter_spreads_waits_between_zero_and_the_exponential_bound():
    backoff = Backoff(base=0.5, cap=30.0)
    assert backoff.delay(3, None, lambda: 0.0) == 0.0
    assert backoff.delay(3, None, lambda: 0.25) == 1.0  # a quarter of 0.5 * 2**3
    assert backoff.delay(10, None, lambda: 1.0) == 30.0


def test_retry_after_is_honoured_and_capped(fake_moodle, client, sleeps):
    fake_moodle.inject("maintenance_html", retry_after="7")
    fake_moodle.inject("maintenance_html", retry_after="300")
    assert client.get_site_info().userid == 2
    assert sleeps == [7.0, 30.0]


def test_retry_after_as_an_http_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=lambda: 1445412480.0) == 30.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_a_write_that_timed_out_after_commit_is_not_repeated(fake_moodle, client, sleeps):
    fake_moodle.inject("timeout_after_commit", function="core_user_create_users")
    with pytest.raises(OutcomeUnknown) as caught:
        client.create_users([GOOD])
    assert isinstance(caught.value.cause, TransportError) and caught.value.cause.reached_server
    assert caught.value.partial.pending == (GOOD,) and caught.value.partial.ok == ()
    assert created(fake_moodle) and fake_moodle.count("core_user_create_users") == 1 and sleeps == []
    # The caller re-reads by a natural key and finds it.
    assert [u.username for u in client.get_users_by_field("username", [GOOD.username])] == [GOOD.username]


@pytest.mark.parametrize(("kind", "applied"), [("timeout_before_commit", False), ("reset_after_commit", True)])
def test_a_write_whose_answer_was_lost_raises_outcome_unknown(fake_moodle, client, kind, applied):
    fake_moodle.inject(kind, function="core_user_create_users")
    with pytest.raises(OutcomeUnknown):
        client.create_users([GOOD])
    assert created(fake_moodle) is applied and fake_moodle.count("core_user_create_users") == 1


def test_a_write_that_never_reached_the_server_is_retried(fake_moodle, client, sleeps):
    fake_moodle.inject("connect_error", function="core_user_create_users")
    result = client.create_users([GOOD])
    assert result.results[0].username == GOOD.username and sleeps == [0.5]
    assert fake_moodle.count("core_user_create_users") == 1  # the refused attempt never reached the site


def test_a_write_refused_by_a_maintenance_page_is_retried(fake_moodle, client, sleeps):
    fake_moodle.inject("maintenance_html", function="core_user_create_users")
    assert client.create_users([GOOD]).all_ok
    assert sleeps == [30.0] and created(fake_moodle)  # Retry-After: 300, capped


def test_a_write_refused_in_maintenance_mode_is_retried(fake_moodle):
    fake_moodle.maintenance = True
    waits = []

    def sleep(seconds: float) -> None:  # the administrator ends maintenance while we wait
        waits.append(seconds)
        fake_moodle.maintenance = False

    with MoodleClient(fake_moodle.url, fake_moodle.token, sleep=sleep) as client:
        assert client.create_users([GOOD]).all_ok
    assert len(waits) == 1 and created(fake_moodle)


@pytest.mark.parametrize(("status", "unknown"), [(500, True), (502, True), (504, True), (503, False), (404, False)])
def test_write_answered_by_an_http_error(fake_moodle, client, status, unknown):
    fake_moodle.inject("http_error", function="core_user_create_users", status=status)
    if unknown:
        with pytest.raises(OutcomeUnknown) as caught:
            client.create_users([GOOD])
        assert caught.value.cause.status == status
    elif status == 503:
        assert client.create_users([GOOD]).all_ok
    else:
        with pytest.raises(UnexpectedResponse):
            client.create_users([GOOD])
        assert fake_moodle.count("core_user_create_users") == 1


def test_html_instead_of_json(fake_moodle, client):
    fake_moodle.inject("html", function="core_user_create_users")
    with pytest.raises(OutcomeUnknown) as caught:
        client.create_users([GOOD])
    assert "not a JSON answer (text/html" in str(caught.value.cause)
    fake_moodle.inject("html", function="core_webservice_get_site_info")
    with pytest.raises(UnexpectedResponse):
        client.get_site_info()
    assert fake_moodle.count("core_webservice_get_site_info") == 1  # not worth repeating


def test_persistent_maintenance_ends_in_site_maintenance(fake_moodle, client, sleeps):
    fake_moodle.maintenance = True
    with pytest.raises(SiteMaintenance):
        client.get_site_info()
    assert len(sleeps) == 3


def test_permanent_errors_are_not_retried(fake_moodle, client, sleeps):
    with pytest.raises(InvalidParameter):
        client.call("core_user_get_users_by_field", {"values": ["x"]})
    assert sleeps == [] and fake_moodle.count() == 1


def test_each_call_is_logged_with_function_fields_and_duration(fake_moodle, client, caplog):
    fake_moodle.inject("slow", function="core_webservice_get_site_info", seconds=12)
    with caplog.at_level(logging.INFO, logger="moodle_client"):
        client.get_site_info()
    (line,) = [r.getMessage() for r in caplog.records if r.name == "moodle_client"]
    assert line == "moodle core_webservice_get_site_info params=3 12.000s ok"


def test_stats_count_reads_writes_and_fields(fake_moodle, client):
    client.get_site_info()
    client.create_users([GOOD])
    assert (client.stats.calls, client.stats.reads, client.stats.writes) == (2, 1, 1)
    assert client.stats.params == [3, 3 + len(GOOD.to_api())]
    assert client.stats.by_function["core_user_create_users"] == 1
    assert (fake_moodle.reads, fake_moodle.writes) == (1, 1)


# -- real sockets: how requests reports faults, and whether the body could have been sent ----------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_known_not_to_have_reached_the_server():
    with MoodleClient(f"http://127.0.0.1:{_closed_port()}", "tok", max_retries=0) as client:
        with pytest.raises(TransportError) as caught:
            client.create_users([GOOD])
    assert caught.value.reached_server is False


def test_connection_dropped_after_the_request_was_read_leaves_a_write_unknown():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve_once() -> None:
        conn, _ = server.accept()
        conn.recv(65536)  # the whole request reached us...
        conn.close()  # ...and no answer goes back

    thread = threading.Thread(target=serve_once, daemon=True)
    thread.start()
    with MoodleClient(f"http://127.0.0.1:{server.getsockname()[1]}", "tok", max_retries=0) as client:
        with pytest.raises(OutcomeUnknown) as caught:
            client.create_users([GOOD])
    thread.join()
    server.close()
    assert caught.value.cause.reached_server is True
