"""The allocation as an optimisation model (HiGHS LP, then OR-Tools CP-SAT): a pure function of the data, no database.

Variables: ``x[s, o]`` (student s is granted offer o) for each of the student's choices and pins
that can be granted at all (not forbidden, not clashing with their class, not over their load
alone, not in a group forced closed); ``y[o]`` (offer o's group opens); ``short[s]`` (how many
courses student s lacks of the required number).

Constraints: a group's size is at most its maximum; an open group has at least its minimum
(``OnlyEnforceIf(y)``) and a closed one nobody (``OnlyEnforceIf(¬y)``), so closing a group moves its
students to their other choices within the one solve, and that may close another group; a group
forced open, promised (may not be left closed) or holding a pinned student opens whatever its size;
two granted courses whose weekly lessons overlap exclude each other; the granted hours fit the
student's spare hours (SanPiN maximum less the home curriculum); at most the allowed number of
courses; at least the required number less ``short``.

Objective: the worth of the granted choices, less a penalty for each course lacking of a student's
required number that exceeds all any one student's choices could be worth: no student is left short
to grant another a better rank or one more course than required, and a group is opened for the
required courses before it is for preferences. (A penalty above the worth of the whole district would make
the order strict across students too, but then the bound, and so the gap, says nothing about the
students' preferences.)

Before CP-SAT, the linear relaxation over each pupil's feasible sets of courses (HiGHS, see
``_lp_relaxation``) gives the proven bound (overlaps and loads kept exactly, minimum sizes dropped)
and, solved again with the groups it fills below minimum closed, an almost whole assignment that
the repair (``_hint``) makes keep every rule. At region scale (60,000 pupils) that start is within
about half a percent of the bound; CP-SAT, given it as a hint for the rest of the limit, rarely
improves on it there, and proves the optimum on small instances. When the LP does not end within
its share of the limit, the min-cost flow's assignment (mod_ratingallocate's model) and its bound
take its place. The answer is the better of CP-SAT's and the repaired start; the bound the least of
CP-SAT's and the LP's (or the flow's).

What is deterministic: the sets, the LP (HiGHS's simplex on one thread, fixed seed), the rounding
and the repair; CP-SAT's search with ``deterministic`` (interleaved, fixed seed), so the same input
gives the same result ([choices] deterministic). What is not: where a wall-clock limit cuts a
search off (the LP's share, CP-SAT's rest), which depends on the machine's speed and load; only
then may two runs differ.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model


@dataclass(frozen=True)
class Offer:
    id: int
    min_size: int
    max_size: int
    hours: int
    # Opens whatever its size (forced open, or may not be left closed).
    always_open: bool = False
    forced_closed: bool = False


@dataclass(frozen=True)
class Pupil:
    id: int
    choices: tuple[int, ...]  # offer ids, 1st choice first
    min_courses: int
    max_courses: int
    # SanPiN maximum less the home curriculum; None when the home load is unknown (not checked).
    spare_hours: int | None = None
    # offer id → the class lesson it overlaps (a real instant, placed by the home school's bells).
    home_clashes: Mapping[int, str] = field(default_factory=dict)
    pins: frozenset[int] = frozenset()
    forbids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Instance:
    offers: Sequence[Offer]
    pupils: Sequence[Pupil]
    weights: Sequence[int]  # worth of the 1st, 2nd, ... choice
    # Offers whose weekly lessons overlap, each pair once as (smaller id, larger id).
    overlaps: frozenset[tuple[int, int]] = frozenset()


@dataclass(frozen=True)
class Reason:
    """Why a choice was not granted: a code and what it names (bridge.choices.allocation words it)."""

    code: str  # forbidden, closed_forced, closed_few, home_clash, overlap, overload, full, at_max, not_chosen
    offer: int
    other: int | None = None  # the granted offer it overlaps
    detail: str = ""  # the class lesson
    amount: int = 0  # hours over, or the group's size


@dataclass(frozen=True)
class Result:
    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE (explained), UNKNOWN (no solution in time)
    grants: dict[int, tuple[int, ...]]  # pupil → offers granted
    open_offers: frozenset[int]
    sizes: dict[int, int]
    objective: float
    bound: float
    wall_seconds: float
    # pupil → reasons for the choices not granted, for each pupil given fewer than they asked for
    unserved: dict[int, tuple[Reason, ...]]
    shortfall: int = 0  # courses lacking of the required counts, over all pupils
    problems: tuple[str, ...] = ()  # why the rules cannot be met at all (status INFEASIBLE)

    @property
    def gap(self) -> float:
        """Relative distance between the solution and the proven bound (0 = proven optimal)."""
        if self.status == "OPTIMAL":
            return 0.0
        return abs(self.bound - self.objective) / max(1.0, abs(self.bound))


def _overlapping(instance: Instance) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for a, b in instance.overlaps:
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def check_pins(instance: Instance) -> list[str]:
    """Pins that no assignment can keep, in words: the model is otherwise always feasible."""
    offers = {o.id: o for o in instance.offers}
    overlaps = _overlapping(instance)
    problems, pinned = [], {}
    for p in instance.pupils:
        if len(p.pins) > p.max_courses:
            problems.append(f"pupil {p.id}: {len(p.pins)} pins but at most {p.max_courses} courses allowed")
        hours = 0
        for o in sorted(p.pins):
            offer = offers[o]
            hours += offer.hours
            pinned[o] = pinned.get(o, 0) + 1
            if o in p.forbids:
                problems.append(f"pupil {p.id}: offer {o} is both pinned and forbidden")
            if offer.forced_closed:
                problems.append(f"pupil {p.id}: pinned to offer {o}, which is forced closed")
            if o in p.home_clashes:
                problems.append(f"pupil {p.id}: pinned to offer {o}, which clashes with {p.home_clashes[o]}")
            for other in overlaps.get(o, ()):
                if other in p.pins and other > o:
                    problems.append(f"pupil {p.id}: pinned to offers {o} and {other}, whose lessons overlap")
        if p.spare_hours is not None and hours > p.spare_hours:
            problems.append(f"pupil {p.id}: pins take {hours} h a week, {hours - p.spare_hours} h over the load")
    for o, count in sorted(pinned.items()):
        if count > offers[o].max_size:
            problems.append(f"offer {o}: {count} pins but at most {offers[o].max_size} places")
    return problems


def _candidates(instance: Instance, offers: Mapping[int, Offer]) -> dict[tuple[int, int], int]:
    """(pupil, offer) → worth, for every pair that can be granted at all."""
    weights = instance.weights
    out: dict[tuple[int, int], int] = {}
    for p in instance.pupils:
        ranked = {o: r for r, o in enumerate(p.choices)}
        for o in (*p.choices, *sorted(p.pins - set(p.choices))):
            offer = offers[o]
            if o in p.pins:
                out[(p.id, o)] = weights[ranked[o]] if o in ranked and ranked[o] < len(weights) else 0
                continue
            if (o in p.forbids or offer.forced_closed or o in p.home_clashes
                    or (p.spare_hours is not None and offer.hours > p.spare_hours)):
                continue
            out[(p.id, o)] = weights[ranked[o]] if ranked[o] < len(weights) else 0
    return out


def flow_assignment(
    pupils: Sequence[Pupil], offers: Sequence[Offer], worth: Mapping[tuple[int, int], int],
    bonus: Mapping[int, int] | None = None, most: Mapping[int, int] | None = None,
) -> tuple[dict[int, list[int]], int]:
    """The most worth of granted (pupil, offer) pairs within each group's maximum and each pupil's
    allowed count, as a min-cost flow (mod_ratingallocate's model): it knows no minimum size, no
    overlap between two courses and no load over several. ``bonus[pupil]`` is earned for each of
    the pupil's first ``min_courses`` courses (the required count first); ``most[pupil]`` caps their
    courses below the allowed count (the most they can take together). Returns the assignment
    and its value (worth less the bonus of each required course not granted): as every rule it
    ignores only removes assignments, this value bounds the allocation's objective from above."""
    from ortools.graph.python import min_cost_flow

    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    node = {("p", p.id): 2 + i for i, p in enumerate(pupils)}
    node.update({("o", o.id): 2 + len(pupils) + i for i, o in enumerate(offers)})
    for p in pupils:
        allowed = p.max_courses if most is None else most[p.id]
        flow.add_arc_with_capacity_and_unit_cost(source, node[("p", p.id)], allowed, 0)
        # What is not granted goes straight to the sink: free up to the allowed count less the
        # required one, at the bonus's cost below it.
        required = min(p.min_courses, allowed) if bonus else 0
        flow.add_arc_with_capacity_and_unit_cost(node[("p", p.id)], sink, allowed - required, 0)
        if required:
            flow.add_arc_with_capacity_and_unit_cost(node[("p", p.id)], sink, required, bonus[p.id])
    arcs = [(flow.add_arc_with_capacity_and_unit_cost(node[("p", p)], node[("o", o)], 1, -w), p, o)
            for (p, o), w in worth.items()]
    for o in offers:
        flow.add_arc_with_capacity_and_unit_cost(node[("o", o.id)], sink, o.max_size, 0)
    total = sum(p.max_courses if most is None else most[p.id] for p in pupils)
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("the min-cost flow found no optimum")
    got: dict[int, list[int]] = {p.id: [] for p in pupils}
    for arc, p, o in arcs:
        if flow.flow(arc):
            got[p].append(o)
    return got, -flow.optimal_cost()


def _hint(instance: Instance, offers: Mapping[int, Offer], worth: Mapping[tuple[int, int], int],
          start: Mapping[int, list[int]]) -> dict[int, list[int]]:
    """A feasible start: an assignment (the LP's rounded, or the flow's) made to keep every rule.
    Each pupil keeps their pins and then their best-ranked grants of ``start`` that overlap nothing
    kept, fit the load and the group's maximum; then, until
    none is left, every group below its minimum is closed and its pupils take their best choices
    with room in the open groups."""
    overlaps = _overlapping(instance)
    pinned = {o for p in instance.pupils for o in p.pins}
    closed = {o for o, offer in offers.items() if offer.forced_closed}
    got: dict[int, list[int]] = {}
    size: dict[int, int] = dict.fromkeys(offers, 0)

    def fits(p: Pupil, o: int, mine: list[int]) -> bool:
        return ((p.id, o) in worth and o not in mine and o not in closed and size[o] < offers[o].max_size
                and len(mine) < p.max_courses and not overlaps.get(o, set()).intersection(mine)
                and (p.spare_hours is None or sum(offers[g].hours for g in mine) + offers[o].hours <= p.spare_hours))

    def take(p: Pupil, candidates: Sequence[int], limit: int | None = None) -> None:
        mine = got[p.id]
        for o in candidates:
            if limit is not None and len(mine) >= limit:
                return
            if fits(p, o, mine):
                mine.append(o)
                size[o] += 1

    for p in instance.pupils:
        got[p.id] = sorted(p.pins)
        for o in p.pins:
            size[o] += 1
        take(p, [o for o in p.choices if o in start[p.id]])
    while True:
        closing = {o for o, offer in offers.items() if 0 < size[o] < offer.min_size
                   and not offer.always_open and o not in pinned}
        if not closing:
            break
        closed |= closing
        for p in instance.pupils:
            if closing.intersection(got[p.id]):
                got[p.id] = [o for o in got[p.id] if o not in closing]
                take(p, [o for o in p.choices if size[o] > 0 or offers[o].always_open or o in pinned])
        for o in closing:
            size[o] = 0
    # Places the repairs freed, in groups that are open: the required courses first.
    for required_only in (True, False):
        for p in instance.pupils:
            take(p, [o for o in p.choices if size[o] > 0], p.min_courses if required_only else None)
    # Then each pupil moves up to a better-ranked open group with room, when the group they leave
    # stays at its minimum.
    for p in instance.pupils:
        mine = got[p.id]
        for worse in sorted((o for o in mine if o in p.choices and o not in p.pins), key=p.choices.index,
                            reverse=True):
            if size[worse] <= offers[worse].min_size and not offers[worse].always_open:
                continue
            mine.remove(worse)
            size[worse] -= 1
            better = next((o for o in p.choices[: p.choices.index(worse)] if size[o] > 0 and fits(p, o, mine)), worse)
            mine.append(better)
            size[better] += 1
    return got


def _feasible_sets(instance: Instance, offers: Mapping[int, Offer], worth: Mapping[tuple[int, int], int],
                   overlaps: Mapping[int, set[int]]) -> dict[int, list[tuple[int, ...]]]:
    """Every set of courses each pupil could be granted on their own: their pins and grantable
    choices, at most the allowed count, none overlapping another, within the load."""
    out = {}
    for p in instance.pupils:
        pins = tuple(sorted(p.pins))
        rest = [o for o in dict.fromkeys(p.choices) if (p.id, o) in worth and o not in p.pins]
        sets = []
        for k in range(0, max(0, p.max_courses - len(pins)) + 1):
            for extra in itertools.combinations(rest, k):
                group = pins + extra
                if (all(b not in overlaps.get(a, ()) for a, b in itertools.combinations(group, 2))
                        and (p.spare_hours is None or sum(offers[o].hours for o in group) <= p.spare_hours)):
                    sets.append(group)
        out[p.id] = sets
    return out


def _quiet_highs():
    """A HiGHS instance, logging off. HiGHS prints its banner to the process's standard output
    (file descriptor 1, not Python's ``sys.stdout``) when the first instance is made, before any
    option can silence it (HiGHS issue 2749); it would spoil ``netcourses allocate --json``'s
    output, so descriptor 1 points at /dev/null while it is made."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    highs.setOptionValue("output_flag", False)
    return highs


def _lp_relaxation(
    instance: Instance, sets: Mapping[int, list[tuple[int, ...]]], worth: Mapping[tuple[int, int], int],
    penalty: Mapping[int, int], time_limit: float,
) -> tuple[float, dict[int, list[int]]] | None:
    """The linear relaxation of the allocation over each pupil's feasible sets (HiGHS's simplex): a
    weight in [0, 1] for every set a pupil could be granted, one in all per pupil, each group within
    its maximum. Overlaps and loads are kept exactly (a set that breaks them is no column); only
    minimum sizes are dropped, which loosens it: its optimum, rounded down (the objective is a whole
    number), is a proven bound. It comes out almost whole; then the groups it fills below their
    minimum are closed and it is solved again (warm, from the last basis) until it fills none, and
    each pupil takes their set of largest weight: the start the repair (``_hint``) makes keep every
    rule. Returns (bound, that assignment), or None when the first solve does not end within
    ``time_limit`` seconds. The simplex runs on one thread and is deterministic; only a time limit
    reached depends on the machine."""
    import highspy
    import numpy as np

    started = time.perf_counter()
    pupils, offers = instance.pupils, instance.offers
    index = {o.id: len(pupils) + i for i, o in enumerate(offers)}
    cost, starts, rows = [], [0], []
    for n, p in enumerate(pupils):
        for group in sets[p.id]:
            cost.append(sum(worth.get((p.id, o), 0) for o in group) - penalty[p.id] * max(0, p.min_courses - len(group)))
            rows.append(n)
            rows.extend(index[o] for o in group)
            starts.append(len(rows))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(cost), len(pupils) + len(offers)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.array(cost, dtype=float)
    lp.col_lower_, lp.col_upper_ = np.zeros(len(cost)), np.ones(len(cost))
    lp.row_lower_ = np.r_[np.ones(len(pupils)), np.zeros(len(offers))]
    lp.row_upper_ = np.r_[np.ones(len(pupils)), np.array([o.max_size for o in offers], dtype=float)]
    matrix = lp.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kColwise
    matrix.start_, matrix.index_ = np.array(starts, dtype=np.int32), np.array(rows, dtype=np.int32)
    matrix.value_ = np.ones(len(rows))
    matrix.num_col_, matrix.num_row_ = lp.num_col_, lp.num_row_
    highs = _quiet_highs()
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", 0)
    highs.passModel(lp)

    def run() -> bool:
        highs.setOptionValue("time_limit", max(0.1, time_limit - (time.perf_counter() - started)))
        highs.run()
        return highs.getModelStatus() == highspy.HighsModelStatus.kOptimal

    if not run():
        return None
    bound = float(math.floor(highs.getInfo().objective_function_value + 1e-6))
    solution = np.array(highs.getSolution().col_value)
    pinned = {o for p in pupils for o in p.pins}
    while True:
        sizes = np.array(highs.getSolution().row_value)[len(pupils):]
        small = [i for i, o in enumerate(offers) if 1e-6 < sizes[i] < o.min_size - 1e-6
                 and not o.always_open and o.id not in pinned]
        if not small:
            break
        for i in small:
            highs.changeRowBounds(len(pupils) + i, 0.0, 0.0)
        if not run():
            break  # the last solution reached: the repair closes what it left below minimum
        solution = np.array(highs.getSolution().col_value)
    rounded, column = {}, 0
    for p in pupils:
        weights = solution[column:column + len(sets[p.id])]
        rounded[p.id] = list(sets[p.id][int(np.argmax(weights))])
        column += len(sets[p.id])
    return bound, rounded


def _cp_sat(
    instance: Instance, offers: Mapping[int, Offer], worth: Mapping[tuple[int, int], int],
    overlaps: Mapping[int, set[int]], penalty: Mapping[int, int], most: Mapping[int, int],
    hint: Mapping[int, list[int]], deadline: float, workers: int, deterministic: bool,
) -> tuple[str, float, float, dict[int, tuple[int, ...]], frozenset[int]] | None:
    """The model of the module's docstring, hinted with ``hint``, built and solved by CP-SAT by
    ``deadline`` (a ``time.perf_counter()`` instant): (status, objective, bound, grants, open
    offers), or None when it found nothing."""
    model = cp_model.CpModel()
    x = {pair: model.NewBoolVar(f"x{pair[0]}_{pair[1]}") for pair in worth}
    by_offer: dict[int, list[cp_model.IntVar]] = {o: [] for o in offers}
    for (_, o), var in x.items():
        by_offer[o].append(var)
    pinned = {o for p in instance.pupils for o in p.pins}
    y = {}
    for o, offer in offers.items():
        members = by_offer[o]
        opens = y[o] = model.NewBoolVar(f"y{o}")
        if offer.forced_closed or not members:
            model.Add(opens == 0)
        elif offer.always_open or o in pinned:
            model.Add(opens == 1)
        if members:
            total = sum(members)
            model.Add(total <= offer.max_size)
            if not (offer.always_open or o in pinned) and offer.min_size > 0:
                model.Add(total >= offer.min_size).OnlyEnforceIf(opens)
            model.Add(total == 0).OnlyEnforceIf(opens.Not())
    short = {}
    for p in instance.pupils:
        mine = [(o, x[(p.id, o)]) for o in (*p.choices, *sorted(p.pins)) if (p.id, o) in x]
        mine = list(dict(mine).items())
        for o, var in mine:
            if o in p.pins:
                model.Add(var == 1)
        total = sum(var for _, var in mine)
        if mine:
            model.Add(total <= most[p.id])
        if p.spare_hours is not None and mine:
            model.Add(sum(offers[o].hours * var for o, var in mine) <= p.spare_hours)
        for i, (a, va) in enumerate(mine):
            for b, vb in mine[i + 1:]:
                if b in overlaps.get(a, ()):
                    model.AddBoolOr([va.Not(), vb.Not()])
        if p.min_courses:
            short[p.id] = model.NewIntVar(0, p.min_courses, f"short{p.id}")
            model.Add(total + short[p.id] >= p.min_courses)
    model.Maximize(sum(w * x[pair] for pair, w in worth.items() if w) - sum(penalty[p] * v for p, v in short.items()))

    hinted = {(p, o) for p, mine in hint.items() for o in mine}
    for pair, var in x.items():
        model.AddHint(var, 1 if pair in hinted else 0)
    hint_sizes: dict[int, int] = {}
    for _, o in hinted:
        hint_sizes[o] = hint_sizes.get(o, 0) + 1
    for o, var in y.items():
        model.AddHint(var, 1 if hint_sizes.get(o) else 0)
    for p in instance.pupils:
        if p.id in short:
            model.AddHint(short[p.id], max(0, p.min_courses - len(hint.get(p.id, ()))))

    solver = cp_model.CpSolver()
    # What is left once the model is built (that takes seconds at region scale).
    solver.parameters.max_time_in_seconds = max(0.5, deadline - time.perf_counter())
    solver.parameters.num_workers = workers
    solver.parameters.interleave_search = deterministic
    solver.parameters.random_seed = 0
    code = solver.Solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    grants = {p.id: tuple(o for o in (*p.choices, *sorted(p.pins - set(p.choices)))
                          if (p.id, o) in x and solver.BooleanValue(x[(p.id, o)])) for p in instance.pupils}
    return (solver.StatusName(code), solver.ObjectiveValue(), solver.BestObjectiveBound(), grants,
            frozenset(o for o in offers if solver.BooleanValue(y[o])))


def solve(instance: Instance, *, time_limit: float = 60.0, workers: int = 2, deterministic: bool = True,
          relative_gap: float = 0.0) -> Result:
    """The best allocation found within ``time_limit`` seconds, with the proven bound; with
    ``deterministic`` the same input always gives the same result. With ``relative_gap`` above 0,
    a start already that close to the bound is the answer (CP-SAT is not run)."""
    started = time.perf_counter()
    problems = check_pins(instance)
    if problems:
        return Result("INFEASIBLE", {}, frozenset(), {}, 0.0, 0.0, time.perf_counter() - started, {},
                      problems=tuple(problems))
    offers = {o.id: o for o in instance.offers}
    overlaps = _overlapping(instance)
    worth = _candidates(instance, offers)
    # A course lacking of a required count costs more than any one pupil's choices could be worth.
    lacking = 1 + max(instance.weights, default=0) * max((p.max_courses for p in instance.pupils), default=0)
    penalty = {p.id: lacking for p in instance.pupils}
    sets = _feasible_sets(instance, offers, worth, overlaps)
    most = {p: max(map(len, groups), default=0) for p, groups in sets.items()}
    # The LP (and its re-solves) may take up to three quarters of the limit: at region scale it is
    # the answer, and on a loaded machine its first solve alone has taken 20 s. CP-SAT has the rest.
    relaxed = _lp_relaxation(instance, sets, worth, penalty, 0.75 * time_limit - (time.perf_counter() - started))
    if relaxed is not None:
        proven, start = relaxed
    else:  # the LP did not end in time: the min-cost flow's assignment and bound
        start, proven = flow_assignment(instance.pupils, instance.offers, worth, penalty, most)
        # The courses lacking of a required count that no assignment can grant (the flow counts
        # only those below the cap).
        proven -= sum(penalty[p.id] * max(0, p.min_courses - most[p.id]) for p in instance.pupils)
    hint = _hint(instance, offers, worth, start)
    hint_value = (sum(worth[(p, o)] for p, mine in hint.items() for o in mine)
                  - sum(penalty[p.id] * max(0, p.min_courses - len(hint[p.id])) for p in instance.pupils))
    answer = None
    # CP-SAT only when the start is not already within the gap asked for of the bound.
    if proven - hint_value > relative_gap * max(1.0, abs(proven)):
        # The limit less a tenth for reading the solution and wording the reasons.
        deadline = started + 0.9 * time_limit
        answer = _cp_sat(instance, offers, worth, overlaps, penalty, most, hint, deadline, workers, deterministic)
    bound = proven if answer is None else min(answer[2], proven)
    if answer is not None and answer[1] >= hint_value:
        status, objective, _, grants, open_offers = answer
    else:  # CP-SAT found nothing better (or did not run): the repaired start, which keeps every rule
        pinned = {o for p in instance.pupils for o in p.pins}
        status, objective = "OPTIMAL" if hint_value >= bound else "FEASIBLE", float(hint_value)
        grants = {p.id: tuple(o for o in (*p.choices, *sorted(p.pins - set(p.choices))) if o in hint[p.id])
                  for p in instance.pupils}
        open_offers = frozenset(o for mine in grants.values() for o in mine) | frozenset(
            o for o, offer in offers.items() if (offer.always_open or o in pinned) and not offer.forced_closed)
    sizes = dict.fromkeys(offers, 0)
    for mine in grants.values():
        for o in mine:
            sizes[o] += 1
    unserved = {}
    for p in instance.pupils:
        reasons = _reasons(p, grants[p.id], offers, open_offers, sizes, overlaps)
        if reasons is not None:
            unserved[p.id] = reasons
    shortfall = sum(max(0, p.min_courses - len(grants[p.id])) for p in instance.pupils)
    return Result(status, grants, open_offers, sizes, objective, float(bound), time.perf_counter() - started,
                  unserved, shortfall)


def _reasons(
    p: Pupil, granted: tuple[int, ...], offers: Mapping[int, Offer], open_offers: frozenset[int],
    sizes: Mapping[int, int], overlaps: Mapping[int, set[int]],
) -> tuple[Reason, ...] | None:
    """Why each choice not granted was not, for a pupil given fewer courses than they could take
    (the allowed number, or as many as they chose); None for a pupil fully served."""
    wanted = min(p.max_courses, len(set(p.choices) | p.pins))
    if len(granted) >= max(wanted, p.min_courses):
        return None
    hours = sum(offers[o].hours for o in granted)
    reasons = []
    for o in p.choices:
        if o in granted:
            continue
        offer = offers[o]
        clash = next((g for g in granted if g in overlaps.get(o, ())), None)
        if o in p.forbids:
            reasons.append(Reason("forbidden", o))
        elif offer.forced_closed:
            reasons.append(Reason("closed_forced", o))
        elif o in p.home_clashes:
            reasons.append(Reason("home_clash", o, detail=p.home_clashes[o]))
        elif p.spare_hours is not None and hours + offer.hours > p.spare_hours:
            reasons.append(Reason("overload", o, amount=hours + offer.hours - p.spare_hours))
        elif o not in open_offers:
            reasons.append(Reason("closed_few", o, amount=offer.min_size))
        elif clash is not None:
            reasons.append(Reason("overlap", o, other=clash))
        elif sizes[o] >= offer.max_size:
            reasons.append(Reason("full", o, amount=offer.max_size))
        elif len(granted) >= p.max_courses:
            reasons.append(Reason("at_max", o))
        else:
            reasons.append(Reason("not_chosen", o))
    return tuple(reasons)
