import pytest

from tests.builders import build_district


@pytest.fixture
def district(session):
    return build_district(session)
