"""The audit log's one writer (152-FZ: who read or changed student-level data, and when).

It sits below the features because several of them record what they do (accounts, course choice)
and the web pages record what people read; none of them may import another feature.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from bridge.models import Account, AuditEntry


def audit(session: Session, account: Account | None, action: str, target: str) -> None:
    session.add(AuditEntry(at=dt.datetime.now(dt.UTC), account_id=account.id if account else None,
                           login=account.login if account else "-", action=action, target=target[:500]))
