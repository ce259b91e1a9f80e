"""The one-stop indicators (Decision 766/QĐ-TTg), from the monthly dossier rollup.

Why not `onestop.stats.dossier_stats`: it is scoped to a user's grants (public indicators have
no user) and does not return the payment and electronic-result counters. A period here is
whole months, so one grouped query on `DossierStatMonth` gives every counter, whatever the
period's length; the counters mean what docs/onestop.md says, and the rates round with
`onestop.stats.rate`, so the shared figures equal `dossier_stats`' (a test checks it).
`recount` sums the same counters from `onestop.rollups.rollups_aggregate` (the dossiers
themselves) for `tinhso indicators verify`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, Sum

from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Scope, Text, Value
from tinhso.indicators.sources._counted import Counted, register_counted
from tinhso.indicators.sources._decision766 import (
    DECISION_766,
    DIGITIZATION,
    ONLINE_PAYMENT,
    ONLINE_SERVICE,
    PROGRESS,
    SATISFACTION,
)
from tinhso.onestop.models import DossierStatMonth
from tinhso.onestop.rollups import rollups_aggregate
from tinhso.onestop.services import RATING_INDICATORS
from tinhso.onestop.stats import rate
from tinhso.onestop.status import Channel

Counters = dict[str, int]
PLAIN = ("submitted", "received", "resolved_early", "resolved_on_time", "resolved_late",
         "paid_online", "paid_total", "electronic_result", "digitized", "rated", "rating_points",
         "reused")
# A rating scores each of its criteria 0, 1 or 2 (onestop.services.RATING_INDICATORS).
RATING_MAX_POINTS = 2 * len(RATING_INDICATORS)
SOURCE = "onestop"


def counters(scope: Scope, period: Period) -> Counters:
    """The period's counters from the monthly rollup: one aggregate query."""
    rows = DossierStatMonth.objects.filter(province_code=scope.province_code,
                                           month__gte=period.first_day, month__lt=period.end)
    if scope.agency_id is not None:
        rows = rows.filter(agency_id=scope.agency_id)
    sums = rows.aggregate(**{f"sum_{c}": Sum(c) for c in PLAIN},
                          sum_received_online=Sum("received", filter=Q(channel=Channel.ONLINE)))
    return {name.removeprefix("sum_"): n or 0 for name, n in sums.items()}


def counters_many(scopes: list[Scope], period: Period) -> dict[Scope, Counters]:
    """`counters` for many scopes: one grouped query for the agencies of a province (and one
    more for the province itself when asked)."""
    out: dict[Scope, Counters] = {}
    agencies: dict[str, dict[int, list[Scope]]] = {}
    for scope in scopes:
        if scope.agency_id is None:
            out[scope] = counters(scope, period)
        else:
            agencies.setdefault(scope.province_code, {}).setdefault(scope.agency_id,
                                                                    []).append(scope)
    for province_code, by_agency in agencies.items():
        rows = (DossierStatMonth.objects
                .filter(province_code=province_code, agency_id__in=list(by_agency),
                        month__gte=period.first_day, month__lt=period.end)
                .values("agency_id")
                .annotate(**{f"sum_{c}": Sum(c) for c in PLAIN},
                          sum_received_online=Sum("received", filter=Q(channel=Channel.ONLINE))))
        found: dict[int, Counters] = {}
        for r in rows:
            row: dict[str, Any] = dict(r)
            found[row["agency_id"]] = {k.removeprefix("sum_"): v or 0 for k, v in row.items()
                                       if k.startswith("sum_")}
        empty: Counters = dict.fromkeys((*PLAIN, "received_online"), 0)
        for agency_id, group in by_agency.items():
            for scope in group:
                out[scope] = found.get(agency_id, empty)
    return out


def recount(scope: Scope, period: Period) -> Counters:
    """The same counters recomputed from dossiers and payments."""
    out = dict.fromkeys((*PLAIN, "received_online"), 0)
    rows = rollups_aggregate(province_code=scope.province_code, day_from=period.first_day,
                             day_to=period.last_day)
    for (_day, agency_id, _procedure, channel, _level), counts in rows.items():
        if scope.agency_id is not None and agency_id != scope.agency_id:
            continue
        for name in PLAIN:
            out[name] += counts.get(name, 0)
        if channel == Channel.ONLINE:
            out["received_online"] += counts.get("received", 0)
    return out


def _resolved(c: Counters) -> int:
    return c["resolved_early"] + c["resolved_on_time"] + c["resolved_late"]


def _count(f: Callable[[Counters], int]) -> Callable[[Counters], Value]:
    return lambda c: Value(f(c), None, f(c))


def _rate(num: Callable[[Counters], int], den: Callable[[Counters], int]
          ) -> Callable[[Counters], Value]:
    return lambda c: Value(num(c), den(c), rate(num(c), den(c)))


