"""The same-day registration rule for incoming documents (Decree 30/2020/NĐ-CP, Art. 20):
a document that arrives is registered the same working day, an urgent one at once. The
workspace warns before the rule is broken:

- an ordinary document is due by the close of office hours of the working day it arrived on
  (one that arrives in the evening, at the weekend or on a holiday counts from the next working
  day); from `WARN_FROM` (15:00, Vietnam time) that day it is "at risk", after the close "late";
- an urgent one (khẩn, thượng khẩn, hỏa tốc) is "late" once `URGENT_WITHIN` (30 minutes) has
  passed since it arrived, whatever the time of day.

Pure functions of their arguments (the calendar is passed in): no database, no clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from tinhso.core.calendar import TZ, WorkingCalendar
from tinhso.documents.kinds import Urgency

WARN_FROM = dt.time(15, 0)
URGENT_WITHIN = dt.timedelta(minutes=30)

AT_RISK = "at_risk"
LATE = "late"


@dataclass(frozen=True)
class RegistrationWarning:
    level: str  # AT_RISK or LATE
    due: dt.datetime  # when registration is due, Vietnam time
    urgent: bool

    @property
    def label(self) -> str:
        if self.urgent:
            return _("Văn bản khẩn chưa vào sổ sau 30 phút")
        if self.level == LATE:
            return _("Quá hạn vào sổ trong ngày")
        return _("Sắp hết ngày, chưa vào sổ")


def is_urgent(urgency: str) -> bool:
    return urgency != Urgency.NORMAL


def registration_due(
    arrived_at: dt.datetime, urgency: str, calendar: WorkingCalendar
) -> dt.datetime:
    """When a document that arrived at `arrived_at` must be registered by."""
    if arrived_at.utcoffset() is None:
        raise ValueError("arrived_at must be timezone-aware")
    if is_urgent(urgency):
        return (arrived_at + URGENT_WITHIN).astimezone(TZ)
    day = calendar.next_working_moment(arrived_at).astimezone(TZ).date()
    close = calendar.office_hours.periods[-1][1]
    return dt.datetime.combine(day, close, tzinfo=TZ)


def registration_warning(
    *,
    arrived_at: dt.datetime,
    urgency: str,
    registered: bool,
    now: dt.datetime,
    calendar: WorkingCalendar,
    warn_from: dt.time = WARN_FROM,
) -> RegistrationWarning | None:
    """The warning to show on an incoming record, or None when there is nothing to fear
    (registered already, or still time)."""
    if registered:
        return None
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if now < arrived_at:  # a clock behind the arrival's: nothing has been missed yet
        return None
    urgent = is_urgent(urgency)
    due = registration_due(arrived_at, urgency, calendar)
    if now >= due:
        return RegistrationWarning(LATE, due, urgent)
    if not urgent:
        warn_at = dt.datetime.combine(due.date(), warn_from, tzinfo=TZ)
        if now >= warn_at:
            return RegistrationWarning(AT_RISK, due, urgent)
    return None
