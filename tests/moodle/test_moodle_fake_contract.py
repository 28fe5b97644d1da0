"""Contract: the fake answers every recorded request as the real Moodle did.

All recorded samples are replayed, in recording order, against one fresh fake site, so the fake is in
the same state as the recorded site at each step (the same ids come out). Each answer must have the
recorded shape (same keys, same list lengths, same types) and the recorded values, except for values
that come from the recording machine's clock.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from fake_moodle import ENDPOINT, FakeMoodle
from fake_moodle.registry import REGISTRY
from moodle.samples import FIXTURES, RECORDED_TOKEN, all_samples

# Values taken from the recording machine's clock (or the recording session): compared by presence only.
CLOCK_KEYS = {"timemodified", "timecreated", "cacherev", "gradedategraded", "lasttaken"}


def compare(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Differences between a recorded and a fake answer (empty when they agree)."""
    key = path.rsplit(".", 1)[-1].split("[", 1)[0]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        problems = (
            [f"{path}: keys {sorted(set(expected) ^ set(actual))} differ"] if set(expected) != set(actual) else []
        )
        for name in expected.keys() & actual.keys():
            problems += compare(expected[name], actual[name], f"{path}.{name}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r}"]
        return [p for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for p in compare(e, a, f"{path}[{i}]")]
    if key in CLOCK_KEYS:
        return [] if (expected is None) == (actual is None) else [f"{path}: {expected!r} vs {actual!r}"]
    if type(expected) is not type(actual) and not {type(expected), type(actual)} <= {int, float}:
        return [f"{path}: type {type(expected).__name__} vs {type(actual).__name__} ({actual!r})"]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def seed_gradebook(fake: FakeMoodle) -> None:
    """What the recording made with Moodle's PHP API before the grade samples."""
    fake.add_assignment(2, "Лабораторная работа №1: скорость химических реакций", grademax=5, cmid=4)
    item = fake.add_grade_item(
        2, "Контрольная работа №1 (четверть I)", grademin=1, grademax=5, idnumber="kr1-q1", gradepass=3
    )
    fake.set_grade(item, 3, 4, feedback="Хорошо, ошибки в задаче 3", feedbackformat=2)


SETUP = {"core_grades_update_grades": seed_gradebook}


@pytest.fixture(scope="module")
def answers() -> dict[str, Any]:
    """Every sample's request, as recorded, sent to one fresh fake site; the answers by sample name."""
    fake = FakeMoodle("http://127.0.0.1:8088", RECORDED_TOKEN)
    fake.site.themerev = 1795387076
    out = {}
    with fake.running():
        for s in all_samples():
            if s.name in SETUP:
                SETUP.pop(s.name)(fake)
            response = requests.post(fake.url + ENDPOINT, data=list(s.params.items()), timeout=5)
            assert response.status_code == s.status
            out[s.name] = response.json()
    return out


@pytest.mark.parametrize(
    "s", [s for s in all_samples() if s.wsfunction != "core_webservice_get_site_info"], ids=lambda s: s.name
)
def test_fake_answers_like_the_recorded_site(answers, s):
    assert compare(s.response, answers[s.name]) == []


def test_site_info_matches_except_the_service_contents(answers):
    recorded, fake = all_samples()[0].response, answers["core_webservice_get_site_info"]
    # The service's contents, the site's feature toggles and the user's private key are the site's own.
    own = {"functions": [], "advancedfeatures": [], "userprivateaccesskey": ""}
    assert compare(recorded | own, fake | own) == []
    # The fake's service holds the functions it implements, with the versions the real site reports.
    versions = {f["name"]: f["version"] for f in recorded["functions"]}
    assert {f["name"]: f["version"] for f in fake["functions"]} == {n: versions[n] for n in REGISTRY}


def test_every_copied_sample_is_replayed():
    assert sorted(f"{s.name}.json" for s in all_samples()) == sorted(p.name for p in FIXTURES.glob("*.json"))


def test_every_function_the_product_uses_has_a_recorded_sample():
    from moodle_client.functions import FUNCTIONS

    recorded = {s.wsfunction for s in all_samples()}
    # Every function the client uses has at least one recorded sample, except course contents (none was recorded).
    assert set(FUNCTIONS) - recorded == {"core_course_get_contents", "core_cohort_delete_cohort_members"}
