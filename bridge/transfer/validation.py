"""Validation: read every table, check every cell, row and reference in memory, and only then
compute what would change. Nothing here writes.

Checks run against the import itself and the registry together (a student may belong to a
school of the same import or one already in the registry), and every problem found is kept:
the administrator fixes the whole file at once. The result is a :class:`Plan` in external ids,
which is exact for a dry run too, since it needs no database ids of rows not yet written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from bridge.progress import progress
from bridge.sheets.problems import CellProblem, ImportRejected, Problem
from bridge.sheets.reading import Origin
from bridge.transfer.readers import Source, Table
from bridge.transfer.registry import Existing, Key, snapshot
from bridge.transfer.templates import ORDER, REF_REASONS, TEMPLATES, Column, Template, show


@dataclass(slots=True)
class Record:
    """One row of a template: the parsed values of the columns its table has."""

    file: str
    row: int
    origin: Origin | None
    values: dict[str, Any]
    faulty: bool = False  # a problem was reported on this row: cross-row checks leave it alone

    def where(self, column: str) -> tuple[str, int, str]:
        if self.origin and column in self.origin:
            return self.origin[column]
        return self.file, self.row, column


def default(column: Column, values: Mapping[str, Any]) -> Any:
    """The value of an empty cell, or of an absent column on a new row."""
    if column.default_from:
        source = values.get(column.default_from)
        return None if source is None else source[: column.kind.max_len]  # type: ignore[union-attr]
    return column.default


def full_values(template: Template, values: Mapping[str, Any]) -> dict[str, Any]:
    """A new row's values: what the file gave, defaults for the columns it did not have."""
    return {
        c.name: values[c.name] if c.name in values else default(c, values)
        for c in template.columns
        if c.name not in template.derived
    }


