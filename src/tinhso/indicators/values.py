"""Reading an indicator's value for a unit (the province or one of its agencies) and a period,
with the previous period's value for comparison."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, NotFound
from tinhso.directory.models import Agency
from tinhso.indicators import registry
from tinhso.indicators.periods import Period, PeriodError
from tinhso.indicators.registry import Indicator, Scope, Value


@dataclass(frozen=True)
class Reading:
    indicator: Indicator
    scope: Scope
    period: Period
    value: Value
    previous_period: Period | None
    previous: Value | None


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


def indicator_read(indicator: Indicator, scope: Scope, period: Period) -> Reading:
    previous_period = period.previous()
    previous = indicator.compute(scope, previous_period) if previous_period else None
    return Reading(indicator, scope, period, indicator.compute(scope, period),
                   previous_period, previous)
