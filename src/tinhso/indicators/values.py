"""Reading an indicator's value for a unit and a period, with the previous period's value for
comparison. The unit is the province, one of its agencies, or one of its administrative units
(a commune or ward, or a district abolished on 1 July 2025).

An administrative unit's figure is what its People's Committee reports, computed exactly as a
target's actual value is (`selectors.attainment_rows`, through `selectors._scopes`,
`selectors.merged_predecessors` and `selectors.combine`): its own figure, joined by the figures of
the units of its level wholly merged into it that were in force during the period. So a new
commune asked about a period before 1 July 2025 answers through its predecessors (the old
communes merged into it); a former district answers for the periods it was in force; asked
about a period after its end it answers 422 naming `unit`, with its successors in the message
(the targets do not carry a district's figure over to its successors either: a successor
commune's figure is its own and its merged communes', never the district's). Entered
indicators follow the targets' rule: the unit's own verified entry, else the sum of the merged
units' when every one of them has one, else no value.

Reads rollups and entries only; a constant number of queries whatever the unit (4 to resolve
it, then one per period for an indicator whose source reads many agencies at once)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, NotFound
from tinhso.directory.models import AdminUnit, Agency
from tinhso.indicators import registry
from tinhso.indicators.periods import Period, PeriodError
from tinhso.indicators.registry import Indicator, Scope, Value


@dataclass(frozen=True)
class UnitScope:
    """An administrative unit below the province, resolved once for all the periods asked:
    every era of its code (newest first), the units merged into each era, and the People's
    Committee scope of each of those units (None: no committee, no computed figure)."""

    code: str
    province_code: str
    eras: tuple[AdminUnit, ...]
    merged: dict[int, list[AdminUnit]] = field(default_factory=dict, hash=False)
    scopes: dict[int, Scope | None] = field(default_factory=dict, hash=False)

    @property
    def unit(self) -> AdminUnit:
        return self.eras[0]


Where = Scope | UnitScope


@dataclass(frozen=True)
class Reading:
    indicator: Indicator
    scope: Where
    period: Period
    value: Value
    previous_period: Period | None
    previous: Value | None
    merged: tuple[AdminUnit, ...] = ()  # the merged units whose figures count in `value`


def indicator_get(code: str, *, public_only: bool = True) -> Indicator:
    indicator = registry.get(code)
    if indicator is None or (public_only and not indicator.public):
        raise NotFound(_("Không có chỉ số này."))
    return indicator


def period_parse(text: str, field: str = "period") -> Period:
    try:
        return Period.parse(text)
    except PeriodError:
        raise DomainError.for_field(
            field, _("Kỳ không hợp lệ: cần năm (2026), quý (2026-Q3) hoặc tháng (2026-07).")
        ) from None


def scope_resolve(unit: str, field: str = "unit") -> Scope:
    """This province's code ("38") is the whole province; anything else must be an agency
    code."""
    if unit == settings.TINHSO_PROVINCE_CODE:
        return Scope(province_code=unit, code=unit)
    agency = Agency.objects.filter(code=unit).only("pk", "province_code", "code").first()
    if agency is None:
        raise DomainError.for_field(field, _("Không có đơn vị với mã này."))
    return Scope(province_code=agency.province_code, agency_id=agency.pk, code=agency.code)


def _overlaps(unit: AdminUnit, period: Period) -> bool:
    return ((unit.valid_from is None or unit.valid_from < period.end)
            and (unit.valid_to is None or unit.valid_to > period.first_day))


def unit_resolve(unit: str, field: str = "unit") -> Where:
    """`scope_resolve`, and also the code of an administrative unit of this province (a
    commune, ward or former district): an unknown code is a 422 naming `field`."""
    unit = unit.strip()
    province = settings.TINHSO_PROVINCE_CODE
    if unit == province or "." in unit or not unit:
        return scope_resolve(unit, field)
    eras = tuple(AdminUnit.objects.filter(code=unit, province_code=province)
                 .exclude(level=AdminUnit.Level.PROVINCE)
                 .order_by(F("valid_from").desc(nulls_last=True), "level")[:20])
    if not eras:
        return scope_resolve(unit, field)
    from tinhso.indicators.selectors import _scopes, merged_predecessors

    merged = merged_predecessors(eras)
    every = {u.pk: u for u in eras}
    for ms in merged.values():
        every.update({m.pk: m for m in ms})
    return UnitScope(code=unit, province_code=province, eras=eras, merged=merged,
                     scopes=_scopes(every.values()))


def _members(where: UnitScope, period: Period, field: str = "unit"
             ) -> tuple[AdminUnit | None, list[AdminUnit]]:
    """(the unit in force during the period or None, the merged units in force then)."""
    during = [u for u in where.eras if _overlaps(u, period)]
    if during:
        unit = during[0]
        return unit, [m for m in where.merged.get(unit.pk, []) if _overlaps(m, period)]
    latest = where.unit
    if latest.valid_to is not None and latest.valid_to <= period.first_day:
        from tinhso.directory.selectors import unit_successor_map

        heirs = unit_successor_map([latest], on=latest.valid_to).get(latest.pk, [])
        names = ", ".join(f"{h.name} ({h.code})" for h in heirs) or _("không có")
        raise DomainError.for_field(field, _(
            "%(name)s (%(code)s) không còn từ ngày %(day)s; kỳ %(period)s không có số liệu của "
            "đơn vị này. Đơn vị kế thừa: %(heirs)s.") % {
                "name": latest.name, "code": latest.code,
                "day": latest.valid_to.strftime("%d/%m/%Y"), "period": str(period),
                "heirs": names}, code="unit_ended")
    merged = [m for m in where.merged.get(latest.pk, []) if _overlaps(m, period)]
    if not merged:
        day = latest.valid_from.strftime("%d/%m/%Y") if latest.valid_from else ""
        raise DomainError.for_field("period", _(
            "%(name)s (%(code)s) có từ ngày %(day)s và không do các đơn vị cũ sáp nhập toàn bộ "
            "mà thành: kỳ %(period)s không có số liệu của đơn vị này.") % {
                "name": latest.name, "code": latest.code, "day": day, "period": str(period)},
            code="unit_not_yet")
    return None, merged


def unit_compute(indicator: Indicator, where: UnitScope, period: Period
                 ) -> tuple[Value, tuple[AdminUnit, ...]]:
    """The unit's figure for the period and the merged units counted in it (see the module's
    docstring)."""
    from tinhso.indicators.report.data import _entered_by_unit
    from tinhso.indicators.selectors import combine

    unit, merged = _members(where, period)
    members = ([unit] if unit is not None else []) + merged
    empty = Value(0, 0 if indicator.kind == "rate" else None, None)
    if indicator.entered:
        found = _entered_by_unit(indicator.code, period, where.province_code,
                                 [u.pk for u in members])
        if unit is not None and unit.pk in found:
            return found[unit.pk], ()
        got = [found.get(m.pk) for m in merged]
        if got and all(v is not None for v in got):
            return combine([v for v in got if v is not None], indicator.kind), tuple(merged)
        return empty, ()
    scopes: list[Scope] = []
    for u in members:
        sc = where.scopes.get(u.pk)
        if sc is not None:
            scopes.append(sc)
    if not scopes:
        return empty, tuple(merged)
    values = indicator.compute_for(scopes, period)
    figures = [values[sc] for sc in scopes]
    return (figures[0] if len(figures) == 1 else combine(figures, indicator.kind)), tuple(merged)


def compute_at(indicator: Indicator, where: Where, period: Period) -> Value:
    if isinstance(where, UnitScope):
        return unit_compute(indicator, where, period)[0]
    return indicator.compute(where, period)


def indicator_read(indicator: Indicator, scope: Where, period: Period) -> Reading:
    """The value for the period and the previous period's (None when the unit has no figure
    for the previous period: a former district, a commune not yet created)."""
    previous_period = period.previous()
    if isinstance(scope, UnitScope):
        value, merged = unit_compute(indicator, scope, period)
        previous = None
        if previous_period is not None:
            try:
                previous = unit_compute(indicator, scope, previous_period)[0]
            except DomainError:
                previous = None
        return Reading(indicator, scope, period, value, previous_period, previous, merged)
    previous = indicator.compute(scope, previous_period) if previous_period else None
    return Reading(indicator, scope, period, indicator.compute(scope, period),
                   previous_period, previous)
