"""The allocation model on tiny instances whose optimum is worked out by hand (and checked against
a brute-force enumeration of every assignment)."""

from __future__ import annotations

import itertools
import random

from bridge.choices.solver import Instance, Offer, Pupil, Reason, solve

A, B, C, D = 1, 2, 3, 4
W = (10, 4, 1)


def one_each(choices: list[int], **kw) -> Pupil:
    return Pupil(id=kw.pop("id"), choices=tuple(choices), min_courses=kw.pop("min_courses", 1),
                 max_courses=kw.pop("max_courses", 1), **kw)


def brute_force(instance: Instance) -> tuple[int, int]:
    """(least shortfall, then most worth) over every assignment that keeps every rule."""
    offers = {o.id: o for o in instance.offers}
    options = []
    for p in instance.pupils:
        ok = [o for o in p.choices if o not in p.forbids and o not in p.home_clashes]
        subsets = [s for k in range(p.max_courses + 1) for s in itertools.combinations(ok, k)
                   if p.pins <= set(s)
                   and (p.spare_hours is None or sum(offers[o].hours for o in s) <= p.spare_hours)
                   and not any((min(a, b), max(a, b)) in instance.overlaps for a, b in itertools.combinations(s, 2))]
        options.append(subsets)
    best = None
    for pick in itertools.product(*options):
        sizes = {o: 0 for o in offers}
        for s in pick:
            for o in s:
                sizes[o] += 1
        if any(sizes[o] > offers[o].max_size or (0 < sizes[o] < offers[o].min_size and not offers[o].always_open)
               for o in offers):
            continue
        short = sum(max(0, p.min_courses - len(s)) for p, s in zip(instance.pupils, pick))
        worth = sum(instance.weights[p.choices.index(o)] for p, s in zip(instance.pupils, pick) for o in s)
        key = (-short, worth)
        best = key if best is None or key > best else best
    return -best[0], best[1]


def test_a_group_below_its_minimum_closes_and_its_students_move_in_one_solve():
    # A (min 3) has two fans: it cannot open. p1 then takes B with p2, p5 takes C with p3 and p4:
    # everyone is served. First come, first served opens nothing (A, B and C all end below minimum).
    instance = Instance(
        offers=[Offer(A, 3, 9, 1), Offer(B, 2, 9, 1), Offer(C, 3, 9, 1)],
        pupils=[one_each([A, B], id=1), one_each([B, C], id=2), one_each([C], id=3), one_each([C], id=4),
                one_each([A, C], id=5)],
        weights=W,
    )
    result = solve(instance, time_limit=10)
    assert result.status == "OPTIMAL"
    assert result.grants == {1: (B,), 2: (B,), 3: (C,), 4: (C,), 5: (C,)}
    assert result.open_offers == {B, C}
    assert result.objective == 38 == brute_force(instance)[1]
    assert result.unserved == {}


def test_closing_one_group_may_close_another():
    # A (min 2) has one fan, so p1 needs B (min 2), which opens only if p2 takes it; but p2 is needed
    # in C (min 3) with p3 and p4. So A and B both close and p1 is told why.
    instance = Instance(
        offers=[Offer(A, 2, 9, 1), Offer(B, 2, 9, 1), Offer(C, 3, 9, 1)],
        pupils=[one_each([A, B], id=1), one_each([B, C], id=2), one_each([C], id=3), one_each([C], id=4)],
        weights=W,
    )
    result = solve(instance, time_limit=10)
    assert result.grants == {1: (), 2: (C,), 3: (C,), 4: (C,)}
    assert result.open_offers == {C}
    assert result.unserved == {1: (Reason("closed_few", A, amount=2), Reason("closed_few", B, amount=2))}
    assert result.shortfall == 1 == brute_force(instance)[0]


def test_a_clash_with_the_home_timetable_is_never_granted():
    instance = Instance(
        offers=[Offer(A, 0, 9, 1), Offer(B, 0, 9, 1)],
        pupils=[Pupil(1, (A, B), 0, 2, home_clashes={A: "3 урок: Алгебра"})],
        weights=W,
    )
    result = solve(instance, time_limit=10)
    assert result.grants == {1: (B,)}
    assert result.unserved == {1: (Reason("home_clash", A, detail="3 урок: Алгебра"),)}


