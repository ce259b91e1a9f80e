from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.indicators.periods import FIRST_YEAR, LAST_YEAR, Period, PeriodError

periods = st.one_of(
    st.builds(Period, st.just("month"), st.integers(FIRST_YEAR, LAST_YEAR), st.integers(1, 12)),
    st.builds(Period, st.just("quarter"), st.integers(FIRST_YEAR, LAST_YEAR), st.integers(1, 4)),
    st.builds(Period, st.just("year"), st.integers(FIRST_YEAR, LAST_YEAR), st.just(1)),
)


@given(periods)
def test_a_period_reads_back_from_its_name_and_follows_the_previous_one(period):
    assert Period.parse(str(period)) == period
    assert period.first_day <= period.last_day < period.end
    previous = period.previous()
    if previous is not None:
        assert previous.end == period.first_day
        assert previous.kind == period.kind


@given(st.text(max_size=12))
def test_any_other_text_is_refused_or_names_a_period(text):
    try:
        period = Period.parse(text)
    except PeriodError:
        return
    assert str(period) == text.strip()


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
    ("2026-07", dt.date(2026, 7, 1), dt.date(2026, 7, 31)),
    ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
])
def test_the_three_kinds_of_period(text, first, last):
    period = Period.parse(text)
    assert (period.first_day, period.last_day) == (first, last)


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "2026-7", "26", "2026-00", "", "1969",
                                  "2026-Q0", "2026-07-01", "9999"])
def test_malformed_periods_are_refused(text):
    with pytest.raises(PeriodError):
        Period.parse(text)


def test_the_previous_period_crosses_the_year():
    assert str(Period.parse("2026-01").previous()) == "2025-12"
    assert str(Period.parse("2026-Q1").previous()) == "2025-Q4"
    assert str(Period.parse("2026").previous()) == "2025"
    assert Period.parse("1970").previous() is None
