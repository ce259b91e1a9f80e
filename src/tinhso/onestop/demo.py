"""Demo dossiers: a year of one-stop work in the demo province, sized like the source report.

At `scale=1.0` the year looks like the report's: about 986,337 dossiers received, about 947,069
resolved, 98.26% of the resolved ones early or on time. `scale=0.01` (about 10,000 dossiers) is
what `make run` loads.

What makes it look real (all of it made up; `form_data` of every generated dossier is
`{"demo": true}`):

- **Days**: fewer dossiers at weekends and public holidays (online ones only, the desks are
  shut), almost none during the Tết holidays, a rush the week before Tết and a slow restart after
  it; each kind of procedure has its months (residence and certified copies before the school
  year, land in spring and at the year's end, business registration after Tết, marriages in the
  wedding season).
- **Hours**: desk and postal dossiers inside office hours on working days; online ones mostly in
  office hours, some in the evening.
- **Channels**: the online share rises through the year from 40% to 60%; postal about 2%; the
  rest at the desk.
- **Procedures**: a few dozen common ones (certified copies, birth registration, residence, land,
  household business) take most dossiers; the 889 catalog procedures share the long tail.
  Commune-level procedures are spread over the province's commune committees (each one performs
  them; the catalog names one); provincial ones are received by the public administration
  service centre and handled by the procedure's department.
- **Deadlines** come from the real deadline engine (`calendar_for_province`): the clock starts at
  receipt, fee payment and supplement pauses move the due moment (`shift_due`), and timeliness
  follows the services' rule (early: resolved on a day before the due day).
- **History**: a handful of DossierEvent rows per dossier (submit, receive, payment, forward,
  supplement, approve, return, or the end), consistent with the final status; a Payment row for
  each fee paid. Nothing past the end of the window: a dossier still in the works then is open.
- **Codes** `<receiving agency code>-<yyMMdd>-<seq:04d>` in submission order per agency and day;
  DayCounter rows are raised to the last sequence so live submissions continue after them.

Writing: rows are generated in chunks of whole days and inserted with raw `executemany` on
SQLite or binary `COPY` on PostgreSQL, each chunk one transaction, by writer threads on their
own connections while the next chunk is generated (in line inside a transaction, e.g. in
tests). The rollup rows (DossierStat) are counted while generating, by the rules of
`rollups.rollups_aggregate` (a test holds them equal), and added at the end. Benchmarks:
docs/benchmarks.md, "Demo dossiers".

A load stopped half-way leaves the chunks already written; the next run then sees demo
dossiers in the window and skips: run it again with `replace=True` (`--replace`).
"""

from __future__ import annotations

import bisect
import contextlib
import json
import queue
import random
import re
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from tinhso.accounts.demo import GIVEN, SURNAMES, citizen_id_for, tax_code_for
from tinhso.catalog.models import DeadlineUnit, OnlineLevel, ProcedureVersion
from tinhso.core.audit import audit_record
from tinhso.core.calendar import TZ, WorkingCalendar, calendar_for_province, national_holidays
from tinhso.core.text import nfc
from tinhso.directory.models import Agency, Role
from tinhso.onestop.models import DayCounter, Dossier, DossierEvent, Payment
from tinhso.onestop.status import Channel, Status, Timeliness

# The source report's year.
REPORT_RECEIVED = 986_337
REPORT_RESOLVED = 947_069
REPORT_ON_TIME_RATE = 0.9826
# Late dossiers are the likeliest to be still open at the window's end; planning a few more
# keeps the resolved ones at the report's rate (measured at scale 1.0: 98.34% without this).
LATE_RATE = (1 - REPORT_ON_TIME_RATE) * 1.045

MAX_SCALE = 4.0
CHUNK = 20_000  # dossiers per transaction (whole days, so a little more)
SWITCH_INTERVAL = 0.0005  # seconds; see _Background
WRITERS = 2  # PostgreSQL connections writing chunks side by side
DEMO_MARK = {"demo": True}

# Shares of the dossiers submitted that never reach receipt (refused at intake, withdrawn
# before receipt) and of those received that end without a result.
REFUSED_AT_INTAKE = 0.005
WITHDRAWN_BEFORE_RECEIPT = 0.001
WITHDRAWN = 0.015
STOPPED = 0.01
SUPPLEMENT = 0.05  # processing paused once for a supplement
ONLINE_FROM, ONLINE_TO = 0.40, 0.60
POSTAL = 0.02

# --------------------------------------------------------------------------------------------
# Procedures: how often, and in which months
# --------------------------------------------------------------------------------------------

# Relative weight of the common procedures (by code); the rest of the catalog shares TAIL.
COMMON: dict[str, float] = {
    "2.000815": 18.0,  # certified copies
    "2.000884": 6.0,   # certified signatures
    "1.001193": 8.0,   # birth registration
    "1.000656": 3.0,   # death registration
    "1.000894": 2.5,   # marriage registration
    "1.004873": 5.0,   # marital status certificate
    "2.000635": 3.0,   # copies of civil status extracts
    "1.004884": 0.5,
    "1.000689": 0.3,
    "2.000806": 0.1,
    "1.004222": 6.0,   # permanent residence
    "1.004194": 4.0,   # temporary residence
    "1.002755": 1.0,
    "1.003197": 1.5,
    "1.001612": 1.5,   # household business
    "2.000720": 0.8,
    "1.001570": 0.4,
    "1.001266": 0.4,
    "9.000001": 0.6,   # enterprise registration
    "9.000002": 0.8,
    "9.000003": 0.4,
    "1.013225": 1.5,   # building permit
    "1.013227": 0.2,
    "1.013228": 0.1,
    "9.000004": 4.0,   # first land-use right certificate
    "9.000005": 3.0,   # criminal record certificate
}
TAIL = 28.0  # the other procedures together, Zipf-like among themselves
LAND_FIELD_BOOST = 4.0  # commune land procedures weigh more in the tail

