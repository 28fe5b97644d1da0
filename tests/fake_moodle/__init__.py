"""A faithful in-process fake of Moodle 4.1's REST web services, for tests (not shipped).

fake = FakeMoodle()
with fake.running():                      # or fake.install(responses_mock)
    client = MoodleClient(fake.url, fake.token, sleep=lambda s: None, clock=fake.clock)
    ...
fake.count(kind="write")                  # requests that reached the site
fake.inject("timeout_after_commit", function="core_user_create_users")
"""

from fake_moodle.server import FAULTS, ENDPOINT, CallRecord, FakeMoodle, Fault

__all__ = ["ENDPOINT", "FAULTS", "CallRecord", "FakeMoodle", "Fault"]
