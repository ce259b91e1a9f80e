from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Pillar, Value, all_indicators, get
from tinhso.indicators.values import indicator_read, scope_resolve
from tinhso.onestop.stats import dossier_stats, rate

pytestmark = pytest.mark.django_db


def _value(code: str, unit: str, period: str) -> Value:
    indicator = get(code)
    assert indicator is not None
    return indicator.compute(scope_resolve(unit), Period.parse(period))


def test_the_one_stop_indicators_are_registered_with_their_basis():
    codes = {i.code for i in all_indicators(public_only=True)}
    assert {"onestop.received", "onestop.resolved", "onestop.resolved_in_time",
            "onestop.on_time_rate", "onestop.online_rate", "onestop.online_payment_rate",
            "onestop.electronic_result_rate"} <= codes
    rate_indicator = get("onestop.on_time_rate")
    assert rate_indicator is not None
    assert rate_indicator.unit == "%" and rate_indicator.pillar is Pillar.GOVERNMENT
    assert "766" in rate_indicator.regulation


@pytest.mark.parametrize(("period", "first", "last"), [
    ("2025-03", dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
    ("2025-Q2", dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
    ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
])
def test_values_equal_the_one_stop_figures(world, period, first, last):
    stats = dossier_stats(user=world.leader, date_from=first, date_to=last)
    for unit in ("38", world.dept.code):
        assert _value("onestop.received", unit, period).value == stats["received"]
        assert _value("onestop.resolved", unit, period).value == stats["resolved"]
        assert (_value("onestop.resolved_in_time", unit, period).value
                == stats["early"] + stats["on_time"])
        on_time = _value("onestop.on_time_rate", unit, period)
        assert on_time.value == stats["on_time_rate"]
        assert on_time.denominator == stats["resolved"]
        online = stats["by_channel"].get("2", {}).get("received", 0)
        assert _value("onestop.online_rate", unit, period).value == rate(online,
                                                                          stats["received"])


def test_march_in_figures(world):
    assert _value("onestop.received", "38", "2025-03") == Value(6, None, 6)
    assert _value("onestop.on_time_rate", "38", "2025-03") == Value(2, 3, 66.67)
    assert _value("onestop.online_rate", "38", "2025-03") == Value(1, 6, 16.67)
    assert _value("onestop.online_payment_rate", "38", "2025-03") == Value(1, 2, 50.0)
    assert _value("onestop.electronic_result_rate", "38", "2025-03") == Value(2, 3, 66.67)
    assert _value("onestop.electronic_result_rate", "38", "2025-Q1") == Value(2, 3, 66.67)
    assert _value("onestop.electronic_result_rate", "38", "2025") == Value(3, 4, 75.0)


def test_a_rate_with_nothing_to_divide_has_no_value(world):
    assert _value("onestop.on_time_rate", "38", "2024-03") == Value(0, 0, None)
    assert _value("onestop.received", world.partner.code, "2025-03") == Value(0, None, 0)


def test_a_reading_carries_the_previous_period(world):
    indicator = get("onestop.received")
    assert indicator is not None
    reading = indicator_read(indicator, scope_resolve("38"), Period.parse("2025-04"))
    assert reading.value.value == 1
    assert str(reading.previous_period) == "2025-03"
    assert reading.previous == Value(6, None, 6)


def test_a_year_costs_the_same_number_of_queries_as_a_month(world):
    scope = scope_resolve("38")
    for indicator in all_indicators():
        counts = []
        for period in ("2025-03", "2025-Q1", "2025"):
            with CaptureQueriesContext(connection) as ctx:
                indicator.compute(scope, Period.parse(period))
            counts.append(len(ctx.captured_queries))
        # one query (open data: datasets, then use counts: two), whatever the period's length
        assert counts[0] == counts[1] == counts[2] <= (2 if indicator.source == "opendata"
                                                       else 1), (indicator.code, counts)
