"""The conflict and load checks find exactly the problems planted in ``planted_district``."""

from __future__ import annotations

import datetime as dt
import json

from bridge.calendar.conflicts import ConflictKind, find_conflicts
from bridge.calendar.load import check_load
from bridge.timetable import max_weekly_hours
from tests.calendars.district import build_district

CLASS, HOLIDAY, TEACHER = ConflictKind.CLASS_LESSON, ConflictKind.HOME_HOLIDAY, ConflictKind.TEACHER_OVERLAP


def sept(*days: int) -> tuple[dt.date, ...]:
    return tuple(dt.date(2026, 9, d) for d in days)


EXPECTED_CONFLICTS = {
    # t1 teaches MATH-10 (15:30-16:10) and INFO-9 (16:00-16:40) on Tuesdays; the 22nd's MATH-10 was moved away.
    (TEACHER, "base", "t1", "INFO-9", "MATH-10", sept(1, 8, 15, 29)),
    # PHYS-9 14:00-14:40 Moscow against p1 9А's period 7 (14:20); the 9th is cancelled, the 16th is p1's day off.
    (CLASS, "p1", "clash", "PHYS-9", "7 урок: Физика", sept(2, 23, 30)),
    (CLASS, "p1", "late", "PHYS-9", "7 урок: Физика", sept(23, 30)),  # enrolled from the 20th
    (HOLIDAY, "p1", "clash", "PHYS-9", "День школы", sept(16)),
    (HOLIDAY, "p1", "ok", "PHYS-9", "День школы", sept(16)),
    (HOLIDAY, "p1", "withdrawn", "PHYS-9", "День школы", sept(16)),
    (HOLIDAY, "p1", "math", "MATH-10", "Тестовый праздник", sept(25)),  # moved onto the district holiday
    # Samara's period 7 overlaps by five minutes; p2's own term ends on the 20th.
    (CLASS, "p2", "samara", "PHYS-9", "7 урок: Химия", sept(2, 16)),
}


def test_conflict_check_finds_exactly_the_planted_problems(session, planted):
    found = find_conflicts(session)
    assert {(c.kind, c.school, c.person, c.course, c.detail, c.dates) for c in found} == EXPECTED_CONFLICTS
    assert len(found) == len(EXPECTED_CONFLICTS)
    assert [c.school for c in found] == sorted(c.school for c in found)  # grouped per school


def test_load_check_finds_exactly_the_planted_overloads(session, planted):
    report = check_load(session)
    assert {(o.student, o.home_hours, o.network_hours, o.limit) for o in report.overloads} == {
        ("clash", 31, 3, 33),  # 5-day week, grade 9
        ("samara2", 34, 3, 36),  # 6-day week, grade 9 (on a 5-day week "samara" at 36 would be over too)
    }
    assert report.unchecked == (("rc-ekb", 11),)


def test_sanpin_limits():
    assert [max_weekly_hours(g, 5) for g in range(1, 12)] == [21, 23, 23, 23, 29, 30, 32, 33, 33, 34, 34]
    assert [max_weekly_hours(g, 6) for g in range(1, 12)] == [21, 26, 26, 26, 32, 33, 35, 36, 36, 37, 37]


def test_check_commands_report_and_fail_on_findings(runner, planted):
    conflicts = runner.invoke(["check", "conflicts"])
    assert conflicts.exit_code == 1
    out = conflicts.output
    assert out.index("Базовая школа (base)") < out.index("СОШ p1 (p1)") < out.index("СОШ p2 (p2)")
    assert "own class's lesson" in out and "02.09.2026, 23.09.2026, 30.09.2026" in out
    assert "conflicts: 8" in out

    as_json = runner.invoke(["check", "conflicts", "--json"])
    assert as_json.exit_code == 1
    body = json.loads(as_json.output)
    assert body["count"] == 8
    assert {"kind": "home_holiday", "person": "math", "dates": ["2026-09-25"]}.items() <= next(
        c for c in body["conflicts"] if c["person"] == "math").items()

    load = runner.invoke(["check", "load"])
    assert load.exit_code == 1
    assert "overloads: 2" in load.output and "not checked: rc-ekb, grade 11" in load.output
    load_json = json.loads(runner.invoke(["check", "load", "--json"]).output)
    assert [o["student"] for o in load_json["overloads"]] == ["clash", "samara2"]
    assert load_json["overloads"][0]["total"] == 34

    # Narrowed to one school or one student: exactly their share of the whole.
    p1 = json.loads(runner.invoke(["check", "conflicts", "--school", "p1", "--json"]).output)["conflicts"]
    assert p1 and p1 == [c for c in body["conflicts"] if c["school"] == "p1"]
    clash = runner.invoke(["check", "load", "--student", "clash", "--json"])
    assert clash.exit_code == 1 and [o["student"] for o in json.loads(clash.output)["overloads"]] == ["clash"]
    unknown = runner.invoke(["check", "load", "--school", "nowhere"])
    assert unknown.exit_code == 1 and "no school with id 'nowhere'" in unknown.output


def test_check_commands_pass_on_a_clean_district(runner, session):
    d = build_district(session)
    d.courses["INFO-9"].slots[0].starts_at = dt.time(17, 0)  # t1 no longer teaches two courses at once
    d.curriculum("p1", 9, 30)
    d.class_lesson("p1", 9, "А", 3, 6, "Физика")  # 13:25-14:10: PHYS-9 is at 14:00 Moscow...
    d.student("fine", "p1", 9, "Б", "PHYS-9", "INFO-9")  # ...but this student is in 9Б; 30+3 = 33
    session.commit()
    assert runner.invoke(["lessons", "expand"]).exit_code == 0
    for check, text in (("conflicts", "no conflicts"), ("load", "no overloads")):
        result = runner.invoke(["check", check])
        assert (result.exit_code, result.output.strip()) == (0, text)
    assert runner.invoke(["check", "nonsense"]).exit_code == 2


def test_lessons_expand_command(runner, session):
    build_district(session)
    session.commit()
    first = runner.invoke(["lessons", "expand"])
    assert first.exit_code == 0, first.output
    # Tuesdays (MATH-10, INFO-9) 33 each, Wednesdays (PHYS-9) and Thursdays (CHEM-11) 34 each.
    assert first.output.startswith("lessons: 134 created, 0 updated")
    assert "face-to-face sessions: 0 created" in first.output
    again = runner.invoke(["lessons", "expand", "--course", "MATH-10"])
    assert again.output.strip() == "lessons: 0 created, 0 updated, 0 cancelled, 33 unchanged, 0 edited by hand and kept"
    missing = runner.invoke(["lessons", "expand", "--course", "NOPE"])
    assert missing.exit_code == 1 and "no network course with code 'NOPE'" in missing.output
