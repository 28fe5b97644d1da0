"""core_course_*: categories, courses, course contents (Moodle 4.1 course/externallib.php)."""

from __future__ import annotations

from typing import Any

from fake_moodle.exceptions import (
    InvalidParameterException,
    MoodleException,
    context_not_valid,
    missing_by_id,
    moodle_exception,
)
from fake_moodle.params import DEFAULT, Multiple, Single, Value, dflt, opt, options
from fake_moodle.registry import ws
from fake_moodle.rows import CategoryRow, CourseRow
from fake_moodle.site import ROLE_EDITINGTEACHER, Site

MAX_COURSES_IN_CATEGORY = 10000
CATEGORY_FIELDS = ("id", "ids", "name", "parent", "idnumber", "visible", "theme")
PLURALS = {"attendance": "Attendance", "assign": "Assignments", "forum": "Forums"}
FILTERS = ("displayh5p", "activitynames", "mathjaxloader", "emoticon", "urltolink", "mediaplugin")

# -- categories ------------------------------------------------------------------------------------


def _path(site: Site, category: CategoryRow) -> list[int]:
    chain = [category.id]
    while category.parent:
        category = site.categories.rows[category.parent]
        chain.insert(0, category.id)
    return chain


def category_record(site: Site, c: CategoryRow) -> dict[str, Any]:
    path = _path(site, c)
    return {
        "id": c.id,
        "name": c.name,
        "idnumber": c.idnumber,
        "description": c.description,
        "descriptionformat": c.descriptionformat,
        "parent": c.parent,
        "sortorder": c.sortorder,
        "coursecount": len(site.courses.by("category", c.id)),
        "visible": c.visible,
        "visibleold": c.visible,
        "timemodified": c.timemodified,
        "depth": len(path),
        "path": "/" + "/".join(map(str, path)),
        "theme": c.theme,
    }


