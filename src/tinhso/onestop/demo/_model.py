"""The demo province's procedures, people, seasons and the lives of its dossiers."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from tinhso.accounts.demo import GIVEN, SURNAMES, citizen_id_for, tax_code_for
from tinhso.catalog.models import DeadlineUnit, OnlineLevel, ProcedureVersion
from tinhso.core.calendar import TZ, WorkingCalendar, national_holidays
from tinhso.core.text import nfc
from tinhso.directory.models import Agency, Role
from tinhso.onestop.demo._constants import (
    LATE_RATE,
    REFUSED_AT_INTAKE,
    STOPPED,
    SUPPLEMENT,
    WITHDRAWN,
    WITHDRAWN_BEFORE_RECEIPT,
)
from tinhso.onestop.status import Channel, Status, Timeliness

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
