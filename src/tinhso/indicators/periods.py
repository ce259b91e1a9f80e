"""Reporting periods: a month ("2026-07"), a quarter ("2026-Q3") or a year ("2026")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["month", "quarter", "year"]
FIRST_YEAR = 1970
LAST_YEAR = 9998  # the day after the last period must exist
_PATTERN = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")
_MONTHS = {"month": 1, "quarter": 3, "year": 12}


class PeriodError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    kind: Kind
    year: int
    number: int  # month 1-12, quarter 1-4, or 1 for a year

    def __post_init__(self) -> None:
        count = {"month": 12, "quarter": 4, "year": 1}[self.kind]
        if not FIRST_YEAR <= self.year <= LAST_YEAR or not 1 <= self.number <= count:
            raise PeriodError(str(self))

    @classmethod
    def parse(cls, text: str) -> Period:
        m = _PATTERN.match(text.strip())
        if m is None:
            raise PeriodError(text)
        year = int(m.group(1))
        if m.group(2):
            return cls("quarter", year, int(m.group(2)))
        if m.group(3):
            return cls("month", year, int(m.group(3)))
        return cls("year", year, 1)

    def __str__(self) -> str:
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.number}"
        if self.kind == "month":
            return f"{self.year:04d}-{self.number:02d}"
        return f"{self.year:04d}"

    @property
    def first_month(self) -> int:
        return (self.number - 1) * _MONTHS[self.kind] + 1

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        month = self.first_month + _MONTHS[self.kind]
        return dt.date(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def previous(self) -> Period | None:
        """The period of the same kind just before (None before the first year)."""
        try:
            if self.number > 1:
                return Period(self.kind, self.year, self.number - 1)
            last = {"month": 12, "quarter": 4, "year": 1}[self.kind]
            return Period(self.kind, self.year - 1, last)
        except PeriodError:
            return None
