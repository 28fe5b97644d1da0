"""pytest fixtures: ``fake_moodle`` (a running FakeMoodle) and ``moodle`` (a client connected to it).

Use them from a conftest with ``from fake_moodle.fixtures import fake_moodle, moodle  # noqa: F401``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fake_moodle.server import FakeMoodle
from moodle_client import MoodleClient


@pytest.fixture
def fake_moodle() -> Iterator[FakeMoodle]:
    fake = FakeMoodle()
    with fake.running():
        yield fake


@pytest.fixture
def moodle(fake_moodle: FakeMoodle) -> Iterator[MoodleClient]:
    """A client of the fake that never really sleeps between retries; its clock is the fake's."""
    with MoodleClient(
        fake_moodle.url, fake_moodle.token, sleep=lambda seconds: None, clock=fake_moodle.clock
    ) as client:
        yield client
