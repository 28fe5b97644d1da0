"""A Moodle without the configured language pack (only ``en``), as recorded on Moodle 4.1.10: the sync
sends no language unless one is set, says once what is wrong when it is not installed, and writes
nothing that would fail for it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from bridge.demo import load_demo
from bridge.runtime import Runtime
from bridge.sync.run import run_sync
from config import Settings
from fake_moodle import FakeMoodle
from moodle_client import MoodleClient

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def english_only():
    """A production site: only the English pack, no debugging (errors name no field)."""
    fake = FakeMoodle(debug=False, langs=("en",))
    with fake.running():
        yield fake


def runtime_with(runtime: Runtime, **sync) -> Runtime:
    settings = runtime.settings
    return Runtime(replace(settings, sync=replace(settings.sync, **sync)), engine=runtime.engine)


def client_of(fake: FakeMoodle) -> MoodleClient:
    return MoodleClient(fake.url, fake.token, sleep=lambda s: None, clock=fake.clock)


@pytest.fixture
def demo(session):
    load_demo(session, TODAY)
    session.commit()


def test_without_a_language_set_the_site_default_is_used(runtime, demo, english_only):
    report = run_sync(runtime, client=client_of(english_only), show_progress=False)
    assert report.status == "ok", report.errors[:3]
    users = [u for u in english_only.site.users if u.idnumber]
    assert len(users) == 118 and {u.lang for u in users} == {"en"}
    sent = [u for c in english_only.calls if c.function == "core_user_create_users"
            for u in c.params["users"].values()]
    assert len(sent) == 118 and not any("lang" in u for u in sent)


def test_a_missing_language_pack_fails_the_sync_before_anything_is_written(runtime, demo, english_only):
    report = run_sync(runtime_with(runtime, lang="ru"), client=client_of(english_only), show_progress=False)
    assert report.status == "failed" and english_only.writes == 0
    assert report.errors == []
    assert report.message.count("'ru' (sync.lang)") == 1
    assert "Site administration > Language > Language packs" in report.message


def test_moodle_check_names_the_missing_language_in_one_line(runner, engine, database_url, english_only):
    settings = Settings(database_url=database_url, moodle=english_only.settings())
    settings = replace(settings, sync=replace(settings.sync, lang="ru"))
    result = runner.invoke(["moodle", "check"], obj=Runtime(settings, engine=engine))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert errors == ["Error: the language pack 'ru' (sync.lang) is not installed in Moodle, which rejects every "
                      "user sent with it: install it in Site administration > Language > Language packs, or set "
                      "sync.lang to an installed language (or leave it empty for the site's default)"]
    assert english_only.writes == 0


def test_moodle_check_confirms_an_installed_language(runner, engine, database_url, fake_moodle):
    settings = Settings(database_url=database_url, moodle=fake_moodle.settings())
    settings = replace(settings, sync=replace(settings.sync, lang="ru"))
    result = runner.invoke(["moodle", "check"], obj=Runtime(settings, engine=engine))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "language of new accounts: ru (installed)"


def test_users_that_all_fail_for_one_reason_stop_the_run_and_say_it_once(runtime, demo, fake_moodle):
    """An authentication plugin the site does not have: every user fails alike."""
    report = run_sync(runtime_with(runtime, auth="saml2"), client=client_of(fake_moodle), show_progress=False)
    assert report.status == "failed"
    assert report.errors == [{"kind": "user", "key": "all 118", "action": "-",
                              "reason": "core_user_create_users: Invalid parameter value detected: "
                                        "Invalid authentication type: saml2 [invalidparameter]"}]
    assert "every user change (118) failed for one reason" in report.message
    # Nothing that needs the users was tried.
    tried = {c.function for c in fake_moodle.calls}
    assert not tried & {"enrol_manual_enrol_users", "core_cohort_add_cohort_members", "core_group_add_group_members"}
