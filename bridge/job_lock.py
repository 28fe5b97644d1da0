"""A lease in the database, so two schedulers (or a manual run during a scheduled one) never run
one job at once. Works the same on SQLite and PostgreSQL: the primary key decides who inserts
first; an expired lease, or one whose holder process on this host is gone (killed), is taken over.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bridge.models import JobLock


class LockBusy(Exception):
    """Another process holds the lock; the message names it and since when."""


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_is_dead(holder: str) -> bool:
    """True when the holder was a process of this host that no longer exists (it was killed)."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def try_acquire(sessions: sessionmaker[Session], name: str, holder: str, ttl: dt.timedelta) -> JobLock | None:
    """Take the lease if it is free or expired; return None (and leave it) if someone holds it."""
    now = _now()
    with sessions() as session:
        session.add(JobLock(name=name, holder=holder, acquired_at=now, expires_at=now + ttl))
        try:
            session.commit()
            return session.get(JobLock, name)
        except IntegrityError:
            session.rollback()
        stale = JobLock.expires_at < now
        other = session.scalar(select(JobLock.holder).where(JobLock.name == name))
        if other is not None and holder_is_dead(other):
            stale = JobLock.holder == other
        taken = session.execute(
            update(JobLock).where(JobLock.name == name, stale)
            .values(holder=holder, acquired_at=now, expires_at=now + ttl))
        session.commit()
        if taken.rowcount == 1:
            return session.get(JobLock, name)
        return None


def current(sessions: sessionmaker[Session], name: str) -> JobLock | None:
    with sessions() as session:
        return session.scalar(select(JobLock).where(JobLock.name == name))


def release(sessions: sessionmaker[Session], name: str, holder: str) -> None:
    with sessions() as session:
        session.execute(delete(JobLock).where(JobLock.name == name, JobLock.holder == holder))
        session.commit()


def renew(sessions: sessionmaker[Session], holder: str, ttl: dt.timedelta) -> None:
    """Push the expiry of every lease ``holder`` has forward to ``ttl`` from now: a worker's
    heartbeat does this for the locks its job holds, so they run out soon after the worker dies
    (on another machine, where :func:`holder_is_dead` cannot tell) and its successor takes them."""
    with sessions() as session:
        session.execute(update(JobLock).where(JobLock.holder == holder).values(expires_at=_now() + ttl))
        session.commit()


@contextmanager
def job_lock(sessions: sessionmaker[Session], name: str, *, ttl: dt.timedelta = dt.timedelta(minutes=30),
             wait: float = 0.0, poll: float = 2.0, sleep: Callable[[float], None] = time.sleep) -> Iterator[str]:
    """Hold ``name`` for the block. Waits up to ``wait`` seconds for a busy lock, then raises LockBusy."""
    holder = holder_name()
    deadline = time.monotonic() + wait
    while try_acquire(sessions, name, holder, ttl) is None:
        if time.monotonic() >= deadline:
            other = current(sessions, name)
            since = f" since {other.acquired_at:%Y-%m-%d %H:%M} UTC" if other else ""
            raise LockBusy(f"{name} is already running ({other.holder if other else 'another process'}{since})")
        sleep(poll)
    try:
        yield holder
    finally:
        release(sessions, name, holder)
