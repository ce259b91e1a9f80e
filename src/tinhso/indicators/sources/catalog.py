"""Procedures by online level (Decision 766/QĐ-TTg, online service group; levels of Decree
42/2022/NĐ-CP), from the procedure catalogue.

The catalogue is small (thousands of procedures) and is itself the record: a count of the
procedures' versions in force is one grouped query, so these read it directly, with no rollup.
A procedure counts for the agency that its version in force names, as it stands on the
period's last day (today for a period not yet over); a province's figure counts the versions of
its agencies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q

from tinhso.catalog.models import OnlineLevel
from tinhso.catalog.schema import today
from tinhso.catalog.selectors import current_versions
from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Scope, Text
from tinhso.indicators.sources._counted import Counted, count_of, rate_of, register_counted
from tinhso.indicators.sources._decision766 import ONLINE_SERVICE

Counters = dict[str, int]
SOURCE = "catalog"
DECISION_766 = "Quyết định 766/QĐ-TTg ngày 23/6/2022; Nghị định 42/2022/NĐ-CP"
NAMES = ("procedures", "full_online", "partial_online", "online")


def _on(period: Period) -> dt.date:
    return min(period.last_day, today())


def _sums() -> dict[str, Count]:
    return {
        "procedures": Count("pk"),
        "full_online": Count("pk", filter=Q(online_level=OnlineLevel.FULL)),
        "partial_online": Count("pk", filter=Q(online_level=OnlineLevel.PARTIAL)),
        "online": Count("pk", filter=Q(online_level__in=[OnlineLevel.FULL, OnlineLevel.PARTIAL])),
    }


def counters(scope: Scope, period: Period) -> Counters:
    """The scope's procedures in force at the period's end, by online level: one query."""
    rows = current_versions(_on(period)).filter(agency__province_code=scope.province_code)
    if scope.agency_id is not None:
        rows = rows.filter(agency_id=scope.agency_id)
    return {k: v or 0 for k, v in rows.aggregate(**_sums()).items()}


def counters_many(scopes: list[Scope], period: Period) -> dict[Scope, Counters]:
    """`counters` for many scopes: one grouped query per province for its agencies."""
    out: dict[Scope, Counters] = {}
    agencies: dict[str, list[Scope]] = {}
    for scope in scopes:
        if scope.agency_id is None:
            out[scope] = counters(scope, period)
        else:
            agencies.setdefault(scope.province_code, []).append(scope)
    empty: Counters = dict.fromkeys(NAMES, 0)
    for province_code, group in agencies.items():
        found: dict[int, Counters] = {}
        for row in (
            current_versions(_on(period))
            .filter(agency__province_code=province_code, agency_id__in={s.agency_id for s in group})
            .values("agency_id")
            .annotate(**_sums())
            .order_by()
        ):
            got: dict[str, Any] = dict(row)
            found[got["agency_id"]] = {k: got[k] or 0 for k in NAMES}
        for scope in group:
            out[scope] = found.get(scope.agency_id or 0, empty)
    return out


IN_FORCE = Text("Tổng số thủ tục hành chính đang có hiệu lực",
                "Procedures in force")

FORMULAS: list[Counted] = [
    Counted(
        "catalog.procedures",
        "Số thủ tục hành chính",
        "Administrative procedures",
        "count",
        count_of("procedures"),
        Text("Số thủ tục hành chính có phiên bản đang có hiệu lực vào ngày cuối kỳ",
             "Procedures with a version in force on the period's last day"),
        group=ONLINE_SERVICE,
    ),
    Counted(
        "catalog.procedures_full_online",
        "Số thủ tục cung cấp dịch vụ công trực tuyến toàn trình",
        "Procedures offered fully online",
        "count",
        count_of("full_online"),
        Text("Số thủ tục đang có hiệu lực cung cấp dịch vụ công trực tuyến toàn trình",
             "Procedures in force offered fully online"),
        group=ONLINE_SERVICE,
    ),
    Counted(
        "catalog.procedures_partial_online",
        "Số thủ tục cung cấp dịch vụ công trực tuyến một phần",
        "Procedures offered partly online",
        "count",
        count_of("partial_online"),
        Text("Số thủ tục đang có hiệu lực cung cấp dịch vụ công trực tuyến một phần",
             "Procedures in force offered partly online"),
        group=ONLINE_SERVICE,
    ),
    Counted(
        "catalog.full_online_rate",
        "Tỷ lệ thủ tục hành chính cung cấp dịch vụ công trực tuyến toàn trình",
        "Share of procedures offered fully online",
        "rate",
        rate_of("full_online", "procedures"),
        Text("Số thủ tục cung cấp dịch vụ công trực tuyến toàn trình",
             "Procedures offered fully online"),
        IN_FORCE,
        group=ONLINE_SERVICE,
    ),
    Counted(
        "catalog.online_procedure_rate",
        "Tỷ lệ thủ tục hành chính cung cấp dịch vụ công trực tuyến",
        "Share of procedures offered online (fully or partly)",
        "rate",
        rate_of("online", "procedures"),
        Text("Số thủ tục cung cấp dịch vụ công trực tuyến (toàn trình hoặc một phần)",
             "Procedures offered online (fully or partly)"),
        IN_FORCE,
        group=ONLINE_SERVICE,
    ),
]


def register_indicators() -> None:
    # The catalogue is its own raw record: `verify` reads it the same way.
    register_counted(
        FORMULAS,
        source=SOURCE,
        regulation=DECISION_766,
        read=counters,
        read_many=counters_many,
        recount=counters,
    )
