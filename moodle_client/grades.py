"""Gradebook: read every grade item of a course per user, and push grades into an activity."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from moodle_client.batch import BatchResult, Decoded
from moodle_client.core import ClientCore
from moodle_client.records import ApiInput, ApiRecord, MoodleWarning


@dataclass(frozen=True)
class GradeItem(ApiRecord):
    """One column of a user's grade report (``itemtype`` "mod", "manual" or "course" for the total)."""

    id: int
    itemtype: str
    itemname: str | None = None
    itemmodule: str | None = None
    iteminstance: int | None = None
    itemnumber: int | None = None
    idnumber: str | None = None
    categoryid: int | None = None
    cmid: int | None = None
    graderaw: float | None = None
    gradeformatted: str = ""
    grademin: float = 0.0
    grademax: float = 0.0
    percentageformatted: str = ""
    weightraw: float | None = None
    gradedategraded: dt.datetime | None = None
    gradedatesubmitted: dt.datetime | None = None
    feedback: str = ""
    feedbackformat: int = 0
    locked: bool = False
    gradeishidden: bool = False
    gradeislocked: bool = False
    gradeisoverridden: bool = False


@dataclass(frozen=True)
class UserGrades(ApiRecord):
    courseid: int
    userid: int
    userfullname: str = ""
    useridnumber: str = ""
    courseidnumber: str = ""
    maxdepth: int = 0
    gradeitems: tuple[GradeItem, ...] = ()


@dataclass(frozen=True)
class GradeReport(ApiRecord):
    usergrades: tuple[UserGrades, ...] = ()
    warnings: tuple[MoodleWarning, ...] = ()


@dataclass(frozen=True)
class GradeUpdate(ApiInput):
    """A grade for one student; ``grade=None`` sends no grade (feedback only)."""

    studentid: int
    grade: float | None = None
    str_feedback: str | None = None


class GradeUpdateStatus(enum.IntEnum):
    """``core_grades_update_grades`` answers one of Moodle's GRADE_UPDATE_* codes."""

    OK = 0
    FAILED = 1
    MULTIPLE = 2
    ITEM_LOCKED = 4


def _status(answer: Any, chunk: Sequence[GradeUpdate]) -> Decoded:
    status = GradeUpdateStatus(int(answer))
    return [(item, status) for item in chunk], []


class GradeCalls(ClientCore):
    def get_grade_items(self, courseid: int, *, userid: int | None = None, groupid: int | None = None) -> GradeReport:
        """Every grade item of the course for one user, or for every gradable user."""
        params = {"courseid": courseid, "userid": userid, "groupid": groupid}
        return GradeReport.from_api(self.call("gradereport_user_get_grade_items", params))

    def update_grades(
        self,
        courseid: int,
        component: str,
        activityid: int,
        grades: Sequence[GradeUpdate],
        *,
        itemnumber: int = 0,
        source: str = "netcourses",
    ) -> BatchResult[GradeUpdate, GradeUpdateStatus]:
        """Grades for the activity with cmid ``activityid`` (component e.g. "mod_assign").

        Each item's result is the status Moodle answered for the POST that carried it.
        """
        extra = {
            "source": source,
            "courseid": courseid,
            "component": component,
            "activityid": activityid,
            "itemnumber": itemnumber,
        }
        return self.call_list("core_grades_update_grades", grades, _status, extra)
