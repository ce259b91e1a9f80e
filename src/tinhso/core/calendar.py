"""Working time and statutory deadlines (the deadline engine).

Every deadline is counted in *working time*: office hours (default 07:00-11:30 and 13:30-17:00,
8 hours) on working days. Working days are Monday to Friday, less Vietnam's public holidays
(the `holidays` package), plus the weekend days the government declares working days in
exchange, plus or minus the province's own days (`CalendarDay` rows).

The convention, documented in docs/calendar.md:

- A deadline of N working days is N x (length of a working day) working hours, 8N with the
  default office hours. A deadline of H working hours is H working hours.
- Counting starts at the next working moment after receipt: a dossier received at 20:00, at
  lunch or on a Sunday starts counting when the office next opens.
- The due moment is the earliest instant at which the requested working time has elapsed; a
  deadline that fills a day exactly ends at the close of that day (17:00), not at 07:00 the
  next working day.
- A pause (supplement request) stops the clock: the due moment moves by exactly the working
  time inside the pause.

All inputs are aware datetimes; all outputs are aware datetimes in Asia/Ho_Chi_Minh.

Speed: a calendar precomputes the sorted ordinals of every working day from FIRST_YEAR to
LAST_YEAR once. An instant maps to its *working-time coordinate* (microseconds of working time
since the first covered day) with one bisect, and back with one divmod, so a due date is
O(log n) whatever the duration.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, FieldError

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_YEAR = 2000
LAST_YEAR = 2099
MAX_WORKING_DAYS = 3650

_US = 1_000_000  # microseconds in a second
_ONE_US = timedelta(microseconds=1)

DayKind = str  # "weekend" | "holiday" | "province_off" | "weekend_workday" | "province_work"


# --------------------------------------------------------------------------------------------
# Office hours
# --------------------------------------------------------------------------------------------


def _tod_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US + t.microsecond


@dataclass(frozen=True)
class OfficeHours:
    """The working periods of one working day, e.g. 07:00-11:30 and 13:30-17:00.

    Periods are half-open [start, end): 11:30 and 17:00 are not working moments, but a due
    moment can be exactly 11:30 or 17:00 (the end of a period)."""

    periods: tuple[tuple[time, time], ...] = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("OfficeHours needs at least one period")
        previous_end: time | None = None
        for begin, end in self.periods:
            if begin.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("office hours are local wall-clock times without a timezone")
            if not begin < end:
                raise ValueError(f"period {begin}-{end} must start before it ends")
            if previous_end is not None and begin < previous_end:
                raise ValueError("periods must be in order and must not overlap")
            previous_end = end

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """Parse "07:00-11:30,13:30-17:00" (the form used in settings and docs)."""
        periods = []
        for part in text.split(","):
            match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", part)
            if not match:
                raise ValueError(f"bad office hours period: {part!r} (want HH:MM-HH:MM)")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            try:
                periods.append((time(h1, m1), time(h2, m2)))
            except ValueError as exc:
                raise ValueError(f"bad office hours period: {part!r} ({exc})") from exc
        return cls(tuple(periods))

    @property
    def day_length(self) -> timedelta:
        return sum(
            ((datetime.combine(date.min, e) - datetime.combine(date.min, b)) for b, e in self.periods),
            timedelta(),
        )

    def __str__(self) -> str:
        return ", ".join(f"{b:%H:%M}-{e:%H:%M}" for b, e in self.periods)


WorkSchedule = OfficeHours  # the name used in some discussions; one class
DEFAULT_OFFICE_HOURS = OfficeHours()


def default_office_hours() -> OfficeHours:
    """The installation's office hours: settings.TINHSO_OFFICE_HOURS ("07:00-11:30,13:30-17:00")
    when set, else the default."""
    from django.conf import settings

    text = getattr(settings, "TINHSO_OFFICE_HOURS", "") or ""
    return OfficeHours.parse(text) if text.strip() else DEFAULT_OFFICE_HOURS


# --------------------------------------------------------------------------------------------
# The national calendar (the `holidays` package), cached once per process
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _national() -> tuple[dict[date, str], frozenset[date]]:
    """Vietnam's public holidays (Vietnamese names) and declared weekend working days, for
    FIRST_YEAR..LAST_YEAR."""
    years = range(FIRST_YEAR, LAST_YEAR + 1)
    cal = holidays_lib.country_holidays("VN", years=years, language="vi")
    names = {d: str(name) for d, name in cal.items() if FIRST_YEAR <= d.year <= LAST_YEAR}
    workdays = frozenset(
        d for d in getattr(cal, "weekend_workdays", ()) if FIRST_YEAR <= d.year <= LAST_YEAR
    )
    return names, workdays


def national_holidays(year: int) -> dict[date, str]:
    """Vietnam's public holidays in `year`, {date: Vietnamese name}."""
    names, _workdays = _national()
    return {d: n for d, n in sorted(names.items()) if d.year == year}


