"""Desired state and the delta plan, without Moodle: what the registry asks for, and the guard."""

import pytest

from bridge.sync.desired import compute_desired, translit, username
from bridge.sync.items import Ref
from bridge.sync.plan import Action, Change, Plan, PlanRefused, check_guard
from bridge.sync.reconcile import plan_delta


def test_desired_state_of_a_small_district(session, district, runtime):
    state = compute_desired(session, runtime.settings)
    items = state.items
    assert set(items["category"]) == {"2026-2027"}
    assert set(items["course"]) == {"NC-CHEM-11", "NC-PY-11"}
    assert len(items["user"]) == 2 + 6
    assert set(items["cohort"]) == {"SCH01", "SCH14", "SCH29"}
    # A group per home school inside every course, with that school's students only.
    assert set(items["group"]) == {"NC-CHEM-11/SCH01", "NC-CHEM-11/SCH29", "NC-PY-11/SCH01", "NC-PY-11/SCH29"}
    member = items["group_member"]["NC-CHEM-11/SCH29/SCH29-S2"]
    assert member.fields == {"group": Ref("group", "NC-CHEM-11/SCH29"), "user": Ref("user", "SCH29-S2")}
    teacher = items["enrolment"]["NC-CHEM-11/T-1"]
    assert teacher.fields["role"] == 3 and teacher.fields["suspended"] is False
    assert items["enrolment"]["NC-CHEM-11/SCH01-S1"].fields["role"] == 5
    course = items["course"]["NC-CHEM-11"]
    assert "Кузнецова Ирина Владимировна" in course.fields["summary"] and "Вт 15:30" in course.fields["summary"]
    # Students have no e-mail: a placeholder on the reserved .invalid domain, never a real mailbox.
    assert items["user"]["SCH01-S1"].fields["email"].endswith("@students.invalid")
    assert items["user"]["SCH01-S1"].fields["institution"] == "СОШ № 1"
    assert items["user"]["SCH01-S1"].fields["department"] == "11А"


def test_usernames_are_transliterated_and_unique_by_id():
    assert translit("Щукина Ёлка") == "shchukina-elka"
    assert username("{last}.{f}.{id}", "Фёдорова", "Юлия", "S-0042") == "fedorova.i.s-0042"


def test_first_delta_creates_everything_in_dependency_order(session, district, runtime):
    plan = plan_delta(session, compute_desired(session, runtime.settings))
    assert {c.action for c in plan.changes} == {Action.CREATE}
    kinds = [c.kind for c in plan.changes]
    order = ["category", "course", "attendance", "user", "cohort", "cohort_member", "group", "enrolment",
             "group_member", "attendance_session", "event"]
    assert kinds == sorted(kinds, key=order.index)


def _plan(n_destructive: int, managed: int) -> Plan:
    return Plan("delta", [Change(Action.SUSPEND, "enrolment", f"k{i}") for i in range(n_destructive)],
                {"enrolment": managed})


def test_guard_allows_a_share_and_a_minimum():
    check_guard(_plan(20, 100), 100, ratio=0.1, minimum=20, force=False)  # the minimum of 20
    check_guard(_plan(100, 1000), 1000, ratio=0.1, minimum=20, force=False)  # 10%


def test_guard_refuses_more_unless_forced():
    with pytest.raises(PlanRefused, match="would suspend or remove 101 of 1000 managed enrolment items"):
        check_guard(_plan(101, 1000), 1000, ratio=0.1, minimum=20, force=False)
    check_guard(_plan(101, 1000), 1000, ratio=0.1, minimum=20, force=True)


def test_empty_registry_never_empties_moodle_even_forced():
    with pytest.raises(PlanRefused, match="registry is empty"):
        check_guard(_plan(5, 1000), 0, ratio=0.1, minimum=20, force=True)


def test_dry_run_needs_no_moodle_and_records_the_plan(runner, session, district):
    import json

    from sqlalchemy import select

    from bridge.models import SyncChange, SyncRun

    result = runner.invoke(["sync", "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["status"] == "ok" and summary["dry_run"] is True
    assert summary["planned"]["course"] == {"create": 2}
    assert summary["planned"]["user"] == {"create": 8}
    assert summary["read_calls"] == 0 and summary["write_calls"] == 0
    run = session.scalars(select(SyncRun)).one()
    assert run.dry_run and run.status == "ok" and run.planned == sum(
        sum(v.values()) for v in summary["planned"].values())
    assert session.query(SyncChange).filter_by(run_id=run.id, outcome="planned").count() == run.planned


def test_apply_without_moodle_configured_fails_in_one_line(runner, district):
    result = runner.invoke(["sync"])
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: Moodle is not configured: set NETCOURSES_MOODLE_URL and "
                                     "NETCOURSES_MOODLE_TOKEN (a delta dry run works without them)")
