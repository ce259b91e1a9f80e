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
from tinhso.indicators.values import UnitScope, Where, indicator_read

COLUMNS = ("ky", "ma_chi_so", "ten_chi_so", "tru_cot", "don_vi_tinh", "ma_don_vi",
           "ten_don_vi", "gia_tri", "tu_so", "mau_so")
# One unit's table (`unit=`): the same columns, the previous period's value, and the former
# units merged into it whose figures count in the value.
UNIT_COLUMNS = (*COLUMNS, "ky_truoc", "gia_tri_ky_truoc", "don_vi_sap_nhap")


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


def unit_table(period: Period, where: Where) -> list[dict[str, Any]]:
    """Every public indicator's value for one unit (an agency, or an administrative unit read
    as `values.indicator_read` reads it: the same figure as the values API and the targets),
    with the previous period's. A constant number of queries per indicator."""
    if isinstance(where, UnitScope):
        name = where.unit.name
    else:
        unit = province_unit(where.province_code) if where.agency_id is None else None
        name = (unit.name if unit is not None else where.code) if where.agency_id is None \
            else _agency_name(where.agency_id)
    rows: list[dict[str, Any]] = []
    with shared_reads():
        for indicator in all_indicators(public_only=True):
            r = indicator_read(indicator, where, period)
            row = _row(indicator, period, where.code, name, r.value)
            row.update(ky_truoc=str(r.previous_period) if r.previous_period else "",
                       gia_tri_ky_truoc=r.previous.value if r.previous is not None else None,
                       don_vi_sap_nhap=" ".join(u.code for u in r.merged))
            rows.append(row)
    return rows


def _agency_name(pk: int) -> str:
    from tinhso.directory.models import Agency

    return Agency.objects.filter(pk=pk).values_list("name", flat=True).first() or ""
