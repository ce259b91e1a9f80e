"""Dossier figures, read from the DossierStat rollup only (never a scan of dossiers), except
`overdue`, which is an indexed count on the open set. Each figure is defined here once and in
docs/onestop.md:

- received: dossiers received in the period (statutory clock started);
- resolved = early + on_time + late: dossiers whose result was approved in the period;
  early: resolved on a day before the due day; on_time: by the due moment; late: after it;
- withdrawn / stopped / refused: dossiers that ended so in the period;
- in_progress: received and not yet resolved, withdrawn or stopped at the end of date_to
  (all received before minus all that left the open set before, over all time);
- overdue: open dossiers past their due moment now (clock running and due_at < now, or paused
  after it had already passed);
- on_time_rate = (early + on_time) / resolved, in percent with two decimals (None when
  nothing was resolved). Withdrawn and stopped dossiers are not counted as resolved or as on
  time: our reading of Decision 766/QĐ-TTg (existing systems count withdrawn as on time; the
  legal basis for that is unconfirmed).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, NotAllowed
from tinhso.directory.models import Agency
from tinhso.directory.permissions import agency_scope
from tinhso.onestop.models import Dossier, DossierStat
from tinhso.onestop.status import Status

PERM = "onestop.stats.view"
MAX_DAYS = 366 * 5
SUMMED = ("received", "resolved_early", "resolved_on_time", "resolved_late", "withdrawn",
          "stopped", "refused", "submitted", "returned")


def _scope_q(user: Any, agency: Agency | None) -> tuple[Q, Q]:
    """(filter on DossierStat, filter on Dossier) for the user's scope and optional agency."""
    scope = agency_scope(user, PERM)
    if scope.empty:
        raise NotAllowed()
    if agency is not None:
        if not scope.contains(agency):
            raise NotAllowed()
        return Q(agency_id=agency.pk), Q(agency_id=agency.pk)
    stat_q = Q(pk__in=[])
    dossier_q = Q(pk__in=[])
    if scope.agency_ids:
        ids = sorted(scope.agency_ids)
        stat_q |= Q(agency_id__in=ids)
        dossier_q |= Q(agency_id__in=ids)
    if scope.provinces:
        provinces = sorted(scope.provinces)
        stat_q |= Q(province_code__in=provinces)
        dossier_q |= Q(province_code__in=provinces)
    return stat_q, dossier_q


def rate(numerator: int, denominator: int) -> float | None:
    if not denominator:
        return None
    value = Decimal(numerator * 100) / Decimal(denominator)
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _figures(sums: dict[str, int], in_progress: int, overdue: int) -> dict[str, Any]:
    early = sums.get("resolved_early") or 0
    on_time = sums.get("resolved_on_time") or 0
    late = sums.get("resolved_late") or 0
    resolved = early + on_time + late
    return {
        "submitted": sums.get("submitted") or 0,
        "received": sums.get("received") or 0,
        "resolved": resolved,
        "early": early,
        "on_time": on_time,
        "late": late,
        "in_progress": in_progress,
        "overdue": overdue,
        "withdrawn": sums.get("withdrawn") or 0,
        "stopped": sums.get("stopped") or 0,
        "refused": sums.get("refused") or 0,
        "returned": sums.get("returned") or 0,
        "on_time_rate": rate(early + on_time, resolved),
    }


def _sum(qs: QuerySet[DossierStat], by: str | None) -> dict[Any, dict[str, int]]:
    aggregates = {c: Sum(c) for c in SUMMED}
    if by is None:
        return {None: qs.aggregate(**aggregates)}
    return {row[by]: row for row in qs.values(by).annotate(**aggregates).order_by()}


def _open_balance(qs: QuerySet[DossierStat], by: str | None) -> dict[Any, int]:
    aggregates = {"r": Sum("received"), "l": Sum("left_open")}
    if by is None:
        row = qs.aggregate(**aggregates)
        return {None: (row["r"] or 0) - (row["l"] or 0)}
    return {row[by]: (row["r"] or 0) - (row["l"] or 0)
            for row in qs.values(by).annotate(**aggregates).order_by()}


def _overdue(qs: QuerySet[Dossier], by: str | None, now: dt.datetime) -> dict[Any, int]:
    q = (Q(status__in=(Status.RECEIVED, Status.PROCESSING), due_at__lt=now)
         | Q(status__in=(Status.SUPPLEMENT, Status.PAYING), due_at__lt=F("paused_at")))
    qs = qs.filter(q)
    if by is None:
        return {None: qs.count()}
    field = "version__online_level" if by == "online_level" else by
    return {row[field]: row["n"] for row in qs.values(field).annotate(n=Count("pk")).order_by()}


def dossier_stats(*, user: Any, date_from: dt.date, date_to: dt.date,
                  agency: Agency | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """The figures for [date_from, date_to] (Vietnam days, both included), for the user's
    agencies (or one of them), with the same figures by channel and by online level."""
    if not isinstance(date_from, dt.date) or not isinstance(date_to, dt.date):
        raise DomainError.for_field("from", _("Cần ngày bắt đầu và ngày kết thúc."))
    if date_to < date_from:
        raise DomainError.for_field("to", _("Ngày kết thúc trước ngày bắt đầu."))
    if (date_to - date_from).days > MAX_DAYS:
        raise DomainError.for_field("to", _("Khoảng thời gian tối đa 5 năm."))
    now = now or timezone.now()
    stat_q, dossier_q = _scope_q(user, agency)
    stats = DossierStat.objects.filter(stat_q)
    period = stats.filter(day__gte=date_from, day__lte=date_to)
    until = stats.filter(day__lte=date_to)
    open_dossiers = Dossier.objects.filter(dossier_q)

    total = _figures(_sum(period, None)[None], _open_balance(until, None)[None],
                     _overdue(open_dossiers, None, now)[None])
    out: dict[str, Any] = {
        "from": date_from.isoformat(), "to": date_to.isoformat(),
        "agency": agency.code if agency is not None else None, **total,
    }
    for by, key in (("channel", "by_channel"), ("online_level", "by_online_level")):
        sums = _sum(period, by)
        balance = _open_balance(until, by)
        overdue = _overdue(open_dossiers, by, now)
        groups = sorted(set(sums) | set(balance) | set(overdue), key=str)
        out[key] = {
            str(g): _figures(sums.get(g, {}), balance.get(g, 0), overdue.get(g, 0))
            for g in groups
        }
    return out
