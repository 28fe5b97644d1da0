"""Batching: requests stay under PHP's parameter budget, and all-or-nothing batches isolate bad items."""

from __future__ import annotations

import math

import pytest

from fake_moodle import FakeMoodle
from fake_moodle.people import new_students
from moodle_client import (
    AccessDenied,
    Enrolment,
    FormatOption,
    InvalidParameter,
    MoodleClient,
    NewCourse,
    NewUser,
    OutcomeUnknown,
    UserUpdate,
)
from moodle_client.batch import plan_chunks
from moodle_client.php_params import flatten


def run(items: list[NewUser], max_params: int) -> tuple[FakeMoodle, MoodleClient, object]:
    fake = FakeMoodle()
    with fake.running(), MoodleClient(fake.url, fake.token, max_params=max_params) as client:
        return fake, client, client.create_users(items)


@pytest.mark.parametrize("max_params", [1000, 5000])
def test_one_invalid_user_among_200(max_params):
    _, good_client, good = run(new_students(200), max_params)
    fake, client, result = run(new_students(200, bad={137}), max_params)

    assert len(result.ok) == 199 and len(result.failed) == 1
    failure = result.failed[0]
    assert failure.input.username == "Bad User 137"
    assert isinstance(failure.error, InvalidParameter) and failure.error.errorcode == "invalidparameter"
    assert 'the value is "Bad User 137", the server was expecting "username" type' in failure.error.debuginfo
    assert len(fake.site.users) == 2 + 199 and fake.user("sch14.student000136") is not None
    # Every created user is paired with its own input.
    assert all(item.result.username == item.input.username for item in result.ok)
    assert result.calls - good.calls <= 2 * math.log2(200) + 1
    assert client.stats.calls == result.calls


