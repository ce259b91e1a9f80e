"""The public indicators as one table, for the open data portal: every public indicator's
value for a period, for the province and for each agency that can be read at once (the same
figures the dashboard and the report show, from the same rollups: one query per indicator for
all units). Linked from the portal's dataset "chi-so-chuyen-doi-so", so it is always current."""

from __future__ import annotations

from typing import Any

from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Indicator, Scope, Value, all_indicators
from tinhso.indicators.report.data import PILLAR_NAMES_VI, province_unit, units_read
from tinhso.indicators.sources._counted import shared_reads

COLUMNS = ("ky", "ma_chi_so", "ten_chi_so", "tru_cot", "don_vi_tinh", "ma_don_vi",
           "ten_don_vi", "gia_tri", "tu_so", "mau_so")


def _row(indicator: Indicator, period: Period, code: str, name: str,
         value: Value) -> dict[str, Any]:
    return {
        "ky": str(period), "ma_chi_so": indicator.code, "ten_chi_so": indicator.name_vi,
        "tru_cot": PILLAR_NAMES_VI[indicator.pillar], "don_vi_tinh": indicator.unit,
        "ma_don_vi": code, "ten_don_vi": name, "gia_tri": value.value,
        "tu_so": value.numerator, "mau_so": value.denominator,
    }


def indicator_table(period: Period, province_code: str) -> list[dict[str, Any]]:
    """Public indicators only: what is not public never reaches this table. Indicators that
    share a module's counters read them once (`shared_reads`)."""
    unit = province_unit(province_code)
    province_name = unit.name if unit is not None else province_code
    province = Scope(province_code=province_code, code=province_code)
    rows: list[dict[str, Any]] = []
    with shared_reads():
        for indicator in all_indicators(public_only=True):
            rows.append(_row(indicator, period, province_code, province_name,
                             indicator.compute(province, period)))
            rows.extend(_row(indicator, period, f.code, f.name, f.value)
                        for f in sorted(units_read(indicator, period, province_code),
                                        key=lambda f: f.code))
    return rows
