"""A run that stopped never reads as "in sync": it says that it stopped, why, and that the plan is unknown;
the dashboard keeps the last plan that was really made (with its time); the error count counts the failure."""

from __future__ import annotations

import dataclasses
import re

from click.testing import CliRunner
from sqlalchemy import select

from bridge.cli.root import main
from bridge.models import SyncRun
from bridge.runtime import Runtime
from config.settings import MoodleSettings, Secret
from tests.web.test_access import _login

UNREACHABLE = MoodleSettings(url="http://127.0.0.1:9", token=Secret("t" * 32), connect_timeout=0.5, read_timeout=1,
                             max_retries=0)


def _full_dry_run_against_nothing(runtime) -> int:
    broken = Runtime(dataclasses.replace(runtime.settings, moodle=UNREACHABLE), engine=runtime.engine)
    result = CliRunner().invoke(main, ["sync", "--full", "--dry-run"], obj=broken)
    assert result.exit_code != 0
    return result


def test_a_run_stopped_before_its_plan_is_not_in_sync(client, accounts, runtime, session):
    planned = CliRunner().invoke(main, ["sync", "--dry-run"], obj=runtime)  # a delta plan: no Moodle needed
    assert planned.exit_code == 0, planned.output
    _full_dry_run_against_nothing(runtime)
    first, failed = session.scalars(select(SyncRun).order_by(SyncRun.id)).all()
    assert failed.status == "failed"
    _login(client, "admin")
    dashboard = client.get("/").text
    pending = dashboard.split('id="pending"')[1].split("</section>")[0]
    assert "не составив плана: что расходится сейчас, неизвестно" in pending
    assert f"Последний составленный план — <a href=\"/sync/runs/{first.id}\">запуск № {first.id}</a>" in pending
    assert "Moodle совпадал с реестром" not in pending
    run_page = client.get(f"/sync/runs/{failed.id}").text
    assert "План не составлен" in run_page and "Moodle совпадает с реестром" not in run_page
    assert "ошибок 1" in run_page
    # A dry run wrote nothing: it does not promise to go on from what it did, nor list an empty set of changes.
    assert "в Moodle ничего не записано" in run_page and "следующий запуск продолжит" not in run_page
    assert 'id="changes"' not in run_page
    history = client.get("/sync").text
    row = re.search(rf'<tr><td><a href="/sync/runs/{failed.id}">{failed.id}</a></td>.*?</tr>', history, re.S).group(0)
    assert row.endswith("<td>1</td></tr>")


def test_no_plan_ever_made_says_so(client, accounts, runtime):
    _full_dry_run_against_nothing(runtime)
    _login(client, "admin")
    pending = client.get("/").text.split('id="pending"')[1].split("</section>")[0]
    assert "Составленного плана нет." in pending and "совпадал" not in pending
