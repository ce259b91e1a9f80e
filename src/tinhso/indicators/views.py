"""The digital-transformation dashboard (/chi-so/): each pillar's headline figures against the
year's target and the last period, a trend, units ranked by an indicator, the lagging units
and agencies, a drill-down per indicator, and the Steering Committee report to download.

Anyone may look: the public sees the public indicators; those who hold `indicators.view` see
all. Pages read rollups, entries and targets only (`report.data`), never dossiers. Officers
who may see an agency's dossiers get, in the drill-down, a link to them (the officer's page
/xu-ly/danh-sach/, filtered by agency, period and figure; scoped as the dossier API): a unit's
row links every agency whose figure makes it (a commune's committee and, for a period before
1 July 2025, the committees of the communes merged into it), so the list is what the row
counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tinhso.core.errors import DomainError
from tinhso.directory.permissions import AgencyScope, agency_scope
from tinhso.indicators import access, registry
from tinhso.indicators.attainment import Rag
from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Indicator, Pillar, Scope, Value
from tinhso.indicators.report import render as report_render
from tinhso.indicators.report.data import (
    DEFAULT_RANK,
    DEFAULT_TREND,
    Figure,
    Report,
    Trend,
    UnitFigure,
    province_scope,
    rankable,
    report_build,
    target_text,
    trend_periods,
    trend_read,
    units_read,
    visible_indicators,
)
from tinhso.indicators.report.numbers import vn_number, vn_value
from tinhso.indicators.values import (
    UnitScope,
    Where,
    _members,
    compute_at,
    indicator_read,
    period_parse,
    unit_resolve,
)

STATUS_LABELS = {
    Rag.GREEN: gettext_lazy("Đạt chỉ tiêu"),
    Rag.AMBER: gettext_lazy("Gần đạt chỉ tiêu"),
    Rag.RED: gettext_lazy("Chưa đạt chỉ tiêu"),
    Rag.NONE: gettext_lazy("Chưa có số liệu"),
}
PILLAR_LABELS = {
    Pillar.GOVERNMENT: gettext_lazy("Chính quyền số"),
    Pillar.ECONOMY: gettext_lazy("Kinh tế số"),
    Pillar.SOCIETY: gettext_lazy("Xã hội số"),
    Pillar.INFRASTRUCTURE: gettext_lazy("Hạ tầng số"),
}
ONESTOP = "onestop."


def indicator_name(indicator: Indicator) -> str:
    return indicator.name_en if (get_language() or "vi").startswith("en") else indicator.name_vi


def _public_only(user: Any) -> bool:
    return access.view_scope(user).empty


def _period(request: HttpRequest) -> tuple[Period, str]:
    """The period asked for (this year by default) and the error to show, if any."""
    text = request.GET.get("period", "").strip()
    this_year = Period("year", timezone.localdate().year, 1)
    if not text:
        return this_year, ""
    try:
        return period_parse(text), ""
    except DomainError as e:
        return this_year, e.message


@dataclass(frozen=True)
class Card:
    code: str
    name: str
    value: str
    previous: str
    change: str
    target: str
    status: str
    status_label: str


def _change(f: Figure) -> str:
    change = f.change
    if change is None:
        return ""
    if change == 0:
        return _("bằng kỳ trước")
    amount = (_("%(n)s điểm %%") % {"n": vn_number(abs(change), 2)} if f.indicator.kind == "rate"
              else vn_number(abs(change)))
    return (_("tăng %(n)s") if change > 0 else _("giảm %(n)s")) % {"n": amount}


def _card(f: Figure) -> Card:
    kind = f.indicator.kind
    status = f.status if f.target is not None else Rag.NONE
    label = (STATUS_LABELS[status] if f.target is not None else _("Chưa giao chỉ tiêu"))
    if f.target is not None and status == Rag.NONE:
        label = STATUS_LABELS[Rag.NONE]
    return Card(
        code=f.indicator.code, name=indicator_name(f.indicator),
        value=vn_value(f.value.value, kind),
        previous=vn_value(f.previous.value, kind) if f.previous is not None else "–",
        change=_change(f), target=target_text(f.target, kind) if f.target else "",
        status=status.value if f.target is not None else "unset", status_label=str(label),
    )


def _choices(indicators: list[Indicator], *, ranked: bool = False) -> list[tuple[str, str]]:
    return [(i.code, indicator_name(i)) for i in indicators if not ranked or rankable(i)]


def _downloads(period: Period) -> list[tuple[str, str]]:
    base = reverse("indicators:report")
    return [(fmt.upper(), f"{base}?{urlencode({'period': str(period), 'format': fmt})}")
            for fmt in report_render.FORMATS]


def _neighbours(period: Period) -> tuple[Period | None, Period | None]:
    after = None
    try:
        last = {"month": 12, "quarter": 4, "year": 1}[period.kind]
        after = (Period(period.kind, period.year, period.number + 1) if period.number < last
                 else Period(period.kind, period.year + 1, 1))
    except ValueError:
        after = None
    return period.previous(), after


def _charts(report: Report) -> dict[str, str]:
    return {"trend_svg": report_render.trend_svg(report, "trend-chart"),
            "ranking_svg": report_render.ranking_svg(report, "ranking-chart")}


def _units(figures: list[UnitFigure], indicator: Indicator | None,
           period: Period | None = None) -> list[dict[str, Any]]:
    """Rows of a ranking; each unit links to the indicator's page drilled down to it."""
    kind = indicator.kind if indicator else "count"
    base = reverse("indicators:indicator", args=[indicator.code]) if indicator else ""
    return [{"rank": i, "code": f.code, "name": f.name, "value": vn_value(f.value.value, kind),
             "denominator": vn_number(f.value.denominator) if kind == "rate" else "",
             "drill": f"{base}?" + urlencode({"period": str(period), "unit": f.unit_code
                                              if f.commune and f.unit_code else f.code})
             if base and period is not None else ""}
            for i, f in enumerate(figures, 1)]


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    period, error = _period(request)
    public_only = _public_only(request.user)
    report = report_build(period, public_only=public_only,
                          rank=request.GET.get("rank", DEFAULT_RANK),
                          trend=request.GET.get("trend", DEFAULT_TREND))
    pillars = [{"pillar": s.pillar.value, "name": PILLAR_LABELS[s.pillar],
                "cards": [_card(f) for f in s.figures]} for s in report.pillars]
    before, after = _neighbours(period)
    trend = report.trend
    trend_rows = ([(str(p), vn_value(v.value, trend.indicator.kind))
                   for p, v in zip(trend.periods, trend.values, strict=True)] if trend else [])
    context = {
        "r": report, "period": period, "period_text": request.GET.get("period", str(period))
        if error else str(period), "error": error, "pillars": pillars,
        "public_only": public_only, "before": before, "after": after,
        "rank_choices": _choices(report.indicators, ranked=True),
        "trend_choices": _choices(report.indicators),
        "rank_code": report.rank_indicator.code if report.rank_indicator else "",
        "rank_name": indicator_name(report.rank_indicator) if report.rank_indicator else "",
        "trend_code": trend.indicator.code if trend else "",
        "trend_name": indicator_name(trend.indicator) if trend else "",
        "trend_rows": trend_rows, "communes": _units(report.communes[:20], report.rank_indicator,
                                              period),
        "communes_total": len(report.communes),
        "lagging_communes": _units(report.lagging_communes,
                                   registry.get("onestop.on_time_rate"), period),
        "lagging_agencies": _units(report.lagging_agencies,
                                   registry.get("onestop.on_time_rate"), period),
        "lagging_targets": [
            {"name": indicator_name(i) if (i := registry.get(r.target.indicator_code))
             else r.target.indicator_code, "unit": r.target.unit.name,
             "target": target_text(r, i.kind if i else "count"),
             "value": vn_value(r.value.value if r.value else None, i.kind if i else "count")}
            for r in report.lagging_targets[:20]],
        "downloads": _downloads(period), **_charts(report),
    }
    return render(request, "indicators/dashboard.html", context, status=400 if error else 200)


