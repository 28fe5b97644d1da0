"""Gradebook: gradereport_user_get_grade_items and core_grades_update_grades.

The report follows natural aggregation with "exclude empty grades", as on the recorded site: the
weights and the course total count only the items a user has a grade in.
"""

from __future__ import annotations

from typing import Any

from fake_moodle.exceptions import moodle_exception
from fake_moodle.params import Multiple, Single, Value, dflt, opt
from fake_moodle.registry import ws
from fake_moodle.rows import GradeItemRow, GradeRow, ModuleRow, UserRow
from fake_moodle.site import Site

PASS = '<i class="icon fa fa-check text-success fa-fw inline"  title="Pass" role="img" aria-label="Pass"></i>'
FAIL = '<i class="icon fa fa-times text-danger fa-fw inline"  title="Fail" role="img" aria-label="Fail"></i>'
GRADE_UPDATE_OK, GRADE_UPDATE_FAILED, GRADE_UPDATE_ITEM_LOCKED = 0, 1, 4


def num(value: float) -> float | int:
    """Moodle's JSON writes whole floats without a fraction."""
    return int(value) if float(value).is_integer() else value


def _range(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def course_item(site: Site, course_id: int) -> GradeItemRow:
    """The course total item (and the course's grade category), created with the first grade item."""
    for item in site.grade_items.by("course", course_id):
        if item.itemtype == "course":
            return item
    category = site.grade_categories[course_id] = site.new_grade_category()
    return site.grade_items.insert(
        GradeItemRow(course_id, "course", iteminstance=category, itemnumber=None, idnumber=None, grademax=0)
    )


def add_activity_item(site: Site, module: ModuleRow, grademax: float) -> GradeItemRow:
    course_item(site, module.course)
    return site.grade_items.insert(
        GradeItemRow(
            module.course,
            "mod",
            module.name,
            module.modname,
            module.instance,
            0,
            "",
            site.grade_categories[module.course],
            0.0,
            grademax,
            cmid=module.id,
        )
    )


def add_manual_item(
    site: Site, course_id: int, name: str, grademin: float, grademax: float, idnumber: str, gradepass: float
) -> GradeItemRow:
    course_item(site, course_id)
    return site.grade_items.insert(
        GradeItemRow(
            course_id,
            "manual",
            name,
            None,
            None,
            0,
            idnumber,
            site.grade_categories[course_id],
            grademin,
            grademax,
            gradepass,
        )
    )


def set_grade(
    site: Site, item: GradeItemRow, user_id: int, grade: float | None, feedback: str = "", feedbackformat: int = 0
) -> None:
    row = site.grades.first("pair", (item.id, user_id))
    if row is None:
        site.grades.insert(GradeRow(item.id, user_id, grade, feedback, feedbackformat, site.now))
    else:
        site.grades.update(
            row, finalgrade=grade, feedback=feedback, feedbackformat=feedbackformat, timemodified=site.now
        )


def submit(site: Site, item: GradeItemRow, user_id: int) -> None:
    """A student submits the activity's work: assign's grade_update() makes the grade row with no grade
    and the submission's time (grade_grades.timecreated), or stamps the existing row."""
    row = site.grades.first("pair", (item.id, user_id))
    if row is None:
        site.grades.insert(GradeRow(item.id, user_id, None, timemodified=site.now, timecreated=site.now))
    else:
        site.grades.update(row, timecreated=site.now, timemodified=site.now)


def _formatted(item: GradeItemRow, grade: float | None) -> str:
    if grade is None:
        return "-"
    icon = (PASS if grade >= item.gradepass else FAIL) if item.gradepass else ""
    return f"{icon}{grade:.2f}"


def _item_record(item: GradeItemRow, grade: GradeRow | None, weight: float | None, total: bool) -> dict[str, Any]:
    value = grade.finalgrade if grade else None
    out: dict[str, Any] = {
        "id": item.id,
        "itemname": item.itemname,
        "itemtype": item.itemtype,
        "itemmodule": item.itemmodule,
        "iteminstance": item.iteminstance,
        "itemnumber": item.itemnumber,
        "idnumber": item.idnumber,
        "categoryid": item.categoryid,
        "outcomeid": None,
        "scaleid": None,
        "locked": bool(item.locked),
    }
    if item.cmid:
        out["cmid"] = item.cmid
    if weight is not None and not total:
        out["weightraw"] = num(round(weight, 5))
        out["weightformatted"] = f"{weight * 100:.2f} %"
        if value is None:
            out["status"] = "novalue"
    span = item.grademax - item.grademin
    out.update(
        graderaw=None if value is None else num(value),
        gradedatesubmitted=grade.timecreated if grade and item.itemtype == "mod" else None,
        gradedategraded=grade.timemodified if grade and value is not None else None,
        gradehiddenbydate=False,
        gradeneedsupdate=False,
        gradeishidden=False,
        gradeislocked=False,
        gradeisoverridden=False,
        gradeformatted=_formatted(item, value),
        grademin=num(item.grademin),
        grademax=num(item.grademax),
        rangeformatted=f"{_range(item.grademin)}&ndash;{_range(item.grademax)}",
        percentageformatted="-" if value is None or not span else f"{(value - item.grademin) / span * 100:.2f} %",
        feedback=grade.feedback if grade else "",
        feedbackformat=grade.feedbackformat if grade else 0,
    )
    return out


def user_report(site: Site, course_id: int, user: UserRow, fullname: str) -> dict[str, Any]:
    items = sorted(site.grade_items.by("course", course_id), key=lambda i: (i.itemtype == "course", i.id))
    grades = {i.id: site.grades.first("pair", (i.id, user.id)) for i in items}
    parts = [i for i in items if i.itemtype != "course"]
    graded = [i for i in parts if grades[i.id] and grades[i.id].finalgrade is not None]  # type: ignore[union-attr]
    graded_max = sum(i.grademax for i in graded)
    records = []
    for item in items:
        if item.itemtype == "course":
            total = sum(grades[i.id].finalgrade for i in graded) if graded else None  # type: ignore[union-attr,misc]
            dates = [grades[i.id].timemodified for i in graded]  # type: ignore[union-attr]
            shown = GradeItemRow(
                course_id,
                "course",
                iteminstance=item.iteminstance,
                itemnumber=None,
                idnumber=None,
                grademax=graded_max if graded else sum(i.grademax for i in parts),
                id=item.id,
            )
            fake_grade = GradeRow(item.id, user.id, total, timemodified=max(dates)) if graded else None
            records.append(_item_record(shown, fake_grade, None, True))
        else:
            weight = (item.grademax / graded_max if item in graded else 0.0) if graded else None
            records.append(_item_record(item, grades[item.id], weight, False))
    course = site.courses.rows[course_id]
    return {
        "courseid": course_id,
        "courseidnumber": course.idnumber,
        "userid": user.id,
        "userfullname": fullname,
        "useridnumber": user.idnumber,
        "maxdepth": 2,
        "gradeitems": records,
    }


@ws(
    "gradereport_user_get_grade_items",
    "read",
    Single({"courseid": Value("int"), "userid": dflt("int", 0), "groupid": dflt("int", 0)}),
    component="gradereport_user",
    capability=("moodle/grade:viewall", "View grades of other users"),
)
def get_grade_items(site: Site, p: dict[str, Any]) -> dict[str, Any]:
    course = site.course(p["courseid"])
    if p["userid"]:
        user = site.user(p["userid"])
        reports = [user_report(site, course.id, user, user.fullname)]
    else:
        # The all-users report names people "Lastname, Firstname", as recorded.
        reports = [
            user_report(site, course.id, u, f"{u.lastname}, {u.firstname}")
            for u in site.students(course.id, p["groupid"])
        ]
    return {"usergrades": reports, "warnings": []}


@ws(
    "core_grades_update_grades",
    "write",
    Single(
        {
            "source": Value("text"),
            "courseid": Value("int"),
            "component": Value("component"),
            "activityid": Value("int"),
            "itemnumber": Value("int"),
            "grades": Multiple(
                Single({"studentid": Value("int"), "grade": Value("float"), "str_feedback": opt("text")}), "default", []
            ),
            "itemdetails": Single({"itemname": opt("raw"), "grademax": opt("float")}, "default", {}),
        }
    ),
    capability=("moodle/grade:edit", "Edit grades"),
)
def update_grades(site: Site, p: dict[str, Any]) -> int:
    site.course(p["courseid"])
    modname = p["component"].removeprefix("mod_")
    cm = site.modules.get(p["activityid"])
    if cm is None or cm.modname != modname or cm.course != p["courseid"]:
        raise moodle_exception("invalidcoursemodule", "Invalid course module ID")
    items = [
        i
        for i in site.grade_items.by("course", cm.course)
        if i.itemmodule == modname and i.iteminstance == cm.instance and i.itemnumber == p["itemnumber"]
    ]
    if not items:
        return GRADE_UPDATE_FAILED
    item = items[0]
    if item.locked:
        return GRADE_UPDATE_ITEM_LOCKED
    for g in p["grades"]:
        site.user(g["studentid"])
        # The recorded report shows no feedback on an assignment's item after this call: the
        # activity owns its feedback, so the fake keeps none either.
        set_grade(site, item, g["studentid"], g["grade"])
    return GRADE_UPDATE_OK