def test_every_post_stays_within_the_parameter_budget():
    fake, client, result = run(new_students(300), 1000)
    assert result.all_ok and len(result.ok) == 300
    # Field counts as the fake received them: wstoken, wsfunction and moodlewsrestformat included.
    assert max(c.fields for c in fake.calls) <= 1000
    assert [c.fields for c in fake.calls] == client.stats.params
    per_user = len(flatten({"users": [new_students(1)[0].to_api()]}))
    assert len(fake.calls) == math.ceil(300 / ((1000 - 3) // per_user))


def test_an_item_too_big_for_one_post_is_refused_before_sending_anything(fake_moodle):
    small = NewCourse("Химия", "CHEM", 1)
    big = NewCourse("Физика", "PHYS", 1, courseformatoptions=tuple(FormatOption(f"o{i}", "1") for i in range(30)))
    with MoodleClient(fake_moodle.url, fake_moodle.token, max_params=50) as client:
        with pytest.raises(ValueError, match="item 1 needs 63 form fields, more than the 47 left under max_params"):
            client.create_courses([small, big])
    assert fake_moodle.count() == 0


def test_chunks_are_packed_greedily_in_order():
    assert plan_chunks([10, 10, 10, 5], 25) == [range(0, 2), range(2, 4)]
    assert plan_chunks([], 25) == []


def test_several_bad_items_each_come_back_with_their_own_reason(fake_moodle, moodle):
    fake_moodle.add_user("sch14.student000003", email="taken@example.org")
    result = moodle.create_users(new_students(16, bad={5, 11}))
    assert sorted(f.input.idnumber for f in result.failed) == ["SCH14-S-000003", "SCH14-S-000005", "SCH14-S-000011"]
    reasons = {f.input.idnumber: f.error.debuginfo for f in result.failed}
    assert reasons["SCH14-S-000003"] == "Username already exists: sch14.student000003"
    assert len(result.ok) == 13


def test_duplicates_inside_one_batch_are_isolated(fake_moodle, moodle):
    batch = new_students(4)
    batch[3] = NewUser(batch[1].username, "Другой", "Ученик", "other@example.org", createpassword=True)
    result = moodle.create_users(batch)
    assert [f.input for f in result.failed] == [batch[3]] and len(result.ok) == 3


def test_errors_that_would_fail_every_item_are_not_bisected(fake_moodle, moodle):
    fake_moodle.revoke("moodle/user:create")
    with pytest.raises(AccessDenied) as caught:
        moodle.create_users(new_students(64))
    assert fake_moodle.count("core_user_create_users") == 1
    assert len(caught.value.partial.pending) == 64 and caught.value.partial.ok == ()


def test_a_lost_answer_mid_batch_reports_what_is_settled_and_what_is_not(fake_moodle):
    items = new_students(300)
    fake_moodle.inject("timeout_after_commit", function="core_user_create_users", call=2)
    with MoodleClient(fake_moodle.url, fake_moodle.token) as client, pytest.raises(OutcomeUnknown) as caught:
        client.create_users(items)
    partial = caught.value.partial
    assert len(partial.ok) + len(partial.pending) == 300 and partial.calls == 2
    assert [i.input for i in partial.ok] == items[: len(partial.ok)]
    # The second chunk was applied though its answer was lost: re-reading finds it.
    found = client.get_users_by_field("username", [u.username for u in partial.pending])
    assert 0 < len(found) < len(partial.pending)


def test_warnings_of_update_batches_are_collected_across_posts(fake_moodle):
    ids = [fake_moodle.add_user(f"u{i:04d}", email=f"u{i}@example.org") for i in range(400)]
    updates = [UserUpdate(uid, department="11Б") for uid in ids] + [UserUpdate(999999, department="x")]
    updates[10] = UserUpdate(ids[10], username="u0011")
    with MoodleClient(fake_moodle.url, fake_moodle.token, max_params=200) as client:
        result = client.update_users(updates)
    assert result.calls > 1 and len(result.ok) == 399
    assert {(w.itemid, w.warningcode) for w in result.warnings} == {
        (ids[10], "dmlwriteexception"),
        (999999, "invaliduserid"),
    }
    assert fake_moodle.site.users.rows[ids[0]].department == "11Б"


def test_long_reads_are_chunked_and_merged(fake_moodle):
    for i in range(30):
        fake_moodle.add_user(f"s{i}", idnumber=f"ID{i}", email=f"s{i}@example.org")
    wanted = [f"ID{i}" for i in range(60)]
    with MoodleClient(fake_moodle.url, fake_moodle.token, max_params=50) as client:
        found = client.get_users_by_field("idnumber", wanted)
    assert sorted(u.idnumber for u in found) == sorted(f"ID{i}" for i in range(30))
    assert len(fake_moodle.calls) == 2 and max(c.fields for c in fake_moodle.calls) <= 50


def test_enrolment_batches_are_all_or_nothing_per_post_and_bisected(fake_moodle, moodle):
    course = fake_moodle.add_course("CHEM")
    students = [fake_moodle.add_user(f"s{i}", email=f"s{i}@example.org") for i in range(8)]
    result = moodle.enrol_users(
        [Enrolment(u, course) for u in students[:4]]
        + [Enrolment(999999, course)]
        + [Enrolment(u, course) for u in students[4:]]
    )
    assert [f.input.userid for f in result.failed] == [999999]
    assert result.failed[0].error.errorcode == "codingerror"
    assert [e.userid for e in fake_moodle.enrolments(course)] == students


def test_a_nameless_invalidparameter_is_traced_to_its_field_and_value():
    """A production site (no debugging) without the ``de`` pack rejects users namelessly, as recorded
    (core_user_create_users__lang_not_installed): the client finds and names the field itself."""
    from dataclasses import replace

    fake = FakeMoodle(debug=False, langs=("en", "ru"))
    users = [replace(u, lang="de" if i in (3, 7) else None) for i, u in enumerate(new_students(10))]
    with fake.running(), MoodleClient(fake.url, fake.token, sleep=lambda s: None) as client:
        result = client.create_users(users)
    assert sorted(f.input.username for f in result.failed) == ["sch14.student000003", "sch14.student000007"]
    for failure in result.failed:
        assert failure.error.debuginfo is None  # Moodle said nothing more...
        assert "Moodle rejects lang='de'" in str(failure.error)  # ...the client names it
    assert len(result.ok) == 8
    # The probe was a write: the first bad user went through without lang (found again by idnumber).
    probed = fake.user("sch14.student000003")
    assert probed is not None and probed.lang == "en" and fake.user("sch14.student000007") is None


def test_a_whole_list_failing_for_one_value_is_named_once_and_not_bisected_to_the_end():
    from dataclasses import replace

    fake = FakeMoodle(debug=False, langs=("en",))
    users = [replace(u, lang="ru") for u in new_students(118)]
    with fake.running(), MoodleClient(fake.url, fake.token, sleep=lambda s: None) as client:
        result = client.create_users(users)
    assert not result.ok and len(result.failed) == 118
    assert {str(f.error) for f in result.failed} == {
        "core_user_create_users: Invalid parameter value detected: Moodle rejects lang='ru' "
        "(it accepts the item without it) [invalidparameter]"}
    # Bisecting 118 items down to each one would take over 230 calls.
    assert result.calls <= 2 * math.ceil(math.log2(118)) + 12
