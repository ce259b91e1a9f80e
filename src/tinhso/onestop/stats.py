"""Dossier figures, read from the rollups only (never a scan of dossiers): months from
DossierStatMonth, the days at either end of the period from DossierStatAgencyDay (two grouped
queries, whatever the period); except `overdue`, which is an indexed count on the open set.
Each figure is defined here once and in docs/onestop.md:

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
from tinhso.onestop.models import Dossier, DossierStatAgencyDay, DossierStatMonth
from tinhso.onestop.rollups import next_month
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


Group = tuple[int, str]  # channel, online level
Sums = dict[Group, dict[str, int]]
Rows = dict[dt.date, Sums]  # month or day -> its sums
Run = tuple[int, dt.date, dt.date]  # sign, first day, last day
READ = (*SUMMED, "left_open")
ONE_DAY = dt.timedelta(days=1)


def _pieces(first: dt.date, last: dt.date) -> tuple[list[tuple[int, dt.date]], list[Run]]:
    """[first, last] as signed whole months and signed runs of days. A month only partly inside
    is read as its days inside, or as the whole month minus its days outside, whichever is
    fewer days: any period reads at most about half a month of days at each end."""
    months: list[tuple[int, dt.date]] = []
    runs: list[Run] = []
    month = first.replace(day=1)
    while month <= last:
        end = next_month(month) - ONE_DAY
        lo, hi = max(first, month), min(last, end)
        inside = (hi - lo).days + 1
        if inside <= (end - month).days + 1 - inside:
            runs.append((1, lo, hi))
        else:
            months.append((1, month))
            runs += [(-1, a, b) for a, b in ((month, lo - ONE_DAY), (hi + ONE_DAY, end)) if a <= b]
        month = next_month(month)
    return months, runs


def _rows(qs: QuerySet[Any], period: str) -> Rows:
    """Counters summed in the database by period (month or day) and (channel, online level): a
    few rows per period."""
    out: Rows = {}
    for r in (qs.values(period, "channel", "online_level")
              .annotate(**{c: Sum(c) for c in READ}).order_by()):
        out.setdefault(r[period], {})[(r["channel"], r["online_level"])] = {
            c: r[c] or 0 for c in READ}
    return out


def _combine(parts: list[tuple[int, Sums]]) -> Sums:
    """The signed sum of `parts`, without the groups left with nothing."""
    out: Sums = {}
    for sign, sums in parts:
        for group, counts in sums.items():
            target = out.setdefault(group, {})
            for name, n in counts.items():
                target[name] = target.get(name, 0) + sign * n
    return {g: c for g, c in out.items() if any(c.values())}


def _rollup_sums(days: QuerySet[DossierStatAgencyDay], months: QuerySet[DossierStatMonth],
                 date_from: dt.date, date_to: dt.date) -> tuple[Sums, dict[Group, int]]:
    """The period's counters and the open balance at the end of date_to (received minus left
    the open set, over all time: every month before date_to's month, then that month up to
    date_to), in two grouped queries whatever the period's length: the months up to date_to's
    from the monthly rollup, the runs of days that `_pieces` needs from the rollup by day and
    agency."""
    last_month = date_to.replace(day=1)
    period_months, period_runs = _pieces(date_from, date_to)
    open_months, open_runs = _pieces(last_month, date_to)
    by_month = _rows(months.filter(month__lt=next_month(date_to)), "month")
    runs = period_runs + open_runs
    by_day: Rows = {}
    if runs:
        wanted = Q()
        for _sign, lo, hi in runs:
            wanted |= Q(day__gte=lo, day__lte=hi)
        by_day = _rows(days.filter(wanted), "day")

    def parts(signed_months: list[tuple[int, dt.date]], signed_runs: list[Run]
              ) -> list[tuple[int, Sums]]:
        return ([(sign, by_month.get(month, {})) for sign, month in signed_months]
                + [(sign, sums) for sign, lo, hi in signed_runs
                   for day, sums in by_day.items() if lo <= day <= hi])

    period = _combine(parts(period_months, period_runs))
    before = [(1, month) for month in by_month if month < last_month]
    open_set = _combine(parts(before + open_months, open_runs))
    return period, {g: c["received"] - c["left_open"] for g, c in open_set.items()}


def _overdue(qs: QuerySet[Dossier], now: dt.datetime) -> dict[Group, int]:
    q = (Q(status__in=(Status.RECEIVED, Status.PROCESSING), due_at__lt=now)
         | Q(status__in=(Status.SUPPLEMENT, Status.PAYING), due_at__lt=F("paused_at")))
    rows = (qs.filter(q).values("channel", "version__online_level").annotate(n=Count("pk"))
            .order_by())
    return {(r["channel"], r["version__online_level"]): r["n"] for r in rows}


def _collapse(per_group: dict[Group, Any], part: int | None) -> dict[Any, Any]:
    """Add up the (channel, level) groups: all of them (part None), by channel (0) or by level
    (1)."""
    out: dict[Any, Any] = {}
    for group, value in per_group.items():
        key = None if part is None else group[part]
        if isinstance(value, dict):
            target = out.setdefault(key, {})
            for name, n in value.items():
                target[name] = target.get(name, 0) + n
        else:
            out[key] = out.get(key, 0) + value
    return out


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
    sums, balance = _rollup_sums(DossierStatAgencyDay.objects.filter(stat_q),
                                 DossierStatMonth.objects.filter(stat_q), date_from, date_to)
    overdue = _overdue(Dossier.objects.filter(dossier_q), now)

    def figures(part: int | None) -> dict[Any, dict[str, Any]]:
        s, b, o = _collapse(sums, part), _collapse(balance, part), _collapse(overdue, part)
        return {g: _figures(s.get(g, {}), b.get(g, 0), o.get(g, 0))
                for g in sorted(set(s) | set(b) | set(o), key=str)}

    out: dict[str, Any] = {
        "from": date_from.isoformat(), "to": date_to.isoformat(),
        "agency": agency.code if agency is not None else None,
        **figures(None).get(None, _figures({}, 0, 0)),
    }
    out["by_channel"] = {str(g): f for g, f in figures(0).items()}
    out["by_online_level"] = {str(g): f for g, f in figures(1).items()}
    return out


MONTHLY_COLUMNS = ("thang", "ma_co_quan", "ten_co_quan", "tiep_nhan", "da_giai_quyet",
                   "truoc_han", "dung_han", "qua_han", "rut_ho_so", "dung_xu_ly", "tu_choi",
                   "ty_le_dung_han")


def monthly_by_agency(province_code: str, year: int) -> list[dict[str, Any]]:
    """The public table of a year: per month and agency, dossiers received, resolved (early,
    on time, late), withdrawn, stopped, refused and the on-time rate, defined as above. Counts
    only, no dossier; one grouped query on the monthly rollup."""
    rows = (DossierStatMonth.objects
            .filter(province_code=province_code, month__gte=dt.date(year, 1, 1),
                    month__lte=dt.date(year, 12, 1))
            .values("month", "agency__code", "agency__name")
            .annotate(**{k: Sum(k) for k in SUMMED})
            .order_by("month", "agency__code"))
    table = []
    for r in rows:
        sums: dict[str, Any] = dict(r)
        f = _figures(sums, 0, 0)
        table.append({
            "thang": r["month"].strftime("%Y-%m"), "ma_co_quan": r["agency__code"],
            "ten_co_quan": r["agency__name"], "tiep_nhan": f["received"],
            "da_giai_quyet": f["resolved"], "truoc_han": f["early"], "dung_han": f["on_time"],
            "qua_han": f["late"], "rut_ho_so": f["withdrawn"], "dung_xu_ly": f["stopped"],
            "tu_choi": f["refused"], "ty_le_dung_han": f["on_time_rate"],
        })
    return table
