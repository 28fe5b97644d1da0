"""Course allocation at region scale: first come first served, a min-cost flow, and ours, side by side.

A region instance, generated deterministically: 60,000 students of grades 8-10 in 600 schools
(classes of 25 with their own afternoon lessons), 3,000 offers (groups of 8 to 25, 1 to 3 hours a
week in weekly slots across six afternoons), 5 ranked choices each (popular courses chosen more,
mostly among their own municipality's offers), each student may take 2 courses and must take 1
(3,000 groups of at most 25 are 75,000 places: 2 each could not all be met), and a SanPiN load of
their grade less a home curriculum of 28 to 32 hours. Then:

(a) first come first served (mod_choice): in order of answer, each student takes their choices
    while the group has room, knowing nothing of minimum sizes, clashes or loads;
(b) a min-cost flow (mod_ratingallocate's model): the most worth of granted choices within the
    groups' maximum sizes, ignoring minimum sizes, clashes and loads;
(c) ours (bridge.choices.solver): every rule. The LP relaxation over each student's feasible sets
    of courses (HiGHS) gives the proven bound and, rounded and repaired, the start; CP-SAT runs on
    it for the rest of the limit only when that start is not yet within --relative-gap (default
    1 %, the issue's target) of the bound. At this size it is: CP-SAT, run anyway
    (--relative-gap 0), does not improve on it in the rest of the minute, and its peak memory
    (1.4 to 3.6 GiB in our runs) grows with the time it is given.

Each method runs in a child process, so its wall time and peak memory (the child's maximum resident
set) are its own. Printed for each: students granted their 1st choice, the mean rank granted,
students not fully served (fewer courses than they may take and chose), groups opened below their
minimum, granted clashes (two overlapping courses, or one over a lesson of the student's class),
students over their load, wall time and peak memory; for ours also the status, objective, bound
and gap.

The time limit is ours's whole wall: the model build, the LP, the repair and CP-SAT.

    .venv/bin/python -m benchmarks.bench_allocate [--students 60000] [--offers 3000] [--time-limit 60]
                                                  [--relative-gap 0.01] [--portfolio]
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge.choices.solver import Instance, Offer, Pupil, flow_assignment, solve  # noqa: E402
from bridge.timetable import max_weekly_hours  # noqa: E402

WEIGHTS = (5, 4, 3, 2, 1)
DAYS, TIMES = 6, 5  # afternoon slot positions: six days, five starting times
CLASS_SIZE, MUNICIPALITIES = 25, 12


def region(students: int, offers: int, seed: int = 2026) -> Instance:
    rng = random.Random(seed)
    positions = [(d, t) for d in range(DAYS) for t in range(TIMES)]
    slots, made = {}, []
    for o in range(1, offers + 1):
        hours = rng.choice((1, 2, 2, 3))
        slots[o] = frozenset(rng.sample(positions, hours))
        grade_from = rng.choice((8, 8, 9, 10))
        made.append((Offer(o, 8, 25, hours), grade_from, rng.randint(grade_from, 10), o % MUNICIPALITIES))
    overlaps = frozenset((a, b) for a in slots for b in slots if a < b and slots[a] & slots[b])
    by_place: dict[tuple[int, int], list[int]] = defaultdict(list)
    popularity = {o.id: rng.lognormvariate(0, 0.5) for o, *_ in made}
    for offer, lo, hi, municipality in made:
        for grade in range(lo, hi + 1):
            by_place[(municipality, grade)].append(offer.id)
    pupils = []
    class_blocks: dict[int, frozenset] = {}
    for s in range(1, students + 1):
        klass = (s - 1) // CLASS_SIZE
        if klass not in class_blocks:  # the class's own 6th and 7th periods on some afternoons
            class_blocks[klass] = frozenset((d, 0) for d in range(DAYS) if rng.random() < 0.4)
        grade = 8 + klass % 3
        municipality = (klass // 3) % MUNICIPALITIES
        local = by_place[(municipality, grade)]
        other = by_place[((municipality + 1) % MUNICIPALITIES, grade)]
        pool = local + other[: len(local) // 5]
        choices: list[int] = []
        while len(choices) < 5:
            pick = rng.choices(pool, weights=[popularity[o] for o in pool], k=1)[0]
            if pick not in choices:
                choices.append(pick)
        blocks = class_blocks[klass]
        clashes = {o: "6 урок" for o in choices if slots[o] & blocks}
        spare = max_weekly_hours(grade, 5) - rng.randint(28, 32)
        pupils.append(Pupil(s, tuple(choices), 1, 2, spare_hours=spare, home_clashes=clashes))
    return Instance([o for o, *_ in made], pupils, WEIGHTS, overlaps)


def first_come(instance: Instance) -> dict[int, tuple[int, ...]]:
    order = list(instance.pupils)
    random.Random(1).shuffle(order)  # the order the answers came in
    room = {o.id: o.max_size for o in instance.offers}
    grants = {}
    for p in order:
        mine = []
        for o in p.choices:
            if len(mine) < p.max_courses and room[o] > 0:
                mine.append(o)
                room[o] -= 1
        grants[p.id] = tuple(mine)
    return grants


def min_cost_flow(instance: Instance) -> dict[int, tuple[int, ...]]:
    worth = {(p.id, o): instance.weights[rank] for p in instance.pupils for rank, o in enumerate(p.choices)}
    got, _ = flow_assignment(instance.pupils, instance.offers, worth)
    return {p: tuple(mine) for p, mine in got.items()}


def ours(instance: Instance, time_limit: float, deterministic: bool, relative_gap: float,
         ) -> tuple[dict[int, tuple[int, ...]], dict]:
    result = solve(instance, time_limit=time_limit, workers=2, deterministic=deterministic,
                   relative_gap=relative_gap)
    return result.grants, {"status": result.status, "objective": result.objective, "bound": result.bound,
                           "gap": result.gap}


def measure(instance: Instance, grants: dict[int, tuple[int, ...]]) -> dict:
    offers = {o.id: o for o in instance.offers}
    sizes: dict[int, int] = defaultdict(int)
    first = ranks = granted = unserved = clashes = overloads = 0
    for p in instance.pupils:
        mine = grants.get(p.id, ())
        for o in mine:
            sizes[o] += 1
            ranks += p.choices.index(o) + 1
        granted += len(mine)
        first += p.choices[0] in mine
        unserved += len(mine) < min(p.max_courses, len(p.choices))
        clashes += sum(o in p.home_clashes for o in mine)
        clashes += sum((min(a, b), max(a, b)) in instance.overlaps for i, a in enumerate(mine) for b in mine[i + 1:])
        overloads += p.spare_hours is not None and sum(offers[o].hours for o in mine) > p.spare_hours
    below = sum(1 for o, n in sizes.items() if 0 < n < offers[o].min_size)
    return {"first": first, "mean_rank": ranks / max(1, granted), "unserved": unserved, "below_min": below,
            "clashes": clashes, "overloads": overloads, "granted": granted}


def in_child(work, *args) -> tuple[object, float, float]:
    """Run ``work`` in a forked child: its answer, wall seconds and peak resident memory (MiB)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        started = time.perf_counter()
        answer = work(*args)
        data = pickle.dumps((answer, time.perf_counter() - started))
        with os.fdopen(write, "wb") as out:
            out.write(data)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer, wall = pickle.loads(pipe.read())
    _, _, usage = os.wait4(pid, 0)
    return answer, wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=60_000)
    parser.add_argument("--offers", type=int, default=3_000)
    parser.add_argument("--time-limit", type=float, default=60.0, help="ours: the whole wall's limit, seconds")
    parser.add_argument("--relative-gap", type=float, default=0.01,
                        help="ours: a start this close to the bound is the answer (0: always run CP-SAT)")
    parser.add_argument("--portfolio", action="store_true",
                        help="ours: CP-SAT's parallel portfolio instead of the deterministic search")
    args = parser.parse_args()
    started = time.perf_counter()
    instance = region(args.students, args.offers)
    print(f"instance: {len(instance.pupils)} students, {len(instance.offers)} offers, "
          f"{sum(len(p.choices) for p in instance.pupils)} choices, {len(instance.overlaps)} overlapping offer "
          f"pairs, built in {time.perf_counter() - started:.1f} s", flush=True)
    rows = []
    for name, work, extra in (("(a) first come first served", first_come, ()),
                              ("(b) min-cost flow", min_cost_flow, ()),
                              ("(c) ours: LP + CP-SAT", ours, (args.time_limit, not args.portfolio, args.relative_gap))):
        answer, wall, peak = in_child(work, instance, *extra)
        grants, figures = answer if isinstance(answer, tuple) else (answer, {})
        rows.append((name, measure(instance, grants), wall, peak, figures))
        print(f"{name}: done in {wall:.1f} s", flush=True)
    head = (f"{'method':<30}{'1st choice':>11}{'mean rank':>10}{'not fully':>10}{'below min':>10}"
            f"{'clashes':>9}{'overloads':>10}{'wall s':>8}{'peak MiB':>9}")
    print()
    print(head)
    print("-" * len(head))
    for name, m, wall, peak, _ in rows:
        print(f"{name:<30}{m['first']:>11}{m['mean_rank']:>10.2f}{m['unserved']:>10}{m['below_min']:>10}"
              f"{m['clashes']:>9}{m['overloads']:>10}{wall:>8.1f}{peak:>9.0f}")
    figures = rows[-1][4]
    print(f"\nours: status {figures['status']}, objective {figures['objective']:.0f}, "
          f"bound {figures['bound']:.0f}, gap {100 * figures['gap']:.3f}%")


if __name__ == "__main__":
    main()
