"""Typed, batched, fault-aware client of Moodle's REST web services.

The rest of the product talks to Moodle only through :class:`MoodleClient`::

    client = MoodleClient.from_settings(settings.moodle)
    users = client.get_users_by_field("idnumber", ["SCH14-S-0001"])
    result = client.create_users([NewUser(...), ...])   # BatchResult: ok / failed / warnings

Errors are :class:`MoodleError` subclasses (see :mod:`moodle_client.errors`); a write whose outcome
is unknown raises :class:`OutcomeUnknown`. ``client.stats`` counts calls, reads, writes and form
fields per call.
"""

from moodle_client.attendance import (
    AttendanceLogEntry,
    AttendanceSession,
    AttendanceStatus,
    NewSession,
    SessionUser,
)
from moodle_client.batch import BatchFailure, BatchItem, BatchResult
from moodle_client.calendar import CalendarEvent, EventDeletion, NewEvent
from moodle_client.client import MoodleClient
from moodle_client.cohorts import Cohort, CohortMemberRemoval, CohortMembers, NewCohort, NewCohortMember, Ref
from moodle_client.core import CallStats
from moodle_client.courses import (
    Category,
    Course,
    CourseList,
    CourseModule,
    CourseSettings,
    CourseUpdate,
    CreatedCategory,
    CreatedCourse,
    FormatOption,
    NewCategory,
    NewCourse,
    Section,
)
from moodle_client.enrolments import (
    ROLE_EDITINGTEACHER,
    ROLE_MANAGER,
    ROLE_STUDENT,
    ROLE_TEACHER,
    EnrolledCourse,
    EnrolledUser,
    Enrolment,
    GroupRef,
    Role,
    Unenrolment,
)
from moodle_client.errors import (
    AccessDenied,
    InvalidParameter,
    InvalidToken,
    MoodleError,
    MoodleNotConfigured,
    NotFound,
    OutcomeUnknown,
    SiteMaintenance,
    TransportError,
    UnexpectedResponse,
    UnknownFunction,
)
from moodle_client.functions import FUNCTIONS, REQUIRED_FUNCTIONS, Kind
from moodle_client.grades import GradeItem, GradeReport, GradeUpdate, GradeUpdateStatus, UserGrades
from moodle_client.groups import Group, GroupMember, NewGroup
from moodle_client.records import MoodleWarning
from moodle_client.site import SiteFunction, SiteInfo
from moodle_client.users import CreatedUser, NewUser, User, UserProfile, UserUpdate

__all__ = [
    "AccessDenied",
    "AttendanceLogEntry",
    "AttendanceSession",
    "AttendanceStatus",
    "BatchFailure",
    "BatchItem",
    "BatchResult",
    "CalendarEvent",
    "CallStats",
    "Category",
    "Cohort",
    "CohortMemberRemoval",
    "CohortMembers",
    "Course",
    "CourseList",
    "CourseModule",
    "CourseSettings",
    "CourseUpdate",
    "CreatedCategory",
    "CreatedCourse",
    "CreatedUser",
    "EnrolledCourse",
    "EnrolledUser",
    "Enrolment",
    "EventDeletion",
    "FUNCTIONS",
    "FormatOption",
    "GradeItem",
    "GradeReport",
    "GradeUpdate",
    "GradeUpdateStatus",
    "Group",
    "GroupMember",
    "GroupRef",
    "InvalidParameter",
    "InvalidToken",
    "Kind",
    "MoodleClient",
    "MoodleError",
    "MoodleNotConfigured",
    "MoodleWarning",
    "NewCategory",
    "NewCohort",
    "NewCohortMember",
    "NewCourse",
    "NewEvent",
    "NewGroup",
    "NewSession",
    "NewUser",
    "NotFound",
    "OutcomeUnknown",
    "REQUIRED_FUNCTIONS",
    "ROLE_EDITINGTEACHER",
    "ROLE_MANAGER",
    "ROLE_STUDENT",
    "ROLE_TEACHER",
    "Ref",
    "Role",
    "Section",
    "SessionUser",
    "SiteFunction",
    "SiteInfo",
    "SiteMaintenance",
    "TransportError",
    "UnexpectedResponse",
    "UnknownFunction",
    "Unenrolment",
    "User",
    "UserGrades",
    "UserProfile",
    "UserUpdate",
]
