"""``MoodleClient``: the typed client the rest of the product uses to talk to Moodle."""

from __future__ import annotations

from moodle_client.attendance import AttendanceCalls
from moodle_client.calendar import CalendarCalls
from moodle_client.cohorts import CohortCalls
from moodle_client.courses import CourseCalls
from moodle_client.enrolments import EnrolmentCalls
from moodle_client.grades import GradeCalls
from moodle_client.groups import GroupCalls
from moodle_client.site import SiteCalls
from moodle_client.users import UserCalls


class MoodleClient(
    SiteCalls,
    AttendanceCalls,
    CourseCalls,
    UserCalls,
    CohortCalls,
    EnrolmentCalls,
    GroupCalls,
    CalendarCalls,
    GradeCalls,
):
    """Build with ``MoodleClient.from_settings(settings.moodle)``; see the package docstring."""
