"""Convergence: a first sync interrupted at any one of its Moodle calls (a 5xx, a timeout after the
change was committed, the connection reset, the process killed) is finished by the next run, with
no duplicate course, user, group or enrolment, and the run after that writes nothing."""

from __future__ import annotations

from bridge.sync.run import run_sync
from fake_moodle.server import FakeMoodle
from moodle_client import MoodleClient
from moodle_client.functions import Kind, describe
from tests.builders import build_district
from tests.conftest import _empty
from tests.sync.test_sync_moodle import snapshot


class Killed(BaseException):
    """The process dies: nothing after this point runs, nothing is cleaned up by our code."""


class KillingMoodle(FakeMoodle):
    """Answers normally, but at one step the caller dies right after Moodle committed the change."""

    kill_at: tuple[str, int] | None = None

    def handle(self, request):
        answer = super().handle(request)
        last = self.calls[-1]
        if self.kill_at == (last.function, last.number):
            raise Killed()
        return answer


def fresh_run(runtime, session, fault: str | None = None, step: tuple[str, int] | None = None, build=build_district):
    """A new district (made by ``build``) and a new Moodle; the first sync meets ``fault`` at ``step``,
    then two more runs."""
    _empty(runtime.engine)
    session.expire_all()
    build(session)
    fake = KillingMoodle()
    with fake.running():
        client = MoodleClient(fake.url, fake.token, sleep=lambda s: None, clock=fake.clock)
        if fault == "killed":
            fake.kill_at = step
        elif fault is not None:
            fake.inject(fault, function=step[0], call=step[1], status=500)
        try:
            first_ok = run_sync(runtime, client=client, show_progress=False).ok
        except (Exception, Killed):  # noqa: BLE001 - the run may stop any way; what matters is the next one
            first_ok = False
        first_calls = [(c.function, c.number) for c in fake.calls]
        fake.kill_at = None
        second = run_sync(runtime, client=client, show_progress=False)
        fake.reset_counts()
        third = run_sync(runtime, client=client, mode="full", show_progress=False)
        return fake, first_calls, first_ok, second, third


def test_converges_after_a_fault_at_every_step(runtime, session):
    fake, steps, _, second, _ = fresh_run(runtime, session)
    expected = snapshot(fake)
    assert second.planned == {}
    # Every call of an uninterrupted first sync is a step to fail at: reads and writes of every kind.
    assert len(steps) >= 12 and {"core_user_create_users", "enrol_manual_enrol_users"} <= {f for f, _ in steps}
    for fault in ("timeout_after_commit", "reset_after_commit", "http_error", "killed"):
        for step in steps:
            fake, _, first_ok, second, third = fresh_run(runtime, session, fault, step)
            where = f"{fault} at {step}"
            if describe(step[0]).kind is Kind.WRITE:
                # A failed read is retried away; a failed write stops the first run.
                assert not first_ok, f"{where}: the fault did not bite"
            assert second.status == "ok", f"{where}: {second.errors or second.message}"
            assert snapshot(fake) == expected, where
            assert third.planned == {} and fake.writes == 0, f"{where}: {third.planned}"
