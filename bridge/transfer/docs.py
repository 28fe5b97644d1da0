"""Writes docs/import-templates.md from the template definitions, so the documented columns are
the ones the importer reads (a test checks the file is current):

    python -m bridge.transfer.docs > docs/import-templates.md
"""

from __future__ import annotations

import csv
import io

from bridge.transfer.oneroster import DEFAULT_HOURS, HOURS_COLUMN
from bridge.sheets.problems import REASONS
from bridge.transfer.templates import FILE_TEMPLATES, TEMPLATES

INTRO = """\
# Import templates

The network administrator loads the registry from lists the schools send. This page is generated
from `bridge/transfer/templates.py` (`python -m bridge.transfer.docs > docs/import-templates.md`).

    netcourses import PATH [--dry-run] [--all] [--json]
    netcourses export --format csv|xlsx --out PATH

`PATH` is one CSV file, a folder of CSV files, an XLSX workbook, a zip of CSV files, or a
OneRoster 1.1/1.2 package (a folder or zip with `manifest.csv`, see below).

## Files

* **CSV**: one file per template. The template is recognised by the file name (`students.csv`)
  or, for any other name, by its header. Encoding UTF-8 (with or without BOM) or Windows-1251
  (what Russian Excel saves as "CSV (разделители — точки с запятой)"); the delimiter (`,`, `;` or
  tab) is detected from the header line. A file that is neither valid UTF-8 nor plausible
  Windows-1251 text is rejected as "wrong encoding".
* **XLSX**: one workbook, one sheet per template, the sheet named after the template (a sheet
  with another name is recognised by its header). Date and time cells are read as dates and
  times; numbers as numbers.
* The header is row 1; rows are numbered as the spreadsheet shows them. Empty rows are skipped.
  Column order does not matter. An unknown column is an error (a typo must not drop data
  silently).
* Dates: `YYYY-MM-DD` or `DD.MM.YYYY`. Times: `HH:MM` (24-hour).
* **Sizes.** No file may unpack to more than `imports.max_file_bytes` (64 MB; a member of a zip,
  an XLSX workbook's parts) and all the files of one import together to no more than
  `imports.max_total_bytes` (256 MB): reading stops at the limit, with that file named.
* At most `imports.max_problems` (1000) problems are listed; the rest are counted ("and 1,499,900
  more").
* Text never holds `<` or `>`: Moodle refuses markup in names and titles, so such a cell is rejected
  here, at its row, rather than at every sync.
* **Export**: text is written as text, never as a formula (a name such as `=HYPERLINK(...)` stays a
  name in Excel). In CSV a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
  leading `'` (OWASP's rule against CSV injection), which the import takes off again: importing the
  export back changes nothing.

## Rules

* **All or nothing.** Everything is checked before anything is written. Any defect (a missing
  column, a bad value, a duplicate id, an unknown reference, a student enrolled in a course for
  another grade, ...) rejects the whole import; every problem is listed as
  `file:row:column: reason`, and the registry does not change.
* References may point to rows of the same import or to rows already in the registry.
* **Upsert by external id.** A row whose key is new is created; a row whose key exists is
  updated if anything differs and left untouched otherwise (its `updated_at` stays). Importing
  the same file twice changes nothing. Enrolments are keyed by `(student_id, course_code)`.
* **Sets are replaced.** `bell_schedules`, `class_timetable` and `curriculum_load` replace
  the whole set of every school they name; `lesson_slots` replace the slots of every course they
  name; `courses.teacher_ids` replaces the course's teachers. Rows of schools and courses the
  file does not name are kept.
* **Nothing else is deleted.** A school, student or course missing from a file stays in the
  registry; withdraw a student from a course with `status` = `withdrawn`.
* An optional column left out of the file keeps what the registry has (new rows get the
  default); an optional column present with an empty cell sets the default.
* `--dry-run` checks everything and reports what would be created, updated and deleted, and
  writes nothing.
* `netcourses export` writes the registry in these templates (CSV in UTF-8 with BOM, or one
  XLSX workbook); importing the export back changes nothing.
"""