@ws(
    "core_course_get_categories",
    "read",
    Single(
        {
            "criteria": Multiple(Single({"key": Value("alpha"), "value": Value("raw")}), DEFAULT, []),
            "addsubcategories": dflt("bool", True),
        }
    ),
)
def get_categories(site: Site, p: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(site.categories)
    for criterion in p["criteria"]:
        key, value = criterion["key"], criterion["value"]
        if key not in CATEGORY_FIELDS:
            raise InvalidParameterException(f"The key {key} is not a valid criterion")
        if key == "ids":
            wanted = {int(v) for v in value.split(",") if v.strip()}
            found = [c for c in found if c.id in wanted]
        else:
            found = [c for c in found if str(getattr(c, key)) == value]
    if p["addsubcategories"]:
        roots = {c.id for c in found}
        found = [c for c in site.categories if roots & set(_path(site, c))]
    return [category_record(site, c) for c in sorted(found, key=lambda c: (c.sortorder, c.id))]


def add_category(
    site: Site, name: str, idnumber: str | None, parent: int, description: str = "", descriptionformat: int = 1
) -> CategoryRow:
    """core_course_category::create."""
    if not name.strip():
        raise moodle_exception("categorynamerequired", "A category name is required")
    if idnumber and site.categories.first("idnumber", idnumber):
        raise moodle_exception("categoryidnumbertaken", "ID number is already used for another category")
    row = site.categories.insert(
        CategoryRow(
            name, idnumber, description, descriptionformat, parent, timemodified=site.now, contextid=site.new_context()
        )
    )
    site.journal.set(row, sortorder=MAX_COURSES_IN_CATEGORY * row.id)
    return row


@ws(
    "core_course_create_categories",
    "write",
    Single(
        {
            "categories": Multiple(
                Single(
                    {
                        "name": Value("text"),
                        "parent": dflt("int", 0),
                        "idnumber": opt("raw"),
                        "description": opt("raw"),
                        "descriptionformat": dflt("int", 1),
                        "theme": opt("alphanumext"),
                    }
                )
            )
        }
    ),
    capability=("moodle/category:manage", "Manage course categories"),
)
def create_categories(site: Site, p: dict[str, Any]) -> list[dict[str, Any]]:
    created = []
    for c in p["categories"]:
        if c["parent"] and site.categories.get(c["parent"]) is None:
            raise moodle_exception("unknowcategory", "Unknown category")
        row = add_category(
            site, c["name"], c.get("idnumber"), c["parent"], c.get("description", ""), c["descriptionformat"]
        )
        created.append({"id": row.id, "name": row.name})
    return created


# -- courses ---------------------------------------------------------------------------------------


def course_sortorder(site: Site, course: CourseRow) -> int:
    """Moodle numbers a category's courses from its sortorder, newest first."""
    siblings = sorted(site.courses.by("category", course.category), key=lambda c: -c.id)
    return site.categories.rows[course.category].sortorder + 1 + siblings.index(course)


def course_record(site: Site, c: CourseRow) -> dict[str, Any]:
    category = site.categories.rows.get(c.category)
    teachers = [site.users.rows[e.userid] for e in site.enrolments.by("course", c.id) if ROLE_EDITINGTEACHER in e.roles]
    return {
        "id": c.id,
        "fullname": c.fullname,
        "displayname": c.fullname,
        "shortname": c.shortname,
        "categoryid": c.category,
        "categoryname": category.name if category else "",
        "sortorder": course_sortorder(site, c) if category else 1,
        "summary": c.summary,
        "summaryformat": c.summaryformat,
        "summaryfiles": [],
        "overviewfiles": [],
        "showactivitydates": False,
        "showcompletionconditions": bool(c.enablecompletion),
        "contacts": [{"id": u.id, "fullname": u.fullname} for u in sorted(teachers, key=lambda u: u.lastname)],
        "enrollmentmethods": ["manual"],
        "idnumber": c.idnumber,
        "format": c.format,
        "showgrades": c.showgrades,
        "newsitems": c.newsitems,
        "startdate": c.startdate,
        "enddate": c.enddate,
        "maxbytes": 0,
        "showreports": 0,
        "visible": c.visible,
        "groupmode": c.groupmode,
        "groupmodeforce": c.groupmodeforce,
        "defaultgroupingid": 0,
        "enablecompletion": c.enablecompletion,
        "completionnotify": 0,
        "lang": c.lang,
        "theme": "",
        "marker": 0,
        "legacyfiles": 0,
        "calendartype": "",
        "timecreated": c.timecreated,
        "timemodified": c.timemodified,
        "requested": 0,
        "cacherev": c.cacherev,
        "filters": [{"filter": f, "localstate": 0, "inheritedstate": 1} for f in FILTERS],
        "courseformatoptions": [
            {"name": "hiddensections", "value": c.hiddensections},
            {"name": "coursedisplay", "value": c.coursedisplay},
            {"name": "indentation", "value": "1"},
        ],
    }


@ws(
    "core_course_get_courses_by_field",
    "read",
    Single({"field": dflt("alpha", ""), "value": dflt("raw", "")}),
)
def get_courses_by_field(site: Site, p: dict[str, Any]) -> dict[str, Any]:
    field, value = p["field"], p["value"]
    courses = [c for c in site.courses if c.id != 1]
    if field in ("id", "category"):
        key = "id" if field == "id" else "category"
        courses = [c for c in site.courses if getattr(c, key) == int(value or 0)]
    elif field == "ids":
        wanted = {int(v) for v in str(value).split(",") if v.strip().isdigit()}
        courses = [c for c in site.courses if c.id in wanted]
    elif field in ("shortname", "idnumber"):
        courses = site.courses.by(field, value)
    elif field:
        raise InvalidParameterException("Invalid field name")
    return {"courses": [course_record(site, c) for c in sorted(courses, key=lambda c: c.id)], "warnings": []}


COURSE_FIELDS: dict[str, Value | Multiple] = {
    "fullname": Value("text"),
    "shortname": Value("text"),
    "categoryid": Value("int"),
    "idnumber": opt("raw"),
    "summary": opt("raw"),
    "summaryformat": dflt("int", 1),
    "format": dflt("plugin", "topics"),
    "showgrades": opt("int"),
    "newsitems": opt("int"),
    "startdate": opt("int"),
    "enddate": opt("int"),
    "numsections": opt("int"),
    "maxbytes": opt("int"),
    "showreports": opt("int"),
    "visible": opt("int"),
    "hiddensections": opt("int"),
    "groupmode": opt("int"),
    "groupmodeforce": opt("int"),
    "defaultgroupingid": opt("int"),
    "enablecompletion": opt("int"),
    "completionnotify": opt("int"),
    "lang": opt("safedir"),
    "forcetheme": opt("plugin"),
    "courseformatoptions": Multiple(Single({"name": Value("alphanumext"), "value": Value("raw")}), "optional"),
    "customfields": Multiple(Single({"shortname": Value("alphanumext"), "value": Value("raw")}), "optional"),
}
# Keys of a course the fake stores (the rest are accepted and ignored, as Moodle ignores maxbytes etc.).
STORED = {
    "fullname",
    "shortname",
    "idnumber",
    "summary",
    "summaryformat",
    "format",
    "showgrades",
    "newsitems",
    "startdate",
    "enddate",
    "numsections",
    "visible",
    "hiddensections",
    "groupmode",
    "groupmodeforce",
    "enablecompletion",
    "lang",
    "coursedisplay",
}


def _format_options(course: dict[str, Any]) -> dict[str, Any]:
    """Course format options arrive as [{name, value}] and are stored as course fields."""
    flat = {k: v for k, v in course.items() if k != "courseformatoptions"}
    for option in course.get("courseformatoptions") or ():
        flat[option["name"]] = int(option["value"]) if option["value"].lstrip("-").isdigit() else option["value"]
    return flat


def _check_unique(site: Site, data: dict[str, Any], course_id: int = 0) -> None:
    """create_course()/update_course(): shortname and idnumber belong to one course."""
    shortname, idnumber = data.get("shortname"), data.get("idnumber")
    if shortname and any(c.id != course_id for c in site.courses.by("shortname", shortname)):
        raise moodle_exception("shortnametaken", f"Short name is already used for another course ({shortname})")
    if idnumber and any(c.id != course_id for c in site.courses.by("idnumber", idnumber)):
        raise moodle_exception("courseidnumbertaken", f"ID number is already used for another course ({idnumber})")
    start = data.get("startdate")
    end = data.get("enddate")
    if start and end and end < start:
        raise moodle_exception("enddatebeforestartdate", "The course end date must be after the start date.")


def add_course(site: Site, data: dict[str, Any]) -> CourseRow:
    _check_unique(site, data)
    fields = {k: v for k, v in data.items() if k in STORED and v is not None}
    course = site.courses.insert(
        CourseRow(data["categoryid"], timecreated=site.now, timemodified=site.now, cacherev=site.now, **fields)
    )
    site.sections[course.id] = [site.new_section() for _ in range(course.numsections + 1)]
    return course


@ws(
    "core_course_create_courses",
    "write",
    Single({"courses": Multiple(Single(COURSE_FIELDS))}),
    capability=("moodle/course:create", "Create courses"),
)
def create_courses(site: Site, p: dict[str, Any]) -> list[dict[str, Any]]:
    created = []
    for course in p["courses"]:
        if site.categories.get(course["categoryid"]) is None:
            raise context_not_valid("category", course["categoryid"])
        for key in ("fullname", "shortname"):
            if not course[key].strip():
                raise moodle_exception("errorinvalidparam", f'The param "{key}" is invalid.')
        row = add_course(site, _format_options(course))
        created.append({"id": row.id, "shortname": row.shortname})
    return created


@ws(
    "core_course_update_courses",
    "write",
    Single(
        {
            "courses": Multiple(
                Single(
                    {
                        "id": Value("int"),
                        **{k: opt(v.type) if isinstance(v, Value) else v for k, v in COURSE_FIELDS.items()},
                    }
                )
            )
        }
    ),
    capability=("moodle/course:update", "Update course settings"),
)
def update_courses(site: Site, p: dict[str, Any]) -> dict[str, Any]:
    warnings = []
    for course in p["courses"]:
        try:
            row = site.course(course["id"])
            data = _format_options(course)
            if "categoryid" in data and site.categories.get(data["categoryid"]) is None:
                raise moodle_exception("invalidcategoryid", "Category ID was incorrect")
            _check_unique(site, data, row.id)
            changes = {k: v for k, v in data.items() if k in STORED}
            if "categoryid" in data:
                changes["category"] = data["categoryid"]
            site.courses.update(row, **changes, timemodified=site.now)
        except MoodleException as exc:
            warnings.append(
                {"item": "course", "itemid": course["id"], "warningcode": exc.errorcode, "message": exc.message}
            )
    return {"warnings": warnings}


# -- contents --------------------------------------------------------------------------------------


def module_record(site: Site, cm: Any) -> dict[str, Any]:
    return {
        "id": cm.id,
        "url": f"{site.wwwroot}/mod/{cm.modname}/view.php?id={cm.id}",
        "name": cm.name,
        "instance": cm.instance,
        "contextid": cm.contextid,
        "visible": cm.visible,
        "uservisible": True,
        "visibleoncoursepage": 1,
        "modicon": f"{site.wwwroot}/theme/image.php/boost/{cm.modname}/{site.themerev}/monologo",
        "modname": cm.modname,
        "modplural": PLURALS.get(cm.modname, cm.modname.capitalize()),
        "indent": 0,
        "onclick": "",
        "afterlink": None,
        "customdata": '""',
        "noviewlink": False,
        "completion": 0,
        "downloadcontent": 1,
        "dates": [],
    }


@ws(
    "core_course_get_contents",
    "read",
    Single({"courseid": Value("int"), "options": options()}),
)
def get_contents(site: Site, p: dict[str, Any]) -> list[dict[str, Any]]:
    """Shape of Moodle 4.1's get_course_contents_returns (no recorded sample exists for it)."""
    course = site.courses.get(p["courseid"])
    if course is None:
        raise missing_by_id("course", p["courseid"])
    filters = {o["name"]: o["value"] for o in p["options"]}
    modules = sorted(site.modules.by("course", course.id), key=lambda m: m.id)
    if "modname" in filters:
        modules = [m for m in modules if m.modname == filters["modname"]]
    if "cmid" in filters:
        modules = [m for m in modules if m.id == int(filters["cmid"])]
    exclude = filters.get("excludemodules") in ("1", "true")
    sections = []
    for number, section_id in enumerate(site.sections.get(course.id, [])):
        sections.append(
            {
                "id": section_id,
                "name": "General" if number == 0 else f"Topic {number}",
                "visible": 1,
                "summary": "",
                "summaryformat": 1,
                "section": number,
                "hiddenbynumsections": 0,
                "uservisible": True,
                "modules": [] if exclude else [module_record(site, m) for m in modules if m.section == number],
            }
        )
    return sections
