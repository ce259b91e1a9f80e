"""The deadline engine's working time as whole-second integers, for a million dossiers.

Every moment of the demo year is an integer: seconds since local midnight of the window's
first day (Vietnam has kept UTC+7 all year since 1975, so local seconds are a fixed offset
from UTC). Adding working time is then two table lookups and a divmod instead of building
datetimes. The tables are read from the province's `WorkingCalendar` through its public
methods, and a test holds `add` and `shift` equal to `add_working_time` and `shift_due`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tinhso.core.calendar import TZ, WorkingCalendar

DAY = 86_400
_PG_EPOCH = date(2000, 1, 1).toordinal()  # PostgreSQL's binary timestamps count from here


def _seconds(t: object) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second  # type: ignore[attr-defined]


class Clock:
    """Working time over `days` calendar days from `first` (far enough past the window for
    every deadline planned in it)."""

    def __init__(self, cal: WorkingCalendar, first: date, days: int) -> None:
        periods = [(_seconds(b), _seconds(e)) for b, e in cal.office_hours.periods]
        self.day_length = sum(e - b for b, e in periods)
        if cal.day_length != timedelta(seconds=self.day_length):
            raise ValueError("office hours must be whole seconds")
        self.first = first
        self.days = days
        self.is_working: list[bool] = []
        self.before: list[int] = []  # per calendar day: working days before it
        self.working_days: list[int] = []  # calendar-day offsets of the working days
        for k in range(days):
            self.before.append(len(self.working_days))
            working = cal.is_working_day(first + timedelta(days=k))
            self.is_working.append(working)
            if working:
                self.working_days.append(k)
        self.within = [_within(periods, tod) for tod in range(DAY)]
        self.tod_of = [_tod_of(periods, rem) for rem in range(self.day_length + 1)]
        midnight = datetime(first.year, first.month, first.day, tzinfo=TZ)
        self.offset = int(midnight.utcoffset().total_seconds())  # type: ignore[union-attr]
        end = midnight + timedelta(days=days)
        if end.utcoffset() != midnight.utcoffset():
            raise ValueError("the demo clock needs a fixed UTC offset")
        self.midnight = midnight
        # Seconds from PostgreSQL's epoch (2000-01-01 UTC) to the first day's local midnight.
        self.pg_base = (first.toordinal() - _PG_EPOCH) * DAY - self.offset
        utc_first = first - timedelta(days=1)
        self.utc_base = DAY - self.offset  # local second 0 is this far into utc_first + 1 day
        self.utc_dates = [f"{utc_first + timedelta(days=k):%Y-%m-%d} " for k in range(days + 2)]
        self.hms = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60)
                    for s in range(60)]

    def coord(self, at: int) -> int:
        """Working seconds from the first day's opening to `at` (the calendar's `_coord`)."""
        d, tod = divmod(at, DAY)
        base = self.before[d] * self.day_length
        return base + self.within[tod] if self.is_working[d] else base

    def add(self, at: int, seconds: int) -> int:
        """`WorkingCalendar.add_working_time`: to the coordinate, add, and back to the earliest
        moment with that coordinate (a full day ends at closing). In line: it is called
        millions of times."""
        if not seconds:
            return at
        d, tod = divmod(at, DAY)
        length = self.day_length
        w = self.before[d] * length + seconds
        if self.is_working[d]:
            w += self.within[tod]
        i, rem = divmod(w, length)
        if not rem:
            i -= 1
            rem = length
        return self.working_days[i] * DAY + self.tod_of[rem]

    def shift(self, due: int, pause_start: int, pause_end: int) -> int:
        """`WorkingCalendar.shift_due`: the due moment moved by the working time paused."""
        return self.add(due, self.coord(pause_end) - self.coord(pause_start))

    def local(self, at: int) -> datetime:
        return self.midnight + timedelta(seconds=at)

    def of(self, moment: datetime) -> int:
        """A moment (within the clock's days) as local seconds."""
        return int((moment - self.midnight).total_seconds())

    def pg(self, at: int | None) -> int | None:
        """PostgreSQL's binary timestamptz: microseconds since 2000-01-01 UTC."""
        return None if at is None else (at + self.pg_base) * 1_000_000

    def sqlite(self, at: int | None) -> str | None:
        """As Django stores a datetime on SQLite: UTC text without the offset."""
        if at is None:
            return None
        d, s = divmod(at + self.utc_base, DAY)
        return self.utc_dates[d] + self.hms[s]

    def utc(self, at: int) -> datetime:
        return (self.midnight + timedelta(seconds=at)).astimezone(UTC)


def _within(periods: list[tuple[int, int]], tod: int) -> int:
    acc = 0
    for b, e in periods:
        if tod <= b:
            return acc
        if tod < e:
            return acc + tod - b
        acc += e - b
    return acc


def _tod_of(periods: list[tuple[int, int]], rem: int) -> int:
    for b, e in periods:
        if rem <= e - b:
            return b + rem
        rem -= e - b
    return periods[-1][1]
