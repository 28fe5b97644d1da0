"""The shapes of the desired Moodle state: kinds, items, references and the state that holds them.

Every managed thing is an :class:`Item`: a kind, a key in registry terms and the fields the sync
owns. References to other managed things are :class:`Ref` values (resolved to Moodle ids only
when applying), so an item's fingerprint depends on registry facts alone and stays stable across
Moodle sites and runs. Kept apart from the code that fills them (:mod:`bridge.sync.desired`,
:mod:`bridge.sync.desired_schedule`) so that planning, applying and the gateways need only these.

Kinds, in the order they must be applied (each depends only on kinds before it):
category → course → attendance → user → cohort → cohort_member → group → enrolment → group_member
→ attendance_session → event (Moodle admits only enrolled users to a group).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

KINDS = ("category", "course", "attendance", "user", "cohort", "cohort_member", "group", "enrolment", "group_member",
         "attendance_session", "event")
MEMBERSHIPS = frozenset({"cohort_member", "group_member", "enrolment"})


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to another managed item, resolved to its Moodle id when applying."""

    kind: str
    key: str

    def __repr__(self) -> str:  # short and cheap: fingerprints of half a million items use it
        return f"<{self.kind}:{self.key}>"


class Item(NamedTuple):
    """One managed thing as the registry wants it. A named tuple, not a dataclass: a region has
    half a million of them and a tuple is several times cheaper to make."""

    kind: str
    key: str
    fields: Mapping[str, object]
    fingerprint: str = ""

    @classmethod
    def make(cls, kind: str, key: str, fields: Mapping[str, object]) -> Item:
        # A membership is nothing but its two ends, and both are in its key: nothing to hash.
        return cls(kind, key, fields, MEMBERSHIP_FINGERPRINT if kind in PURE_MEMBERSHIPS else fingerprint(fields))


# Memberships whose fields are only the references named by their key.
PURE_MEMBERSHIPS = frozenset({"cohort_member", "group_member"})
MEMBERSHIP_FINGERPRINT = "member"


def fingerprint(fields: Mapping[str, object]) -> str:
    """A short stable hash of the fields (refs by registry key, never by Moodle id). Each kind
    builds its fields in one fixed order, so the dict's own repr is a stable text."""
    return hashlib.blake2b(repr(fields).encode(), digest_size=16).hexdigest()


@dataclass
class DesiredState:
    """Desired items by kind, each a dict key → Item."""

    items: dict[str, dict[str, Item]] = field(default_factory=lambda: {k: {} for k in KINDS})

    def add(self, kind: str, key: str, fields: Mapping[str, object]) -> None:
        self.items[kind][key] = Item.make(kind, key, fields)

    def __iter__(self) -> Iterator[Item]:
        for kind in KINDS:
            yield from self.items[kind].values()

    def count(self) -> int:
        return sum(len(v) for v in self.items.values())
