import datetime as dt

import pytest

from bridge.runtime import Runtime
from fake_moodle.fixtures import fake_moodle, moodle  # noqa: F401

# The district's lessons are in September 2026: the sync's window of sessions starts on its first day.
TERM_STARTS = dt.date(2026, 9, 1)


@pytest.fixture
def runtime(runtime: Runtime) -> Runtime:
    return Runtime(runtime.settings, engine=runtime.engine, today=TERM_STARTS)