def national_weekend_workdays(year: int) -> frozenset[date]:
    """Weekend days the government declared working days in `year` (e.g. Saturday 2025-04-26)."""
    _names, workdays = _national()
    return frozenset(d for d in workdays if d.year == year)


# --------------------------------------------------------------------------------------------
# Explanations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayNote:
    """A day that counts differently from an ordinary weekday or weekend: why."""

    date: date
    reason: str
    kind: DayKind

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "reason": self.reason, "kind": self.kind}


@dataclass(frozen=True)
class PauseNote:
    start: datetime
    end: datetime
    working_time: timedelta


@dataclass(frozen=True)
class Explanation:
    """How a due date was reached, as data and as one Vietnamese paragraph."""

    start: datetime
    counting_from: datetime
    due: datetime
    duration: timedelta
    working_days: Decimal | None
    working_hours: Decimal | None
    skipped: tuple[DayNote, ...]
    extra_working_days: tuple[DayNote, ...]
    pauses: tuple[PauseNote, ...] = field(default=())
    text: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "skipped": [n.as_dict() for n in self.skipped],
            "extra_working_days": [n.as_dict() for n in self.extra_working_days],
            "text": self.text,
        }


def _fmt_dt(dt: datetime) -> str:
    local = dt.astimezone(TZ)
    return _("%(time)s ngày %(date)s") % {"time": f"{local:%H:%M}", "date": f"{local:%d/%m/%Y}"}


