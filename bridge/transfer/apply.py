"""Writing a validated plan: bulk inserts, bulk updates by primary key and set deletions,
template by template in dependency order, so a new school gets its id before its students
are written. Rows that do not change are never written (their ``updated_at`` stays)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import delete, insert, tuple_, update
from sqlalchemy.orm import Session

from bridge.progress import bar
from bridge.transfer.registry import BINDINGS, Key, id_map
from bridge.transfer.templates import ORDER, TEMPLATES
from bridge.transfer.validation import Plan, full_values

CHUNK = 5000
T = TypeVar("T")


def _chunks(items: Iterable[T]) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, CHUNK)):
        yield chunk


class _Ids:
    """External key -> database id of the referenced templates, reloaded after they gain rows."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.maps: dict[str, dict[Key, int]] = {}

    def __call__(self, template: str, value: Any) -> int | None:
        if value == "":
            return None  # an optional school: the district's default
        if template not in self.maps:
            self.maps[template] = id_map(self.session, template)
        return self.maps[template][(value,)]


def apply(session: Session, plan: Plan) -> None:
    ids = _Ids(session)
    total = sum(len(c.created) + len(c.updated) + len(c.deleted) for c in plan.values())
    with bar(total, "writing") as progress:
        for name in ORDER:
            change = plan.get(name)
            if change is None:
                continue
            t, binding = TEMPLATES[name], BINDINGS[name]
            model = binding.model

            def row(values: Mapping[str, Any]) -> dict[str, Any]:
                return {
                    binding.attrs[c]: ids(t.refs[c], v) if c in t.refs else v
                    for c, v in values.items()
                    if c in binding.attrs
                }

            for chunk in _chunks(change.deleted):
                if binding.ident == 1:
                    session.execute(delete(model).where(model.id.in_(chunk)))
                else:
                    pk = tuple_(*model.__table__.primary_key.columns)
                    session.execute(delete(model).where(pk.in_(chunk)))
                progress.update(len(chunk))
            for chunk in _chunks(change.updated):
                session.execute(update(model), [{"id": ident, **row(dict(zip(t.stored, values)))} for ident, values in chunk])
                progress.update(len(chunk))
            for chunk in _chunks(change.created):
                session.execute(insert(model), [row(full_values(t, rec.values)) for rec in chunk])
                progress.update(len(chunk))
            if change.created:
                ids.maps.pop(name, None)
    session.flush()
