"""Rows of the fake site's tables: the fields of Moodle's own tables the fake needs."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(eq=False)
class CategoryRow:
    name: str
    idnumber: str | None = None
    description: str = ""
    descriptionformat: int = 1
    parent: int = 0
    sortorder: int = 0
    visible: int = 1
    timemodified: int = 0
    theme: str = ""
    contextid: int = 0
    id: int = 0


@dataclass(eq=False)
class CourseRow:
    category: int
    fullname: str
    shortname: str
    idnumber: str = ""
    summary: str = ""
    summaryformat: int = 1
    format: str = "topics"
    showgrades: int = 1
    newsitems: int = 5
    startdate: int = 0
    enddate: int = 0
    visible: int = 1
    groupmode: int = 0
    groupmodeforce: int = 0
    enablecompletion: int = 1
    lang: str = ""
    numsections: int = 4
    hiddensections: int = 0
    coursedisplay: int = 0
    sortorder: int = 0
    timecreated: int = 0
    timemodified: int = 0
    cacherev: int = 0
    id: int = 0


@dataclass(eq=False)
class UserRow:
    username: str
    firstname: str = ""
    lastname: str = ""
    email: str = ""
    idnumber: str = ""
    middlename: str = ""
    institution: str = ""
    department: str = ""
    city: str = ""
    country: str = ""
    timezone: str = "99"
    lang: str = "en"
    auth: str = "manual"
    password: str = ""
    phone1: str = ""
    phone2: str = ""
    address: str = ""
    description: str = ""
    suspended: int = 0
    confirmed: int = 1
    deleted: int = 0
    mailformat: int = 1
    theme: str = ""
    firstaccess: int = 0
    lastaccess: int = 0
    id: int = 0

    @property
    def fullname(self) -> str:
        return f"{self.firstname} {self.lastname}"


@dataclass(eq=False)
class EnrolmentRow:
    """A manual enrolment and the roles the user holds in that course."""

    courseid: int
    userid: int
    status: int = 0  # ENROL_USER_ACTIVE; 1 = ENROL_USER_SUSPENDED
    timestart: int = 0
    timeend: int = 0
    roles: set[int] = field(default_factory=set)
    id: int = 0

    def active(self, now: int) -> bool:
        return self.status == 0 and self.timestart <= now and (not self.timeend or self.timeend > now)


@dataclass(eq=False)
class GroupRow:
    courseid: int
    name: str
    description: str = ""
    descriptionformat: int = 1
    enrolmentkey: str = ""
    idnumber: str = ""
    members: set[int] = field(default_factory=set)
    id: int = 0


@dataclass(eq=False)
class CohortRow:
    contextid: int
    name: str
    idnumber: str = ""
    description: str = ""
    descriptionformat: int = 1
    visible: int = 1
    theme: str = ""
    members: set[int] = field(default_factory=set)
    id: int = 0


@dataclass(eq=False)
class EventRow:
    name: str
    eventtype: str
    timestart: int
    description: str = ""
    format: int = 1
    courseid: int = 0
    groupid: int = 0
    categoryid: int = 0
    userid: int = 0
    modulename: str = ""
    instance: int = 0
    timeduration: int = 0
    visible: int = 1
    sequence: int = 1
    repeatid: int = 0
    timemodified: int = 0
    id: int = 0


@dataclass(eq=False)
class ModuleRow:
    """A course module (an activity in a course); ``id`` is the cmid."""

    course: int
    modname: str
    instance: int
    name: str
    section: int = 0
    visible: int = 1
    groupmode: int = 0
    contextid: int = 0
    id: int = 0


@dataclass(eq=False)
class AttendanceRow:
    course: int
    name: str
    intro: str = ""
    groupmode: int = 0
    id: int = 0


@dataclass(eq=False)
class StatusRow:
    attendanceid: int
    acronym: str
    description: str
    grade: float
    visible: int = 1
    deleted: int = 0
    setnumber: int = 0
    id: int = 0


@dataclass(eq=False)
class SessionRow:
    attendanceid: int
    sessdate: int
    duration: int = 0
    groupid: int = 0
    description: str = ""
    descriptionformat: int = 1
    lasttaken: int | None = None
    lasttakenby: int = 0
    timemodified: int = 0
    statusset: int = 0
    caleventid: int = 0
    id: int = 0


@dataclass(eq=False)
class LogRow:
    sessionid: int
    studentid: int
    statusid: int
    statusset: str = "0"
    timetaken: int = 0
    takenby: int = 0
    remarks: str | None = None
    id: int = 0


@dataclass(eq=False)
class GradeItemRow:
    courseid: int
    itemtype: str  # course, mod, manual
    itemname: str | None = None
    itemmodule: str | None = None
    iteminstance: int | None = None
    itemnumber: int | None = 0
    idnumber: str | None = ""
    categoryid: int | None = None
    grademin: float = 0.0
    grademax: float = 100.0
    gradepass: float = 0.0
    cmid: int | None = None
    locked: int = 0
    id: int = 0


@dataclass(eq=False)
class GradeRow:
    itemid: int
    userid: int
    finalgrade: float | None
    feedback: str = ""
    feedbackformat: int = 0
    timemodified: int = 0
    id: int = 0
    # grade_grades.timecreated: when an activity (an assignment) made the row on the student's
    # submission, which the user report gives as gradedatesubmitted; None for manual grades.
    timecreated: int | None = None
