"""Indicators that no module measures: the responsible agency enters them for a unit and a
period, with evidence, and a reviewer verifies them (`indicators.services`). Only the verified
revision of an entry counts; a period with no verified entry has no value (not zero).

The province's value is the entry for the province itself; an agency's value is the entry for
its administrative unit when the agency is that unit's People's Committee (a commune's
committee answers for its commune; a department has no value of its own)."""

from __future__ import annotations

from collections.abc import Callable

from tinhso.directory.models import AdminUnit, Agency
from tinhso.indicators.periods import Period
from tinhso.indicators.registry import ENTERED, Indicator, Pillar, Scope, Text, Value, register
from tinhso.indicators.sources._counted import shared
from tinhso.onestop.stats import rate

DECISION_749 = "Quyết định 749/QĐ-TTg ngày 3/6/2020 (Chương trình Chuyển đổi số quốc gia)"
DECISION_411 = "Quyết định 411/QĐ-TTg ngày 31/3/2022 (Chiến lược phát triển kinh tế số và xã hội số)"
DECISION_1813 = "Quyết định 1813/QĐ-TTg ngày 28/10/2021 (thanh toán không dùng tiền mặt)"
UNIT_AGENCY_KINDS = (Agency.Kind.COMMUNE, Agency.Kind.PEOPLES_COMMITTEE)

# code, name vi, name en, pillar, kind, responsible, regulation, what (what a count counts,
# or a rate's numerator), of (a rate's denominator)
DECLARED: list[tuple[str, str, str, Pillar, str, str, str, Text, Text | None]] = [
    ("entered.einvoice_rate", "Tỷ lệ doanh nghiệp sử dụng hóa đơn điện tử",
     "Businesses using e-invoices", Pillar.ECONOMY, "rate", "Thuế tỉnh", DECISION_411,
     Text("Số doanh nghiệp sử dụng hóa đơn điện tử", "Businesses using e-invoices"),
     Text("Tổng số doanh nghiệp đang hoạt động", "Businesses in operation")),
    ("entered.cashless_accounts_rate",
     "Tỷ lệ người từ 15 tuổi trở lên có tài khoản giao dịch thanh toán",
     "Adults with a payment account", Pillar.SOCIETY, "rate",
     "Ngân hàng Nhà nước chi nhánh tỉnh", DECISION_1813,
     Text("Số người từ 15 tuổi trở lên có tài khoản giao dịch thanh toán",
          "People aged 15 or over with a payment account"),
     Text("Dân số từ 15 tuổi trở lên", "Population aged 15 or over")),
    ("entered.digital_economy_share", "Tỷ trọng kinh tế số trong GRDP",
     "Digital economy share of GRDP", Pillar.ECONOMY, "rate", "Sở Tài chính", DECISION_411,
     Text("Giá trị tăng thêm của kinh tế số", "Value added of the digital economy"),
     Text("Tổng sản phẩm trên địa bàn (GRDP)", "Gross regional domestic product (GRDP)")),
    ("entered.fiber_households_rate", "Tỷ lệ hộ gia đình có kết nối Internet cáp quang",
     "Households with fibre broadband", Pillar.INFRASTRUCTURE, "rate",
     "Sở Khoa học và Công nghệ", DECISION_749,
     Text("Số hộ gia đình có kết nối Internet cáp quang", "Households with fibre broadband"),
     Text("Tổng số hộ gia đình", "Households")),
    ("entered.smartphone_adults_rate", "Tỷ lệ người trưởng thành có điện thoại thông minh",
     "Adults with a smartphone", Pillar.SOCIETY, "rate", "Sở Khoa học và Công nghệ",
     DECISION_749,
     Text("Số người trưởng thành có điện thoại thông minh", "Adults with a smartphone"),
     Text("Tổng số người trưởng thành", "Adults")),
    ("entered.qr_merchants", "Số điểm chấp nhận thanh toán bằng mã QR",
     "Merchants accepting QR payments", Pillar.ECONOMY, "count",
     "Ngân hàng Nhà nước chi nhánh tỉnh", DECISION_1813,
     Text("Số điểm bán hàng, cung ứng dịch vụ chấp nhận thanh toán bằng mã QR",
          "Points of sale and service accepting QR payments"), None),
]


def read_verified_all(scope: Scope, period: Period) -> dict[str, Value]:
    """Every entered indicator's verified figure for the scope's unit and the period, by
    code: one query (the newest unit first, where a unit was succeeded)."""
    from tinhso.indicators.models import Entry

    rows = Entry.objects.filter(period=str(period), province_code=scope.province_code,
                                verified__isnull=False)
    if scope.agency_id is None:
        rows = rows.filter(unit__level=AdminUnit.Level.PROVINCE, unit__code=scope.province_code)
    else:
        rows = rows.filter(unit__agencies__pk=scope.agency_id,
                           unit__agencies__kind__in=UNIT_AGENCY_KINDS)
    found: dict[str, Value] = {}
    for code, *figure in (rows.order_by("indicator_code", "-unit__valid_from", "pk")
                          .values_list("indicator_code", "verified__value",
                                       "verified__numerator", "verified__denominator")):
        found.setdefault(code, revision_value(*figure))
    return found


def read_verified(code: str, scope: Scope, period: Period) -> Value:
    """The verified figure for the scope's unit and the period (none: no value, not zero);
    the entered indicators of one page share one query (`shared_reads`)."""
    every = shared(("entered", scope, period), lambda: read_verified_all(scope, period))
    return every.get(code, Value(0, None, None))


def revision_value(value: int | None, numerator: int | None, denominator: int | None) -> Value:
    if numerator is not None and denominator is not None:
        return Value(numerator, denominator, rate(numerator, denominator))
    return Value(value or 0, None, value)


def _compute(code: str) -> Callable[[Scope, Period], Value]:
    return lambda scope, period: read_verified(code, scope, period)


def register_indicators() -> None:
    for code, name_vi, name_en, pillar, kind, responsible, regulation, what, of in DECLARED:
        rate_ = kind == "rate"
        register(Indicator(
            code=code, name_vi=name_vi, name_en=name_en, pillar=pillar,
            unit="%" if kind == "rate" else "count", kind="rate" if kind == "rate" else "count",
            source=ENTERED, regulation=regulation, public=True, compute=_compute(code),
            responsible=responsible, minimum=0, maximum=100 if kind == "rate" else None,
            formula=None if rate_ else what, numerator=what if rate_ else None,
            denominator=of if rate_ else None,
        ))
