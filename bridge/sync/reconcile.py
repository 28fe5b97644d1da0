"""Diff desired state against what the sync last applied (delta) or against Moodle itself (full).

A delta run trusts the links: it needs no Moodle read to find what changed, so its cost grows
with the number of registry changes, not with the district. A full run reads Moodle's side of
everything the sync manages and also catches drift: manual edits made in Moodle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from bridge.models import MoodleLink
from bridge.sync.items import KINDS, DesiredState, Item, Ref
from bridge.sync.plan import Action, Change, Plan

# What falling out of the registry does to a managed thing. Categories, cohorts and groups stay:
# they hold nobody's data and may be reused; what would take away access is suspended, and only
# memberships are removed outright.
REMOVAL: dict[str, tuple[str, object] | None] = {
    "course": ("visible", 0),
    "user": ("suspended", True),
    "enrolment": ("suspended", True),
    "group_member": None,
    "cohort_member": None,
    # A cancelled lesson's session and a cancelled face-to-face event go; the attendance activity
    # stays (it holds the marks).
    "attendance_session": None,
    "event": None,
}


def removal_rules(withdrawn: str) -> dict[str, tuple[str, object] | None]:
    """The removal table for a district's policy: ``unenrol`` removes enrolments outright."""
    return REMOVAL | {"enrolment": None} if withdrawn == "unenrol" else REMOVAL


@dataclass(frozen=True, slots=True)
class LinkInfo:
    moodle_id: int | None
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Found:
    """One thing as Moodle has it: its id and the owned fields Moodle reports (refs resolved)."""

    moodle_id: int | None
    fields: Mapping[str, object]


@dataclass
class Actual:
    """Moodle's side, by kind and registry key (only what could be matched to a key)."""

    things: dict[str, dict[str, Found]] = field(default_factory=lambda: {k: {} for k in KINDS})


def load_links(session: Session) -> dict[str, dict[str, LinkInfo]]:
    links: dict[str, dict[str, LinkInfo]] = {k: {} for k in KINDS}
    for kind, key, moodle_id, fp in session.execute(
            select(MoodleLink.kind, MoodleLink.key, MoodleLink.moodle_id, MoodleLink.fingerprint)):
        links.setdefault(kind, {})[key] = LinkInfo(moodle_id, fp)
    return links


def load_applied(session: Session, kind: str, keys: list[str]) -> dict[str, dict]:
    """The fields last applied for some links (only needed for the few that change state)."""
    out: dict[str, dict] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        rows = session.execute(select(MoodleLink.key, MoodleLink.applied).where(
            tuple_(MoodleLink.kind, MoodleLink.key).in_([(kind, k) for k in chunk])))
        out.update({k: a for k, a in rows})
    return out


def encode(fields: Mapping[str, object]) -> dict[str, object]:
    """Fields as stored in a link: references become "kind:key"."""
    return {k: f"{v.kind}:{v.key}" if isinstance(v, Ref) else v for k, v in fields.items()}


def _state_action(kind: str, desired: Mapping[str, object], before: Mapping[str, object] | None) -> Action:
    """Name an update by what it does to access: suspend, reactivate, or a plain update."""
    removal = REMOVAL.get(kind)
    if removal and before is not None:
        name, off = removal
        if desired.get(name) == off and before.get(name) != off:
            return Action.SUSPEND
        if desired.get(name) != off and before.get(name) == off:
            return Action.REACTIVATE
    return Action.UPDATE


def _removal(kind: str, key: str, link: LinkInfo, before: Mapping[str, object] | None,
             rules: Mapping[str, tuple[str, object] | None]) -> Change | None:
    if kind not in rules:
        return None
    rule = rules[kind]
    if rule is None:
        item = Item.make(kind, key, decode_refs(kind, key, before)) if before else None
        return Change(Action.REMOVE, kind, key, item=item, moodle_id=link.moodle_id)
    name, off = rule
    if before is None or before.get(name) == off:
        return None  # already suspended / hidden
    fields = dict(before)
    fields[name] = off
    return Change(Action.SUSPEND, kind, key, item=Item.make(kind, key, decode_refs(kind, key, fields)),
                  moodle_id=link.moodle_id, fields=(name,))


