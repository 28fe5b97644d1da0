"""The models, one module per area; ``from bridge.models import X`` works for every name as before.

One file held every table of every area; it is cut along the data's own dependencies, so a change
to one area is read (and reviewed) without the others, and each area module imports only what it
needs:

- :mod:`~bridge.models.base`: the declarative base, the naming convention (stable constraint names,
  so migrations are the same on SQLite and PostgreSQL), the enum column type, the timestamps;
- :mod:`~bridge.models.registry`: the home registry, what every other area points at
  (schools, years, terms, holidays, bells, people, courses, slots, enrolments, timetables);
- :mod:`~bridge.models.calendar`: dated lessons, face-to-face rules and sessions, calendar links;
- :mod:`~bridge.models.sync_state`: what the sync applied to Moodle, its runs and changes, job locks;
- :mod:`~bridge.models.marks`: attendance and grades pulled from Moodle, and their history;
- :mod:`~bridge.models.accounts`: accounts, API tokens, the audit log, failed sign-ins;
- :mod:`~bridge.models.webhooks`: the webhook inbox;
- :mod:`~bridge.models.jobs`: the job queue and its workers, the uploads import jobs apply, the files report jobs make;
- :mod:`~bridge.models.choices`: course choice campaigns, offers, choices, allocation runs;
- :mod:`~bridge.models.agreements`: agreements between schools and the courses they cover.
- :mod:`~bridge.models.figures`: the data's version per area (bumped by every session's writes) and
  the cache of figures keyed by it (``bridge.figures``).
- :mod:`~bridge.models.monitoring`: the monthly reports for the education department.

At run time the registry imports only the base, and the other areas only the base too: a
relationship to another area's class names it in an annotation alone (imported under
``TYPE_CHECKING`` for type checkers), and SQLAlchemy finds it in Base's class registry when the
mappers are configured. So there is no import cycle, but a class is only found once its module is
imported: that is why this package imports every area, so every table is on ``Base.metadata``
(which Alembic compares with the migrations) before anything queries. A new model goes into its
area's module, with its name added to the imports and ``__all__`` below.
"""

from bridge.models.base import MAX_INTEGER, NAMING, Base, TimestampMixin
from bridge.models.registry import (
    AcademicYear, AssessmentForm, BellPeriod, ClassLesson, CourseTeacher, CurriculumLoad, Enrolment,
    EnrolmentStatus, Holiday, LessonSlot, NetworkCourse, PersonMixin, School, SchoolRole, Student, Teacher, Term,
)
from bridge.models.calendar import (
    CalendarToken, FaceToFaceRule, FaceToFaceRuleCourse, FaceToFaceSession, FaceToFaceSessionCourse, HolidayPolicy,
    Lesson, ScheduledMixin, ScheduleStatus, SessionKind, new_uid,
)
from bridge.models.sync_state import JobLock, MoodleLink, SyncChange, SyncRun
from bridge.models.marks import AttendanceKind, AttendanceMark, Grade, GradeItem, MarkChange
from bridge.models.accounts import Account, AccountRole, ApiToken, AuditEntry, SignInFailure
from bridge.models.webhooks import WebhookEvent
from bridge.models.jobs import Job, JobWorker, ReportFile, Upload
from bridge.models.choices import (
    AllocationDecision,
    AllocationGrant,
    AllocationRun,
    ChoiceCampaign,
    ChoiceOffer,
    ChoiceRule,
    DecisionKind,
    OfferState,
    StudentChoice,
)
from bridge.models.agreements import Agreement, AgreementCourse
from bridge.models.figures import DataVersion, FigureCache, areas_of, has_written, version_keys
from bridge.models.monitoring import MonthlyReport

__all__ = [
    # base
    "NAMING",
    "Base",
    "MAX_INTEGER",
    "TimestampMixin",
    # registry
    "AcademicYear",
    "AssessmentForm",
    "BellPeriod",
    "ClassLesson",
    "CourseTeacher",
    "CurriculumLoad",
    "Enrolment",
    "EnrolmentStatus",
    "Holiday",
    "LessonSlot",
    "NetworkCourse",
    "PersonMixin",
    "School",
    "SchoolRole",
    "Student",
    "Teacher",
    "Term",
    # calendar
    "CalendarToken",
    "FaceToFaceRule",
    "FaceToFaceRuleCourse",
    "FaceToFaceSession",
    "FaceToFaceSessionCourse",
    "HolidayPolicy",
    "Lesson",
    "ScheduleStatus",
    "ScheduledMixin",
    "SessionKind",
    "new_uid",
    # sync_state
    "JobLock",
    "MoodleLink",
    "SyncChange",
    "SyncRun",
    # marks
    "AttendanceKind",
    "AttendanceMark",
    "Grade",
    "GradeItem",
    "MarkChange",
    # accounts
    "Account",
    "AccountRole",
    "ApiToken",
    "AuditEntry",
    "SignInFailure",
    # webhooks
    "WebhookEvent",
    # jobs
    "Job",
    "JobWorker",
    "ReportFile",
    "Upload",
    # choices
    "AllocationDecision",
    "AllocationGrant",
    "AllocationRun",
    "ChoiceCampaign",
    "ChoiceOffer",
    "ChoiceRule",
    "DecisionKind",
    "OfferState",
    "StudentChoice",
    # agreements
    "Agreement",
    "AgreementCourse",
    # figures
    "DataVersion",
    "FigureCache",
    "areas_of",
    "has_written",
    "version_keys",
    # monitoring
    "MonthlyReport",
]
