"""The documents' indicators (issue 6: "documents: exchanged online, personal and agency
signature rates"), from the documents' monthly rollup (`documents.rollups`): one grouped query
whatever the period's length. `recount` gives the same counters from the documents' history
for `tinhso indicators verify`."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from tinhso.documents.models import DocumentStatMonth
from tinhso.documents.rollups import COUNTERS, doc_stats_recount
from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Scope, Text
from tinhso.indicators.sources._counted import Counted, count_of, rate_of, register_counted

Counters = dict[str, int]
SOURCE = "documents"
REGULATION = ("Nghị định 30/2020/NĐ-CP về công tác văn thư; Quyết định 28/2018/QĐ-TTg "
              "về gửi, nhận văn bản điện tử giữa các cơ quan trong hệ thống hành chính nhà nước")


def counters(scope: Scope, period: Period) -> Counters:
    rows = DocumentStatMonth.objects.filter(province_code=scope.province_code,
                                            month__gte=period.first_day, month__lt=period.end)
    if scope.agency_id is not None:
        rows = rows.filter(agency_id=scope.agency_id)
    sums = rows.aggregate(**{c: Sum(c) for c in COUNTERS})
    return {c: sums[c] or 0 for c in COUNTERS}


def counters_many(scopes: list[Scope], period: Period) -> dict[Scope, Counters]:
    """`counters` for many scopes: one grouped query per province for its agencies."""
    out: dict[Scope, Counters] = {}
    by_province: dict[str, list[Scope]] = {}
    for scope in scopes:
        if scope.agency_id is None:
            out[scope] = counters(scope, period)
        else:
            by_province.setdefault(scope.province_code, []).append(scope)
    for province_code, group in by_province.items():
        rows = (DocumentStatMonth.objects
                .filter(province_code=province_code,
                        agency_id__in=sorted({s.agency_id for s in group if s.agency_id}),
                        month__gte=period.first_day, month__lt=period.end)
                .values("agency_id").annotate(**{c: Sum(c) for c in COUNTERS}))
        found: dict[int | None, Counters] = {}
        for r in rows:
            row: dict[str, Any] = dict(r)
            found[row["agency_id"]] = {c: row[c] or 0 for c in COUNTERS}
        for scope in group:
            out[scope] = found.get(scope.agency_id, dict.fromkeys(COUNTERS, 0))
    return out


def recount(scope: Scope, period: Period) -> Counters:
    out = dict.fromkeys(COUNTERS, 0)
    for counts in doc_stats_recount(province_code=scope.province_code, first=period.first_day,
                                    end=period.end, agency_id=scope.agency_id).values():
        for name, n in counts.items():
            out[name] += n
    return out



ISSUED = Text("Tổng số văn bản đi đã phát hành", "Outgoing documents issued")

FORMULAS: list[Counted] = [
    Counted("documents.issued", "Số văn bản đi đã phát hành", "Outgoing documents issued",
            "count", count_of("issued"),
            Text("Số văn bản đi đã phát hành trong kỳ", "Outgoing documents issued in the period")),
    Counted("documents.personal_signature_rate",
            "Tỷ lệ văn bản đi có chữ ký số cá nhân của người có thẩm quyền",
            "Outgoing documents with the signer's personal digital signature", "rate",
            rate_of("personal_signed", "issued"),
            Text("Số văn bản đi có chữ ký số cá nhân của người có thẩm quyền",
                 "Outgoing documents with the signer's personal digital signature"),
            ISSUED),
    Counted("documents.agency_signature_rate", "Tỷ lệ văn bản đi có chữ ký số của cơ quan",
            "Outgoing documents with the agency's digital signature", "rate",
            rate_of("agency_signed", "issued"),
            Text("Số văn bản đi có chữ ký số của cơ quan",
                 "Outgoing documents with the agency's digital signature"),
            ISSUED),
    Counted("documents.sent_online", "Số văn bản đi gửi trên môi trường mạng",
            "Outgoing documents sent electronically", "count", count_of("sent_online"),
            Text("Số văn bản đi gửi trên môi trường mạng trong kỳ",
                 "Outgoing documents sent electronically in the period")),
    Counted("documents.received_online", "Số văn bản đến nhận trên môi trường mạng",
            "Incoming documents received electronically", "count", count_of("received_online"),
            Text("Số văn bản đến nhận trên môi trường mạng trong kỳ",
                 "Incoming documents received electronically in the period")),
]


def register_indicators() -> None:
    register_counted(FORMULAS, source=SOURCE, regulation=REGULATION, read=counters,
                     read_many=counters_many, recount=recount)
