"""The audit log's one writer (152-FZ: who read or changed student-level data, and when).

It sits below the features because several of them record what they do (accounts, course choice)
and the web pages record what people read; none of them may import another feature.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from bridge.models import Account, AuditEntry

# Who does something the audit log records: a console or API account, or, from the command line,
# the operating-system user as "os:<name>" (the command line has no account).
Actor = Account | str


def audit(session: Session, actor: Actor | None, action: str, target: str) -> None:
    account = actor if isinstance(actor, Account) else None
    login = account.login if account else actor or "-"
    session.add(AuditEntry(at=dt.datetime.now(dt.UTC), account_id=account.id if account else None,
                           login=login[:64], action=action, target=target[:500]))