# Category -> month multipliers (January first).
SEASONS: dict[str, tuple[float, ...]] = {
    "civil": (1.0, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.1),
    "marriage": (1.3, 0.7, 0.9, 0.8, 0.8, 0.7, 0.6, 0.7, 1.0, 1.3, 1.5, 1.6),
    "residence": (0.9, 0.7, 0.9, 0.9, 1.0, 1.2, 1.45, 1.45, 1.1, 0.9, 0.9, 0.9),
    "certification": (0.95, 0.75, 1.0, 1.0, 1.1, 1.3, 1.35, 1.3, 1.0, 0.9, 0.9, 0.95),
    "business": (1.1, 0.8, 1.4, 1.2, 1.0, 1.0, 0.9, 0.9, 1.0, 1.0, 1.0, 1.0),
    "land": (0.9, 0.6, 1.3, 1.3, 1.2, 1.0, 0.8, 0.8, 0.9, 1.1, 1.25, 1.3),
    "construction": (0.7, 0.5, 1.0, 1.1, 1.1, 0.9, 0.8, 0.8, 1.0, 1.3, 1.4, 1.3),
    "other": (1.0, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.15),
}
# How much each category tends to run late (relative; the total late share is fixed).
LATE_PROPENSITY = {"land": 0.6, "construction": 0.5, "business": 0.25, "other": 0.2,
                   "residence": 0.08, "civil": 0.05, "marriage": 0.05, "certification": 0.03}


def _category(code: str, field_name: str) -> str:
    if code in ("1.000894", "2.000806"):
        return "marriage"
    f = field_name.lower()
    for word, cat in (("hộ tịch", "civil"), ("cư trú", "residence"), ("chứng thực", "certification"),
                      ("kinh doanh", "business"), ("doanh nghiệp", "business"),
                      ("đất đai", "land"), ("xây dựng", "construction"),
                      ("quy hoạch", "construction")):
        if word in f:
            return cat
    return "other"


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------

MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Hữu", "Thu", "Xuân", "Thanh", "Quốc", "Kim"]
HAMLETS = ["Thôn", "Khu phố", "Xóm", "Tổ dân phố", "Bản"]
REFUSE_REASONS = ["Hồ sơ không thuộc thẩm quyền giải quyết.",
                  "Thành phần hồ sơ không đúng quy định; đã hướng dẫn người nộp."]
WITHDRAW_REASONS = ["Người nộp không còn nhu cầu giải quyết.", "Người nộp xin rút để bổ sung "
                    "giấy tờ và nộp lại sau."]
STOP_REASONS = ["Người nộp không bổ sung hồ sơ trong thời hạn.",
                "Phát sinh tranh chấp, dừng giải quyết theo quy định."]
SUPPLEMENT_REASON = "Đề nghị bổ sung bản sao giấy tờ chứng minh theo quy định."
ACTOR = {Role.ONESTOP_OFFICER: "Bộ phận một cửa", Role.SPECIALIST: "Chuyên viên xử lý",
         Role.LEADER: "Lãnh đạo cơ quan"}
# Who is named on an officer's event (applicants' events carry the applicant's name).
_ACTOR_OF = {
    "receive": ACTOR[Role.ONESTOP_OFFICER], "refuse": ACTOR[Role.ONESTOP_OFFICER],
    "request_payment": ACTOR[Role.ONESTOP_OFFICER], "forward": ACTOR[Role.ONESTOP_OFFICER],
    "return_result": ACTOR[Role.ONESTOP_OFFICER], "request_supplement": ACTOR[Role.SPECIALIST],
    "stop": ACTOR[Role.LEADER], "approve": ACTOR[Role.LEADER],
}


@dataclass(frozen=True)
class _Person:
    name: str
    id_number: str
    phone: str
    user_id: int | None = None


def _people(rng: random.Random, n: int) -> list[_Person]:
    out = []
    for _ in range(n):
        name = nfc(f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}")
        phone = f"09{rng.randint(0, 99_999_999):08d}"
        out.append(_Person(name, citizen_id_for(rng), phone))
    return out


def _businesses(rng: random.Random, n: int) -> list[_Person]:
    from tinhso.accounts.demo import BUSINESS_KINDS, BUSINESS_NAMES

    out = []
    for i in range(n):
        name = nfc(f"{rng.choice(BUSINESS_KINDS)} {rng.choice(BUSINESS_NAMES)} {i + 1}")
        out.append(_Person(name, tax_code_for(rng), f"0237{rng.randint(0, 999_999):06d}"))
    return out


# --------------------------------------------------------------------------------------------
# The catalog as the generator sees it
# --------------------------------------------------------------------------------------------


@dataclass
class _Proc:
    procedure_id: int
    version_id: int
    agency_id: int
    receiving: str  # "commune" (the commune's own desk) or "centre" (the service centre)
    online_level: str
    duration: timedelta  # the statutory working time
    fee: int
    category: str
    business: bool
    weight: float = 0.0


@dataclass
class _Commune:
    agency_id: int
    code: str
    unit_id: int
    unit_name: str


@dataclass
class _World:
    procs: list[_Proc]
    by_category: dict[str, list[_Proc]]
    communes: list[_Commune]
    commune_cum: list[float]
    centre: _Commune  # the service centre (provincial procedures' desk)
    people: list[_Person]
    businesses: list[_Person]
    accounts: list[_Person] = field(default_factory=list)


def _current_versions(province_code: str) -> list[ProcedureVersion]:
    versions = (ProcedureVersion.objects.filter(agency__province_code=province_code)
                .select_related("agency", "procedure").prefetch_related("fees")
                .order_by("procedure_id", "-number"))
    latest: dict[int, ProcedureVersion] = {}
    for v in versions:
        latest.setdefault(v.procedure_id, v)
    return list(latest.values())