class Registry:
    """The registry's rows per template, read once and only when a check or the plan needs them."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._snapshots: dict[str, dict[Key, Existing]] = {}

    def snapshot(self, template: str) -> dict[Key, Existing]:
        if template not in self._snapshots:
            self._snapshots[template] = snapshot(self.session, template)
        return self._snapshots[template]

    def forget(self, template: str) -> None:
        """Drop a snapshot no longer needed, so the peak holds one big snapshot, not all of them."""
        self._snapshots.pop(template, None)

    def value(self, template: str, key: Key, column: str) -> Any:
        existing = self.snapshot(template).get(key)
        return None if existing is None else existing.values[TEMPLATES[template].stored.index(column)]


@dataclass
class Change:
    """What an import does to one template."""

    created: list[Record] = field(default_factory=list)
    updated: list[tuple[Any, tuple[Any, ...]]] = field(default_factory=list)  # (primary key, stored values)
    deleted: list[Any] = field(default_factory=list)  # primary keys
    # What each update changes, for the preview: (the record's key, [(column, stored value, new value)]).
    diffs: list[tuple[tuple[Any, ...], list[tuple[str, Any, Any]]]] = field(default_factory=list)
    unchanged: int = 0
    replaced: int = 0  # owners (schools, courses) whose set changed


Plan = dict[str, Change]


class Validator:
    def __init__(self, registry: Registry, max_problems: int) -> None:
        self.registry = registry
        self.records: dict[str, dict[Key, Record]] = defaultdict(dict)
        self.owners: dict[str, set[Any]] = defaultdict(set)
        self.broken: set[str] = set()
        # The first max_problems problems are kept, the rest only counted: memory stays flat however bad the file.
        self.max_problems = max_problems
        self.problems: list[Problem] = []
        self.found = 0

    def problem(self, where: tuple[str, int, str], code: str, params: Mapping[str, Any] | None = None) -> None:
        self.found += 1
        if len(self.problems) < self.max_problems:
            self.problems.append(Problem(*where, code, dict(params or {})))

    # ---- tables ----

    def add(self, table: Table) -> None:
        t = TEMPLATES[table.template]
        columns: list[tuple[int, Column]] = []
        blanks: list[int] = []
        seen: set[str] = set()
        for i, name in enumerate(table.header):
            if not name:
                blanks.append(i)
            elif name in seen:
                self.problem((table.file, 1, name), "duplicate_column")
            elif name not in t.column_names:
                self.problem((table.file, 1, name), "unknown_column", {"template": t.name})
            else:
                columns.append((i, t.column(name)))
            seen.add(name)
        missing = [c for c in t.required if c not in seen]
        for name in missing:
            self.problem((table.file, 1, name), "missing_column")
        if missing:
            self.broken.add(t.name)
            return
        fixed = {c.name: c.default for c in t.columns if c.name in t.key and c.name not in seen}
        for number, cells, origin in progress(table.rows, desc=f"checking {table.file}"):
            if any(cell.strip() for cell in cells):
                self._row(t, table.file, number, cells, origin, columns, blanks, fixed)

    def _row(
        self, t: Template, file: str, number: int, cells: list[str] | tuple[str, ...], origin: Origin | None,
        columns: list[tuple[int, Column]], blanks: list[int], fixed: dict[str, Any],
    ) -> None:
        rec = Record(file, number, origin, dict(fixed))
        values = rec.values
        found = self.found
        late: list[Column] = []
        for i, column in columns:
            text = cells[i].strip() if i < len(cells) else ""
            if text:
                try:
                    values[column.name] = column.kind.parse(text)
                except CellProblem as exc:
                    self.problem(rec.where(column.name), exc.code, exc.params)
            elif column.required:
                self.problem(rec.where(column.name), "required")
            elif column.default_from:
                late.append(column)
            else:
                values[column.name] = column.default
        for column in late:
            if column.default_from in values:
                values[column.name] = default(column, values)
        for i in blanks:
            if i < len(cells) and cells[i].strip():
                self.problem((file, number, get_column_letter(i + 1)), "unnamed_column")
        for check in t.checks:
            for column_name, code, params in check(values):
                self.problem(rec.where(column_name), code, params)
        rec.faulty = self.found > found
        key = tuple(values.get(k) for k in t.key)
        if None in key:
            return
        records = self.records[t.name]
        first = records.get(key)
        if first is not None:
            where = rec.where(t.key[0])
            if first.file == where[0]:
                self.problem(where, "duplicate", {"row": first.row})
            else:
                self.problem(where, "duplicate_in", {"row": first.row, "file": first.file})
            return
        records[key] = rec
        if t.owner:
            self.owners[t.name].add(values[t.owner])
        for column_name, target in t.derived.items():
            if column_name in values:
                self._derive(rec, key[0], column_name, target)

    def _derive(self, rec: Record, owner: Any, column: str, target: str) -> None:
        """courses.teacher_ids -> one course_teachers record per teacher, located at that cell."""
        self.owners[target].add(owner)
        t = TEMPLATES[target]
        where = rec.where(column)
        origin = {name: where for name in t.column_names}
        for item in rec.values[column]:
            self.records[target][(owner, item)] = Record(rec.file, rec.row, origin, dict(zip(t.key, (owner, item))))

    # ---- checks across rows ----

    def check_references(self) -> None:
        for name, records in list(self.records.items()):
            t = TEMPLATES[name]
            for column, target in t.refs.items():
                if column in t.derived or target in self.broken:
                    continue
                in_file = self.records.get(target, {})
                in_registry: dict[Key, Existing] | None = None
                for rec in records.values():
                    value = rec.values.get(column)
                    if not value or (value,) in in_file:
                        continue
                    if in_registry is None:
                        in_registry = self.registry.snapshot(target)
                    if (value,) not in in_registry:
                        self.problem(rec.where(column), REF_REASONS[target], {"value": value})

    def _final(self, template: str, key: Key, column: str) -> Any:
        """A value as it will be after the import: the file's, else the registry's."""
        rec = self.records.get(template, {}).get(key)
        if rec is not None and column in rec.values:
            return rec.values[column]
        return self.registry.value(template, key, column)

    def check_terms(self) -> None:
        for rec in self.records.get("terms", {}).values():
            year = (rec.values["year_code"],)
            bounds = self._final("academic_years", year, "starts_on"), self._final("academic_years", year, "ends_on")
            if None in bounds:
                continue
            params = {"year": year[0], "starts": show(bounds[0]), "ends": show(bounds[1])}
            if rec.values.get("starts_on") and rec.values["starts_on"] < bounds[0]:
                self.problem(rec.where("starts_on"), "term_outside_year", params)
            if rec.values.get("ends_on") and rec.values["ends_on"] > bounds[1]:
                self.problem(rec.where("ends_on"), "term_outside_year", params)

    def _changed(self, template: str, columns: tuple[str, ...]) -> dict[Any, Record]:
        """Rows of the import that change any of ``columns`` of a row already in the registry."""
        out = {}
        for key, rec in self.records.get(template, {}).items():
            for column in columns:
                if column in rec.values:
                    before = self.registry.value(template, key, column)
                    if before is not None and before != rec.values[column]:
                        out[key[0]] = rec
        return out

    def check_grades(self) -> None:
        """Active enrolments must fit the course's grades: those in the file, and those in the
        registry whose student changes grade or whose course changes its grades."""
        enrolments = self.records.get("enrolments", {})
        students = self._changed("students", ("grade",))
        courses = self._changed("courses", ("grade_from", "grade_to"))
        if not (enrolments or students or courses) or {"students", "courses"} & self.broken:
            return
        for key, rec in enrolments.items():
            if rec.values.get("status", self.registry.value("enrolments", key, "status") or "active") == "active":
                self._fits(key, rec.where("course_code"))
        if not (students or courses):
            return
        status = TEMPLATES["enrolments"].stored.index("status")
        for key, existing in self.registry.snapshot("enrolments").items():
            if key in enrolments or existing.values[status] != "active":
                continue
            student, course = key
            if student in students:
                self._fits(key, students[student].where("grade"))
            elif course in courses:
                self._fits(key, courses[course].where("grade_from"))

    def _fits(self, key: Key, where: tuple[str, int, str]) -> None:
        student, course = key
        rows = self.records.get("students", {}).get((student,)), self.records.get("courses", {}).get((course,))
        if any(r is not None and r.faulty for r in rows):
            return
        grade = self._final("students", (student,), "grade")
        lo = self._final("courses", (course,), "grade_from")
        hi = self._final("courses", (course,), "grade_to")
        if None not in (grade, lo, hi) and not lo <= grade <= hi:
            self.problem(where, "grade_mismatch", {"student": student, "grade": grade, "course": course,
                                                   "lo": lo, "hi": hi})

    # ---- the plan ----

    def plan(self) -> Plan:
        plan: Plan = {}
        for name in ORDER:
            records, owners = self.records.get(name, {}), self.owners.get(name, set())
            if not records and not owners:
                continue
            t = TEMPLATES[name]
            existing = self.registry.snapshot(name)
            change = plan[name] = Change()
            touched: set[Any] = set()
            for key, rec in records.items():
                before = existing.get(key)
                if before is None:
                    change.created.append(rec)
                else:
                    merged = tuple(
                        rec.values[c] if c in rec.values else before.values[i] for i, c in enumerate(t.stored)
                    )
                    if merged == before.values:
                        change.unchanged += 1
                        continue
                    change.updated.append((before.ident, merged))
                    change.diffs.append((key, [(c, old, new) for c, old, new in zip(t.stored, before.values, merged)
                                               if old != new]))
                if t.owner:
                    touched.add(key[t.key.index(t.owner)])
            if t.owner:
                at = t.key.index(t.owner)
                for key, before in existing.items():
                    if key[at] in owners and key not in records:
                        change.deleted.append(before.ident)
                        touched.add(key[at])
                change.replaced = len(touched)
            self.registry.forget(name)
        return plan


def validate(session: Session, source: Source, max_problems: int) -> Plan:
    """Check everything; raise :class:`ImportRejected` with every problem (the first ``max_problems`` of
    them listed, the rest counted), else return the plan."""
    validator = Validator(Registry(session), max_problems)
    validator.broken |= source.broken
    for table in source.tables:
        validator.add(table)
    found = [*source.problems, *(p for table in source.tables for p in table.problems)]
    validator.problems[:0] = found
    validator.check_references()
    validator.check_terms()
    validator.check_grades()
    if found or validator.found:
        raise ImportRejected(validator.problems, limit=max_problems,
                             more=validator.found - len(validator.problems) + len(found))
    return validator.plan()


def row_counts(plan: Plan) -> Iterable[tuple[str, Change]]:
    return ((name, plan[name]) for name in ORDER if name in plan)
