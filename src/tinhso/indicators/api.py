"""/api/v1/indicators: the public indicators and their values; no login needed for those."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from tinhso.indicators.registry import Indicator, all_indicators
from tinhso.indicators.values import indicator_get, indicator_read, period_parse, scope_resolve

router = Router()


class IndicatorOut(Schema):
    code: str
    name_vi: str
    name_en: str
    pillar: str
    unit: str = Field(description="% hoặc count")
    kind: str = Field(description="rate (tử số / mẫu số) hoặc count")
    source: str
    regulation: str


class ValueOut(Schema):
    code: str
    unit: str = Field(description="mã tỉnh (38) hoặc mã cơ quan")
    period: str
    value: float | int | None
    numerator: int
    denominator: int | None
    previous_period: str | None
    previous_value: float | int | None


def _out(i: Indicator) -> IndicatorOut:
    return IndicatorOut(code=i.code, name_vi=i.name_vi, name_en=i.name_en,
                        pillar=i.pillar.value, unit=i.unit, kind=i.kind, source=i.source,
                        regulation=i.regulation)


@router.get("", response=list[IndicatorOut], summary="Các chỉ số công khai")
def indicator_list(request: HttpRequest) -> list[IndicatorOut]:
    return [_out(i) for i in all_indicators(public_only=True)]


@router.get("/{code}/values", response=ValueOut, summary="Giá trị một chỉ số theo kỳ")
def indicator_values(request: HttpRequest, code: str, period: str, unit: str = "38"
                     ) -> ValueOut:
    indicator = indicator_get(code)
    reading = indicator_read(indicator, scope_resolve(unit), period_parse(period))
    return ValueOut(
        code=indicator.code, unit=reading.scope.code, period=str(reading.period),
        value=reading.value.value, numerator=reading.value.numerator,
        denominator=reading.value.denominator,
        previous_period=str(reading.previous_period) if reading.previous_period else None,
        previous_value=reading.previous.value if reading.previous else None,
    )
