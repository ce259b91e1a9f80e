"""The attainment calculator: green exactly when attained, amber within the margin or on
track, red otherwise; checked on examples and, with hypothesis, on any figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.indicators.attainment import Rag, assess

D = Decimal
amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False,
                      allow_infinity=False)
shares = st.decimals(min_value=0, max_value=1, places=4)
comparators = st.sampled_from(["gte", "lte", "eq"])


@pytest.mark.parametrize(("comparator", "target", "actual", "status", "gap"), [
    ("gte", 90, 92.5, Rag.GREEN, D(0)),
    ("gte", 90, 90, Rag.GREEN, D(0)),
    ("gte", 90, 86, Rag.AMBER, D(4)),  # within 5 % of 90 (4.5)
    ("gte", 90, 85, Rag.RED, D(5)),
    ("lte", 10, 10.4, Rag.AMBER, D("0.4")),
    ("lte", 10, 12, Rag.RED, D(2)),
    ("eq", 100, 100, Rag.GREEN, D(0)),
    ("eq", 100, 96, Rag.AMBER, D(4)),
])
def test_examples(comparator, target, actual, status, gap):
    result = assess(comparator=comparator, target=target, actual=actual)
    assert (result.status, result.gap) == (status, gap)


def test_a_count_on_track_for_an_unfinished_year_is_amber():
    # 92 communes by year end; 50 by the end of June is ahead of 46 pro rata.
    half = assess(comparator="gte", target=92, actual=50, elapsed=D("0.5"), cumulative=True)
    assert (half.status, half.on_track, half.attained) == (Rag.AMBER, True, False)
    behind = assess(comparator="gte", target=92, actual=40, elapsed=D("0.5"), cumulative=True)
    assert (behind.status, behind.on_track) == (Rag.RED, False)
    over = assess(comparator="gte", target=92, actual=50, elapsed=1, cumulative=True)
    assert over.status is Rag.RED  # the year is over: pro rata no longer helps


def test_no_figure_has_no_status():
    result = assess(comparator="gte", target=90, actual=None)
    assert (result.status, result.attained, result.gap) == (Rag.NONE, None, None)


def test_an_unknown_comparator_is_refused():
    with pytest.raises(ValueError, match="gt"):
        assess(comparator="gt", target=1, actual=1)


@given(comparators, amounts, amounts, shares, shares, st.booleans())
def test_green_exactly_when_attained_and_the_gap_is_zero(comparator, target, actual, margin,
                                                         elapsed, cumulative):
    r = assess(comparator=comparator, target=target, actual=actual, margin=margin,
               elapsed=elapsed, cumulative=cumulative)
    assert r.gap is not None and r.gap >= 0
    assert r.attained == (r.gap == 0) == (r.status is Rag.GREEN)
    if comparator == "gte":
        assert r.attained == (actual >= target)
    elif comparator == "lte":
        assert r.attained == (actual <= target)
    else:
        assert r.attained == (actual == target)


@given(comparators, amounts, amounts, shares)
def test_red_is_outside_the_margin(comparator, target, actual, margin):
    r = assess(comparator=comparator, target=target, actual=actual, margin=margin)
    if r.status is Rag.RED:
        assert r.gap is not None and r.gap > target * margin
    if r.status is Rag.AMBER:
        assert r.gap is not None and 0 < r.gap <= target * margin


@given(amounts, amounts, amounts, shares, shares, st.booleans())
def test_more_never_worsens_an_at_least_target(target, a, b, margin, elapsed, cumulative):
    low, high = sorted((a, b))
    rank = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
    r_low = assess(comparator="gte", target=target, actual=low, margin=margin,
                   elapsed=elapsed, cumulative=cumulative)
    r_high = assess(comparator="gte", target=target, actual=high, margin=margin,
                    elapsed=elapsed, cumulative=cumulative)
    assert rank[r_high.status] >= rank[r_low.status]


@given(comparators, amounts, amounts, shares, st.booleans())
def test_with_no_margin_a_finished_year_is_green_or_red(comparator, target, actual, margin,
                                                        cumulative):
    r = assess(comparator=comparator, target=target, actual=actual, margin=0, elapsed=1,
               cumulative=cumulative)
    assert r.status in (Rag.GREEN, Rag.RED)
    assert r.on_track is None