def _world(province_code: str, cal: WorkingCalendar, rng: random.Random, n_dossiers: int
           ) -> _World:
    agencies = list(Agency.objects.filter(province_code=province_code, is_active=True)
                    .select_related("unit").order_by("code"))
    communes = [a for a in agencies if a.kind == Agency.Kind.COMMUNE]
    centre = next((a for a in agencies if a.kind == Agency.Kind.SERVICE_CENTRE), None)
    if not communes or centre is None:
        raise RuntimeError("Chưa có cơ quan của tỉnh: chạy `tinhso demo` (phần danh bạ) trước.")
    procs: list[_Proc] = []
    tail: list[_Proc] = []
    for v in _current_versions(province_code):
        if v.deadline_value is None or v.online_level == OnlineLevel.NONE:
            continue  # no fixed deadline (e.g. school admissions), or not offered online
        code = v.procedure.code
        if v.deadline_unit == DeadlineUnit.WORKING_HOUR:
            duration = cal.duration_of(working_hours=v.deadline_value)
        else:
            duration = cal.duration_of(working_days=v.deadline_value)
        fees = sorted(v.fees.all(), key=lambda f: f.position)
        p = _Proc(
            procedure_id=v.procedure_id, version_id=v.pk, agency_id=v.agency_id,
            receiving="commune" if v.agency.kind == Agency.Kind.COMMUNE else "centre",
            online_level=v.online_level, duration=duration,
            fee=fees[0].amount if fees else 0, category=_category(code, v.field),
            business="doanh nghiệp" in v.field.lower(),  # enterprises apply by tax code
        )
        if code in COMMON:
            p.weight = COMMON[code]
        else:
            tail.append(p)
        procs.append(p)
    if not procs:
        raise RuntimeError("Chưa có thủ tục: nạp danh mục thủ tục (tinhso demo) trước.")
    # Zipf over a shuffled tail; commune land procedures a bit heavier.
    rng.shuffle(tail)
    raw = [(1.0 / (i + 1) ** 0.8) * (LAND_FIELD_BOOST if p.category == "land" else 1.0)
           for i, p in enumerate(tail)]
    total = sum(raw) or 1.0
    for p, w in zip(tail, raw, strict=True):
        p.weight = TAIL * w / total
    by_category: dict[str, list[_Proc]] = defaultdict(list)
    for p in procs:
        if p.weight > 0:
            by_category[p.category].append(p)
    # Communes: the demo commune (the catalog's) is busier, so its accounts see a full desk.
    demo_commune_ids = {p.agency_id for p in procs if p.receiving == "commune"}
    cs = [_Commune(a.pk, a.code, a.unit_id, a.unit.name) for a in communes]
    weights = [(1.0 + (0.04 * len(cs) if c.agency_id in demo_commune_ids else 0.0))
               * rng.uniform(0.7, 1.3) for c in cs]
    cum = list(_cumulate(weights))
    n_people = max(200, min(200_000, n_dossiers // 3))
    people = _people(rng, n_people)
    businesses = _businesses(rng, max(50, n_people // 20))
    from tinhso.accounts.models import User

    accounts = [_Person(nfc(u.full_name), u.citizen_id or "", u.phone or "", u.pk)
                for u in User.objects.filter(kind=User.Kind.CITIZEN, citizen_id__isnull=False)
                .order_by("pk")[:500]]
    return _World(procs, dict(by_category), cs, cum,
                  _Commune(centre.pk, centre.code, centre.unit_id, centre.unit.name),
                  people, businesses, accounts)


def _cumulate(weights: Iterable[float]) -> Iterable[float]:
    acc = 0.0
    for w in weights:
        acc += w
        yield acc


# --------------------------------------------------------------------------------------------
# Days
# --------------------------------------------------------------------------------------------


def demo_window(year: int | None, now: datetime | None = None) -> tuple[date, datetime]:
    """(first day, cutoff instant): a calendar year (cut at `now` if it is not over), or with
    year=None the 365 days up to `now` (so open dossiers are current)."""
    now = (now or timezone.now()).astimezone(TZ)
    if year is None:
        return (now.date() - timedelta(days=364), now)
    end = datetime(year + 1, 1, 1, tzinfo=TZ)
    return (date(year, 1, 1), min(end, now))


def _tet_days(cal: WorkingCalendar, first: date, last: date
              ) -> tuple[set[date], set[date], set[date]]:
    """(the Tết break, the rush week before it, the slow week after it) around first..last."""
    holidays_off: set[date] = set()
    before: set[date] = set()
    after: set[date] = set()
    one = timedelta(days=1)
    for y in range(first.year, last.year + 1):
        tet = sorted(d for d, n in national_holidays(y).items() if "nguyên đán" in n.lower())
        if not tet:
            continue
        start, end = tet[0], tet[-1]
        while not cal.is_working_day(start - one):  # the weekend days joined to the break
            start -= one
        while not cal.is_working_day(end + one):
            end += one
        holidays_off |= {start + one * k for k in range((end - start).days + 1)}
        before |= {start - one * k for k in range(1, 8)}
        after |= {end + one * k for k in range(1, 8)}
    return holidays_off, before, after


def _day_weights(cal: WorkingCalendar, days: list[date], category_share: dict[str, float]
                 ) -> list[tuple[float, bool]]:
    """Per day: (relative number of dossiers, is a working day)."""
    tet, before, after = _tet_days(cal, days[0], days[-1])
    out = []
    for d in days:
        working = cal.is_working_day(d)
        w = 1.0 if working else 0.1
        if d in tet:
            w = 0.02
        elif d in before:
            w *= 1.2
        elif d in after:
            w *= 0.7
        season = sum(share * SEASONS[c][d.month - 1] for c, share in category_share.items())
        out.append((w * season, working))
    return out


_OPEN_1 = 7 * 60   # office periods in minutes of the day: 07:00-11:30, 13:30-17:00
_MORNING = 270
_OPEN_2 = 13 * 60 + 30


def _office_minute(rng: random.Random) -> int:
    u = rng.random()
    u = u * u if rng.random() < 0.3 else u  # a little more in the morning
    m = int(u * 480)
    return _OPEN_1 + m if m < _MORNING else _OPEN_2 + m - _MORNING


# --------------------------------------------------------------------------------------------
# One dossier's life
# --------------------------------------------------------------------------------------------

S = Status
_SEVEN_HOURS = timedelta(hours=7)
_FIVE_MINUTES = timedelta(minutes=5)
_TWENTY_MINUTES = timedelta(minutes=20)


@dataclass(slots=True)
class _Life:
    """The events of one dossier up to the cutoff, and its fields then."""

    events: list[tuple[str, int | None, int, datetime, int | None, str]]  # action, from, to, at,
    # agency id, comment
    status: int
    received_at: datetime | None = None
    due_at: datetime | None = None
    paused_at: datetime | None = None
    resumed_status: int | None = None
    resolved_at: datetime | None = None
    returned_at: datetime | None = None
    ended_at: datetime | None = None
    timeliness: str = ""
    end_reason: str = ""
    paid_at: datetime | None = None
    payment_requested: datetime | None = None


def _between(rng: random.Random, low: int, high: int) -> int:
    """rng.randint(low, high), without its overhead (it is called millions of times)."""
    return low + int(rng.random() * (high - low + 1))


def _pick(rng: random.Random, items: Sequence[Any]) -> Any:
    return items[int(rng.random() * len(items))]


class _Lives:
    """Plans each dossier's life with the real deadline engine."""

    def __init__(self, cal: WorkingCalendar, rng: random.Random, cutoff: datetime) -> None:
        self.cal = cal
        self.rng = rng
        self.cutoff = cutoff
        self.late_debt = 0.0

    def live(self, proc: _Proc, channel: int, submitted: datetime, desk_id: int,
             agency_id: int) -> _Life:
        """The dossier's history. Recorded events: submit, receive, approve, return_result (or
        refuse / withdraw / stop), request_supplement and supply; the hand-over to processing
        and the payment request are recorded only when the dossier is still in them at the
        cutoff (the history stays short: events are most of the rows)."""
        rng, cal, cutoff = self.rng, self.cal, self.cutoff
        add = cal.add_working_time
        life = _Life(events=[("submit", None, S.SUBMITTED, submitted, None, "")],
                     status=S.SUBMITTED)
        ev = life.events

        # Intake: at once at the desk, within a few working hours otherwise.
        if channel == Channel.IN_PERSON:
            received = submitted
        else:
            received = add(submitted, timedelta(minutes=_between(rng, 10, 6 * 60)))
        u = rng.random()
        if u < REFUSED_AT_INTAKE + WITHDRAWN_BEFORE_RECEIPT:
            if received > cutoff:
                return life
            refused = u < REFUSED_AT_INTAKE
            reason = _pick(rng, REFUSE_REASONS if refused else WITHDRAW_REASONS)
            to = S.REFUSED if refused else S.WITHDRAWN
            ev.append(("refuse" if refused else "withdraw", S.SUBMITTED, to, received,
                       desk_id if refused else None, reason))
            life.status, life.ended_at, life.end_reason = to, received, reason
            return life
        if received > cutoff:
            return life
        ev.append(("receive", S.SUBMITTED, S.RECEIVED, received, desk_id, ""))
        life.status, life.received_at = S.RECEIVED, received
        due = add(received, proc.duration)
        life.due_at = due

        # Fees, paid right after receipt (online through the gateway, at the desk in cash).
        t = received
        if proc.fee:
            life.payment_requested = t
            paid = t + timedelta(minutes=_between(rng, 2, 240 if channel == Channel.ONLINE else 15))
            if paid > cutoff:
                ev.append(("request_payment", S.RECEIVED, S.PAYING, t, desk_id, ""))
                life.status, life.paused_at, life.resumed_status = S.PAYING, t, S.RECEIVED
                return life
            due = cal.shift_due(due, t, paid)
            life.due_at, life.paid_at, t = due, paid, paid

        # What becomes of it: a result (early, on time or late), or an end.
        u = rng.random()
        ending = S.WITHDRAWN if u < WITHDRAWN else S.STOPPED if u < WITHDRAWN + STOPPED else 0
        duration = proc.duration
        late = False
        if not ending:
            self.late_debt += LATE_RATE
            if self.late_debt >= 1 and rng.random() < LATE_PROPENSITY[proc.category]:
                late = True
                self.late_debt -= 1
        if late:
            budget = duration + timedelta(minutes=_between(rng, 30, 8 * 60 * 6))
        else:
            seconds = int(duration.total_seconds() * rng.random() ** 1.7)
            budget = min(max(timedelta(seconds=seconds), _TWENTY_MINUTES), duration)
        if ending:
            at = add(t, timedelta(seconds=int(budget.total_seconds() * rng.random())))
            if at > cutoff:
                return self._processing(life, t, desk_id)
            reason = _pick(rng, WITHDRAW_REASONS if ending == S.WITHDRAWN else STOP_REASONS)
            ev.append(("withdraw" if ending == S.WITHDRAWN else "stop", S.PROCESSING, ending, at,
                       None if ending == S.WITHDRAWN else agency_id, reason))
            life.status, life.ended_at, life.end_reason = ending, at, reason
            return life

        if rng.random() < SUPPLEMENT:
            part = timedelta(seconds=int(budget.total_seconds() * rng.uniform(0.1, 0.7)))
            asked = add(t, part)
            if asked > cutoff:
                return self._processing(life, t, desk_id)
            budget -= part
            ev.append(("request_supplement", S.PROCESSING, S.SUPPLEMENT, asked, agency_id,
                       SUPPLEMENT_REASON))
            life.status, life.paused_at, life.resumed_status = S.SUPPLEMENT, asked, S.PROCESSING
            supplied = add(asked, timedelta(minutes=_between(rng, 60, 8 * 60 * 6)))
            if supplied > cutoff:
                return life
            due = cal.shift_due(due, asked, supplied)
            ev.append(("supply", S.SUPPLEMENT, S.PROCESSING, supplied, None, ""))
            life.status, life.paused_at, life.resumed_status = S.PROCESSING, None, None
            life.due_at, t = due, supplied

        resolved = add(t, budget)
        if resolved > cutoff:
            return self._processing(life, t, desk_id)
        ev.append(("approve", S.PROCESSING, S.RESULT_READY, resolved, agency_id, ""))
        life.status, life.resolved_at = S.RESULT_READY, resolved
        if resolved.date() < due.date():  # both in Vietnam time
            life.timeliness = Timeliness.EARLY
        elif resolved <= due:
            life.timeliness = Timeliness.ON_TIME
        else:
            life.timeliness = Timeliness.LATE
        if channel == Channel.ONLINE and proc.online_level == OnlineLevel.FULL:
            returned = resolved + timedelta(minutes=_between(rng, 1, 30))
        else:
            returned = add(resolved, timedelta(minutes=_between(rng, 30, 8 * 60 * 3)))
        if returned > cutoff:
            return life
        ev.append(("return_result", S.RESULT_READY, S.RETURNED, returned, desk_id, ""))
        life.status, life.returned_at = S.RETURNED, returned
        return life

    def _processing(self, life: _Life, t: datetime, desk_id: int) -> _Life:
        """Still being processed at the cutoff: record the hand-over that put it there."""
        if life.status == S.RECEIVED:
            at = min(t + _FIVE_MINUTES, self.cutoff)
            life.events.append(("forward", S.RECEIVED, S.PROCESSING, at, desk_id, ""))
            life.status = S.PROCESSING
        return life


# --------------------------------------------------------------------------------------------
# Writing rows fast
# --------------------------------------------------------------------------------------------


class _Table:
    """INSERT of the given columns, every other column at its default, via executemany on
    SQLite and COPY on PostgreSQL."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        meta = model._meta
        self.table = meta.db_table
        by_column = {f.column: f for f in meta.concrete_fields}
        unknown = set(columns) - set(by_column)
        if unknown:
            raise RuntimeError(f"{self.table}: no columns {sorted(unknown)}")
        rest = [f for f in meta.concrete_fields if f.column not in columns
                and not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))]
        tail = []
        for f in rest:
            value = f.get_db_prep_save(f.get_default(), connection)  # "" for text, else None
            if value is None and not f.null:
                raise RuntimeError(f"{self.table}.{f.column}: no value and no default")
            tail.append(value)
        self.tail = tuple(_plain(v) for v in tail)
        self.columns: list[str] = list(columns) + [f.column or "" for f in rest]
        # PostgreSQL: binary COPY with the columns' types (no text parsing on the server).
        fields = [by_column[c] for c in self.columns]
        self.pg_types = [re.sub(r"\(.*\)", "", f.db_type(connection) or "").strip()
                         for f in fields] if connection.vendor == "postgresql" else []

    def write(self, rows: Iterable[tuple[Any, ...]]) -> None:
        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in self.columns)
        tail = self.tail
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {qn(self.table)} ({cols}) FROM STDIN (FORMAT BINARY)"
                              ) as copy:
                    copy.set_types(self.pg_types)
                    for row in rows:
                        copy.write_row(row + tail)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                sql = f"INSERT INTO {qn(self.table)} ({cols}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, [row + tail for row in rows])  # names from the model


def _plain(value: Any) -> Any:
    """A prepared default as a value COPY (JSON as the object) and executemany (JSON as its
    text) take."""
    inner = getattr(value, "obj", None)  # psycopg's Jsonb wrapper
    if inner is not None and type(value).__name__ in ("Jsonb", "Json"):
        return inner
    if isinstance(value, dict | list) and connection.vendor != "postgresql":
        return json.dumps(value)
    return value


class _Ids:
    """Primary keys for new dossiers, handed out before the rows are written (events point to
    them). PostgreSQL: taken from the table's sequence, safe beside other writers. SQLite: one
    writer at a time; the next free id once, then counted here (a writer slipping in meanwhile
    makes our insert fail on the primary key, never a silent mix-up)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.next: int | None = None

    def take(self, n: int) -> list[int]:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                               "FROM generate_series(1, %s)", [self.table, n])
                return [r[0] for r in cursor.fetchall()]
            if self.next is None:
                quoted = connection.ops.quote_name(self.table)
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
                first = cursor.fetchone()[0] + 1
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                row = cursor.fetchone()
                self.next = max(first, row[0] + 1 if row else 1)
        first = self.next
        self.next = first + n
        return list(range(first, first + n))


class _Background:
    """Writes prepared chunks on other connections, in threads, so the database works on
    chunks while Python makes the next ones (both drivers release the GIL while the server or
    SQLite works). PostgreSQL gets WRITERS connections side by side, SQLite one (it has a
    single writer). Used only outside any transaction and not on an in-memory SQLite
    database; else chunks are written in line."""

    def __init__(self, store: Callable[[Any], None]) -> None:
        self.store = store
        n = WRITERS if connection.vendor == "postgresql" else 1
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=n)
        self.error: BaseException | None = None
        self.threads = [threading.Thread(target=self._run, name=f"demo-writer-{i}", daemon=True)
                        for i in range(n)]
        # A writer needs the GIL briefly between rows; hand it over often (restored at close).
        self.switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        for thread in self.threads:
            thread.start()

    @staticmethod
    def possible() -> bool:
        return not connection.in_atomic_block and not (
            connection.vendor == "sqlite" and connection.is_in_memory_db())  # type: ignore[attr-defined]

    def _run(self) -> None:
        try:
            with _big_cache():
                while (item := self.queue.get()) is not None:
                    self.store(item)
        except BaseException as exc:  # handed to the main thread  # noqa: BLE001
            self.error = exc
            while self.queue.get() is not None:  # let the producer finish
                pass
        finally:
            connection.close()

    def put(self, item: Any) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(item)

    def close(self) -> None:
        for _thread in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        sys.setswitchinterval(self.switch)
        if self.error is not None:
            raise self.error


# --------------------------------------------------------------------------------------------
# The loader
# --------------------------------------------------------------------------------------------

DOSSIER_COLUMNS = [
    "id", "code", "province_code", "procedure_id", "version_id", "channel", "status", "revision",
    "applicant_id", "applicant_name", "applicant_id_number", "applicant_address",
    "applicant_phone", "unit_id", "form_data", "agency_id", "receiving_agency_id",
    "current_agency_id", "current_step", "current_role", "submitted_at", "received_at",
    "due_at", "paused_at", "resumed_status", "resolved_at", "returned_at", "ended_at",
    "timeliness", "end_reason", "fee_total",
]
EVENT_COLUMNS = ["dossier_id", "province_code", "at", "actor_name", "agency_id", "action",
                 "from_status", "to_status", "comment", "data"]
PAYMENT_COLUMNS = ["dossier_id", "amount", "stage", "state", "online", "reference",
                   "gateway_transaction", "created_at", "paid_at"]

# Where the dossier sits in the default workflow, by status: (step, role, at the desk?).
_PLACE: dict[int, tuple[int, str, bool]] = {
    S.SUBMITTED: (0, Role.ONESTOP_OFFICER, True), S.RECEIVED: (0, Role.ONESTOP_OFFICER, True),
    S.PAYING: (0, Role.ONESTOP_OFFICER, True), S.REFUSED: (0, Role.ONESTOP_OFFICER, True),
    S.PROCESSING: (1, Role.SPECIALIST, False), S.SUPPLEMENT: (1, Role.SPECIALIST, False),
    S.WITHDRAWN: (1, Role.SPECIALIST, False), S.STOPPED: (1, Role.SPECIALIST, False),
    S.RESULT_READY: (3, Role.ONESTOP_OFFICER, True), S.RETURNED: (3, Role.ONESTOP_OFFICER, True),
}


def _demo_exists(province_code: str, first: date, cutoff: datetime) -> bool:
    start = datetime(first.year, first.month, first.day, tzinfo=TZ)
    return Dossier.objects.filter(province_code=province_code, submitted_at__gte=start,
                                  submitted_at__lte=cutoff, form_data__demo=True).exists()


def _delete_demo(province_code: str, first: date, cutoff: datetime) -> None:
    start = datetime(first.year, first.month, first.day, tzinfo=TZ)
    ids = Dossier.objects.filter(province_code=province_code, submitted_at__gte=start,
                                 submitted_at__lte=cutoff, form_data__demo=True).values("pk")
    with transaction.atomic():
        for rel in Dossier._meta.related_objects:
            related = rel.related_model
            if rel.on_delete is models.CASCADE and rel.field.model is related:
                qs = related._base_manager.filter(**{f"{rel.field.name}__in": ids})
                qs._raw_delete(qs.db)
        qs = Dossier._base_manager.filter(pk__in=ids)
        qs._raw_delete(qs.db)


def unload_dossiers(*, province_code: str = "38", year: int | None = None,
                    now: datetime | None = None) -> None:
    """Delete the window's demo dossiers (and their events, payments, files...) and count the
    window's rollups again from what is left (live work only)."""
    from tinhso.onestop.rollups import rollups_rebuild

    first, cutoff = demo_window(year, now)
    _delete_demo(province_code, first, cutoff)
    rollups_rebuild(province_code=province_code, day_from=first, day_to=cutoff.date())


def expected_dossiers(scale: float) -> int:
    """About how many dossiers `load_dossiers` makes for a whole year at `scale` (for a
    progress bar's total; a year cut short by today makes fewer)."""
    return round(REPORT_RECEIVED * scale / (1 - REFUSED_AT_INTAKE - WITHDRAWN_BEFORE_RECEIPT))


def load_dossiers(*, province_code: str = "38", year: int | None = None, scale: float,
                  seed: int = 38, progress: Callable[[int], Any] | None = None,
                  replace: bool = False, now: datetime | None = None) -> int:
    """Load a year of demo dossiers for the province; returns how many were created (0 when
    that window already has demo dossiers and `replace` is false).

    `year=None`: the 365 days up to now; `year=2022`: that calendar year (cut at now if it is
    not over). `scale=1.0` is the report's year (about 986,337 received). `progress(n)` is
    told of each chunk written. `replace=True` first deletes the window's demo dossiers
    (those with `form_data == {"demo": true}`) and recounts the window's rollups. `now` fixes
    the present (tests)."""
    if not 0 < scale <= MAX_SCALE:
        # Beyond it the busiest desk would need more than 9,999 codes a day (4 digits).
        raise ValueError(f"scale must be above 0 and at most {MAX_SCALE}")
    first, cutoff = demo_window(year, now)
    if _demo_exists(province_code, first, cutoff):
        if not replace:
            return 0
        unload_dossiers(province_code=province_code, year=year, now=now)
    with _big_cache():
        return _load(province_code, year, scale, seed, progress, first, cutoff)


@contextlib.contextmanager
def _big_cache() -> Iterator[None]:
    """On SQLite, a page cache big enough for the indexes of a year of dossiers while loading
    (the default 2 MB makes every index insert a disk read once the tables grow)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _load(province_code: str, year: int | None, scale: float, seed: int,
          progress: Callable[[int], Any] | None, first: date, cutoff: datetime) -> int:
    rng = random.Random(f"{seed}:{province_code}:{year}")
    cal = calendar_for_province(province_code)
    expected_submitted = REPORT_RECEIVED * scale / (1 - REFUSED_AT_INTAKE
                                                    - WITHDRAWN_BEFORE_RECEIPT)  # float
    world = _world(province_code, cal, rng, int(expected_submitted))

    # Days of the window (a whole year's weights, so a cut year gets its share only).
    full_last = first + timedelta(days=364 if year is None else
                                  (date(year, 12, 31) - first).days)
    days = [first + timedelta(days=i) for i in range((full_last - first).days + 1)]
    total_weight = sum(p.weight for p in world.procs)
    cat_share = {c: sum(p.weight for p in ps) / total_weight
                 for c, ps in world.by_category.items()}
    weights = _day_weights(cal, days, cat_share)
    wsum = sum(w for w, _ in weights)
    last_day = cutoff.date() if cutoff.timetz() != time(0, tzinfo=TZ) else \
        cutoff.date() - timedelta(days=1)

    lives = _Lives(cal, rng, cutoff)
    counters = _Counters(province_code, first, last_day)
    writer = _Writer(province_code, _Rollup(province_code, first, last_day))
    background = _Background(writer.store) if _Background.possible() else None
    # Small loads in a few chunks too, so a progress bar moves.
    chunk = CHUNK if expected_submitted >= 2 * CHUNK else max(min(CHUNK, 2_000),
                                                              round(expected_submitted / 10))
    created = 0
    acc = 0.0
    done = 0
    batch: list[_Row] = []

    def flush() -> None:
        nonlocal batch, created
        prepared = writer.prepare(batch)
        if background:
            background.put(prepared)
        else:
            writer.store(prepared)
        created += len(batch)
        if progress:
            progress(len(batch))
        batch = []

    try:
        for d, (w, working) in zip(days, weights, strict=True):
            acc += expected_submitted * w / wsum
            n = round(acc) - done
            done += n
            if d > last_day or n <= 0:
                continue
            batch.extend(_day(world, lives, counters, d, n, working, cutoff, rng, len(days),
                              (d - first).days))
            if len(batch) >= chunk:
                flush()
        if batch:
            flush()
    finally:
        if background:
            background.close()
    counters.save()
    writer.rollup.save()
    with transaction.atomic():
        audit_record(actor=None, action="onestop.demo_load", object_type="onestop.dossier",
                     object_id=f"demo:{province_code}:{first.isoformat()}",
                     data={"created": created, "scale": scale, "from": first.isoformat(),
                           "to": last_day.isoformat(), "seed": seed})
    return created


class _Rollup:
    """The DossierStat counters of the generated dossiers, counted as they are made (the same
    rules as `rollups.rollups_aggregate`, which a test holds them to), then added to the rows
    already stored for the window (live dossiers) or inserted."""

    def __init__(self, province_code: str, first: date, last: date) -> None:
        self.province_code = province_code
        self.first, self.last = first, last
        self.counts: dict[tuple[date, int, int, int, str], list[int]] = {}

    def add(self, key_rest: tuple[int, int, int, str], counter: int, at: datetime) -> None:
        key = (at.date(), *key_rest)  # every moment made here is in Vietnam time
        row = self.counts.get(key)
        if row is None:
            row = self.counts[key] = [0] * len(ROLLUP_COUNTERS)
        row[counter] += 1

    def save(self) -> int:
        from tinhso.onestop.models import DossierStat

        qn = connection.ops.quote_name
        stored = dict(
            ((day, a, p, c, level), pk) for pk, day, a, p, c, level in DossierStat.objects.filter(
                province_code=self.province_code, day__gte=self.first, day__lte=self.last,
            ).values_list("pk", "day", "agency_id", "procedure_id", "channel", "online_level")
        )
        update = [(*row, stored[key]) for key, row in self.counts.items() if key in stored]
        with transaction.atomic():
            if update:
                sets = ", ".join(f"{qn(c)} = {qn(c)} + %s" for c in ROLLUP_COUNTERS)
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"UPDATE {qn(DossierStat._meta.db_table)} SET {sets} "  # noqa: S608
                        "WHERE id = %s", update)
            _Table(DossierStat, ["day", "province_code", "agency_id", "procedure_id", "channel",
                                 "online_level", *ROLLUP_COUNTERS]).write(
                (_day_value(key[0]), self.province_code, *key[1:], *row)
                for key, row in self.counts.items() if key not in stored)
        return len(self.counts)


ROLLUP_COUNTERS = (
    "submitted", "received", "refused", "resolved_early", "resolved_on_time", "resolved_late",
    "returned", "withdrawn", "stopped", "supplement_requested", "paid_online", "paid_total",
    "left_open", "electronic_result",
)
(R_SUBMITTED, R_RECEIVED, R_REFUSED, R_EARLY, R_ON_TIME, R_LATE, R_RETURNED, R_WITHDRAWN,
 R_STOPPED, R_SUPPLEMENT, R_PAID_ONLINE, R_PAID_TOTAL, R_LEFT_OPEN, _R_ELECTRONIC) = range(14)
_RESOLVED_COUNTER: dict[str, int] = {Timeliness.EARLY: R_EARLY, Timeliness.ON_TIME: R_ON_TIME,
                     Timeliness.LATE: R_LATE}


@dataclass(slots=True)
class _Row:
    code: str
    proc: _Proc
    channel: int
    person: _Person
    desk: _Commune
    unit_id: int
    address: str
    submitted: datetime
    life: _Life


class _Counters:
    """Sequence numbers per receiving agency and day, continuing any already given out."""

    def __init__(self, province_code: str, first: date, last: date) -> None:
        self.last: dict[tuple[int, date], int] = {
            (a, d): n for a, d, n in DayCounter.objects.filter(
                agency__province_code=province_code, day__gte=first, day__lte=last,
            ).values_list("agency_id", "day", "last")
        }
        self.existing = dict(self.last)

    def next(self, agency_id: int, day: date) -> int:
        key = (agency_id, day)
        n = self.last.get(key, 0) + 1
        self.last[key] = n
        return n

    def save(self) -> None:
        changed = {k: v for k, v in self.last.items() if self.existing.get(k) != v}
        if not changed:
            return
        table = connection.ops.quote_name(DayCounter._meta.db_table)
        with transaction.atomic(), connection.cursor() as cursor:
            update = [(n, a, d) for (a, d), n in changed.items() if (a, d) in self.existing]
            if update:
                last = connection.ops.quote_name("last")
                cursor.executemany(
                    f"UPDATE {table} SET {last} = %s WHERE agency_id = %s AND day = %s",  # noqa: S608
                    [(n, a, _day_value(d)) for n, a, d in update])
            _Table(DayCounter, ["agency_id", "day", "last"]).write(
                (a, _day_value(d), n) for (a, d), n in changed.items()
                if (a, d) not in self.existing)
        self.existing.update(changed)


def _day_value(d: date) -> Any:
    return d if connection.vendor == "postgresql" else d.isoformat()  # as Django stores it


def _day(world: _World, lives: _Lives, counters: _Counters, d: date, n: int, working: bool,
         cutoff: datetime, rng: random.Random, n_days: int, index: int) -> list[_Row]:
    online_share = ONLINE_FROM + (ONLINE_TO - ONLINE_FROM) * index / max(1, n_days - 1)
    month = d.month - 1
    cats = list(world.by_category)
    cat_cum = list(_cumulate(
        sum(p.weight for p in world.by_category[c]) * SEASONS[c][month] for c in cats))
    picked = rng.choices(cats, cum_weights=cat_cum, k=n)
    cum_by_cat: dict[str, list[float]] = {}
    drafts = []
    midnight = datetime(d.year, d.month, d.day, tzinfo=TZ)
    for cat in picked:
        cum = cum_by_cat.get(cat)
        if cum is None:
            cum = cum_by_cat[cat] = list(_cumulate(p.weight for p in world.by_category[cat]))
        procs = world.by_category[cat]
        proc = procs[bisect.bisect_right(cum, rng.random() * cum[-1])]
        if not working:
            channel = Channel.ONLINE
        else:
            u = rng.random()
            share = online_share * (1.15 if proc.online_level == OnlineLevel.FULL else 0.6)
            channel = (Channel.ONLINE if u < share else
                       Channel.POSTAL if u < share + POSTAL else Channel.IN_PERSON)
        if channel == Channel.ONLINE and (not working or rng.random() < 0.3):
            minute = _between(rng, 6 * 60, 23 * 60 - 1)
        else:
            minute = _office_minute(rng)
        submitted = midnight + timedelta(minutes=minute, seconds=_between(rng, 0, 59))
        if submitted > cutoff:
            continue
        drafts.append((submitted, proc, channel))
    drafts.sort(key=lambda x: x[0])
    yymmdd = f"{d:%y%m%d}"
    rows = []
    centre = world.centre
    communes, commune_cum = world.communes, world.commune_cum
    for submitted, proc, channel in drafts:
        commune = communes[bisect.bisect_right(commune_cum, rng.random() * commune_cum[-1])]
        desk = commune if proc.receiving == "commune" else centre
        if proc.business:
            person = _pick(rng, world.businesses)
        elif world.accounts and channel == Channel.ONLINE and rng.random() < 0.01:
            person = _pick(rng, world.accounts)
        else:
            person = _pick(rng, world.people)
        seq = counters.next(desk.agency_id, d)
        code = f"{desk.code}-{yymmdd}-{seq:04d}"
        address = (f"{_pick(rng, HAMLETS)} {_between(rng, 1, 15)}, {commune.unit_name}, "
                   f"tỉnh {centre.unit_name}")
        life = lives.live(proc, channel, submitted, desk.agency_id,
                          proc.agency_id if proc.receiving == "centre" else desk.agency_id)
        rows.append(_Row(code, proc, channel, person, desk, commune.unit_id, address, submitted,
                         life))
    return rows


class _Writer:
    def __init__(self, province_code: str, rollup: _Rollup) -> None:
        self.province_code = province_code
        self.rollup = rollup
        self.dossiers = _Table(Dossier, DOSSIER_COLUMNS)
        self.events = _Table(DossierEvent, EVENT_COLUMNS)
        self.payments = _Table(Payment, PAYMENT_COLUMNS)
        self.pg = connection.vendor == "postgresql"
        self.mark: Any = DEMO_MARK if self.pg else json.dumps(DEMO_MARK)
        self.empty: Any = {} if self.pg else "{}"
        self.ids = _Ids(Dossier)

    def ts(self, value: datetime | None) -> Any:
        """As Django stores it: PostgreSQL takes the aware value, SQLite text in UTC."""
        if value is None or self.pg:
            return value
        if value.tzinfo is TZ:  # Vietnam has kept UTC+7 all year since 1975
            return (value - _SEVEN_HOURS).isoformat(" ")[:-6]
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")

    def _count(self, r: _Row, handling: int, life: _Life) -> None:
        add = self.rollup.add
        key = (handling, r.proc.procedure_id, r.channel, r.proc.online_level)
        add(key, R_SUBMITTED, r.submitted)
        if life.received_at is not None:
            add(key, R_RECEIVED, life.received_at)
        status = life.status
        if life.ended_at is not None:
            add(key, R_REFUSED if status == S.REFUSED else
                R_WITHDRAWN if status == S.WITHDRAWN else R_STOPPED, life.ended_at)
            if life.received_at is not None and status in (S.WITHDRAWN, S.STOPPED):
                add(key, R_LEFT_OPEN, life.ended_at)
        if life.resolved_at is not None:
            add(key, _RESOLVED_COUNTER[life.timeliness], life.resolved_at)
            add(key, R_LEFT_OPEN, life.resolved_at)
        if life.returned_at is not None:
            add(key, R_RETURNED, life.returned_at)
        if life.paid_at is not None:
            add(key, R_PAID_TOTAL, life.paid_at)
            if r.channel == Channel.ONLINE:
                add(key, R_PAID_ONLINE, life.paid_at)
        for action, _frm, _to, at, _agency, _comment in life.events:
            if action == "request_supplement":
                add(key, R_SUPPLEMENT, at)

    @transaction.atomic
    def store(self, prepared: tuple[list[Any], list[Any], list[Any]]) -> None:
        dossier_rows, event_rows, payment_rows = prepared
        self.dossiers.write(dossier_rows)
        self.events.write(event_rows)
        if payment_rows:
            self.payments.write(payment_rows)

    def prepare(self, batch: list[_Row]) -> tuple[list[Any], list[Any], list[Any]]:
        """The rows of a chunk, and its rollup counts."""
        ids = self.ids.take(len(batch))
        ts = self.ts
        prov = self.province_code
        mark, empty = self.mark, self.empty
        dossier_rows = []
        event_rows = []
        payment_rows = []
        for pk, r in zip(ids, batch, strict=True):
            life = r.life
            proc = r.proc
            step, role, at_desk = _PLACE[life.status]
            handling = proc.agency_id if proc.receiving == "centre" else r.desk.agency_id
            dossier_rows.append((
                pk, r.code, prov, proc.procedure_id, proc.version_id, r.channel, life.status,
                len(life.events), r.person.user_id, r.person.name, r.person.id_number, r.address,
                r.person.phone, r.unit_id, mark, handling, r.desk.agency_id,
                r.desk.agency_id if at_desk else handling, step, role, ts(r.submitted),
                ts(life.received_at), ts(life.due_at), ts(life.paused_at), life.resumed_status,
                ts(life.resolved_at), ts(life.returned_at), ts(life.ended_at), life.timeliness,
                life.end_reason, proc.fee,
            ))
            for action, frm, to, at, agency_id, comment in life.events:
                actor = r.person.name if agency_id is None else _ACTOR_OF[action]
                event_rows.append((pk, prov, ts(at), actor, agency_id, action, frm, to, comment,
                                   empty))
            self._count(r, handling, life)
            if life.payment_requested is not None:
                paid = life.paid_at is not None
                payment_rows.append((
                    pk, proc.fee, "before_processing",
                    Payment.State.PAID if paid else Payment.State.PENDING,
                    r.channel == Channel.ONLINE, f"{r.code}-1", f"DEMO{pk}" if paid else "",
                    ts(life.payment_requested), ts(life.paid_at),
                ))
        return dossier_rows, event_rows, payment_rows
