"""Everything the Steering Committee report and the dashboard show for one period, gathered in
one structure: per pillar, each indicator's figure for the province (computed from the rollups,
or the verified entry), the previous period's, the province's target for the year and its
attainment; the year's targets of every unit; the units (communes) and agencies ranked by an
indicator; the lagging ones; a trend.

Reads rollups, entries and targets only, never dossiers: the number of queries does not depend
on how many dossiers there are (a test counts them). No user: what is gathered is what the
province publishes (`public_only`) or the whole of it for those who may see it; callers decide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from tinhso.directory.models import AdminUnit, Agency
from tinhso.indicators import registry
from tinhso.indicators.attainment import Attainment, Rag
from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Indicator, Pillar, Scope, Value
from tinhso.indicators.selectors import Row, attainment_rows, attainment_summary, targets_for
from tinhso.indicators.sources._counted import shared_reads
from tinhso.indicators.sources.entered import revision_value

PILLARS: tuple[Pillar, ...] = (Pillar.GOVERNMENT, Pillar.ECONOMY, Pillar.SOCIETY,
                               Pillar.INFRASTRUCTURE)
PILLAR_NAMES_VI = {
    Pillar.GOVERNMENT: "Chính quyền số",
    Pillar.ECONOMY: "Kinh tế số",
    Pillar.SOCIETY: "Xã hội số",
    Pillar.INFRASTRUCTURE: "Hạ tầng số",
}
STATUS_VI = {Rag.GREEN: "Đạt", Rag.AMBER: "Gần đạt", Rag.RED: "Chưa đạt",
             Rag.NONE: "Chưa có số liệu"}
COMPARATOR_SIGN = {"gte": "≥", "lte": "≤", "eq": "="}
TREND_LENGTH = {"year": 5, "quarter": 8, "month": 12}
LAGGING = 5  # how many lagging units and agencies are listed
LAG_INDICATOR = "onestop.on_time_rate"
DEFAULT_RANK = "onestop.on_time_rate"
DEFAULT_TREND = "onestop.received"


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    value: Value
    previous: Value | None
    target: Row | None  # the province's target for the period's year, with its attainment

    @property
    def attainment(self) -> Attainment | None:
        return self.target.attainment if self.target is not None else None

    @property
    def status(self) -> Rag:
        return self.attainment.status if self.attainment is not None else Rag.NONE

    @property
    def has_target(self) -> bool:
        return self.target is not None

    @property
    def change(self) -> float | None:
        """The value minus the previous period's (percentage points for a rate)."""
        if self.previous is None or self.previous.value is None or self.value.value is None:
            return None
        return float(self.value.value) - float(self.previous.value)


@dataclass(frozen=True)
class PillarSection:
    pillar: Pillar
    name_vi: str
    figures: list[Figure]


@dataclass(frozen=True)
class UnitFigure:
    """One agency's figure: a commune's People's Committee (`commune`) or another agency."""

    code: str
    name: str
    commune: bool
    value: Value
    agency_id: int = 0
    province_code: str = ""
    unit_code: str = ""  # the agency's administrative unit (a commune's, for the drill-down)
    merged: tuple[str, ...] = ()  # the codes of the units merged into it counted in `value`
    # The agencies whose computed figures make `value` (its committee's, then its merged units'
    # committees'): the dossiers behind the row are theirs (the dashboard's drill-down).
    members: tuple[Scope, ...] = ()


@dataclass(frozen=True)
class Trend:
    indicator: Indicator
    periods: list[Period]
    values: list[Value]


@dataclass(frozen=True)
class Report:
    period: Period
    previous_period: Period | None
    province_code: str
    province_name: str
    public_only: bool
    built_at: dt.datetime
    pillars: list[PillarSection]
    targets: list[Row]
    summary: dict[str, object]
    rank_indicator: Indicator | None
    communes: list[UnitFigure]
    agencies: list[UnitFigure]
    lagging_communes: list[UnitFigure]
    lagging_agencies: list[UnitFigure]
    trend: Trend | None
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def figures(self) -> dict[str, Figure]:
        return {f.indicator.code: f for s in self.pillars for f in s.figures}

    @property
    def lagging_targets(self) -> list[Row]:
        """Targets of the year not met (red), the units' first."""
        return [r for r in self.targets if r.attainment.status == Rag.RED]


