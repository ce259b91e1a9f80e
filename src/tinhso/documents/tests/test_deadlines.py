"""The same-day registration rule: an incoming document is registered the working day it
arrives (warned from 15:00, late after the close), an urgent one within 30 minutes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.core.calendar import TZ, national_calendar
from tinhso.documents.deadlines import (
    AT_RISK,
    LATE,
    registration_due,
    registration_warning,
)
from tinhso.documents.kinds import Urgency

CAL = national_calendar()


def vn(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def warn(
    arrived: dt.datetime, now: dt.datetime, urgency: str = Urgency.NORMAL, registered: bool = False
) -> str | None:
    w = registration_warning(
        arrived_at=arrived, urgency=urgency, registered=registered, now=now, calendar=CAL
    )
    return w.level if w else None


def test_a_document_arriving_in_the_morning_is_at_risk_from_three_and_late_after_five():
    arrived = vn(2026, 3, 2, 9, 0)  # Monday
    assert warn(arrived, vn(2026, 3, 2, 14, 59)) is None
    assert warn(arrived, vn(2026, 3, 2, 15, 0)) == AT_RISK
    assert warn(arrived, vn(2026, 3, 2, 16, 59)) == AT_RISK
    assert warn(arrived, vn(2026, 3, 2, 17, 0)) == LATE
    assert warn(arrived, vn(2026, 3, 3, 8, 0)) == LATE


def test_a_document_arriving_after_three_is_at_risk_at_once():
    assert warn(vn(2026, 3, 2, 16, 30), vn(2026, 3, 2, 16, 30)) == AT_RISK


def test_registered_documents_never_warn():
    assert warn(vn(2026, 3, 2, 9, 0), vn(2026, 3, 9, 9, 0), registered=True) is None
    assert warn(vn(2026, 3, 2, 9, 0), vn(2026, 3, 9, 9, 0), Urgency.FLASH, True) is None


def test_a_document_arriving_after_hours_or_at_the_weekend_is_due_the_next_working_day():
    assert registration_due(vn(2026, 3, 6, 18, 30), Urgency.NORMAL, CAL) == vn(2026, 3, 9, 17, 0)
    assert registration_due(vn(2026, 3, 7, 10, 0), Urgency.NORMAL, CAL) == vn(2026, 3, 9, 17, 0)
    assert warn(vn(2026, 3, 7, 10, 0), vn(2026, 3, 7, 16, 0)) is None  # Saturday afternoon


def test_a_document_arriving_on_a_public_holiday_is_due_after_it():
    # 30 April and 1 May 2026 are holidays (Thursday, Friday).
    assert registration_due(vn(2026, 4, 30, 9, 0), Urgency.NORMAL, CAL) == vn(2026, 5, 4, 17, 0)


@pytest.mark.parametrize("urgency", [Urgency.URGENT, Urgency.VERY_URGENT, Urgency.FLASH])
def test_an_urgent_document_is_late_after_thirty_minutes_whatever_the_hour(urgency):
    arrived = vn(2026, 3, 7, 22, 0)  # Saturday night
    assert warn(arrived, arrived + dt.timedelta(minutes=29), urgency) is None
    w = registration_warning(
        arrived_at=arrived,
        urgency=urgency,
        registered=False,
        now=arrived + dt.timedelta(minutes=30),
        calendar=CAL,
    )
    assert w is not None and w.level == LATE and w.urgent
    assert w.label == "Văn bản khẩn chưa vào sổ sau 30 phút"


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="aware"):
        registration_due(dt.datetime(2026, 3, 2, 9, 0), Urgency.NORMAL, CAL)  # noqa: DTZ001


moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=dt.datetime(2027, 12, 1),  # noqa: DTZ001
    timezones=st.just(TZ),
)


@given(
    arrived=moments,
    later=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=10)),
    more=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=10)),
    urgency=st.sampled_from(Urgency.values),
)
def test_once_late_always_late_and_never_a_warning_before_arrival(arrived, later, more, urgency):
    first = warn(arrived, arrived + later, urgency)
    second = warn(arrived, arrived + later + more, urgency)
    if first == LATE:
        assert second == LATE
    if first == AT_RISK:
        assert second in (AT_RISK, LATE)
    assert warn(arrived, arrived - dt.timedelta(minutes=1), urgency) is None
    due = registration_due(arrived, urgency, CAL)
    assert due > arrived
    assert warn(arrived, due, urgency) == LATE
