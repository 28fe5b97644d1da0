"""The template documentation is generated from the templates and kept current; the region
generator is deterministic and its tables import cleanly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from benchmarks.region import region_tables
from bridge.models import Enrolment, NetworkCourse, Student
from bridge.transfer import import_tables
from bridge.transfer.docs import render
from bridge.transfer.templates import FILE_TEMPLATES, TEMPLATES

DOC = Path(__file__).parents[2] / "docs" / "import-templates.md"


def test_docs_are_current():
    assert DOC.read_text(encoding="utf-8") == render(), "run: python -m bridge.transfer.docs > docs/import-templates.md"


def test_docs_list_every_template_and_column():
    text = DOC.read_text(encoding="utf-8")
    for name in FILE_TEMPLATES:
        assert f"### {name}\n" in text
        for column in TEMPLATES[name].column_names:
            assert f"| `{column}` |" in text


def test_readme_links_the_docs():
    assert "docs/import-templates.md" in (DOC.parents[1] / "README.md").read_text(encoding="utf-8")


def test_region_generator_is_deterministic_and_consistent(session):
    small = {"schools": 30, "students": 600, "courses": 40, "enrolments": 900}
    tables = region_tables(**small, seed=7)
    assert tables == region_tables(**small, seed=7)
    assert tables != region_tables(**small, seed=8)
    assert {n: len(tables[n]) for n in ("schools", "students", "courses", "enrolments")} == small
    assert set(tables) == set(FILE_TEMPLATES)
    report = import_tables(session, tables, source="region")
    assert report.counts["enrolments"].created == 900
    mismatched = session.scalar(
        select(func.count()).select_from(Enrolment).join(Student).join(NetworkCourse)
        .where((Student.grade < NetworkCourse.grade_from) | (Student.grade > NetworkCourse.grade_to)))
    assert mismatched == 0
    assert not import_tables(session, tables, source="region").changed