def test_two_courses_whose_lessons_overlap_are_not_both_granted():
    instance = Instance(
        offers=[Offer(A, 0, 9, 1), Offer(B, 0, 9, 1), Offer(C, 0, 9, 1)],
        pupils=[Pupil(1, (A, B, C), 0, 2)],
        weights=W,
        overlaps=frozenset({(A, B)}),
    )
    result = solve(instance, time_limit=10)
    assert result.grants == {1: (A, C)}
    assert result.objective == 11 == brute_force(instance)[1]


def test_the_load_cap_holds_and_the_excess_is_named():
    # 3 spare hours: A (2 h) and C (1 h) fill them; B (2 h) would be 2 h over.
    instance = Instance(
        offers=[Offer(A, 0, 9, 2), Offer(B, 0, 9, 2), Offer(C, 0, 9, 1)],
        pupils=[Pupil(1, (A, B, C), 0, 3, spare_hours=3)],
        weights=W,
    )
    result = solve(instance, time_limit=10)
    assert result.grants == {1: (A, C)}
    assert result.unserved == {1: (Reason("overload", B, amount=2),)}


def test_the_required_count_comes_before_the_first_choice():
    # A alone is worth 10, B and C together 5, but the rules require two courses.
    instance = Instance(
        offers=[Offer(A, 0, 9, 1), Offer(B, 0, 9, 1), Offer(C, 0, 9, 1)],
        pupils=[Pupil(1, (A, B, C), 2, 2)],
        weights=W,
        overlaps=frozenset({(A, B), (A, C)}),
    )
    result = solve(instance, time_limit=10)
    assert result.grants == {1: (B, C)}
    assert result.shortfall == 0


def test_a_required_count_no_assignment_allows_is_explained():
    instance = Instance(
        offers=[Offer(A, 0, 1, 1), Offer(B, 0, 9, 1)],
        pupils=[Pupil(1, (A,), 1, 1), Pupil(2, (A, B), 1, 1, home_clashes={B: "1 урок"})],
        weights=W,
    )
    result = solve(instance, time_limit=10)
    assert result.status == "OPTIMAL"
    assert result.shortfall == 1  # one place in A, and B clashes with pupil 2's class: one goes without
    (lacking, reasons), = result.unserved.items()
    assert result.grants[lacking] == ()
    assert reasons[0] == Reason("full", A, amount=1)


def test_pins_and_forbids_are_kept():
    instance = Instance(
        offers=[Offer(A, 0, 9, 1), Offer(B, 0, 9, 1), Offer(C, 0, 9, 1)],
        pupils=[Pupil(1, (A, B, C), 0, 2, pins=frozenset({C}), forbids=frozenset({A}))],
        weights=W,
    )
    result = solve(instance, time_limit=10)
    assert result.grants == {1: (B, C)}


def test_a_pin_keeps_its_group_open_below_minimum_and_a_forced_closed_group_stays_closed():
    instance = Instance(
        offers=[Offer(A, 5, 9, 1), Offer(B, 0, 9, 1, forced_closed=True), Offer(C, 0, 9, 1)],
        pupils=[Pupil(1, (B, A, C), 0, 2, pins=frozenset({A})), Pupil(2, (B, C), 0, 2)],
        weights=W,
    )
    result = solve(instance, time_limit=10)
    assert result.grants == {1: (A, C), 2: (C,)}
    assert result.open_offers == {A, C}
    assert result.unserved[2] == (Reason("closed_forced", B),)


def test_pins_that_break_the_rules_are_explained_and_nothing_is_allocated():
    instance = Instance(
        offers=[Offer(A, 0, 9, 2), Offer(B, 0, 9, 2, forced_closed=True), Offer(C, 0, 9, 2)],
        pupils=[Pupil(1, (A, B, C), 0, 3, spare_hours=3, pins=frozenset({A, B, C}))],
        weights=W,
        overlaps=frozenset({(A, C)}),
    )
    result = solve(instance, time_limit=10)
    assert result.status == "INFEASIBLE"
    assert result.grants == {}
    assert result.problems == (
        "pupil 1: pinned to offers 1 and 3, whose lessons overlap",
        "pupil 1: pinned to offer 2, which is forced closed",
        "pupil 1: pins take 6 h a week, 3 h over the load",
    )