ONEROSTER = f"""\
## OneRoster 1.1 and 1.2

A folder or zip with `manifest.csv` is read as a OneRoster CSV package (`oneroster.version` 1.1
or 1.2). The files listed in the manifest as `bulk` or `delta` are read; `absent` ones are not.
Both modes are applied as upserts and nothing is deleted: rows with `status` = `tobedeleted` are
skipped and counted in the report's notes. Problems are reported at the OneRoster file, row and
column (e.g. `users.csv:7:grades`).

| OneRoster | registry | how |
| --- | --- | --- |
| `orgs.csv`, `type` = `school` | schools | `school_id` = `sourcedId`, `name`; `municipality` = the name of the parent org when it is not a school (the district). Role: a school already in the registry keeps its role; a new school that provides a class becomes `resource_centre`, any other `participant`. |
| `orgs.csv`, other types | — | ignored (district, department, state, ...) |
| `academicSessions.csv`, `type` = `schoolYear` | academic year | `year_code` = `(schoolYear − 1)-schoolYear` (OneRoster's `schoolYear` is the year the school year ends: 2027 → `2026-2027`), `startDate`, `endDate` |
| `academicSessions.csv`, `term`/`semester` whose parent is a school year | district terms | numbered 1, 2, ... by `startDate` within the year; `name` = `title` |
| `academicSessions.csv`, other sessions | — | ignored (grading periods, sessions nested deeper) |
| `classes.csv` (`classType` = `scheduled`) with its `courses.csv` course | network course | `course_code` = the class's **`sourcedId`** (a OneRoster class is the taught group with its own teacher and students, which is what a network course is; `courseCode` names a catalogue course several classes share, so it cannot be the key). `title` = class `title`; `subject` = first of class `subjects`, else course `subjects`, else course `title`; `grade_from`/`grade_to` = lowest/highest of class `grades`, else course `grades`; `provider_school_id` = `schoolSourcedId`; `year_code` = the year of the first of `termSourcedIds` (else the course's `schoolYearSourcedId`); `hours_per_week` from an extension column `{HOURS_COLUMN}` if present, else the registry's value, else {DEFAULT_HOURS} (the report notes it). |
| `classes.csv`, `classType` = `homeroom` | — | ignored, with their enrollments |
| `users.csv`, role `teacher` / `student` | teachers / students | `teacher_id`/`student_id` = `sourcedId`; `last_name` = `familyName`, `first_name` = `givenName`, `middle_name` = `middleName`, `email`; school = the first school among `orgSourcedIds` (1.1) or the org of the user's primary role in `roles.csv`, or `primaryOrgSourcedId` when given (1.2); students' `grade` = the first of `grades` (CEDS `09` → 9). |
| `users.csv`, other roles | — | ignored (parents, guardians, administrators, ...) |
| `enrollments.csv`, role `teacher` | course teachers | the class's teachers are replaced by the package's teacher enrollments |
| `enrollments.csv`, role `student` | enrolments | `status` = `active`, `starts_on` = `beginDate` (else the start of the class's first term), `ends_on` = `endDate`; a student enrolled in a class once per term (one `sourcedId` each, as exports do) gets one enrolment from the earliest start to the latest end (open if any term is), and the report says how many were merged |
| `enrollments.csv`, other roles | — | ignored |

Not used: `username`, `userIds`, `identifier`, `sms`, `phone`, `agentSourcedIds`, `password`,
`enabledUser`, `userMasterIdentifier`, `preferred*Name`, `pronouns`, `classCode`, `location`,
`periods`, `subjectCodes`, `primary`, and the gradebook and resources files. A student's
`class_letter` is not in OneRoster: it keeps the registry's value (empty for a new student).
"""


def _example(template: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    t = TEMPLATES[template]
    writer.writerow(t.column_names)
    writer.writerow([c.example for c in t.columns])
    return out.getvalue()


def render() -> str:
    parts = [INTRO, "## Templates\n"]
    for name in FILE_TEMPLATES:
        t = TEMPLATES[name]
        parts.append(f"### {name}\n\n{t.about} Key: {', '.join(f'`{k}`' for k in t.key)}.\n")
        parts.append("| column | type | required | allowed values | example | notes |")
        parts.append("| --- | --- | --- | --- | --- | --- |")
        for c in t.columns:
            ref = t.refs.get(c.name)
            note = c.note + (f"{'; ' if c.note else ''}refers to `{ref}`" if ref else "")
            cells = (f"`{c.name}`", c.kind.doc_type, "yes" if c.required else "no", c.kind.allowed(), c.example, note)
            parts.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        parts.append(f"\nExample `{name}.csv`:\n\n```csv\n{_example(name)}```\n")
    parts.append(ONEROSTER)
    parts.append("## Problem reasons\n\nThe CLI prints the English text; the web UI shows the Russian one.\n")
    parts.append("| code | English | Russian |\n| --- | --- | --- |")
    parts += [f"| `{code}` | {en} | {ru} |" for code, (en, ru) in REASONS.items()]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render(), end="")
