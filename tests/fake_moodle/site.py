"""The fake site's state: its tables, as a fresh Moodle 4.1 site starts them, and shared lookups.

A fresh site has the guest user (1), the admin (2), the front page course (1), the default
"Category 1" and mod_attendance's four default statuses (ids 1-4, attendanceid 0); the next ids
match what the recorded site handed out.
"""

from __future__ import annotations

from typing import Any

from fake_moodle.exceptions import InvalidParameterException, MoodleException, missing_by_id, missing_record
from fake_moodle.rows import (
    AttendanceRow,
    CategoryRow,
    CohortRow,
    CourseRow,
    EnrolmentRow,
    EventRow,
    GradeItemRow,
    GradeRow,
    GroupRow,
    LogRow,
    ModuleRow,
    SessionRow,
    StatusRow,
    UserRow,
)
from fake_moodle.store import Journal, Table

SYSTEM_CONTEXT = 1
ROLE_EDITINGTEACHER, ROLE_STUDENT = 3, 5
ROLES = {1: "manager", 2: "coursecreator", 3: "editingteacher", 4: "teacher", 5: "student"}
# Roles the admin may assign in a course context (get_assignable_roles).
ASSIGNABLE_ROLES = {1, 3, 4, 5}
# Language packs a site may have, by code, with the name each gives itself (langconfig's thislanguage).
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "de": "Deutsch", "tt": "Татарча", "uk": "Українська"}
DEFAULT_STATUSES = (("P", "Present", 2.0), ("A", "Absent", 0.0), ("L", "Late", 1.0), ("E", "Excused", 1.0))