def _random_instance(seed: int) -> Instance:
    rng = random.Random(seed)
    offers = [Offer(o, rng.randint(2, 4), rng.randint(5, 8), rng.randint(1, 2)) for o in range(1, 21)]
    pupils = [Pupil(p, tuple(rng.sample(range(1, 21), 4)), 1, 2, spare_hours=rng.randint(1, 4))
              for p in range(1, 121)]
    overlaps = frozenset((a, b) for a in range(1, 21) for b in range(a + 1, 21) if rng.random() < 0.1)
    return Instance(offers, pupils, (5, 4, 3, 2), overlaps)


def test_the_same_input_gives_the_same_result():
    first = solve(_random_instance(7), time_limit=20)
    second = solve(_random_instance(7), time_limit=20)
    assert first.status == second.status == "OPTIMAL"
    assert first.grants == second.grants and first.open_offers == second.open_offers
    assert first.gap == 0.0


def _tiny_instance(seed: int) -> Instance:
    """Small enough for brute force: 6 pupils, 4 offers with minimum sizes, overlaps and loads."""
    rng = random.Random(seed)
    offers = [Offer(o, rng.randint(1, 3), rng.randint(2, 4), rng.randint(1, 2)) for o in range(1, 5)]
    pupils = [Pupil(p, tuple(rng.sample(range(1, 5), 3)), rng.randint(0, 1), 2, spare_hours=rng.randint(1, 3),
                    home_clashes={o: "1 урок" for o in range(1, 5) if rng.random() < 0.1})
              for p in range(1, 7)]
    overlaps = frozenset((a, b) for a in range(1, 5) for b in range(a + 1, 5) if rng.random() < 0.2)
    return Instance(offers, pupils, (5, 3, 1), overlaps)


def _objective(instance: Instance, short: int, worth: int) -> int:
    """The solver's objective for a brute-force optimum (its penalty per course lacking)."""
    lacking = 1 + max(instance.weights) * max(p.max_courses for p in instance.pupils)
    return worth - lacking * short


def _keeps_every_rule(instance: Instance, result) -> None:
    offers = {o.id: o for o in instance.offers}
    for p in instance.pupils:
        mine = result.grants[p.id]
        assert len(mine) <= p.max_courses and set(mine) <= set(p.choices) | p.pins
        assert not set(mine) & (set(p.home_clashes) | p.forbids)
        assert not any((min(a, b), max(a, b)) in instance.overlaps for a, b in itertools.combinations(mine, 2))
        assert p.spare_hours is None or sum(offers[o].hours for o in mine) <= p.spare_hours
    for o, n in result.sizes.items():
        assert n <= offers[o].max_size
        assert n == 0 or n >= offers[o].min_size or offers[o].always_open


def test_the_bound_is_never_below_the_optimum_and_the_optimum_is_found():
    # The LP relaxation's bound (minimum sizes dropped) holds the brute-force optimum; the answer reaches it.
    for seed in range(12):
        instance = _tiny_instance(seed)
        optimum = _objective(instance, *brute_force(instance))
        result = solve(instance, time_limit=10)
        assert result.bound >= optimum, seed
        assert result.objective == optimum and result.status == "OPTIMAL", seed
        _keeps_every_rule(instance, result)


def test_the_repaired_lp_start_keeps_every_rule_and_its_gap_is_proven():
    # relative_gap=1: the start is the answer, CP-SAT does not run; the gap reported is against a real bound.
    for seed in range(12):
        instance = _tiny_instance(seed)
        optimum = _objective(instance, *brute_force(instance))
        result = solve(instance, time_limit=10, relative_gap=1.0)
        _keeps_every_rule(instance, result)
        assert result.objective <= optimum <= result.bound, seed
    result = solve(_random_instance(3), time_limit=10, relative_gap=1.0)
    _keeps_every_rule(_random_instance(3), result)
    assert result.objective <= result.bound


def test_the_lp_start_alone_is_deterministic():
    first = solve(_random_instance(11), time_limit=20, relative_gap=1.0)
    second = solve(_random_instance(11), time_limit=20, relative_gap=1.0)
    assert first.grants == second.grants and first.bound == second.bound and first.objective == second.objective


def test_solving_prints_nothing_to_standard_output():
    # HiGHS prints a banner to file descriptor 1 when a process makes its first instance: that
    # would spoil `netcourses allocate --json`. A fresh process, as the CLI is, prints nothing.
    import subprocess
    import sys

    code = ("from tests.choices.test_solver import _tiny_instance\n"
            "from bridge.choices.solver import solve\n"
            "solve(_tiny_instance(1), time_limit=5)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == ""
