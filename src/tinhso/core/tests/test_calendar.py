"""The deadline engine on real dates: what an officer or an applicant would check by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from tinhso.core.calendar import (
    TZ,
    OfficeHours,
    WorkingCalendar,
    calendar_for_province,
    national_calendar,
    national_holidays,
    national_weekend_workdays,
)
from tinhso.core.errors import DomainError
from tinhso.core.models import CalendarDay


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.fixture
def cal() -> WorkingCalendar:
    return national_calendar()


# -- the national calendar ---------------------------------------------------------------------


def test_tet_2025_days_are_skipped_with_their_names(cal):
    # Friday 24/01/2025 15:00, 2 working days: Friday gives 2 hours, Tết runs 27/01-01/02.
    explanation = cal.explain(vn(2025, 1, 24, 15, 0), working_days=2)
    assert explanation.due == vn(2025, 2, 4, 15, 0)
    skipped = {n.date: n for n in explanation.skipped}
    assert [d for d in skipped if skipped[d].kind == "holiday"] == [
        date(2025, 1, d) for d in (27, 28, 29, 30, 31)
    ] + [date(2025, 2, 1)]
    assert skipped[date(2025, 1, 29)].reason == "Tết Nguyên Đán"
    assert skipped[date(2025, 1, 25)].kind == "weekend"
    assert "Hạn trả kết quả: 15:00 ngày 04/02/2025." in explanation.text


def test_swapped_saturday_26_april_2025_is_a_working_day(cal):
    # Received Friday 25/04/2025 at 20:00: counting starts Saturday 26/04 at 07:00.
    explanation = cal.explain(vn(2025, 4, 25, 20, 0), working_days=3)
    assert explanation.counting_from == vn(2025, 4, 26, 7, 0)
    assert explanation.due == vn(2025, 4, 29, 17, 0)
    assert [n.date for n in explanation.skipped] == [date(2025, 4, 27)]
    assert [(n.date, n.kind) for n in explanation.extra_working_days] == [
        (date(2025, 4, 26), "weekend_workday")
    ]
    assert "bắt đầu tính từ 07:00 ngày 26/04/2025" in explanation.text


def test_30_april_to_4_may_2025_break_is_skipped(cal):
    # 29/04 08:00 gives 7 hours; 30/4, 1/5, 2/5 (off in exchange for 26/4) and the weekend
    # are skipped; Mon-Thu 5-8/5 give 32 hours; the 40th hour ends at 08:00 on Friday 9/5.
    explanation = cal.explain(vn(2025, 4, 29, 8, 0), working_days=5)
    assert explanation.due == vn(2025, 5, 9, 8, 0)
    reasons = {n.date: n.reason for n in explanation.skipped}
    assert list(reasons) == [date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2),
                             date(2025, 5, 3), date(2025, 5, 4)]
    assert "26/04/2025" in reasons[date(2025, 5, 2)]


def test_national_day_2025_takes_two_days(cal):
    explanation = cal.explain(vn(2025, 8, 29, 10, 0), working_days=1)
    assert explanation.due == vn(2025, 9, 3, 10, 0)
    assert [(n.date, n.reason) for n in explanation.skipped if n.kind == "holiday"] == [
        (date(2025, 9, 1), "Quốc khánh"), (date(2025, 9, 2), "Quốc khánh")
    ]


def test_weekend_workdays_of_2024_and_2026_are_known():
    assert date(2024, 5, 4) in national_weekend_workdays(2024)
    assert date(2026, 8, 22) in national_weekend_workdays(2026)
    assert date(2025, 9, 2) in national_holidays(2025)


def test_recomputing_a_past_deadline_uses_that_years_holidays(cal):
    # Saturday 4/5/2024 was worked; Monday 29/4/2024 was off in exchange.
    assert cal.is_working_day(date(2024, 5, 4))
    assert not cal.is_working_day(date(2024, 4, 29))
    assert cal.due(vn(2024, 5, 3, 17, 0), working_hours=1) == vn(2024, 5, 4, 8, 0)


# -- receipt outside office hours -----------------------------------------------------------


def test_friday_afternoon_receipt_continues_on_monday(cal):
    assert cal.due(vn(2025, 3, 14, 16, 0), working_hours=4) == vn(2025, 3, 17, 10, 0)


def test_receipt_at_lunch_counts_from_13_30(cal):
    explanation = cal.explain(vn(2025, 3, 17, 12, 0), working_days=1)
    assert explanation.counting_from == vn(2025, 3, 17, 13, 30)
    # 3.5 hours on Monday afternoon, 4.5 on Tuesday morning: due at the close of the morning.
    assert explanation.due == vn(2025, 3, 18, 11, 30)


def test_receipt_at_20_00_counts_from_the_next_morning(cal):
    explanation = cal.explain(vn(2025, 3, 17, 20, 0), working_days=1)
    assert explanation.counting_from == vn(2025, 3, 18, 7, 0)
    assert explanation.due == vn(2025, 3, 18, 17, 0)
    assert "ngoài giờ làm việc" in explanation.text


def test_receipt_on_sunday_lists_sunday_as_skipped(cal):
    explanation = cal.explain(vn(2025, 3, 16, 9, 0), working_hours=2)
    assert explanation.due == vn(2025, 3, 17, 9, 0)
    assert [(n.date, n.reason) for n in explanation.skipped] == [(date(2025, 3, 16), "Chủ nhật")]


def test_n_working_days_is_8n_working_hours(cal):
    start = vn(2025, 3, 17, 8, 0)
    assert cal.due(start, working_days=1) == vn(2025, 3, 18, 8, 0)
    assert cal.due(start, working_days=3) == cal.due(start, working_hours=24)
    assert cal.due(start, working_days="0.5") == vn(2025, 3, 17, 14, 0)  # 3.5h + 0.5h


def test_a_full_day_ends_at_17_00_not_the_next_morning(cal):
    assert cal.due(vn(2025, 3, 17, 7, 0), working_days=1) == vn(2025, 3, 17, 17, 0)
    assert cal.due(vn(2025, 3, 17, 7, 0), working_hours=4.5) == vn(2025, 3, 17, 11, 30)


def test_input_in_another_timezone_answers_in_vietnam_time(cal):
    due = cal.due(datetime(2025, 3, 17, 1, 0, tzinfo=UTC), working_days=1)  # 08:00 in Hà Nội
    assert due == vn(2025, 3, 18, 8, 0)
    assert due.utcoffset() == timedelta(hours=7)


# -- moments and elapsed time -----------------------------------------------------------------


def test_working_moments_and_the_next_one(cal):
    assert cal.is_working_moment(vn(2025, 3, 17, 7, 0))
    assert not cal.is_working_moment(vn(2025, 3, 17, 11, 30))
    assert not cal.is_working_moment(vn(2025, 3, 15, 9, 0))  # Saturday
    assert cal.next_working_moment(vn(2025, 3, 17, 9, 0)) == vn(2025, 3, 17, 9, 0)
    assert cal.next_working_moment(vn(2025, 3, 17, 6, 0)) == vn(2025, 3, 17, 7, 0)
    assert cal.next_working_moment(vn(2025, 3, 14, 17, 0)) == vn(2025, 3, 17, 7, 0)
    assert cal.next_working_moment(vn(2025, 1, 24, 18, 0)) == vn(2025, 2, 3, 7, 0)


def test_working_time_between_for_on_time_and_late(cal):
    assert cal.working_time_between(vn(2025, 3, 14, 16, 0), vn(2025, 3, 17, 8, 0)) == timedelta(
        hours=2
    )
    late = cal.working_time_between(vn(2025, 3, 18, 17, 0), vn(2025, 3, 17, 9, 0))
    assert late == -timedelta(hours=14)
    assert cal.to_working_days(timedelta(hours=12)) == 1.5


# -- pauses (supplement requests) --------------------------------------------------------------


def test_supplement_pause_moves_the_due_date(cal):
    start = vn(2025, 3, 17, 8, 0)  # 3 working days: due Thursday 20/03 08:00
    assert cal.due(start, working_days=3) == vn(2025, 3, 20, 8, 0)
    pause = (vn(2025, 3, 18, 10, 0), vn(2025, 3, 20, 9, 0))  # 5 + 8 + 2 = 15 working hours
    assert cal.working_time_between(*pause) == timedelta(hours=15)
    due = cal.due(start, working_days=3, pauses=[pause])
    assert due == vn(2025, 3, 21, 17, 0)
    assert cal.shift_due(vn(2025, 3, 20, 8, 0), *pause) == due
    explanation = cal.explain(start, working_days=3, pauses=[pause])
    assert explanation.due == due
    assert "cộng thêm 15 giờ làm việc" in explanation.text


def test_pause_after_the_due_date_changes_nothing_and_overlaps_count_once(cal):
    start = vn(2025, 3, 17, 8, 0)
    late_pause = (vn(2025, 3, 24, 8, 0), vn(2025, 3, 25, 8, 0))
    assert cal.due(start, working_days=3, pauses=[late_pause]) == vn(2025, 3, 20, 8, 0)
    overlapping = [(vn(2025, 3, 18, 8, 0), vn(2025, 3, 18, 10, 0)),
                   (vn(2025, 3, 18, 9, 0), vn(2025, 3, 18, 11, 0))]
    assert cal.due(start, working_days=3, pauses=overlapping) == vn(2025, 3, 20, 11, 0)


def test_a_pause_ending_before_it_begins_is_refused(cal):
    with pytest.raises(DomainError) as info:
        cal.due(vn(2025, 3, 17, 8), working_days=1,
                pauses=[(vn(2025, 3, 18, 8), vn(2025, 3, 17, 9))])
    assert info.value.errors[0].field == "pauses.0.end"


# -- bad input ---------------------------------------------------------------------------------


def test_naive_datetimes_are_refused_naming_the_argument(cal):
    with pytest.raises(DomainError) as info:
        cal.due(datetime(2025, 3, 17, 8, 0), working_days=1)  # noqa: DTZ001 - the point
    assert info.value.status == 422
    assert info.value.errors[0].field == "start"


def test_exactly_one_of_days_or_hours(cal):
    with pytest.raises(DomainError) as info:
        cal.due(vn(2025, 3, 17, 8), working_days=1, working_hours=8)
    assert {e.field for e in info.value.errors} == {"working_days", "working_hours"}
    with pytest.raises(DomainError):
        cal.due(vn(2025, 3, 17, 8))


def test_negative_duration_is_refused(cal):
    with pytest.raises(DomainError) as info:
        cal.due(vn(2025, 3, 17, 8), working_days=-1)
    assert info.value.errors[0].field == "working_days"


def test_years_outside_the_calendar_are_refused(cal):
    with pytest.raises(DomainError) as info:
        cal.due(vn(1990, 3, 17, 8), working_days=1)
    assert info.value.errors[0].code == "out_of_range"
    with pytest.raises(DomainError) as info:
        cal.due(vn(2099, 12, 1, 8), working_days=100)
    assert info.value.errors[0].field == "working_days"


# -- office hours ------------------------------------------------------------------------------


def test_office_hours_are_configurable():
    hours = OfficeHours.parse("07:30-11:30, 13:00-17:00")
    assert hours.periods == ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
    assert hours.day_length == timedelta(hours=8)
    cal = WorkingCalendar(office_hours=hours)
    assert cal.due(vn(2025, 3, 17, 20, 0), working_hours=5) == vn(2025, 3, 18, 14, 0)


def test_a_shorter_day_makes_a_working_day_shorter():
    cal = WorkingCalendar(office_hours=OfficeHours.parse("08:00-12:00"))
    assert cal.day_length == timedelta(hours=4)
    assert cal.due(vn(2025, 3, 17, 8, 0), working_days=2) == vn(2025, 3, 18, 12, 0)


@pytest.mark.parametrize(
    "text", ["7-11", "11:30-07:00", "07:00-12:00,11:00-17:00", "", "13:00-24:00"]
)
def test_bad_office_hours_are_refused(text):
    with pytest.raises(ValueError, match="period"):
        OfficeHours.parse(text)


# -- the province's own days -----------------------------------------------------------------


@pytest.mark.django_db
def test_province_extra_day_off_is_skipped_and_explained():
    CalendarDay.objects.create(province_code="38", date=date(2025, 3, 18), kind="off",
                               reason="Nghỉ lễ hội Lam Kinh")
    cal = calendar_for_province("38")
    explanation = cal.explain(vn(2025, 3, 17, 20, 0), working_days=1)
    assert explanation.due == vn(2025, 3, 19, 17, 0)
    assert [(n.date, n.reason, n.kind) for n in explanation.skipped] == [
        (date(2025, 3, 18), "Nghỉ lễ hội Lam Kinh", "province_off")
    ]
    assert "Nghỉ lễ hội Lam Kinh" in explanation.text
    # another province is not affected
    assert calendar_for_province("01").due(vn(2025, 3, 17, 20, 0), working_days=1) == vn(
        2025, 3, 18, 17, 0
    )


@pytest.mark.django_db
def test_province_extra_working_saturday_counts():
    CalendarDay.objects.create(province_code="38", date=date(2025, 3, 22), kind="work",
                               reason="Làm bù theo quyết định của UBND tỉnh")
    cal = calendar_for_province("38")
    assert cal.due(vn(2025, 3, 21, 16, 0), working_hours=2) == vn(2025, 3, 22, 8, 0)
    explanation = cal.explain(vn(2025, 3, 21, 16, 0), working_hours=2)
    assert explanation.extra_working_days[0].kind == "province_work"


@pytest.mark.django_db
def test_province_calendar_sees_a_new_day_off_at_once():
    start = vn(2025, 6, 2, 8, 0)
    assert calendar_for_province("38").due(start, working_days=1) == vn(2025, 6, 3, 8, 0)
    CalendarDay.objects.create(province_code="38", date=date(2025, 6, 3), kind="off",
                               reason="Nghỉ đột xuất")
    assert calendar_for_province("38").due(start, working_days=1) == vn(2025, 6, 4, 8, 0)
    CalendarDay.objects.filter(date=date(2025, 6, 3)).delete()
    assert calendar_for_province("38").due(start, working_days=1) == vn(2025, 6, 3, 8, 0)


@pytest.mark.django_db
def test_default_province_comes_from_settings(settings):
    settings.TINHSO_PROVINCE_CODE = "38"
    CalendarDay.objects.create(province_code="38", date=date(2025, 6, 3), kind="off",
                               reason="Nghỉ đột xuất")
    assert calendar_for_province().province_code == "38"
    assert not calendar_for_province().is_working_day(date(2025, 6, 3))


@pytest.mark.django_db
def test_office_hours_from_settings(settings):
    settings.TINHSO_OFFICE_HOURS = "08:00-12:00,13:00-17:00"
    cal = calendar_for_province("38")
    assert cal.next_working_moment(vn(2025, 3, 17, 7, 0)) == vn(2025, 3, 17, 8, 0)


def test_a_long_deadline_is_summarised_in_the_sentence_but_listed_in_full(cal):
    explanation = cal.explain(vn(2025, 1, 2, 8, 0), working_days=250)
    assert len(explanation.skipped) > 100
    assert "ngày cuối tuần" in explanation.text
    assert len(explanation.text) < 600
    assert any(n.reason == "Quốc khánh" for n in explanation.skipped)


@pytest.mark.django_db
def test_a_province_with_its_own_office_hours_counts_by_them():
    from tinhso.core.calendar import calendar_for_province
    from tinhso.core.models import ProvinceSchedule

    ProvinceSchedule.objects.create(province_code="99", office_hours="07:30-11:30,13:00-17:00")
    cal = calendar_for_province("99")
    assert cal.day_length == timedelta(hours=8)
    start = datetime(2025, 6, 2, 7, 0, tzinfo=TZ)  # Monday, before this province opens
    assert cal.next_working_moment(start) == datetime(2025, 6, 2, 7, 30, tzinfo=TZ)
    assert cal.due(start, working_hours=4) == datetime(2025, 6, 2, 11, 30, tzinfo=TZ)


def test_malformed_office_hours_are_refused_with_a_vietnamese_message():
    from django.core.exceptions import ValidationError

    from tinhso.core.models import validate_office_hours

    with pytest.raises(ValidationError):
        validate_office_hours("17:00-07:00")