def _fmt_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def format_working_time(duration: timedelta) -> str:
    """'2 giờ 30 phút' (working time in hours and minutes)."""
    total_minutes = int(duration.total_seconds() // 60)
    hours, minutes = divmod(abs(total_minutes), 60)
    sign = "-" if total_minutes < 0 else ""
    if minutes and hours:
        return _("%(sign)s%(h)d giờ %(m)d phút") % {"sign": sign, "h": hours, "m": minutes}
    if minutes:
        return _("%(sign)s%(m)d phút") % {"sign": sign, "m": minutes}
    return _("%(sign)s%(h)d giờ") % {"sign": sign, "h": hours}


_LIST_AT_MOST = 20  # days named one by one in an explanation's sentence


def _weekday_name(day: date) -> str:
    return _("Thứ Bảy") if day.weekday() == 5 else _("Chủ nhật")


# --------------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------------


def _require_aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise DomainError.for_field(name, _("Cần một thời điểm (ngày và giờ)."))
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainError.for_field(
            name, _("Thời điểm phải có múi giờ, ví dụ 2025-04-25T08:00:00+07:00.")
        )
    return value


def _to_decimal(value: Any, name: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError.for_field(name, _("Cần một số.")) from exc
    if not number.is_finite():
        raise DomainError.for_field(name, _("Cần một số hữu hạn."))
    if number < 0:
        raise DomainError.for_field(name, _("Thời hạn không được âm."))
    return number


class WorkingCalendar:
    """One province's working calendar: office hours, national holidays and weekend working
    days, and the province's own days off and working days.

    Immutable after construction and safe to share between threads; build one with
    `calendar_for_province()` (cached) or directly for tests and batch jobs."""

    def __init__(
        self,
        *,
        office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
        extra_days_off: Mapping[date, str] | None = None,
        extra_working_days: Mapping[date, str] | None = None,
        province_code: str = "",
    ) -> None:
        self.office_hours = office_hours
        self.province_code = province_code
        self.extra_days_off: dict[date, str] = dict(extra_days_off or {})
        self.extra_working_days: dict[date, str] = dict(extra_working_days or {})
        both = set(self.extra_days_off) & set(self.extra_working_days)
        if both:
            raise ValueError(f"days both off and working: {sorted(both)}")
        self._periods = tuple((_tod_us(b), _tod_us(e)) for b, e in office_hours.periods)
        self._day_us = sum(e - b for b, e in self._periods)
        self._open_us = self._periods[0][0]
        self._close_us = self._periods[-1][1]
        self._first_ord = date(FIRST_YEAR, 1, 1).toordinal()
        self._last_ord = date(LAST_YEAR, 12, 31).toordinal()
        self._days: list[int] | None = None
        self._lock = threading.Lock()

    # -- the table ---------------------------------------------------------------------------

    def _table(self) -> list[int]:
        days = self._days
        if days is None:
            with self._lock:
                if self._days is None:
                    self._days = self._build()
                days = self._days
        return days

    def _build(self) -> list[int]:
        names, weekend_workdays = _national()
        off = self.extra_days_off
        work = self.extra_working_days
        days: list[int] = []
        for o in range(self._first_ord, self._last_ord + 1):
            d = date.fromordinal(o)
            if d in work:
                days.append(o)
            elif d in off or d in names:
                continue
            elif d.weekday() >= 5 and d not in weekend_workdays:
                continue
            else:
                days.append(o)
        return days

    def _range_error(self, name: str) -> DomainError:
        return DomainError.for_field(
            name,
            _("Thời điểm nằm ngoài phạm vi lịch làm việc (%(first)d-%(last)d).")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            code="out_of_range",
        )

    # -- coordinates -------------------------------------------------------------------------

    def _within(self, tod: int) -> int:
        acc = 0
        for b, e in self._periods:
            if tod <= b:
                return acc
            if tod < e:
                return acc + tod - b
            acc += e - b
        return acc

    def _coord(self, at: datetime, name: str = "start") -> int:
        """Working time (microseconds) from the first covered day's opening to `at`."""
        if at.tzinfo is None or at.utcoffset() is None:
            _require_aware(at, name)
        local = at.astimezone(TZ)
        o = local.toordinal()
        if o < self._first_ord or o > self._last_ord:
            raise self._range_error(name)
        days = self._days or self._table()
        i = bisect_left(days, o)
        w = i * self._day_us
        if i < len(days) and days[i] == o:
            tod = (
                (local.hour * 60 + local.minute) * 60 + local.second
            ) * _US + local.microsecond
            w += self._within(tod)
        return w

    def _instant(self, w: int, name: str = "due") -> datetime:
        """The earliest instant whose coordinate is `w` (w > 0): an exact day boundary gives
        the close of that day, a period boundary the end of that period."""
        days = self._days or self._table()
        i, rem = divmod(w, self._day_us)
        if rem == 0:
            i -= 1
            rem = self._day_us
        if i >= len(days) or i < 0:
            raise self._range_error(name)
        tod = 0
        for b, e in self._periods:
            seg = e - b
            if rem <= seg:
                tod = b + rem
                break
            rem -= seg
        d = date.fromordinal(days[i])
        seconds, us = divmod(tod, _US)
        minutes, s = divmod(seconds, 60)
        h, mi = divmod(minutes, 60)
        return datetime(d.year, d.month, d.day, h, mi, s, us, tzinfo=TZ)

    # -- days --------------------------------------------------------------------------------

    @property
    def day_length(self) -> timedelta:
        """Working time in one working day (8 hours by default): one working day of a deadline."""
        return timedelta(microseconds=self._day_us)

    def is_working_day(self, day: date, *, field_name: str = "date") -> bool:
        o = day.toordinal()
        if o < self._first_ord or o > self._last_ord:
            raise self._range_error(field_name)
        days = self._table()
        i = bisect_left(days, o)
        return i < len(days) and days[i] == o

    def working_days_in(self, first: date, last: date) -> list[date]:
        """The working days from `first` to `last`, both included."""
        days = self._table()
        lo = bisect_left(days, first.toordinal())
        hi = bisect_right(days, last.toordinal())
        return [date.fromordinal(o) for o in days[lo:hi]]

    def day_note(self, day: date) -> DayNote | None:
        """Why `day` is not an ordinary day: a skipped day (weekend, holiday, province day off)
        or a day worked that would otherwise be off. None for an ordinary weekday."""
        names, weekend_workdays = _national()
        if day in self.extra_working_days:
            if day.weekday() >= 5 or day in names:
                return DayNote(day, self.extra_working_days[day], "province_work")
            return None
        if day in self.extra_days_off:
            return DayNote(day, self.extra_days_off[day], "province_off")
        if day in names:
            return DayNote(day, names[day], "holiday")
        if day.weekday() >= 5:
            weekday = _weekday_name(day)
            if day in weekend_workdays:
                return DayNote(
                    day, _("%(weekday)s làm việc bù theo lịch nhà nước") % {"weekday": weekday},
                    "weekend_workday",
                )
            return DayNote(day, weekday, "weekend")
        return None

    # -- moments -----------------------------------------------------------------------------

    def is_working_moment(self, at: datetime) -> bool:
        """True when `at` falls inside office hours on a working day (periods are [start, end))."""
        _require_aware(at, "at")
        local = at.astimezone(TZ)
        if not self.is_working_day(local.date(), field_name="at"):
            return False
        tod = _tod_us(local.time())
        return any(b <= tod < e for b, e in self._periods)

    def next_working_moment(self, at: datetime) -> datetime:
        """`at` itself when it is a working moment, else the next opening of an office period."""
        _require_aware(at, "at")
        local = at.astimezone(TZ)
        o = local.toordinal()
        if o < self._first_ord or o > self._last_ord:
            raise self._range_error("at")
        days = self._table()
        i = bisect_left(days, o)
        if i < len(days) and days[i] == o:
            tod = _tod_us(local.time())
            for b, e in self._periods:
                if tod < b:
                    return self._at(o, b)
                if tod < e:
                    return local
            i += 1
        if i >= len(days):
            raise self._range_error("at")
        return self._at(days[i], self._open_us)

    @staticmethod
    def _at(ordinal: int, tod: int) -> datetime:
        d = date.fromordinal(ordinal)
        return datetime(d.year, d.month, d.day, tzinfo=TZ) + timedelta(microseconds=tod)

    # -- durations ---------------------------------------------------------------------------

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time elapsed from `start` to `end` (negative when end is before start)."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        return timedelta(microseconds=self._coord(end, "end") - self._coord(start, "start"))

    def to_working_days(self, duration: timedelta) -> Decimal:
        """A working time as working days (8 hours a day by default), e.g. for "late by 1.5 days"."""
        return Decimal(duration // _ONE_US) / Decimal(self._day_us)

    def duration_of(
        self, *, working_days: Any = None, working_hours: Any = None
    ) -> timedelta:
        """The working time of a deadline given in working days or hours (exactly one)."""
        if (working_days is None) == (working_hours is None):
            message = _("Cần đúng một trong hai: working_days hoặc working_hours.")
            raise DomainError(
                message=message,
                errors=[FieldError("working_days", message, "required"),
                        FieldError("working_hours", message, "required")],
                status=422,
                code="required",
            )
        name = "working_days" if working_days is not None else "working_hours"
        try:
            if type(working_days) is int and working_days >= 0:  # the common case, kept fast
                return timedelta(microseconds=working_days * self._day_us)
            if type(working_hours) is int and working_hours >= 0:
                return timedelta(hours=working_hours)
            if working_days is not None:
                us = _to_decimal(working_days, name) * self._day_us
            else:
                us = _to_decimal(working_hours, name) * 3600 * _US
            return timedelta(microseconds=int(us.to_integral_value(rounding=ROUND_HALF_UP)))
        except OverflowError as exc:
            raise DomainError.for_field(name, _("Thời hạn quá lớn."), code="too_large") from exc

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at or after `start` by which `duration` of working time has
        elapsed since `start` (counting from the next working moment)."""
        if start.tzinfo is None or start.utcoffset() is None:
            _require_aware(start, "start")
        us = duration // _ONE_US
        if us < 0:
            raise DomainError.for_field("duration", _("Thời hạn không được âm."))
        if us == 0:
            return start.astimezone(TZ)
        return self._instant(self._coord(start) + us, "duration")

    def add_working_days(self, start: datetime, days: int | float | Decimal) -> datetime:
        """Due moment of N working days = N x day_length working hours (8N by default)."""
        return self.add_working_time(start, self.duration_of(working_days=days))

    def add_working_hours(self, start: datetime, hours: int | float | Decimal) -> datetime:
        return self.add_working_time(start, self.duration_of(working_hours=hours))

    # -- pauses ------------------------------------------------------------------------------

    @staticmethod
    def _merged_pauses(
        pauses: Iterable[tuple[datetime, datetime]],
    ) -> list[tuple[datetime, datetime]]:
        cleaned = []
        for n, pause in enumerate(pauses):
            try:
                begin, end = pause
            except (TypeError, ValueError) as exc:
                raise DomainError.for_field(
                    f"pauses.{n}", _("Mỗi lần tạm dừng cần thời điểm bắt đầu và kết thúc.")
                ) from exc
            _require_aware(begin, f"pauses.{n}.start")
            _require_aware(end, f"pauses.{n}.end")
            if end < begin:
                raise DomainError.for_field(
                    f"pauses.{n}.end", _("Thời điểm kết thúc tạm dừng trước thời điểm bắt đầu.")
                )
            cleaned.append((begin, end))
        cleaned.sort()
        merged: list[tuple[datetime, datetime]] = []
        for begin, end in cleaned:
            if merged and begin <= merged[-1][1]:
                if end > merged[-1][1]:
                    merged[-1] = (merged[-1][0], end)
            else:
                merged.append((begin, end))
        return merged

    def _due_with_pauses(
        self,
        start: datetime,
        duration: timedelta,
        pauses: Iterable[tuple[datetime, datetime]],
        amount_field: str = "duration",
    ) -> tuple[datetime, list[PauseNote]]:
        _require_aware(start, "start")
        us = duration // _ONE_US
        if us < 0:
            raise DomainError.for_field("duration", _("Thời hạn không được âm."))
        w_start = self._coord(start)
        target = w_start + us
        notes: list[PauseNote] = []
        for begin, end in self._merged_pauses(pauses):
            if end <= start:
                continue
            w_begin = max(self._coord(begin, "pauses"), w_start)
            if w_begin >= target:
                break  # the deadline was reached before this pause began
            w_end = self._coord(end, "pauses")
            if w_end > w_begin:
                notes.append(PauseNote(begin, end, timedelta(microseconds=w_end - w_begin)))
                target += w_end - w_begin
        if target == w_start:
            return start.astimezone(TZ), notes
        return self._instant(target, amount_field), notes

    def due_with_pauses(
        self, start: datetime, duration: timedelta, pauses: Iterable[tuple[datetime, datetime]]
    ) -> datetime:
        """Due moment when the clock stops during each pause (start, end): the working time
        inside every pause that begins before the deadline is reached is added back.
        Overlapping pauses count once; the parts of pauses before `start` do not count."""
        return self._due_with_pauses(start, duration, pauses)[0]

    def shift_due(self, due: datetime, pause_start: datetime, pause_end: datetime) -> datetime:
        """Move a due moment by the working time elapsed from pause_start to pause_end, e.g.
        when a dossier comes back from a supplement request."""
        _require_aware(due, "due")
        elapsed = self.working_time_between(pause_start, pause_end)
        if elapsed < timedelta(0):
            raise DomainError.for_field(
                "pause_end", _("Thời điểm kết thúc tạm dừng trước thời điểm bắt đầu.")
            )
        return self.add_working_time(due, elapsed)

    # -- the one call most callers want ------------------------------------------------------

    def due(
        self,
        start: datetime,
        *,
        working_days: int | float | Decimal | None = None,
        working_hours: int | float | Decimal | None = None,
        pauses: Iterable[tuple[datetime, datetime]] = (),
    ) -> datetime:
        """Due moment of a deadline given in working days or working hours (exactly one),
        received at `start`, with optional pauses."""
        duration = self.duration_of(working_days=working_days, working_hours=working_hours)
        amount_field = "working_days" if working_days is not None else "working_hours"
        if not pauses:
            us = duration // _ONE_US
            if us == 0:
                return _require_aware(start, "start").astimezone(TZ)
            return self._instant(self._coord(start) + us, amount_field)
        return self._due_with_pauses(start, duration, pauses, amount_field)[0]

    def explain(
        self,
        start: datetime,
        *,
        working_days: int | float | Decimal | None = None,
        working_hours: int | float | Decimal | None = None,
        pauses: Iterable[tuple[datetime, datetime]] = (),
    ) -> Explanation:
        """The due moment with the reasons: the days skipped (weekends, holidays by name, the
        province's days off), the weekend days worked, the pauses, and a Vietnamese paragraph."""
        duration = self.duration_of(working_days=working_days, working_hours=working_hours)
        amount_field = "working_days" if working_days is not None else "working_hours"
        due, pause_notes = self._due_with_pauses(start, duration, pauses, amount_field)
        local_start = start.astimezone(TZ)
        counting_from = self.next_working_moment(local_start)
        if counting_from > due:  # a zero-length deadline is due at receipt
            counting_from = due
        skipped: list[DayNote] = []
        worked: list[DayNote] = []
        day = local_start.date()
        while day <= due.date():
            note = self.day_note(day)
            if note is not None:
                (worked if note.kind in ("weekend_workday", "province_work") else skipped).append(
                    note
                )
            day += timedelta(days=1)
        explanation = Explanation(
            start=local_start,
            counting_from=counting_from,
            due=due,
            duration=duration,
            working_days=None if working_days is None else _to_decimal(working_days, "working_days"),
            working_hours=(
                None if working_hours is None else _to_decimal(working_hours, "working_hours")
            ),
            skipped=tuple(skipped),
            extra_working_days=tuple(worked),
            pauses=tuple(pause_notes),
        )
        return replace(explanation, text=self._sentence(explanation))

    def _sentence(self, ex: Explanation) -> str:
        parts: list[str] = []
        if ex.counting_from != ex.start:
            parts.append(
                _("Tiếp nhận lúc %(start)s, ngoài giờ làm việc; bắt đầu tính từ %(from)s.")
                % {"start": _fmt_dt(ex.start), "from": _fmt_dt(ex.counting_from)}
            )
        else:
            parts.append(
                _("Tiếp nhận và bắt đầu tính từ %(start)s.") % {"start": _fmt_dt(ex.start)}
            )
        hours = format_working_time(ex.duration)
        if ex.working_days is not None:
            parts.append(
                _("Thời hạn %(days)s ngày làm việc (%(hours)s làm việc, mỗi ngày %(day)s).")
                % {"days": _fmt_number(ex.working_days), "hours": hours,
                   "day": format_working_time(self.day_length)}
            )
        else:
            parts.append(_("Thời hạn %(hours)s làm việc.") % {"hours": hours})
        if ex.skipped and len(ex.skipped) <= _LIST_AT_MOST:
            parts.append(
                _("Không tính %(count)d ngày nghỉ: %(days)s.")
                % {"count": len(ex.skipped),
                   "days": "; ".join(f"{n.date:%d/%m/%Y}: {n.reason}" for n in ex.skipped)}
            )
        elif ex.skipped:  # a long deadline: counts in the sentence, every day in the data
            kinds = [n.kind for n in ex.skipped]
            parts.append(
                _("Không tính %(count)d ngày nghỉ (%(weekend)d ngày cuối tuần, %(holiday)d ngày "
                  "lễ, tết, %(province)d ngày nghỉ riêng của tỉnh).")
                % {"count": len(kinds), "weekend": kinds.count("weekend"),
                   "holiday": kinds.count("holiday"), "province": kinds.count("province_off")}
            )
        if len(ex.extra_working_days) > _LIST_AT_MOST:
            parts.append(
                _("Có tính %(count)d ngày cuối tuần hoặc ngày lễ là ngày làm việc.")
                % {"count": len(ex.extra_working_days)}
            )
        elif ex.extra_working_days:
            parts.append(
                _("Có tính ngày làm việc: %(days)s.")
                % {"days": "; ".join(f"{n.date:%d/%m/%Y}: {n.reason}"
                                     for n in ex.extra_working_days)}
            )
        for pause in ex.pauses:
            parts.append(
                _("Tạm dừng từ %(start)s đến %(end)s: cộng thêm %(hours)s làm việc.")
                % {"start": _fmt_dt(pause.start), "end": _fmt_dt(pause.end),
                   "hours": format_working_time(pause.working_time)}
            )
        parts.append(_("Hạn trả kết quả: %(due)s.") % {"due": _fmt_dt(ex.due)})
        return " ".join(parts)


# --------------------------------------------------------------------------------------------
# Calendars per province
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=40)  # one per province (34) and a few office-hour variants
def _compiled(
    province_code: str,
    rows: tuple[tuple[date, str, str], ...],
    office_hours: OfficeHours,
) -> WorkingCalendar:
    off = {d: reason for d, kind, reason in rows if kind == "off"}
    work = {d: reason for d, kind, reason in rows if kind == "work"}
    calendar = WorkingCalendar(
        office_hours=office_hours, extra_days_off=off, extra_working_days=work,
        province_code=province_code,
    )
    calendar._table()
    return calendar


def national_calendar(office_hours: OfficeHours | None = None) -> WorkingCalendar:
    """The national calendar without any province's own days (no database access)."""
    return _compiled("", (), office_hours or DEFAULT_OFFICE_HOURS)


def calendar_for_province(
    province_code: str | None = None, *, office_hours: OfficeHours | None = None
) -> WorkingCalendar:
    """The working calendar of a province (default: settings.TINHSO_PROVINCE_CODE): the national
    calendar plus its CalendarDay rows, with its ProvinceSchedule office hours if it has them. One small query each call, so edits by an operator are
    seen at once by every process; the compiled calendar is cached by the rows' content."""
    from django.conf import settings

    from tinhso.core.models import CalendarDay, ProvinceSchedule

    code = province_code or settings.TINHSO_PROVINCE_CODE
    if office_hours is None:
        text = (ProvinceSchedule.objects.filter(province_code=code)
                .values_list("office_hours", flat=True).first())
        office_hours = OfficeHours.parse(text) if text else default_office_hours()
    rows = tuple(
        CalendarDay.objects.filter(province_code=code)
        .order_by("date")
        .values_list("date", "kind", "reason")
    )
    return _compiled(code, rows, office_hours)