FORMULAS: list[Counted] = [
    Counted("onestop.received", "Số hồ sơ tiếp nhận", "Dossiers received", "count",
            _count(lambda c: c["received"]),
            Text("Số hồ sơ tiếp nhận trong kỳ, qua mọi kênh",
                 "Dossiers received in the period, through every channel"),
            group=PROGRESS),
    Counted("onestop.resolved", "Số hồ sơ đã giải quyết", "Dossiers resolved", "count",
            _count(_resolved),
            Text("Số hồ sơ đã giải quyết trong kỳ (trước hạn, đúng hạn và quá hạn)",
                 "Dossiers resolved in the period (early, on time and late)"),
            group=PROGRESS),
    Counted("onestop.resolved_in_time", "Số hồ sơ giải quyết trước hạn và đúng hạn",
            "Dossiers resolved early or on time", "count",
            _count(lambda c: c["resolved_early"] + c["resolved_on_time"]),
            Text("Số hồ sơ giải quyết trước hạn và đúng hạn trong kỳ",
                 "Dossiers resolved early or on time in the period"),
            group=PROGRESS),
    Counted("onestop.on_time_rate", "Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn",
            "On-time resolution rate", "rate",
            _rate(lambda c: c["resolved_early"] + c["resolved_on_time"], _resolved),
            Text("Số hồ sơ giải quyết đúng hạn và trước hạn",
                 "Dossiers resolved on time or early"),
            Text("Tổng số hồ sơ đã giải quyết", "Dossiers resolved"),
            group=PROGRESS),
    Counted("onestop.online_rate", "Tỷ lệ hồ sơ nộp trực tuyến", "Online dossier rate", "rate",
            _rate(lambda c: c["received_online"], lambda c: c["received"]),
            Text("Số hồ sơ tiếp nhận trực tuyến", "Dossiers received online"),
            Text("Tổng số hồ sơ tiếp nhận", "Dossiers received"),
            group=ONLINE_SERVICE),
    Counted("onestop.online_payment_rate", "Tỷ lệ thanh toán trực tuyến",
            "Online payment rate", "rate",
            _rate(lambda c: c["paid_online"], lambda c: c["paid_total"]),
            Text("Số khoản phí, lệ phí được thanh toán trực tuyến", "Fees paid online"),
            Text("Tổng số khoản phí, lệ phí đã thanh toán", "Fees paid"),
            group=ONLINE_PAYMENT),
    Counted("onestop.electronic_result_rate", "Tỷ lệ hồ sơ trả kết quả điện tử",
            "Electronic result rate", "rate",
            _rate(lambda c: c["electronic_result"], _resolved),
            Text("Số hồ sơ đã giải quyết có kết quả điện tử",
                 "Dossiers resolved with an electronic result"),
            Text("Tổng số hồ sơ đã giải quyết", "Dossiers resolved"),
            group=DIGITIZATION),
    Counted("onestop.digitized_rate", "Tỷ lệ hồ sơ có thành phần được số hóa",
            "Dossiers with digitized components", "rate",
            _rate(lambda c: c["digitized"], lambda c: c["submitted"]),
            Text("Số hồ sơ nộp trong kỳ có thành phần được cán bộ số hóa",
                 "Dossiers submitted in the period with a component digitized by an officer"),
            Text("Tổng số hồ sơ nộp trong kỳ", "Dossiers submitted in the period"),
            group=DIGITIZATION),
    Counted("onestop.reused_rate", "Tỷ lệ hồ sơ tái sử dụng thành phần hồ sơ đã số hóa",
            "Dossiers reusing digitized components", "rate",
            _rate(lambda c: c["reused"], lambda c: c["submitted"]),
            Text("Số hồ sơ nộp trong kỳ có thành phần hồ sơ dùng lại từ bản đã số hóa của hồ sơ "
                 "trước đó của cùng người nộp",
                 "Dossiers submitted in the period with a component reused from the digitized "
                 "copy in an earlier dossier of the same applicant"),
            Text("Tổng số hồ sơ nộp trong kỳ", "Dossiers submitted in the period"),
            group=DIGITIZATION),
    Counted("onestop.ratings", "Số lượt đánh giá mức độ hài lòng",
            "Satisfaction ratings received", "count", _count(lambda c: c["rated"]),
            Text("Số lượt người dân, doanh nghiệp đánh giá mức độ hài lòng trong kỳ",
                 "Satisfaction ratings given by applicants in the period"),
            group=SATISFACTION),
    Counted("onestop.satisfaction_rate", "Mức độ hài lòng của người dân, doanh nghiệp",
            "Applicant satisfaction", "rate",
            _rate(lambda c: c["rating_points"], lambda c: RATING_MAX_POINTS * c["rated"]),
            Text("Tổng số điểm của các lượt đánh giá", "Points given by the ratings"),
            Text(f"Số điểm tối đa ({RATING_MAX_POINTS} điểm × số lượt đánh giá)",
                 f"Maximum points ({RATING_MAX_POINTS} points × ratings)"),
            group=SATISFACTION),
]


def register_indicators() -> None:
    register_counted(FORMULAS, source=SOURCE, regulation=DECISION_766, read=counters,
                     read_many=counters_many, recount=recount)
