"""The commune digital-transformation standard as an indicator: how many communes attained it
for the period's year, counting only assessments whose year the reviewer locked before the
period ended (so a month of 2026 shows what was final by then). Aggregate targets ("92
communes reach the DX standard in 2026") are targets on this indicator for the province."""

from __future__ import annotations

from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Indicator, Pillar, Scope, Text, Value, register

SOURCE = "dx"
DECISION_2361 = "Quyết định 2361/QĐ-BTTTT ngày 31/12/2024 (tiêu chí chuyển đổi số cấp xã)"


def communes_attained(scope: Scope, period: Period) -> Value:
    from tinhso.indicators.models import DxAssessment

    rows = DxAssessment.objects.filter(
        province_code=scope.province_code, year=period.year, attained=True,
        framework__locks__year=period.year, framework__locks__locked_at__date__lt=period.end)
    if scope.agency_id is not None:
        rows = rows.filter(unit__agencies__pk=scope.agency_id)
    n = rows.values("unit_id").distinct().count()
    return Value(n, None, n)


def register_indicators() -> None:
    register(Indicator(
        code="dx.communes_attained", name_vi="Số xã, phường đạt chuẩn chuyển đổi số",
        name_en="Communes attaining the DX standard", pillar=Pillar.GOVERNMENT, unit="count",
        kind="count", source=SOURCE, regulation=DECISION_2361, public=True,
        compute=communes_attained,
        formula=Text("Số xã, phường có kết quả đánh giá đạt chuẩn chuyển đổi số của năm, "
                     "đã được khóa trước ngày cuối kỳ",
                     "Communes whose assessment for the year attained the DX standard, locked "
                     "before the period's end"),
    ))
