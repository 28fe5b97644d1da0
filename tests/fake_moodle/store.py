"""The fake site's tables, with indexes and an undo journal.

Moodle runs a call's work in a database transaction and rolls it back whole when an exception
escapes; the journal gives the fake the same behaviour cheaply (undo closures instead of copies).
Id sequences are not rolled back, as on PostgreSQL: a failed batch uses up ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

R = TypeVar("R")


class Journal:
    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] | None = None

    def record(self, undo: Callable[[], None]) -> None:
        if self._undo is not None:
            self._undo.append(undo)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._undo = []
        try:
            yield
        except BaseException:
            for undo in reversed(self._undo):
                undo()
            raise
        finally:
            self._undo = None

    def set(self, obj: Any, **changes: Any) -> None:
        """Change attributes of a row that no index covers."""
        old = {k: getattr(obj, k) for k in changes}
        for k, v in changes.items():
            setattr(obj, k, v)
        self.record(lambda: [setattr(obj, k, v) for k, v in old.items()])

    def add(self, members: set[Any], value: Any) -> None:
        if value not in members:
            members.add(value)
            self.record(lambda: members.discard(value))

    def discard(self, members: set[Any], value: Any) -> None:
        if value in members:
            members.discard(value)
            self.record(lambda: members.add(value))


class Table(Generic[R]):
    """Rows by id, plus lookup indexes (``key name → function of the row``)."""

    def __init__(self, journal: Journal, indexes: dict[str, Callable[[Any], Any]] | None = None) -> None:
        self.journal = journal
        self.rows: dict[int, R] = {}
        self.next_id = 1
        self._keys = indexes or {}
        self._index: dict[str, dict[Any, dict[int, R]]] = {name: {} for name in self._keys}

    def __iter__(self) -> Iterator[R]:
        return iter(list(self.rows.values()))

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, row_id: int) -> R | None:
        return self.rows.get(row_id)

    def by(self, index: str, key: Any) -> list[R]:
        return list(self._index[index].get(key, {}).values())

    def first(self, index: str, key: Any) -> R | None:
        found = self._index[index].get(key)
        return next(iter(found.values())) if found else None

    def _link(self, row: Any) -> None:
        for name, key in self._keys.items():
            self._index[name].setdefault(key(row), {})[row.id] = row

    def _unlink(self, row: Any) -> None:
        for name, key in self._keys.items():
            bucket = self._index[name].get(key(row), {})
            bucket.pop(row.id, None)
            if not bucket:
                self._index[name].pop(key(row), None)

    def insert(self, row: R) -> R:
        item: Any = row
        if not item.id:
            item.id = self.next_id
        self.next_id = max(self.next_id, item.id + 1)
        self.rows[item.id] = row
        self._link(item)
        self.journal.record(lambda: self._drop(item))
        return row

    def _drop(self, row: Any) -> None:
        self._unlink(row)
        del self.rows[row.id]

    def delete(self, row: R) -> None:
        item: Any = row
        self._drop(item)
        self.journal.record(lambda: (self.rows.__setitem__(item.id, row), self._link(item)))

    def update(self, row: R, **changes: Any) -> None:
        """Change attributes, keeping indexes right (and undoable)."""
        item: Any = row
        old = {k: getattr(item, k) for k in changes}
        self._unlink(item)
        for k, v in changes.items():
            setattr(item, k, v)
        self._link(item)

        def undo() -> None:
            self._unlink(item)
            for k, v in old.items():
                setattr(item, k, v)
            self._link(item)

        self.journal.record(undo)