# The order of a pillar's figures, and so of the report's sentences and the dashboard's cards:
# fixed, the source report's order. The one-stop system's first (received, resolved, resolved in
# time, on-time rate, then the online rates, digitisation and satisfaction), then the procedure
# catalogue, documents, open data, the commune DX assessment, the entered figures. An indicator
# not named here comes after those of its source (by code); an unknown source last.
REPORT_ORDER: tuple[str, ...] = (
    "onestop.received", "onestop.resolved", "onestop.resolved_in_time", "onestop.on_time_rate",
    "onestop.online_rate", "onestop.online_payment_rate", "onestop.electronic_result_rate",
    "onestop.digitized_rate", "onestop.reused_rate", "onestop.ratings", "onestop.satisfaction_rate",
    "catalog.procedures", "catalog.procedures_full_online", "catalog.procedures_partial_online",
    "catalog.online_procedure_rate", "catalog.full_online_rate",
    "documents.issued", "documents.sent_online", "documents.received_online",
    "documents.personal_signature_rate", "documents.agency_signature_rate",
    "opendata.datasets", "opendata.fresh_rate", "opendata.views", "opendata.downloads",
    "opendata.api_calls",
    "dx.communes_attained",
    "entered.digital_economy_share", "entered.einvoice_rate", "entered.qr_merchants",
    "entered.cashless_accounts_rate", "entered.smartphone_adults_rate",
    "entered.fiber_households_rate",
)
SOURCE_ORDER = ("onestop", "catalog", "documents", "opendata", "dx", "entered")


def _headline_order(indicator: Indicator) -> tuple[int, int, str]:
    source = indicator.source
    rank = SOURCE_ORDER.index(source) if source in SOURCE_ORDER else len(SOURCE_ORDER)
    known = (REPORT_ORDER.index(indicator.code) if indicator.code in REPORT_ORDER
             else len(REPORT_ORDER))
    return rank, known, indicator.code


def province_scope(province_code: str | None = None) -> Scope:
    code = province_code or settings.TINHSO_PROVINCE_CODE
    return Scope(province_code=code, code=code)


def province_unit(province_code: str) -> AdminUnit | None:
    return (AdminUnit.objects.filter(code=province_code, level=AdminUnit.Level.PROVINCE)
            .order_by("-valid_from").first())


def visible_indicators(*, public_only: bool) -> list[Indicator]:
    return registry.all_indicators(public_only=public_only)


def rankable(indicator: Indicator) -> bool:
    """Whether the indicator can be read for all units at once (one query)."""
    return indicator.compute_many is not None or indicator.entered


def trend_periods(period: Period, length: int | None = None) -> list[Period]:
    """The `length` periods of the same kind ending with `period`, oldest first."""
    n = length or TREND_LENGTH[period.kind]
    out = [period]
    while len(out) < n:
        before = out[0].previous()
        if before is None:
            break
        out.insert(0, before)
    return out


def trend_read(indicator: Indicator, period: Period, province_code: str | None = None) -> Trend:
    """The province's value of the indicator for each period of the trend: one read each."""
    scope = province_scope(province_code)
    periods = trend_periods(period)
    return Trend(indicator, periods, [indicator.compute(scope, p) for p in periods])


def _agencies(province_code: str) -> list[Agency]:
    """Every agency of the province, active or not (an inactive one may have figures for a past
    period: the committee of a commune merged on 1 July 2025)."""
    return list(Agency.objects.filter(province_code=province_code)
                .select_related("unit").order_by("code"))


def _is_commune(agency: Agency) -> bool:
    return agency.kind == Agency.Kind.COMMUNE or (
        agency.kind == Agency.Kind.PEOPLES_COMMITTEE
        and agency.unit.level == AdminUnit.Level.COMMUNE)


