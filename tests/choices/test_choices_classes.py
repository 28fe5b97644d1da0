"""The coordinator's per-class table of choices: their school only, saved all-or-nothing, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bridge.accounts import create_account
from bridge.models import AccountRole, AuditEntry, StudentChoice
from choices.district import build
from tests.conftest import PASSWORD
from tests.web.test_access import _csrf, _login

PAGE = "/choices/VYBOR-2027/class"


@pytest.fixture
def district(session):
    d = build(session)
    now = dt.datetime.now(dt.UTC)  # the window is open: a coordinator may edit
    d["campaign"].opens_at, d["campaign"].closes_at = now - dt.timedelta(days=1), now + dt.timedelta(days=10)
    for login, role, extra in [("admin", AccountRole.ADMIN, {}),
                               ("coordinator", AccountRole.COORDINATOR, {"school": "SCH1"}),
                               ("other", AccountRole.COORDINATOR, {"school": "SCH2"}),
                               ("viewer", AccountRole.VIEWER, {}), ("teacher", AccountRole.TEACHER, {"teacher": "T1"})]:
        create_account(session, login, PASSWORD, role, **extra)
    session.commit()
    return d


def _choices(session) -> list[tuple[int, int]]:
    return session.execute(select(StudentChoice.student_id, StudentChoice.rank)
                           .order_by(StudentChoice.student_id, StudentChoice.rank)).all()


def test_the_coordinator_ranks_a_class_and_reads_it_back(client, session, district):
    _login(client, "coordinator")
    page = client.get(f"{PAGE}?class=9А")
    assert page.status_code == 200 and page.text.count('name="S1:') == 3  # max_choices
    assert "<option>CHEM</option>" in page.text and "<option>ART</option>" not in page.text  # 10th grade next year
    saved = client.post(f"{PAGE}?class=9А", data={"csrf_token": _csrf(page.text), "S1:1": "CHEM", "S1:2": "PHYS",
                                                  "S2:1": "ROBO"})
    assert saved.status_code == 303
    again = client.get(saved.headers["Location"]).text
    assert "Выбор сохранён." in again and "<option selected>PHYS</option>" in again
    assert len(_choices(session)) == 3
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "import choices" in actions and actions[-1] == "read choices"


@pytest.mark.parametrize("form, named", [
    ({"S1:1": "ART"}, "класс 9А:2:choice_1"),
    ({"S1:1": "CHEM", "S1:2": "CHEM"}, "класс 9А:2:choice_2"),
    ({"S2:1": "NOPE"}, "класс 9А:3:choice_1"),
])
def test_a_bad_table_names_the_cell_and_saves_nothing(client, session, district, form, named):
    _login(client, "coordinator")
    token = _csrf(client.get(f"{PAGE}?class=9А").text)
    answer = client.post(f"{PAGE}?class=9А", data={"csrf_token": token, "S3:1": "CHEM", **form})
    assert answer.status_code == 400 and "Ничего не сохранено" in answer.text and named in answer.text
    assert _choices(session) == []


def test_a_coordinator_sees_only_their_school(client, district):
    _login(client, "other")
    page = client.get(f"{PAGE}?class=9А")  # SCH1's class: not theirs; they see their own 9Б
    assert page.status_code == 200 and "S1:1" not in page.text and 'name="X1:1"' in page.text


@pytest.mark.parametrize("role, status", [("viewer", 403), ("teacher", 403), ("admin", 404)])
def test_others_are_refused(client, district, role, status):
    _login(client, role)
    assert client.get(PAGE).status_code == status  # the administrator must name a school


def test_outside_the_window_a_coordinator_reads_and_the_administrator_corrects(client, session, district):
    district["campaign"].closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    session.commit()
    _login(client, "coordinator")
    page = client.get(f"{PAGE}?class=9А")
    assert page.status_code == 200 and 'id="closed"' in page.text and 'id="save-choices"' not in page.text
    refused = client.post(f"{PAGE}?class=9А", data={"csrf_token": _csrf(page.text), "S1:1": "CHEM"})
    assert refused.status_code == 409 and "Приём выбора закрыт" in refused.text
    assert _choices(session) == []

    client.post("/logout", data={"csrf_token": _csrf(page.text)})
    _login(client, "admin")
    page = client.get(f"{PAGE}?school=SCH1&class=9А")
    assert 'id="closed"' not in page.text and 'id="save-choices"' in page.text
    saved = client.post(f"{PAGE}?school=SCH1&class=9А", data={"csrf_token": _csrf(page.text), "S1:1": "CHEM"})
    assert saved.status_code == 303 and len(_choices(session)) == 1
