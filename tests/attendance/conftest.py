from fake_moodle.fixtures import fake_moodle, moodle  # noqa: F401
