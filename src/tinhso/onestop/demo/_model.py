"""The demo province's procedures, people, seasons and the lives of its dossiers."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from tinhso.accounts.demo import GIVEN, SURNAMES, citizen_id_for, tax_code_for
from tinhso.catalog.models import DeadlineUnit, OnlineLevel, ProcedureVersion, RequiredDocument
from tinhso.core.calendar import TZ, WorkingCalendar, national_holidays
from tinhso.core.text import nfc
from tinhso.directory.models import Agency, Role

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
    document_id: int | None = None  # the first mandatory component (the one digitized)
    file_name: str = "Thành phần hồ sơ.pdf"
    weight: float = 0.0
    seconds: int = 0  # the statutory working time in seconds
    late: float = 0.0  # how much it tends to run late (LATE_PROPENSITY)


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


def _first_documents(province_code: str) -> dict[int, tuple[int, str]]:
    """Each version's first mandatory component (the one the demo digitizes): version id ->
    (document id, name). One query (not a prefetch of every version's documents)."""
    out: dict[int, tuple[int, str]] = {}
    for version_id, pk, name in (RequiredDocument.objects
                                 .filter(version__agency__province_code=province_code)
                                 .order_by("version_id", "-is_mandatory", "position")
                                 .values_list("version_id", "pk", "name")):
        out.setdefault(version_id, (pk, name))
    return out


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
    versions = _current_versions(province_code)
    first_documents = _first_documents(province_code)
    for v in versions:
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
        p.seconds = duration // timedelta(seconds=1)
        if v.pk in first_documents:
            p.document_id, name = first_documents[v.pk]
            p.file_name = nfc(f"{name[:200].strip()}.pdf")
        p.late = LATE_PROPENSITY[p.category]
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
