"""Handlers of the fake's web-service functions, one module per Moodle component.

Importing this package registers every function in :data:`fake_moodle.registry.REGISTRY`.
"""

from fake_moodle.functions import (  # noqa: F401
    attendance,
    calendar,
    cohorts,
    courses,
    enrol,
    grades,
    groups,
    site_info,
    users,
)