def _entered_by_unit(code: str, period: Period, province_code: str,
                     units: list[int]) -> dict[int, Value]:
    from tinhso.indicators.models import Entry

    rows = (Entry.objects.filter(indicator_code=code, period=str(period),
                                 province_code=province_code, verified__isnull=False,
                                 unit_id__in=units)
            .values_list("unit_id", "verified__value", "verified__numerator",
                         "verified__denominator"))
    return {u: revision_value(v, n, d) for u, v, n, d in rows}


@dataclass(frozen=True)
class _Listed:
    """An administrative unit listed for a period, with the People's Committee that speaks for
    it (None: none of its own) and the units of its level merged into it in force then."""

    unit: AdminUnit
    committee: Agency | None
    merged: list[AdminUnit]


def _in_force(unit: AdminUnit, period: Period) -> bool:
    return ((unit.valid_from is None or unit.valid_from < period.end)
            and (unit.valid_to is None or unit.valid_to > period.first_day))


def _at_end(unit: AdminUnit, period: Period) -> bool:
    return _in_force(unit, period) and (unit.valid_to is None or unit.valid_to >= period.end)


def _units_listed(agencies: list[Agency], period: Period, province_code: str
                  ) -> tuple[list[_Listed], dict[int, Agency], set[int]]:
    """The administrative units (communes, wards, districts) listed for the period: those in
    force at its end, each with the units of its level wholly merged into it that were in force
    during the period (`selectors.merged_predecessors`, the values API's rule), and those in
    force during the period that ended before its end and went into no listed unit (an abolished
    district, a commune split between several successors) with their own figure. So every
    unit's figure is in exactly one row, and each row is what the values API answers for that
    unit code and period. Also the committee of each unit (as `selectors._scopes` picks it).
    Also the units not in force during the period whose predecessors are listed with a
    committee (their committee's own figure would contradict the values API's). Three queries."""
    from tinhso.indicators.selectors import merged_predecessors
    from tinhso.indicators.sources.entered import UNIT_AGENCY_KINDS

    units = list(AdminUnit.objects.filter(province_code=province_code)
                 .exclude(level=AdminUnit.Level.PROVINCE)
                 .exclude(valid_from__gte=period.end)
                 .exclude(valid_to__lte=period.first_day).order_by("code", "pk"))
    committees: dict[int, Agency] = {}
    for a in sorted(agencies, key=lambda a: (not a.is_active, a.code)):
        if a.kind in UNIT_AGENCY_KINDS and a.unit.level != AdminUnit.Level.PROVINCE:
            committees.setdefault(a.unit_id, a)
    at_end = [u for u in units if _at_end(u, period)]
    later = [a.unit for a in committees.values() if not _in_force(a.unit, period)]
    every = merged_predecessors([*at_end, *later])
    merged = {u.pk: [m for m in every.get(u.pk, []) if _in_force(m, period)] for u in at_end}
    absorbed = {m.pk for ms in merged.values() for m in ms}
    listed = [_Listed(u, committees.get(u.pk), merged[u.pk]) for u in at_end]
    listed += [_Listed(u, committees.get(u.pk), []) for u in units
               if not _at_end(u, period) and u.pk not in absorbed]
    spoken = {i.unit.pk for i in listed if i.committee is not None}
    covered = {u.pk for u in later if any(m.pk in spoken for m in every.get(u.pk, []))}
    return listed, committees, covered


def _unit_figure(item: _Listed, value: Value, members: tuple[Scope, ...] = ()) -> UnitFigure:
    u, a = item.unit, item.committee
    return UnitFigure(a.code if a is not None else u.code, a.name if a is not None else u.name,
                      u.level == AdminUnit.Level.COMMUNE, value, a.pk if a is not None else 0,
                      u.province_code, u.code, tuple(m.code for m in item.merged), members)


def _has_data(value: Value) -> bool:
    return bool(value.numerator) or bool(value.denominator)