def _scope_name(where: Where) -> str:
    from tinhso.directory.models import Agency

    if isinstance(where, UnitScope):
        return where.unit.name
    if where.agency_id is None:
        return where.code
    return Agency.objects.filter(pk=where.agency_id).values_list("name", flat=True).first() or ""


def _unit_trend(indicator: Indicator, where: Where, period: Period) -> Trend:
    """A unit's trend, as `trend_read` the province's: one read per period; a period the unit
    has no figure for (a former district after its end) has no value."""
    periods = trend_periods(period)
    values = []
    for p in periods:
        try:
            values.append(compute_at(indicator, where, p))
        except DomainError:
            values.append(Value(0, None, None))
    return Trend(indicator, periods, values)


# Rates whose numerator is not a number of dossiers (satisfaction: the ratings' points), so the
# drill-down has no list for it.
POINTS_NUMERATOR = frozenset({"onestop.satisfaction_rate"})
NO_LINKS = {"dossiers": "", "numerator_link": "", "denominator_link": ""}


def _dossier_links(indicator: Indicator, period: Period, members: tuple[Scope, ...],
                   dossier_scope: AgencyScope) -> dict[str, str]:
    """The links from a figure to the dossiers behind it (the officer's page /xu-ly/danh-sach/):
    every agency whose figure makes it (`members`: a commune's committee and the committees
    of the communes merged into it, a former district's committee, an agency; the province's
    figure is one Scope without an agency), for the officers who may see the dossiers of at
    least one of them; the page lists those they may see and names the others. A rate's two
    numbers open the dossiers each counts (the drill-down's `part`), but points are not
    dossiers."""
    code = indicator.code
    if not code.startswith(ONESTOP) or not members or not any(
            m.province_code in dossier_scope.provinces
            or (m.agency_id is not None and m.agency_id in dossier_scope.agency_ids)
            for m in members):
        return NO_LINKS
    agencies = [("agency", m.code) for m in members if m.agency_id is not None]
    if len(agencies) < len(members) and not all(
            m.province_code in dossier_scope.provinces for m in members):
        return NO_LINKS  # the province's figure: only for those who may see all of it
    query = [*agencies, ("from", period.first_day.isoformat()),
             ("to", period.last_day.isoformat()), ("figure", code)]
    link = f"{reverse('onestop:dossier_list')}?{urlencode(query)}"
    links = {"dossiers": link, "numerator_link": "", "denominator_link": ""}
    if indicator.kind == "rate":
        links["denominator_link"] = f"{link}&part=denominator"
        if code not in POINTS_NUMERATOR:
            links["numerator_link"] = f"{link}&part=numerator"
    return links