class Site:
    def __init__(self, now: int, wwwroot: str, sitename: str) -> None:
        self.now = now
        self.wwwroot = wwwroot
        self.sitename = sitename
        self.themerev = now
        # Names of the functions in the token's external service, in the order site info lists them.
        self.service: list[str] = []
        self.attendance_installed = True
        # Installed language packs: the recorded site had en and ru (FakeMoodle(langs=...) to change).
        self.langs: set[str] = {"en", "ru"}
        # user_lastaccess: (course id, user id) → when the user last opened the course (0 or absent: never).
        self.course_access: dict[tuple[int, int], int] = {}
        self.journal = j = Journal()
        self.categories: Table[CategoryRow] = Table(j, {"idnumber": lambda r: r.idnumber})
        self.courses: Table[CourseRow] = Table(
            j, {"shortname": lambda r: r.shortname, "idnumber": lambda r: r.idnumber, "category": lambda r: r.category}
        )
        self.users: Table[UserRow] = Table(
            j,
            {
                "username": lambda r: r.username,
                "idnumber": lambda r: r.idnumber,
                "email": lambda r: r.email.lower(),
            },
        )
        self.enrolments: Table[EnrolmentRow] = Table(
            j,
            {
                "course": lambda r: r.courseid,
                "user": lambda r: r.userid,
                "pair": lambda r: (r.courseid, r.userid),
            },
        )
        self.groups: Table[GroupRow] = Table(j, {"course": lambda r: r.courseid})
        self.cohorts: Table[CohortRow] = Table(j, {"idnumber": lambda r: r.idnumber})
        self.events: Table[EventRow] = Table(j, {"course": lambda r: r.courseid})
        self.modules: Table[ModuleRow] = Table(
            j, {"course": lambda r: r.course, "instance": lambda r: (r.modname, r.instance)}
        )
        self.attendances: Table[AttendanceRow] = Table(j)
        self.statuses: Table[StatusRow] = Table(j, {"attendance": lambda r: r.attendanceid})
        self.sessions: Table[SessionRow] = Table(j, {"attendance": lambda r: r.attendanceid})
        self.logs: Table[LogRow] = Table(
            j, {"session": lambda r: r.sessionid, "pair": lambda r: (r.sessionid, r.studentid)}
        )
        self.grade_items: Table[GradeItemRow] = Table(j, {"course": lambda r: r.courseid})
        self.grades: Table[GradeRow] = Table(j, {"pair": lambda r: (r.itemid, r.userid)})
        self.grade_categories: dict[int, int] = {}
        # Section ids of each course, by section number (course_sections).
        self.sections: dict[int, list[int]] = {}
        self._next_section = 1
        self._next_context = SYSTEM_CONTEXT + 1
        self._next_grade_category = 1
        self.admin_id = 2

        self.users.insert(UserRow("guest", "Guest user", " ", "root@localhost", auth="manual", id=1))
        self.users.insert(UserRow("admin", "Admin", "User", "admin@example.com", id=2))
        self.courses.insert(CourseRow(0, sitename, "site", format="site", id=1, timecreated=now))
        self.categories.insert(
            CategoryRow("Category 1", sortorder=10000, timemodified=now, contextid=self.new_context(), id=1)
        )
        for acronym, description, grade in DEFAULT_STATUSES:
            self.statuses.insert(StatusRow(0, acronym, description, grade))

    def require_language(self, lang: str) -> None:
        """Moodle checks a language against the installed packs and names nothing, even with
        debugging on (core_user_create_users__lang_not_installed, core_get_string__lang_not_installed)."""
        if lang not in self.langs:
            raise InvalidParameterException(None)

    def installed(self, function: str) -> bool:
        return self.attendance_installed or not function.startswith("mod_attendance_")

    def new_context(self) -> int:
        context = self._next_context
        self._next_context += 1
        return context

    def new_section(self) -> int:
        section = self._next_section
        self._next_section += 1
        return section

    def new_grade_category(self) -> int:
        category = self._next_grade_category
        self._next_grade_category += 1
        return category

    # -- lookups that answer like Moodle when the record is missing -------------------------------

    def course(self, course_id: int, error: MoodleException | None = None) -> CourseRow:
        course = self.courses.get(course_id)
        if course is None or course_id == 1:
            raise error or missing_by_id("course", course_id)
        return course

    def user(self, user_id: int, error: MoodleException | None = None) -> UserRow:
        user = self.users.get(user_id)
        if user is None or user.deleted:
            raise error or missing_by_id("user", user_id)
        return user

    def live_user(self, user_id: int) -> UserRow:
        """``get_record('user', [id, deleted => 0, mnethostid], MUST_EXIST)``, as member functions do."""
        return self.user(
            user_id,
            missing_record(
                "user", "SELECT * FROM {user} WHERE id = ? AND deleted = ? AND mnethostid = ?", [user_id, 0, "1"]
            ),
        )

    # -- derived facts ------------------------------------------------------------------------------

    def enrolment(self, course_id: int, user_id: int) -> EnrolmentRow | None:
        return self.enrolments.first("pair", (course_id, user_id))

    def participants(self, course_id: int, *, onlyactive: bool = False) -> list[UserRow]:
        rows = self.enrolments.by("course", course_id)
        users = [self.users.rows[e.userid] for e in rows if not onlyactive or e.active(self.now)]
        return sorted(users, key=lambda u: u.id)

    def students(self, course_id: int, group_id: int = 0) -> list[UserRow]:
        """Users listed in attendance sessions: active students (of the group), by last name."""
        group = self.groups.get(group_id) if group_id else None
        members = group.members if group else (set() if group_id else None)
        found = [
            self.users.rows[e.userid]
            for e in self.enrolments.by("course", course_id)
            if ROLE_STUDENT in e.roles and e.active(self.now) and (members is None or e.userid in members)
        ]
        return sorted(found, key=lambda u: (u.lastname, u.firstname, u.id))

    def user_groups(self, course_id: int, user_id: int) -> list[GroupRow]:
        return [g for g in self.groups.by("course", course_id) if user_id in g.members]

    def picture(self, size: str) -> str:
        return f"{self.wwwroot}/theme/image.php/boost/core/{self.themerev}/u/{size}"

    def course_ref(self, course: CourseRow) -> dict[str, Any]:
        return {"id": course.id, "fullname": course.fullname, "shortname": course.shortname}
