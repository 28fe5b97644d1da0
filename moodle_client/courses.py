"""Course categories (one per school), courses, and a course's contents (to find its activities)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from moodle_client.batch import BatchResult
from moodle_client.core import ClientCore
from moodle_client.decoders import aligned, warned_by_id
from moodle_client.records import ApiInput, ApiRecord, MoodleWarning


@dataclass(frozen=True)
class Category(ApiRecord):
    id: int
    name: str
    idnumber: str | None = None
    description: str = ""
    descriptionformat: int = 1
    parent: int = 0
    sortorder: int = 0
    coursecount: int = 0
    visible: bool = True
    depth: int = 1
    path: str = ""
    timemodified: dt.datetime | None = None


@dataclass(frozen=True)
class CreatedCategory(ApiRecord):
    id: int
    name: str


@dataclass(frozen=True)
class NewCategory(ApiInput):
    name: str
    idnumber: str | None = None
    parent: int | None = None
    description: str | None = None
    descriptionformat: int | None = None


@dataclass(frozen=True)
class FormatOption(ApiRecord, ApiInput):
    """A course format option (``hiddensections``, ``coursedisplay``...); Moodle mixes int and str values."""

    name: str
    value: str


@dataclass(frozen=True)
class Course(ApiRecord):
    id: int
    shortname: str
    fullname: str
    displayname: str = ""
    idnumber: str = ""
    categoryid: int = 0
    categoryname: str = ""
    summary: str = ""
    summaryformat: int = 1
    format: str = ""
    visible: bool = True
    startdate: dt.datetime | None = None
    enddate: dt.datetime | None = None
    groupmode: int = 0
    groupmodeforce: bool = False
    enablecompletion: bool = False
    lang: str = ""
    timecreated: dt.datetime | None = None
    timemodified: dt.datetime | None = None
    courseformatoptions: tuple[FormatOption, ...] = ()


@dataclass(frozen=True)
class CourseList(ApiRecord):
    courses: tuple[Course, ...] = ()
    warnings: tuple[MoodleWarning, ...] = ()


@dataclass(frozen=True)
class CreatedCourse(ApiRecord):
    id: int
    shortname: str


@dataclass(frozen=True, kw_only=True)
class CourseSettings(ApiInput):
    """Settings both create and update take; ``None`` is not sent (Moodle's default / unchanged)."""

    idnumber: str | None = None
    summary: str | None = None
    summaryformat: int | None = None
    format: str | None = None
    showgrades: bool | None = None
    numsections: int | None = None
    startdate: dt.datetime | None = None
    enddate: dt.datetime | None = None
    visible: bool | None = None
    groupmode: int | None = None
    groupmodeforce: bool | None = None
    enablecompletion: bool | None = None
    lang: str | None = None
    courseformatoptions: tuple[FormatOption, ...] | None = None


@dataclass(frozen=True)
class NewCourse(CourseSettings):
    fullname: str
    shortname: str
    categoryid: int


@dataclass(frozen=True)
class CourseUpdate(CourseSettings):
    id: int
    fullname: str | None = None
    shortname: str | None = None
    categoryid: int | None = None


@dataclass(frozen=True)
class CourseModule(ApiRecord):
    """An activity in a course (``id`` is the cmid; ``instance`` the activity's own id)."""

    id: int
    name: str
    modname: str
    instance: int | None = None
    url: str = ""
    contextid: int | None = None
    visible: bool = True
    uservisible: bool = True
    modplural: str = ""


@dataclass(frozen=True)
class Section(ApiRecord):
    id: int
    name: str
    section: int = 0
    visible: bool = True
    summary: str = ""
    uservisible: bool = True
    modules: tuple[CourseModule, ...] = ()


class CourseCalls(ClientCore):
    def get_categories(
        self, criteria: Mapping[str, Any] | None = None, *, subcategories: bool = False
    ) -> list[Category]:
        """All categories, or those matching ``criteria`` (``{"idnumber": "SCH14"}``, ``{"parent": 0}``...)."""
        params: dict[str, Any] = {}
        if criteria:
            params["criteria"] = [{"key": k, "value": v} for k, v in criteria.items()]
            params["addsubcategories"] = subcategories
        return [Category.from_api(c) for c in self.call("core_course_get_categories", params)]

    def create_categories(self, items: Sequence[NewCategory]) -> BatchResult[NewCategory, CreatedCategory]:
        return self.call_list("core_course_create_categories", items, aligned(CreatedCategory.from_api))

    def get_courses_by_field(self, field: str = "", value: str | int = "") -> CourseList:
        """``field`` is id, ids (comma-separated), shortname, idnumber or category; misses are omitted."""
        params = {"field": field, "value": value} if field else {}
        return CourseList.from_api(self.call("core_course_get_courses_by_field", params))

    def create_courses(self, items: Sequence[NewCourse]) -> BatchResult[NewCourse, CreatedCourse]:
        return self.call_list("core_course_create_courses", items, aligned(CreatedCourse.from_api))

    def update_courses(self, items: Sequence[CourseUpdate]) -> BatchResult[CourseUpdate, None]:
        """Per-course problems (shortname taken...) come back as warnings naming the course id."""
        return self.call_list("core_course_update_courses", items, warned_by_id)

    def get_course_contents(self, courseid: int, *, modname: str | None = None) -> list[Section]:
        """Sections and their activities; ``modname`` (e.g. "attendance") keeps only that kind."""
        options = [{"name": "modname", "value": modname}] if modname else None
        answer = self.call("core_course_get_contents", {"courseid": courseid, "options": options})
        return [Section.from_api(s) for s in answer]

    def get_course_modules(self, courseid: int, modname: str) -> list[CourseModule]:
        return [m for s in self.get_course_contents(courseid, modname=modname) for m in s.modules]