def _where_members(where: Where, period: Period) -> tuple[Scope, ...]:
    """The scopes whose figures make the figure of `where` for the period (as
    `values.unit_compute` sums them): no query."""
    if not isinstance(where, UnitScope):
        return (where,)
    unit, merged = _members(where, period)
    found = [where.scopes.get(u.pk) for u in ([unit] if unit is not None else []) + merged]
    return tuple(s for s in found if s is not None)


@require_GET
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One figure, drilled down: the province's value and trend, every commune and agency."""
    period, error = _period(request)
    public_only = _public_only(request.user)
    indicator = registry.get(code)
    if indicator is None or indicator not in visible_indicators(public_only=public_only):
        return render(request, "indicators/not_found.html", {"code": code}, status=404)
    unit_code = request.GET.get("unit", "").strip()[:32]
    where: Where | None = None
    unit_name = ""
    if unit_code and not error:
        try:
            where = unit_resolve(unit_code)
            reading = indicator_read(indicator, where, period)
        except DomainError as e:
            error, where = e.message, None
    if where is not None:
        unit_name = where.unit.name if isinstance(where, UnitScope) else _scope_name(where)
        trend = _unit_trend(indicator, where, period)
    else:
        trend = trend_read(indicator, period)
    dossier_scope = agency_scope(request.user, "onestop.dossier.view")
    shown_members = (_where_members(where, period) if where is not None
                     else (province_scope(),))
    figure_links = (_dossier_links(indicator, period, shown_members, dossier_scope)
                    if not error else NO_LINKS)
    figures = units_read(indicator, period)

    def rows(only_communes: bool) -> list[dict[str, Any]]:
        out = []
        for i, f in enumerate([f for f in figures if f.commune == only_communes], 1):
            links = _dossier_links(indicator, period, f.members, dossier_scope)
            drill = urlencode({"period": str(period), "unit": f.unit_code if f.commune
                               and f.unit_code else f.code})
            out.append({"rank": i, "code": f.code, "name": f.name, "drill": f"?{drill}",
                        "value": vn_value(f.value.value, indicator.kind),
                        "numerator": vn_number(f.value.numerator),
                        "denominator": vn_number(f.value.denominator)
                        if indicator.kind == "rate" else "", **links})
        return out

    from tinhso.indicators import charts

    communes = rows(True)
    shown = [f for f in figures if f.commune and f.value.value is not None][:15]
    before, after = _neighbours(period)
    context = {
        "indicator": indicator, "name": indicator_name(indicator), "period": period,
        "period_text": request.GET.get("period", str(period)) if error else str(period),
        "error": error, "before": before, "after": after,
        "unit_code": unit_code if where is not None else "", "unit_name": unit_name,
        "merged": [u.name for u in reading.merged] if where is not None else [],
        "value": vn_value(trend.values[-1].value, indicator.kind),
        "previous": vn_value(trend.values[-2].value, indicator.kind)
        if len(trend.values) > 1 else "–",
        "trend_rows": [(str(p), vn_value(v.value, indicator.kind))
                       for p, v in zip(trend.periods, trend.values, strict=True)],
        "trend_svg": charts.line_chart(
            chart_id="trend-chart", title=_("%(name)s qua các kỳ") % {"name": indicator_name(indicator)},
            labels=[str(p) for p in trend.periods], values=[v.value for v in trend.values],
            fmt=lambda v: vn_value(v, indicator.kind)),
        "ranking_svg": charts.bar_chart(
            chart_id="ranking-chart",
            title=_("%(name)s theo xã, phường") % {"name": indicator_name(indicator)},
            labels=[f.name for f in shown], values=[f.value.value for f in shown],
            fmt=lambda v: vn_value(v, indicator.kind)) if shown else "",
        "communes": communes, "agencies": rows(False), "rankable": rankable(indicator),
        "dossier_links": any(r["dossiers"] for r in communes) or code.startswith(ONESTOP)
        and not dossier_scope.empty, "figure_links": figure_links,
    }
    return render(request, "indicators/indicator.html", context, status=400 if error else 200)


@require_GET
def report_download(request: HttpRequest) -> HttpResponse:
    """The Steering Committee report of the period, as docx, pdf or xlsx."""
    fmt = request.GET.get("format", "")
    problems = []
    try:
        period = period_parse(request.GET.get("period", ""))
    except DomainError as e:
        problems.append(("period", e.message))
    if fmt not in report_render.FORMATS:
        problems.append(("format", _("Định dạng không hợp lệ: chọn docx, pdf hoặc xlsx.")))
    if problems:
        return render(request, "indicators/bad_request.html", {"problems": problems}, status=400)
    report = report_build(period, public_only=_public_only(request.user))
    response = HttpResponse(report_render.render(report, fmt),
                            content_type=report_render.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="{report_render.filename(report, fmt)}"')
    return response
