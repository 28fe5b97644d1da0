"""The choice page's marks (bridge.choices.advice) on tiny instances worked by hand."""

from __future__ import annotations

from bridge.choices.advice import Mark, offer_marks
from bridge.choices.solver import Instance, Offer, Pupil

# Offers 1..4 of 2, 1, 2, 3 hours; 1 and 2 overlap.
OFFERS = [Offer(1, 1, 5, 2), Offer(2, 1, 5, 1), Offer(3, 1, 5, 2), Offer(4, 1, 5, 3)]


def _marks(**pupil):
    fields = {"id": 7, "choices": (), "min_courses": 1, "max_courses": 2, **pupil}
    return offer_marks(Instance(OFFERS, [Pupil(**fields)], (3, 2, 1), frozenset({(1, 2)})), Pupil(**fields),
                       [1, 2, 3, 4])


def test_nothing_to_mark():
    assert _marks(spare_hours=5) == {}


def test_a_home_clash_and_an_overlap_with_a_ranked_offer():
    assert _marks(choices=(1,), home_clashes={3: "7 урок: Алгебра"}) == {
        2: [Mark("overlap", others=(1,))], 3: [Mark("home_clash", detail="7 урок: Алгебра")]}


def test_an_offer_over_the_spare_hours_alone():
    assert _marks(spare_hours=2) == {4: [Mark("overload", hours_over=1, spare_hours=2)]}


def test_with_two_required_the_lightest_compatible_ranked_course_counts():
    # Must take 2; ranked 2 (1 h), 3 (2 h), 4 (3 h); 4 h spare. Offer 4 with the lightest other (2: 1 h) is 4:
    # fits. Offer 1 overlaps 2, so its companion is 3 (2 h): 4 h, fits. Offer 3 + 2 = 3 h. With 3 h spare:
    # 4 + 2 = 4 h is 1 over; 1 + 3 = 4 h is 1 over; 3 + 2 = 3 fits; 2 + 3 = 3 fits.
    assert _marks(choices=(2, 3, 4), min_courses=2, spare_hours=4) == {1: [Mark("overlap", others=(2,))]}
    assert _marks(choices=(2, 3, 4), min_courses=2, spare_hours=3) == {
        1: [Mark("overlap", others=(2,)), Mark("overload", others=(3,), hours_over=1, spare_hours=3)],
        4: [Mark("overload", others=(2,), hours_over=1, spare_hours=3)]}


def test_an_unknown_home_load_is_not_judged():
    assert _marks(choices=(4,), min_courses=2, spare_hours=None) == {}
