"""The sync benchmark's lower bound: a function that takes one item per call costs a call per item."""

from __future__ import annotations

import math

from benchmarks.bench_sync import TimedMoodle, lower_bound
from fake_moodle.people import new_students
from moodle_client import MoodleClient
from moodle_client.core import FIXED_FIELDS


def test_the_lower_bound_counts_a_call_per_item_where_moodle_takes_no_list():
    fake = TimedMoodle()
    with fake.running(), MoodleClient(fake.url, fake.token, max_params=200) as client:
        courses = [fake.add_course(f"C{n}") for n in range(5)]
        for course in courses:
            client.add_attendance(course, "Посещаемость")
        assert client.create_users(new_students(40)).all_ok
    room = 200 - FIXED_FIELDS
    # Five activities need five calls however few parameters each carries...
    assert fake.write_params["mod_attendance_add_attendance"] < room
    assert lower_bound(fake, "mod_attendance_add_attendance", room) == 5
    # ...while a list is packed into full calls.
    users = lower_bound(fake, "core_user_create_users", room)
    assert users == math.ceil(fake.write_params["core_user_create_users"] / room) and 1 < users < 40
    assert fake.count("core_user_create_users") >= users