def units_read(indicator: Indicator, period: Period, province_code: str | None = None
               ) -> list[UnitFigure]:
    """Every unit's and agency's value of the indicator for the period, best first (no value
    last). Empty for an indicator that cannot be read for all units at once.

    The administrative units are those of the period (`_units_listed`): for a period before
    1 July 2025 the communes and districts of that time, for a later one the current communes,
    each counting the communes wholly merged into it that were in force during the period (the
    year 2025: the new commune's months and its predecessors'). A unit's row is its People's
    Committee's figure, computed as the values API computes it (`values.unit_compute`), so the
    two agree. The other agencies: the active ones, and the inactive ones with figures for the
    period. A constant number of queries (agencies, units, successions, one read)."""
    from tinhso.indicators.selectors import combine

    code = province_code or settings.TINHSO_PROVINCE_CODE
    if not rankable(indicator):
        return []
    agencies = _agencies(code)
    listed, committees, covered = _units_listed(agencies, period, code)
    if indicator.entered:
        # A commune's entered figure is its unit's entry, else the sum of its merged units'
        # when every one has one (the targets' and the values API's rule); agencies have none.
        communes = [i for i in listed if i.unit.level == AdminUnit.Level.COMMUNE
                    and (i.committee is not None or i.merged)]
        by_unit = _entered_by_unit(indicator.code, period, code,
                                   [u.pk for i in communes for u in (i.unit, *i.merged)])
        empty = Value(0, None, None)
        figures = []
        for i in communes:
            value = by_unit.get(i.unit.pk)
            got = [by_unit.get(m.pk) for m in i.merged]
            if value is None and got and all(v is not None for v in got):
                value = combine([v for v in got if v is not None], indicator.kind)
            figures.append(_unit_figure(i, value or empty))
        return sorted(figures, key=_rank_key)

    def scope(a: Agency) -> Scope:
        return Scope(province_code=a.province_code, agency_id=a.pk, code=a.code)

    members: list[tuple[_Listed, list[Scope]]] = []
    counted: set[int] = set()
    for i in listed:
        speaking = [committees[u.pk] for u in (i.unit, *i.merged) if u.pk in committees]
        if speaking:
            members.append((i, [scope(a) for a in speaking]))
            counted.update(a.pk for a in speaking)
    others = [a for a in agencies if a.pk not in counted]
    wanted = [s for _i, scopes in members for s in scopes] + [scope(a) for a in others]
    values = indicator.compute_for(wanted, period) if wanted else {}
    figures = []
    for i, scopes in members:
        parts = [values[s] for s in scopes]
        figures.append(_unit_figure(i, parts[0] if len(parts) == 1
                                    else combine(parts, indicator.kind), tuple(scopes)))
    for a in others:
        # An agency of the province or of a unit in force (a second committee). The committee
        # of a unit not in force then (a commune created on 1 July 2025, asked about 2022) with
        # its own figure, linked as the agency (its unit's figure is its predecessors'); left
        # out when its predecessors are listed, unless it has figures: none is dropped.
        value = values[scope(a)]
        local = a.unit.level != AdminUnit.Level.PROVINCE
        if local and not _in_force(a.unit, period):
            if _has_data(value) or (a.is_active and a.unit_id not in covered):
                figures.append(UnitFigure(a.code, a.name, _is_commune(a), value, a.pk,
                                          a.province_code, "", members=(scope(a),)))
        elif a.is_active or _has_data(value):
            figures.append(UnitFigure(a.code, a.name, _is_commune(a), value, a.pk,
                                      a.province_code, a.unit.code, members=(scope(a),)))
    return sorted(figures, key=_rank_key)


def _rank_key(f: UnitFigure) -> tuple[int, float, str]:
    v = f.value.value
    return (1, 0.0, f.code) if v is None else (0, -float(v), f.code)


def _has_figure(f: UnitFigure) -> bool:
    """A figure worth ranking: a value, and for a rate a denominator above zero."""
    return f.value.value is not None and (f.value.denominator is None
                                          or f.value.denominator > 0)


