"""Slowing down password guessing: failed sign-ins are counted per login and per address, and past a few of
them each further failure doubles the wait before the next attempt (one second, two, four, ... at most a
quarter of an hour); a day without failures forgets them.

The failures are rows in the database, so every worker of the web app sees the same count and a restart
forgets nothing; only the SHA-256 of a login or an address is kept (people type passwords into the login
field). Rows are only ever added, never updated: two failures at the same moment cannot lose one another.
Flask-Limiter, the usual library, keeps its counters in memory (one count per worker, lost on restart),
Redis, Memcached or MongoDB, none of which this service has.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bridge.db import utc
from bridge.models import SignInFailure

# Failures allowed before the first wait: an address may be a whole school's (one NAT), a login is one person's.
FREE_FAILURES = {"login": 5, "address": 20}
FIRST_WAIT = dt.timedelta(seconds=1)
LONGEST_WAIT = dt.timedelta(minutes=15)
REMEMBERED = dt.timedelta(days=1)


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _keys(login: str, address: str) -> dict[str, str]:
    return {"login": _key("login", login), "address": _key("address", address)}


def _wait(failures: int, free: int) -> dt.timedelta:
    if failures < free:
        return dt.timedelta(0)
    return min(FIRST_WAIT * 2 ** min(failures - free, 20), LONGEST_WAIT)


def seconds_to_wait(session: Session, login: str, address: str, now: dt.datetime) -> int:
    """How long a sign-in as ``login`` from ``address`` must wait before it may be tried (0: now)."""
    wait = dt.timedelta(0)
    for kind, key in _keys(login, address).items():
        failures, last = session.execute(
            select(func.count(), func.max(SignInFailure.at))
            .where(SignInFailure.key == key, SignInFailure.at > now - REMEMBERED)).one()
        if failures:
            wait = max(wait, utc(last) + _wait(failures, FREE_FAILURES[kind]) - now)
    return math.ceil(wait.total_seconds())


def record_failure(session: Session, login: str, address: str, now: dt.datetime) -> None:
    """Count a failed sign-in against ``login`` and ``address``; forget failures older than a day."""
    session.execute(delete(SignInFailure).where(SignInFailure.at <= now - REMEMBERED))
    session.add_all(SignInFailure(key=key, at=now) for key in _keys(login, address).values())
    session.flush()


def forget_login(session: Session, login: str) -> None:
    """The right password was given: the login's failures no longer count (the address's still do, or one
    account of the attacker's own would reset the count of every guess from their address)."""
    session.execute(delete(SignInFailure).where(SignInFailure.key == _key("login", login)))
