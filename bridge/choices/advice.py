"""What a student's choice page marks next to each offer, before anything is solved: the same facts
the solver will hold against the choice, read from the same instance (:func:`read_campaign`), so the
page never promises what the allocation then refuses.

- ``home_clash``: a lesson of the offer falls on a lesson of the student's own class at home;
- ``overlap``: its lessons fall at the same time as those of an offer the student has already ranked,
  so the two can never both be granted (the solver excludes the pair);
- ``overload``: granting it, together with the fewest and lightest other ranked courses the student
  must take anyway (the grade's minimum), goes over the spare weekly hours (SanPiN maximum less the
  home curriculum). With a minimum of one course that is the offer alone.

A pure function of the instance: no database, no wording (the page words the marks in Russian).
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.choices.solver import Instance, Pupil


@dataclass(frozen=True)
class Mark:
    kind: str  # home_clash, overlap, overload
    detail: str = ""  # the class lesson, for home_clash
    others: tuple[int, ...] = ()  # the ranked offers it overlaps, or counted with it for overload
    hours_over: int = 0
    spare_hours: int = 0


def offer_marks(instance: Instance, pupil: Pupil, shown: list[int]) -> dict[int, list[Mark]]:
    """The marks of each offer in ``shown`` (offer ids) for ``pupil``; an offer with none is absent."""
    hours = {o.id: o.hours for o in instance.offers}
    overlapping: dict[int, set[int]] = {}
    for a, b in instance.overlaps:
        overlapping.setdefault(a, set()).add(b)
        overlapping.setdefault(b, set()).add(a)
    marks: dict[int, list[Mark]] = {}
    for offer in shown:
        found: list[Mark] = []
        if offer in pupil.home_clashes:
            found.append(Mark("home_clash", detail=pupil.home_clashes[offer]))
        clashing = overlapping.get(offer, set())
        ranked_clashes = tuple(o for o in pupil.choices if o in clashing)
        if ranked_clashes:
            found.append(Mark("overlap", others=ranked_clashes))
        if pupil.spare_hours is not None:
            companions = sorted((o for o in pupil.choices if o != offer and o not in clashing
                                 and o not in pupil.home_clashes), key=lambda o: (hours[o], o))
            counted = tuple(companions[:max(pupil.min_courses, 1) - 1])
            total = hours[offer] + sum(hours[o] for o in counted)
            if total > pupil.spare_hours:
                found.append(Mark("overload", others=counted, hours_over=total - pupil.spare_hours,
                                  spare_hours=pupil.spare_hours))
        if found:
            marks[offer] = found
    return marks