def decode_refs(kind: str, key: str, fields: Mapping[str, object]) -> dict[str, object]:
    """Rebuild refs of a removed item from its stored fields ("kind:key" strings)."""
    ref_fields = {"course": ("category",), "enrolment": ("course", "user"), "group": ("course",),
                  "group_member": ("group", "user"), "cohort_member": ("cohort", "user"),
                  "attendance": ("course",), "attendance_session": ("attendance",),
                  "event": ("course",)}.get(kind, ())
    out = dict(fields)
    for name in ref_fields:
        value = out.get(name)
        if isinstance(value, str):
            ref_kind, _, ref_key = value.partition(":")
            out[name] = Ref(ref_kind, ref_key)
    return out


def plan_delta(session: Session, desired: DesiredState, rules: Mapping = REMOVAL) -> Plan:
    links = load_links(session)
    plan = Plan(mode="delta", managed={kind: len(v) for kind, v in links.items()})
    for kind in KINDS:
        want, have = desired.items[kind], links.get(kind, {})
        changed = [key for key, item in want.items() if key in have and have[key].fingerprint != item.fingerprint]
        gone = [key for key in have if key not in want]
        before = load_applied(session, kind, changed + gone) if kind in REMOVAL and (changed or gone) else {}
        plan.changes += [Change(Action.CREATE, kind, key, item) for key, item in want.items() if key not in have]
        for key, item in want.items():
            link = have.get(key)
            if link is not None and link.fingerprint != item.fingerprint:
                prior = before.get(key)
                names = tuple(n for n in item.fields if prior is None or encode({n: item.fields[n]})[n] != prior.get(n))
                plan.changes.append(Change(_state_action(kind, item.fields, prior), kind, key, item=item,
                                           moodle_id=link.moodle_id, fields=names))
        for key in gone:
            change = _removal(kind, key, have[key], before.get(key), rules)
            if change is not None:
                plan.changes.append(change)
    return plan


def plan_full(session: Session, desired: DesiredState, actual: Actual, rules: Mapping = REMOVAL) -> Plan:
    """Compare with Moodle itself: creates what is missing (even if a link says it was made),
    puts back what was edited by hand (drift), adopts what exists but is not linked yet."""
    links = load_links(session)
    plan = Plan(mode="full", managed={kind: len(v) for kind, v in links.items()})
    for kind in KINDS:
        want, have, found = desired.items[kind], links.get(kind, {}), actual.things[kind]
        gone = [key for key in have if key not in want and key in found]
        for key, item in want.items():
            link, thing = have.get(key), found.get(key)
            if thing is None:
                plan.changes.append(Change(Action.CREATE, kind, key, item=item, drift=link is not None))
                continue
            names = tuple(n for n in item.fields if n in thing.fields and thing.fields[n] != item.fields[n])
            if link is None:
                plan.changes.append(Change(Action.ADOPT, kind, key, item=item, moodle_id=thing.moodle_id, fields=names))
            elif names or link.fingerprint != item.fingerprint:
                drift = bool(names) and link.fingerprint == item.fingerprint
                plan.changes.append(Change(_state_action(kind, item.fields, thing.fields), kind, key, item=item,
                                           moodle_id=thing.moodle_id or link.moodle_id,
                                           fields=names or tuple(item.fields), drift=drift))
        before = load_applied(session, kind, gone) if gone else {}
        for key in gone:
            prior = dict(before.get(key, {}))
            prior.update(encode(found[key].fields))
            change = _removal(kind, key, have[key], prior, rules)
            if change is not None:
                plan.changes.append(change)
    return plan