def lagging(figures: list[UnitFigure], n: int = LAGGING) -> list[UnitFigure]:
    """The `n` lowest figures (those with a figure at all), lowest first."""
    ranked = [f for f in figures if _has_figure(f)]
    return list(reversed(ranked[-n:])) if ranked else []


def report_build(period: Period, *, public_only: bool = True,
                 province_code: str | None = None, rank: str = DEFAULT_RANK,
                 trend: str = DEFAULT_TREND, today: dt.date | None = None) -> Report:
    """Gather the report for `period` (see the module's docstring); the indicators that share
    a module's counters read them once (`shared_reads`)."""
    with shared_reads():
        return _report_build(period, public_only=public_only, province_code=province_code,
                             rank=rank, trend=trend, today=today)


def _report_build(period: Period, *, public_only: bool, province_code: str | None, rank: str,
                  trend: str, today: dt.date | None) -> Report:
    code = province_code or settings.TINHSO_PROVINCE_CODE
    today = today or timezone.localdate()
    scope = province_scope(code)
    indicators = visible_indicators(public_only=public_only)
    visible = {i.code for i in indicators}
    previous_period = period.previous()

    unit = province_unit(code)
    rows: list[Row] = []
    if unit is not None:
        pairs = [(t, via) for t, via in targets_for(None, year=period.year, unit=unit)
                 if t.indicator_code in visible]
        rows = attainment_rows(pairs, today=today)
    province_targets: dict[str, Row] = {}
    for r in rows:
        if unit is not None and r.target.unit_id == unit.pk:
            province_targets.setdefault(r.target.indicator_code, r)

    pillars = []
    for pillar in PILLARS:
        figures = []
        for indicator in sorted((i for i in indicators if i.pillar == pillar),
                                key=_headline_order):
            value = indicator.compute(scope, period)
            previous = indicator.compute(scope, previous_period) if previous_period else None
            figures.append(Figure(indicator, value, previous,
                                  province_targets.get(indicator.code)))
        pillars.append(PillarSection(pillar, PILLAR_NAMES_VI[pillar], figures))

    rank_indicator = registry.get(rank)
    if rank_indicator is None or rank_indicator.code not in visible \
            or not rankable(rank_indicator):
        rank_indicator = registry.get(DEFAULT_RANK)
        if rank_indicator is not None and rank_indicator.code not in visible:
            rank_indicator = None
    ranked = units_read(rank_indicator, period, code) if rank_indicator else []
    lag_indicator = registry.get(LAG_INDICATOR)
    if lag_indicator is not None and lag_indicator.code in visible:
        by_rate = ranked if rank_indicator is lag_indicator else units_read(lag_indicator,
                                                                             period, code)
    else:
        by_rate = []
    trend_indicator = registry.get(trend)
    if trend_indicator is None or trend_indicator.code not in visible:
        trend_indicator = registry.get(DEFAULT_TREND)
    trend_data = (trend_read(trend_indicator, period, code)
                  if trend_indicator is not None and trend_indicator.code in visible else None)

    return Report(
        period=period, previous_period=previous_period, province_code=code,
        province_name=unit.name if unit is not None else f"tỉnh {code}",
        public_only=public_only, built_at=timezone.now(), pillars=pillars, targets=rows,
        summary=attainment_summary(rows), rank_indicator=rank_indicator,
        communes=[f for f in ranked if f.commune], agencies=[f for f in ranked if not f.commune],
        lagging_communes=lagging([f for f in by_rate if f.commune]),
        lagging_agencies=lagging([f for f in by_rate if not f.commune]),
        trend=trend_data, indicators=indicators,
    )


def target_text(row: Row, kind: str) -> str:
    from tinhso.indicators.report.numbers import vn_value

    value: Decimal = row.target.value
    return f"{COMPARATOR_SIGN.get(row.target.comparator, '')} {vn_value(value, kind)}"
