"""OneRoster 1.1 and 1.2 CSV packages mapped onto the registry templates.

A package is a folder or zip with ``manifest.csv`` and the rostering files. They become
template tables whose rows remember the OneRoster cell each value came from, so a problem is
reported at e.g. ``users.csv:7:grades`` and not at a template the administrator never saw.
The mapping (and what is ignored) is documented in docs/import-templates.md; in short:

* orgs of type school -> schools (other org types are ignored; a district parent's name
  becomes the schools' municipality);
* academicSessions: schoolYear -> academic year, term/semester under it -> terms;
* classes (scheduled) -> network courses, code = the class's sourcedId;
* users with role teacher/student -> teachers/students (1.2: the role from roles.csv);
* enrollments: teacher -> the course's teachers, student -> enrolments (a student enrolled in a class once per
  term, as exports do, becomes one enrolment spanning the terms).

Bulk and delta files are both applied as upserts, and nothing is deleted: rows with status
``tobedeleted`` are skipped and counted in the report's notes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.models import NetworkCourse, School
from bridge.sheets.problems import Problem
from bridge.sheets.reading import Origin, parse_csv
from bridge.transfer.readers import Source, Table

VERSIONS = ("1.1", "1.2")
MODES = ("bulk", "delta", "absent")
HOURS_COLUMN = "metadata.hoursPerWeek"
DEFAULT_HOURS = 1

# The columns this mapping reads, per file; a file without them is rejected.
REQUIRED = {
    "orgs.csv": ("sourcedId", "name", "type"),
    "academicSessions.csv": ("sourcedId", "title", "type", "startDate", "endDate", "schoolYear"),
    "courses.csv": ("sourcedId", "title"),
    "classes.csv": ("sourcedId", "title", "courseSourcedId", "schoolSourcedId", "termSourcedIds"),
    "users.csv": ("sourcedId", "givenName", "familyName"),
    "roles.csv": ("userSourcedId", "role", "orgSourcedId"),
    "enrollments.csv": ("classSourcedId", "userSourcedId", "role"),
}
REQUIRED_11 = {"users.csv": ("role", "orgSourcedIds")}
# The templates a file feeds: when the file cannot be read, references to them are not checked.
FEEDS = {
    "orgs.csv": ("schools",),
    "academicSessions.csv": ("academic_years", "terms"),
    "courses.csv": ("courses",),
    "classes.csv": ("courses",),
    "users.csv": ("teachers", "students"),
    "roles.csv": ("teachers", "students"),
    "enrollments.csv": ("enrolments", "courses"),
}

Loader = Callable[[str], bytes | None]


class RegistryFacts:
    """What the mapping asks the registry: a known school keeps its role, a known course its hours."""

    def __init__(self, session: Session | None) -> None:
        self.session = session

    def school_roles(self) -> dict[str, str]:
        if self.session is None:
            return {}
        return {k: str(v) for k, v in self.session.execute(select(School.external_id, School.role))}

    def course_hours(self) -> dict[str, int]:
        if self.session is None:
            return {}
        return {k: v for k, v in self.session.execute(select(NetworkCourse.code, NetworkCourse.hours_per_week))}


@dataclass
class Rec:
    """One OneRoster row: its file, its row number and its cells by column name."""

    file: str
    row: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    def at(self, column: str) -> tuple[str, int, str]:
        return self.file, self.row, column

    def ids(self, column: str) -> list[str]:
        return [p.strip() for p in self[column].split(",") if p.strip()]


@dataclass
class _Out:
    """Template tables being built: rows of cells with the OneRoster origin of every cell."""

    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rows: dict[str, list[tuple[int, list[str], Origin]]] = field(default_factory=lambda: defaultdict(list))
    files: dict[str, str] = field(default_factory=dict)

    def add(self, template: str, rec: Rec, cells: dict[str, tuple[str, tuple[str, int, str]]]) -> None:
        header = self.headers.setdefault(template, tuple(cells))
        self.files.setdefault(template, rec.file)
        self.rows[template].append(
            (len(self.rows[template]) + 2, [cells[c][0] for c in header], {c: cells[c][1] for c in header})
        )

    def tables(self) -> list[Table]:
        return [Table(t, self.files[t], self.headers[t], self.rows[t]) for t in self.headers]


class _Package:
    def __init__(self, load: Loader, facts: RegistryFacts) -> None:
        self.load = load
        self.facts = facts
        self.source = Source()
        self.ignored: Counter[str] = Counter()
        self.out = _Out()
        self.version = ""
        self.homerooms: set[str] = set()
        self.rejected: set[str] = set()  # classes with a problem: their enrollments are not checked again

    def problem(self, where: tuple[str, int, str], code: str, **params: Any) -> None:
        self.source.problems.append(Problem(*where, code, params))

    # ---- files ----

    def manifest(self) -> dict[str, Rec]:
        header, rows, problems = parse_csv("manifest.csv", self.load("manifest.csv") or b"")
        props = {}
        for number, cells, _ in rows:
            if cells and cells[0].strip():
                props[cells[0].strip()] = Rec("manifest.csv", number, {"value": cells[1] if len(cells) > 1 else ""})
        self.source.problems += problems
        return props

    def read(self, name: str, props: dict[str, Rec]) -> list[Rec]:
        entry = props.get(f"file.{name.removesuffix('.csv')}")
        mode = entry["value"].lower() if entry else "absent"
        if mode not in MODES:
            self.problem(entry.at("value"), "or_mode", value=entry["value"])  # type: ignore[union-attr]
            self.source.broken.update(FEEDS[name])
            return []
        data = self.load(name) if mode != "absent" else None
        if data is None:
            if mode != "absent":
                self.problem(entry.at("value"), "or_file_missing", name=name, mode=mode)  # type: ignore[union-attr]
                self.source.broken.update(FEEDS[name])
            return []
        header, rows, problems = parse_csv(name, data)
        required = REQUIRED[name] + (REQUIRED_11.get(name, ()) if self.version == "1.1" else ())
        missing = [c for c in required if c not in header]
        for column in missing:
            self.problem((name, 1, column), "missing_column")
        if missing or problems:
            self.source.broken.update(FEEDS[name])
        out = []
        if not missing:
            for number, cells, _ in rows:
                rec = Rec(name, number, dict(zip(header, cells)))
                if rec["status"].lower() == "tobedeleted":
                    self.ignored[f"{name} rows with status tobedeleted (nothing is deleted)"] += 1
                elif any(c.strip() for c in cells):
                    out.append(rec)
        self.source.problems += problems
        return out

    # ---- mapping ----

    def run(self) -> Source:
        props = self.manifest()
        version = props.get("oneroster.version")
        self.version = version["value"] if version else ""
        if self.version not in VERSIONS:
            where = version.at("value") if version else ("manifest.csv", 0, "")
            self.problem(where, "or_version", value=self.version or "(none)")
            return self.source
        orgs = {r["sourcedId"]: r for r in self.read("orgs.csv", props)}
        sessions = {r["sourcedId"]: r for r in self.read("academicSessions.csv", props)}
        courses = {r["sourcedId"]: r for r in self.read("courses.csv", props)}
        classes = self.read("classes.csv", props)
        users = self.read("users.csv", props)
        roles = self.read("roles.csv", props) if self.version == "1.2" else []
        enrollments = self.read("enrollments.csv", props)
        if self.version == "1.2" and users and not roles and "teachers" not in self.source.broken:
            entry = props.get("file.roles")
            self.problem(entry.at("value") if entry else ("manifest.csv", 0, ""), "or_file_missing",
                         name="roles.csv", mode="bulk")
            self.source.broken.update(FEEDS["roles.csv"])
        years = self.sessions(sessions)
        kept = self.classes(classes, courses, sessions, orgs, years, enrollments)
        self.schools(orgs, {c["schoolSourcedId"] for c in kept.values()})
        self.users(users, roles, orgs)
        self.enrollments(enrollments, kept, sessions, years)
        self.source.tables = self.out.tables()
        self.source.notes += [f"ignored {n} {what}" for what, n in sorted(self.ignored.items())]
        return self.source

    def schools(self, orgs: dict[str, Rec], providers: set[str]) -> None:
        known = self.facts.school_roles()
        for sid, org in orgs.items():
            if org["type"] != "school":
                self.ignored[f"orgs of type {org['type'] or '(none)'}"] += 1
                continue
            parent = orgs.get(org["parentSourcedId"])
            role = known.get(sid) or ("resource_centre" if sid in providers else "participant")
            self.out.add("schools", org, {
                "school_id": (sid, org.at("sourcedId")),
                "name": (org["name"], org.at("name")),
                "role": (role, org.at("type")),
                "municipality": (parent["name"] if parent and parent["type"] != "school" else "",
                                 org.at("parentSourcedId")),
            })

    def sessions(self, sessions: dict[str, Rec]) -> dict[str, str]:
        """Academic years and terms; returns session sourcedId -> year code for every session."""
        years: dict[str, str] = {}
        for sid, s in sessions.items():
            year = s["schoolYear"]
            code = f"{int(year) - 1}-{year}" if year.isdigit() else year
            years[sid] = code
            if s["type"] == "schoolYear":
                self.out.add("academic_years", s, {
                    "year_code": (code, s.at("schoolYear")),
                    "starts_on": (s["startDate"], s.at("startDate")),
                    "ends_on": (s["endDate"], s.at("endDate")),
                })
        for sid, s in sessions.items():
            parent = sessions.get(s["parentSourcedId"])
            if s["parentSourcedId"] and parent is None:
                self.problem(s.at("parentSourcedId"), "or_unknown_session", value=s["parentSourcedId"])
            elif s["type"] in ("term", "semester") and parent is not None and parent["type"] == "schoolYear":
                years[sid] = years[parent["sourcedId"]]
            elif s["type"] != "schoolYear":
                self.ignored[f"academic sessions of type {s['type']} not directly under a school year"] += 1
        for parent_id in sorted({s["parentSourcedId"] for s in sessions.values()}):
            terms = sorted(
                (s for s in sessions.values() if s["parentSourcedId"] == parent_id and s["type"] in ("term", "semester")
                 and parent_id in sessions and sessions[parent_id]["type"] == "schoolYear"),
                key=lambda s: (s["startDate"], s["sourcedId"]),
            )
            for number, s in enumerate(terms, start=1):
                self.out.add("terms", s, {
                    "year_code": (years[parent_id], s.at("parentSourcedId")),
                    "number": (str(number), s.at("startDate")),
                    "name": (s["title"], s.at("title")),
                    "starts_on": (s["startDate"], s.at("startDate")),
                    "ends_on": (s["endDate"], s.at("endDate")),
                })
        return years

    def _school(self, rec: Rec, column: str, orgs: dict[str, Rec]) -> str | None:
        """The school among the org ids of a cell: the first school org, else the first id not
        in orgs.csv (it may be a school already in the registry)."""
        ids = rec.ids(column)
        for oid in ids:
            if oid in orgs and orgs[oid]["type"] == "school":
                return oid
        for oid in ids:
            if oid not in orgs:
                return oid
        if ids:
            self.problem(rec.at(column), "or_not_school", value=ids[0], type=orgs[ids[0]]["type"])
            return None
        self.problem(rec.at(column), "required")
        return None

    def classes(
        self, classes: list[Rec], courses: dict[str, Rec], sessions: dict[str, Rec], orgs: dict[str, Rec],
        years: dict[str, str], enrollments: list[Rec],
    ) -> dict[str, Rec]:
        hours = self.facts.course_hours()
        teachers: dict[str, list[Rec]] = defaultdict(list)
        for e in enrollments:
            if e["role"] == "teacher":
                teachers[e["classSourcedId"]].append(e)
        kept: dict[str, Rec] = {}
        defaulted = 0
        for c in classes:
            if c["classType"] == "homeroom":
                self.ignored["homeroom classes"] += 1
                self.homerooms.add(c["sourcedId"])
                continue
            course = courses.get(c["courseSourcedId"])
            if course is None:
                self.problem(c.at("courseSourcedId"), "or_unknown_course", value=c["courseSourcedId"])
                self.rejected.add(c["sourcedId"])
                continue
            school = self._school(c, "schoolSourcedId", orgs)
            year = self._year(c, course, sessions, years)
            if school is None or year is None:
                self.rejected.add(c["sourcedId"])
                continue
            kept[c["sourcedId"]] = c
            grades_at = c.at("grades") if c["grades"] else course.at("grades")
            grades = _grade_span(c.ids("grades") or course.ids("grades"))
            subject = (c.ids("subjects") or course.ids("subjects") or [course["title"]])[0]
            h = c[HOURS_COLUMN] or str(hours.get(c["sourcedId"], ""))
            if not h:
                h, defaulted = str(DEFAULT_HOURS), defaulted + 1
            cells = {
                "course_code": (c["sourcedId"], c.at("sourcedId")),
                "title": (c["title"], c.at("title")),
                "subject": (subject, c.at("subjects") if c["subjects"] else course.at("subjects")),
                "grade_from": (grades[0], grades_at),
                "grade_to": (grades[1], grades_at),
                "hours_per_week": (h, c.at(HOURS_COLUMN)),
                "provider_school_id": (school, c.at("schoolSourcedId")),
                "year_code": (year, c.at("termSourcedIds")),
            }
            if enrollments:
                first = teachers[c["sourcedId"]][:1]
                ids = ",".join(e["userSourcedId"] for e in teachers[c["sourcedId"]])
                cells["teacher_ids"] = (ids, first[0].at("userSourcedId") if first else c.at("sourcedId"))
            self.out.add("courses", c, cells)
        if defaulted:
            self.source.notes.append(
                f"{defaulted} new course(s) got {DEFAULT_HOURS} hour(s) a week: OneRoster has no weekly hours "
                f"(give them in a {HOURS_COLUMN} column of classes.csv or correct them in courses)"
            )
        return kept

    def _year(self, c: Rec, course: Rec, sessions: dict[str, Rec], years: dict[str, str]) -> str | None:
        terms = c.ids("termSourcedIds")
        if terms:
            for sid in terms:
                if sid not in sessions:
                    self.problem(c.at("termSourcedIds"), "or_unknown_session", value=sid)
                    return None
            return years[terms[0]]
        year = course["schoolYearSourcedId"]
        if year in sessions:
            return years[year]
        self.problem(c.at("termSourcedIds"), "required")
        return None

    def users(self, users: list[Rec], roles: list[Rec], orgs: dict[str, Rec]) -> None:
        primary: dict[str, Rec] = {}
        for r in roles:  # 1.2: the primary role wins, else the first one listed
            first = primary.get(r["userSourcedId"])
            if first is None or (r["roleType"] == "primary" and first["roleType"] != "primary"):
                primary[r["userSourcedId"]] = r
        for u in users:
            if self.version == "1.1":
                role, org_rec, org_column = u["role"], u, "orgSourcedIds"
            elif u["sourcedId"] in primary:
                r = primary[u["sourcedId"]]
                role, org_rec, org_column = r["role"], r, "orgSourcedId"
                if u["primaryOrgSourcedId"]:
                    org_rec, org_column = u, "primaryOrgSourcedId"
            else:
                self.ignored["users without a role in roles.csv"] += 1
                continue
            if role not in ("teacher", "student"):
                self.ignored[f"users with role {role or '(none)'}"] += 1
                continue
            school = self._school(org_rec, org_column, orgs)
            if school is None:
                continue
            cells = {
                f"{role}_id": (u["sourcedId"], u.at("sourcedId")),
                "last_name": (u["familyName"], u.at("familyName")),
                "first_name": (u["givenName"], u.at("givenName")),
                "middle_name": (u["middleName"], u.at("middleName")),
                "email": (u["email"], u.at("email")),
                "school_id": (school, org_rec.at(org_column)),
            }
            if role == "student":
                cells["grade"] = (_grade_span(u.ids("grades"))[0], u.at("grades"))
            self.out.add(f"{role}s", u, cells)

    def enrollments(self, enrollments: list[Rec], kept: dict[str, Rec], sessions: dict[str, Rec],
                    years: dict[str, str]) -> None:
        per_student: dict[tuple[str, str], list[Rec]] = defaultdict(list)
        for e in enrollments:
            cls = kept.get(e["classSourcedId"])
            if e["classSourcedId"] in self.homerooms:
                self.ignored["enrollments in homeroom classes"] += 1
                continue
            if e["classSourcedId"] in self.rejected:
                continue
            if e["role"] == "teacher":
                if cls is None:
                    self.problem(e.at("classSourcedId"), "or_unknown_class", value=e["classSourcedId"])
                continue
            if e["role"] != "student":
                self.ignored[f"enrollments with role {e['role'] or '(none)'}"] += 1
                continue
            per_student[e["userSourcedId"], e["classSourcedId"]].append(e)
        merged = 0
        for (_, class_id), rows in per_student.items():
            cls = kept.get(class_id)
            default_start = _class_start(cls, sessions) if cls else ""
            spans = _spanning(rows, default_start)
            merged += len(rows) - len(spans)
            for first, (starts, starts_at), (ends, ends_at) in spans:
                self.out.add("enrolments", first, {
                    "student_id": (first["userSourcedId"], first.at("userSourcedId")),
                    "course_code": (class_id, first.at("classSourcedId")),
                    "status": ("active", first.at("role")),
                    "starts_on": (starts, starts_at),
                    "ends_on": (ends, ends_at),
                })
        if merged:
            self.source.notes.append(
                f"merged {merged} enrollment(s) of a student in a class they already had for another term: "
                f"one enrolment per student and course, from the first term's start to the last term's end")


def _spanning(rows: list[Rec], default_start: str) -> list[tuple[Rec, tuple[str, tuple], tuple[str, tuple]]]:
    """The enrolments of one student in one class: OneRoster exports one enrollment per term (each with its
    own sourcedId), the registry keeps one per student and course, so the terms become one span: the earliest
    start and the latest end (none if any term is open-ended). Each value keeps the cell it came from. Rows
    whose dates are not ISO dates are left apart, so the checks report each bad cell (and the duplicate)."""
    spans = [(e, (e["beginDate"] or default_start, e.at("beginDate")), (e["endDate"], e.at("endDate"))) for e in rows]
    if len(spans) == 1 or not all(_is_date(start[0]) and (not end[0] or _is_date(end[0])) for _, start, end in spans):
        return spans
    starts = min((start for _, start, _ in spans), key=lambda value: value[0])
    open_end = next((end for _, _, end in spans if not end[0]), None)
    return [(rows[0], starts, open_end or max((end for _, _, end in spans), key=lambda value: value[0]))]


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _grade_span(grades: list[str]) -> tuple[str, str]:
    """CEDS grade codes ("09", "10") -> lowest and highest as template text; a code that is not a
    number is passed on so the template check reports it at its cell."""
    if not grades:
        return "", ""
    if all(g.isdigit() for g in grades):
        numbers = sorted(int(g) for g in grades)
        return str(numbers[0]), str(numbers[-1])
    bad = next(g for g in grades if not g.isdigit())
    return bad, bad


def _class_start(cls: Rec, sessions: dict[str, Rec]) -> str:
    """An enrollment without beginDate starts with the class's first term."""
    starts = [sessions[s]["startDate"] for s in cls.ids("termSourcedIds") if s in sessions]
    return min(starts) if starts else ""


def read(load: Loader, facts: RegistryFacts | None) -> Source:
    return _Package(load, facts or RegistryFacts(None)).run()

