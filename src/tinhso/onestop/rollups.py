"""The DossierStat rollup: bumped by the services in the same transaction as each transition,
recomputed from dossiers, events and payments by `rollups_aggregate` (what `tinhso stats
verify` compares), rebuilt by `rollups_rebuild`. Two summaries hold the same counters without
the procedure, for figures: DossierStatMonth by month, agency, channel and online level (whole
months), DossierStatAgencyDay by day, agency, channel and online level (the days of a period
outside its whole months). Both are bumped with DossierStat and must always equal it summed
over their key (`rollups_months_diff`, `rollups_agency_days_diff`).

Key: (day, agency = dossier.agency, procedure, channel, online level of the dossier's version);
day is the Vietnam-time date of the moment each counter counts (see docs/onestop.md):

- submitted: submitted_at (every dossier); received: received_at;
- refused / withdrawn / stopped: ended_at of dossiers in that status;
- resolved_early / resolved_on_time / resolved_late: resolved_at, by timeliness;
- returned: returned_at; electronic_result: resolved_at when a result file is attached;
- left_open: the day a received dossier left the open set: resolved_at, else ended_at of a
  received dossier withdrawn or stopped; in progress at the end of day T is
  sum(received) - sum(left_open) over days <= T;
- supplement_requested: each "request_supplement" event; paid_total / paid_online: each paid
  Payment (paid_at);
- digitized: submitted_at of a dossier with at least one component (or supplement) that an
  officer marked digitized (`is_digitized`, not `reused_from` an earlier dossier): bumped when
  its first such component is marked (`dossier_file_mark_digitized`);
- rated / rating_points: each Rating (rated_at): 1, and its total (0-18);
- reused: submitted_at of a dossier with at least one file `reused_from` an earlier dossier
  (a digitized component of the same applicant, attached again instead of handed in): bumped
  with `submitted` when the submission reuses one, or when its first reused file is attached
  later (`files.file_reuse`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, cast
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Exists, F, Field, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth

from tinhso.core.onetrip import Trip
from tinhso.onestop.models import (
    Dossier,
    DossierEvent,
    DossierFile,
    DossierStat,
    DossierStatAgencyDay,
    DossierStatMonth,
    Payment,
    Rating,
    RollupCounters,
)
from tinhso.onestop.status import Status, Timeliness

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

COUNTERS = tuple(f.name for f in RollupCounters._meta.get_fields())
# The files whose digitization counts for the `digitized` counter: what the applicant handed in.
DIGITIZED_KINDS = (DossierFile.Kind.COMPONENT, DossierFile.Kind.SUPPLEMENT)
Key = tuple[dt.date, int, int, int, str]  # day, agency id, procedure id, channel, online level


def _local_day(at: dt.datetime) -> dt.date:
    return at.astimezone(TZ).date()


def _online_level(dossier: Dossier) -> str:
    return dossier.version.online_level


def rollup_bump_many(dossier: Dossier, counts: dict[str, int], at: dt.datetime, *,
                     trip: Trip | None = None) -> None:
    """Add `counts` ({counter: n}) to the dossier's rollup row for the day of `at` (an upsert;
    call inside the transition's transaction). With `trip`, the three upserts go with the
    trip's other statements."""
    if not counts:
        return
    for name in counts:
        if name not in COUNTERS:
            raise ValueError(f"unknown rollup counter {name!r}")
    day = _local_day(at)
    key: dict[str, Any] = {
        "day": day, "agency_id": dossier.agency_id,
        "procedure_id": dossier.procedure_id, "channel": dossier.channel,
        "online_level": _online_level(dossier),
    }
    summary_key = {"agency_id": dossier.agency_id, "channel": dossier.channel,
                   "online_level": key["online_level"]}
    statements = [
        _upsert(DossierStat, key, counts, dossier.province_code),
        _upsert(DossierStatMonth, {"month": day.replace(day=1), **summary_key}, counts,
                dossier.province_code),
        _upsert(DossierStatAgencyDay, {"day": day, **summary_key}, counts,
                dossier.province_code),
    ]
    if trip is not None:
        for sql, values in statements:
            trip.execute(sql, values)
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's psycopg cursor binds on the client, so the three go in one round trip.
            cursor.execute("; ".join(sql for sql, _ in statements),
                           [v for _, values in statements for v in values])
        else:
            for sql, values in statements:
                cursor.execute(sql, values)


def _upsert(model: Any, key: dict[str, Any], counts: dict[str, int],
            province_code: str) -> tuple[str, list[Any]]:
    """One statement that inserts the key's row with `counts`, or adds them to the row that
    exists (INSERT ... ON CONFLICT on the key's unique constraint; SQLite and PostgreSQL).
    Plain SQL because this runs for every transition and the ORM's compile cost was most of
    its time."""
    names = sorted(counts)
    key_columns = [model._meta.get_field(k).column for k in key]
    sql = _upsert_sql(model, tuple(key_columns), tuple(names))
    values = [_db_value(v) for v in key.values()]
    values += [province_code] + [counts.get(c, 0) for c in COUNTERS]
    return sql, values


def _db_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


_UPSERT_SQL: dict[tuple[Any, ...], str] = {}


def _upsert_sql(model: Any, key_columns: tuple[str, ...], names: tuple[str, ...]) -> str:
    cache_key = (connection.vendor, model, key_columns, names)
    sql = _UPSERT_SQL.get(cache_key)
    if sql is None:
        q = connection.ops.quote_name
        table = q(model._meta.db_table)
        columns = [*key_columns, "province_code", *COUNTERS]
        increments = ", ".join(f"{q(n)} = {table}.{q(n)} + EXCLUDED.{q(n)}" for n in names)
        sql = (f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "  # noqa: S608
               f"VALUES ({', '.join(['%s'] * len(columns))}) "
               f"ON CONFLICT ({', '.join(q(c) for c in key_columns)}) DO UPDATE SET {increments}")
        _UPSERT_SQL[cache_key] = sql
    return sql


def rollup_bump(dossier: Dossier, counter: str, at: dt.datetime, n: int = 1) -> None:
    rollup_bump_many(dossier, {counter: n}, at)


# --- recomputation --------------------------------------------------------------------------


def day_bounds(day_from: dt.date | None, day_to: dt.date | None) -> tuple[dt.datetime | None,
                                                                           dt.datetime | None]:
    """The moments (Vietnam time) that open and close the days `day_from`..`day_to`
    inclusive (None: unbounded)."""
    start = dt.datetime.combine(day_from, dt.time(), tzinfo=TZ) if day_from else None
    end = (dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time(), tzinfo=TZ)
           if day_to else None)
    return start, end


def in_range(field: str, start: dt.datetime | None, end: dt.datetime | None) -> Q:
    """`field` set and within [start, end) (None: unbounded)."""
    q = Q(**{f"{field}__isnull": False})
    if start is not None:
        q &= Q(**{f"{field}__gte": start})
    if end is not None:
        q &= Q(**{f"{field}__lt": end})
    return q


def _grouped(qs: QuerySet[Any], moment: str, prefix: str = "", *,
             n: Any = None) -> Iterable[dict[str, Any]]:
    p = f"{prefix}__" if prefix else ""
    return (
        qs.annotate(_day=TruncDate(moment, tzinfo=TZ))
        .values("_day", f"{p}agency_id", f"{p}procedure_id", f"{p}channel",
                f"{p}version__online_level")
        .annotate(_n=Count("pk") if n is None else n)
        .order_by()
    )


def rollups_aggregate(*, province_code: str | None = None, day_from: dt.date | None = None,
                      day_to: dt.date | None = None) -> dict[Key, dict[str, int]]:
    """Every rollup row recomputed from the source tables: {key: {counter: n}} with only the
    non-zero counters. Set-based: one grouped query per counter."""
    start, end = day_bounds(day_from, day_to)
    dossiers = Dossier.objects.all()
    events = DossierEvent.objects.all()
    payments = Payment.objects.all()
    ratings = Rating.objects.all()
    if province_code:
        dossiers = dossiers.filter(province_code=province_code)
        events = events.filter(dossier__province_code=province_code)
        payments = payments.filter(dossier__province_code=province_code)
        ratings = ratings.filter(dossier__province_code=province_code)

    def d(field: str, extra: Q | Exists | None = None) -> QuerySet[Dossier]:
        q = in_range(field, start, end)
        return dossiers.filter(q & extra if extra is not None else q)

    plans: list[tuple[str, QuerySet[Any], str, str]] = [
        ("submitted", d("submitted_at"), "submitted_at", ""),
        ("received", d("received_at"), "received_at", ""),
        ("refused", d("ended_at", Q(status=Status.REFUSED)), "ended_at", ""),
        ("withdrawn", d("ended_at", Q(status=Status.WITHDRAWN)), "ended_at", ""),
        ("stopped", d("ended_at", Q(status=Status.STOPPED)), "ended_at", ""),
        ("resolved_early", d("resolved_at", Q(timeliness=Timeliness.EARLY)), "resolved_at", ""),
        ("resolved_on_time", d("resolved_at", Q(timeliness=Timeliness.ON_TIME)),
         "resolved_at", ""),
        ("resolved_late", d("resolved_at", Q(timeliness=Timeliness.LATE)), "resolved_at", ""),
        ("returned", d("returned_at"), "returned_at", ""),
        ("electronic_result", d("resolved_at", Q(result_file__isnull=False)), "resolved_at", ""),
        ("left_open", d("resolved_at"), "resolved_at", ""),
        ("left_open", d("ended_at", Q(received_at__isnull=False,
                                      status__in=[Status.WITHDRAWN, Status.STOPPED])),
         "ended_at", ""),
        ("supplement_requested",
         events.filter(in_range("at", start, end), action="request_supplement"), "at",
         "dossier"),
        ("paid_total", payments.filter(in_range("paid_at", start, end),
                                       state=Payment.State.PAID), "paid_at", "dossier"),
        ("paid_online", payments.filter(in_range("paid_at", start, end),
                                        state=Payment.State.PAID, online=True),
         "paid_at", "dossier"),
        ("digitized", d("submitted_at", Exists(DossierFile.objects.filter(
            dossier=OuterRef("pk"), kind__in=DIGITIZED_KINDS, is_digitized=True,
            reused_from__isnull=True))), "submitted_at", ""),
        ("rated", ratings.filter(in_range("rated_at", start, end)), "rated_at", "dossier"),
        ("reused", d("submitted_at", Exists(DossierFile.objects.filter(
            dossier=OuterRef("pk"), reused_from__isnull=False))), "submitted_at", ""),
    ]
    out: dict[Key, dict[str, int]] = defaultdict(dict)
    for counter, qs, moment, prefix in plans:
        p = f"{prefix}__" if prefix else ""
        for row in _grouped(qs, moment, prefix):
            key = (row["_day"], row[f"{p}agency_id"], row[f"{p}procedure_id"],
                   row[f"{p}channel"], row[f"{p}version__online_level"])
            counts = out[key]
            counts[counter] = counts.get(counter, 0) + row["_n"]
    # The one counter that is a sum, not a count: the ratings' points.
    for row in _grouped(ratings.filter(in_range("rated_at", start, end)), "rated_at", "dossier",
                        n=Sum("total")):
        if row["_n"]:
            key = (row["_day"], row["dossier__agency_id"], row["dossier__procedure_id"],
                   row["dossier__channel"], row["dossier__version__online_level"])
            out[key]["rating_points"] = out[key].get("rating_points", 0) + row["_n"]
    return dict(out)


def rollups_stored(*, province_code: str | None = None, day_from: dt.date | None = None,
                   day_to: dt.date | None = None) -> dict[Key, dict[str, int]]:
    """The DossierStat rows as stored, in the same shape (non-zero counters only)."""
    qs = DossierStat.objects.all()
    if province_code:
        qs = qs.filter(province_code=province_code)
    if day_from:
        qs = qs.filter(day__gte=day_from)
    if day_to:
        qs = qs.filter(day__lte=day_to)
    out: dict[Key, dict[str, int]] = {}
    for row in qs.values("day", "agency_id", "procedure_id", "channel", "online_level",
                         *COUNTERS).iterator(chunk_size=5000):
        counts = {c: row[c] for c in COUNTERS if row[c]}
        if counts:
            out[(row["day"], row["agency_id"], row["procedure_id"], row["channel"],
                 row["online_level"])] = counts
    return out


def rollups_diff(*, province_code: str | None = None, day_from: dt.date | None = None,
                 day_to: dt.date | None = None) -> list[tuple[Key, str, int, int]]:
    """Where the stored rollup and the recomputation disagree: (key, counter, stored,
    recomputed), sorted; empty when they agree exactly."""
    stored = rollups_stored(province_code=province_code, day_from=day_from, day_to=day_to)
    fresh = rollups_aggregate(province_code=province_code, day_from=day_from, day_to=day_to)
    diffs = []
    for key in set(stored) | set(fresh):
        a, b = stored.get(key, {}), fresh.get(key, {})
        for counter in COUNTERS:
            if a.get(counter, 0) != b.get(counter, 0):
                diffs.append((key, counter, a.get(counter, 0), b.get(counter, 0)))
    diffs.sort(key=lambda x: (x[0][0], x[0][1], x[0][2], x[0][3], x[0][4], x[1]))
    return diffs


SummaryKey = tuple[dt.date, int, int, str]  # month or day, agency id, channel, online level


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


Span = tuple[dt.date | None, dt.date | None]  # first day included, first day after


def _months_touched(day_from: dt.date | None, day_to: dt.date | None) -> Span:
    return (day_from.replace(day=1) if day_from else None,
            next_month(day_to) if day_to else None)


def _days(day_from: dt.date | None, day_to: dt.date | None) -> Span:
    return day_from, (day_to + dt.timedelta(days=1) if day_to else None)


class _Summary(NamedTuple):
    """A rollup that is DossierStat summed over a coarser key, without the procedure."""

    model: type[DossierStatMonth] | type[DossierStatAgencyDay]
    period: str  # its date field
    of_day: Callable[[], Any]  # the period of DossierStat.day, as an expression
    span: Callable[[dt.date | None, dt.date | None], Span]  # the periods a range touches


MONTHS = _Summary(DossierStatMonth, "month", lambda: TruncMonth("day"), _months_touched)
AGENCY_DAYS = _Summary(DossierStatAgencyDay, "day", lambda: F("day"), _days)


def _between(qs: QuerySet[Any], field: str, province_code: str | None, span: Span) -> QuerySet[Any]:
    if province_code:
        qs = qs.filter(province_code=province_code)
    if span[0]:
        qs = qs.filter(**{f"{field}__gte": span[0]})
    if span[1]:
        qs = qs.filter(**{f"{field}__lt": span[1]})
    return qs


def _summed(summary: _Summary, province_code: str | None, span: Span,
            source: type[DossierStat] | type[DossierStatAgencyDay] = DossierStat,
            ) -> QuerySet[Any]:
    """DossierStat (or `source`, a finer summary) summed into the summary's rows: its key,
    then province, then the counters (the column order `_summary_rebuild` inserts)."""
    return (
        _between(source.objects.all(), "day", province_code, span)
        .annotate(_period=summary.of_day())
        .values("_period", "agency_id", "channel", "online_level")
        .annotate(_province=Max("province_code"), **{c: Sum(c) for c in COUNTERS})
        .order_by()
    )


def _nonzero(row: dict[str, Any]) -> dict[str, int]:
    return {c: row[c] for c in COUNTERS if row[c]}


def _summary_diff(summary: _Summary, province_code: str | None, day_from: dt.date | None,
                  day_to: dt.date | None) -> list[tuple[SummaryKey, str, int, int]]:
    span = summary.span(day_from, day_to)
    summed = {(r["_period"], r["agency_id"], r["channel"], r["online_level"]): _nonzero(r)
              for r in _summed(summary, province_code, span).iterator(chunk_size=5000)}
    stored = {(r[summary.period], r["agency_id"], r["channel"], r["online_level"]): _nonzero(r)
              for r in _between(summary.model.objects.all(), summary.period, province_code,
                                span)
              .values(summary.period, "agency_id", "channel", "online_level", *COUNTERS)
              .iterator(chunk_size=5000)}
    diffs = []
    for key in set(stored) | set(summed):
        a, b = stored.get(key, {}), summed.get(key, {})
        for counter in COUNTERS:
            if a.get(counter, 0) != b.get(counter, 0):
                diffs.append((key, counter, a.get(counter, 0), b.get(counter, 0)))
    diffs.sort(key=lambda x: (x[0][0], x[0][1], x[0][2], x[0][3], x[1]))
    return diffs


def _summary_rebuild(summary: _Summary, province_code: str | None, day_from: dt.date | None,
                     day_to: dt.date | None,
                     source: type[DossierStat] | type[DossierStatAgencyDay] = DossierStat) -> int:
    """Delete the summary's rows of the periods the range touches and insert them again from
    DossierStat in one INSERT ... SELECT (a year of a province is ~10^6 daily rows)."""
    span = summary.span(day_from, day_to)
    _between(summary.model.objects.all(), summary.period, province_code, span).delete()
    in_order = _summed(summary, province_code, span, source).order_by("_period", "agency_id")
    select, params = in_order.query.sql_with_params()  # a period's rows stored together
    meta = summary.model._meta
    names = [summary.period, "agency", "channel", "online_level", "province_code", *COUNTERS]
    fields = [cast("Field[Any, Any]", meta.get_field(n)) for n in names]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)  # noqa: S608
        return cursor.rowcount


def rollups_months_diff(*, province_code: str | None = None, day_from: dt.date | None = None,
                        day_to: dt.date | None = None) -> list[tuple[SummaryKey, str, int, int]]:
    """Where DossierStatMonth disagrees with DossierStat summed by month, for the months that
    the range touches: (key, counter, stored, summed)."""
    return _summary_diff(MONTHS, province_code, day_from, day_to)


def rollups_agency_days_diff(*, province_code: str | None = None,
                             day_from: dt.date | None = None, day_to: dt.date | None = None
                             ) -> list[tuple[SummaryKey, str, int, int]]:
    """Where DossierStatAgencyDay disagrees with DossierStat summed without the procedure, for
    the days of the range: (key, counter, stored, summed)."""
    return _summary_diff(AGENCY_DAYS, province_code, day_from, day_to)


@transaction.atomic
def rollups_months_rebuild(*, province_code: str | None = None, day_from: dt.date | None = None,
                           day_to: dt.date | None = None, from_agency_days: bool = False) -> int:
    """Recompute the monthly rows of the months the range touches from DossierStat, or from
    the rows by agency and day (`from_agency_days`: several times fewer rows; only right when
    those are, e.g. just rebuilt for every day of those months)."""
    return _summary_rebuild(MONTHS, province_code, day_from, day_to,
                            DossierStatAgencyDay if from_agency_days else DossierStat)


@transaction.atomic
def rollups_agency_days_rebuild(*, province_code: str | None = None,
                                day_from: dt.date | None = None,
                                day_to: dt.date | None = None) -> int:
    """Recompute the rows by day and agency of the range's days from DossierStat."""
    return _summary_rebuild(AGENCY_DAYS, province_code, day_from, day_to)


@transaction.atomic
def rollups_rebuild(*, province_code: str | None = None, day_from: dt.date | None = None,
                    day_to: dt.date | None = None, batch: int = 5000) -> int:
    """Replace the stored rows of the range with the recomputation; returns rows written."""
    fresh = rollups_aggregate(province_code=province_code, day_from=day_from, day_to=day_to)
    qs = DossierStat.objects.all()
    if province_code:
        qs = qs.filter(province_code=province_code)
    if day_from:
        qs = qs.filter(day__gte=day_from)
    if day_to:
        qs = qs.filter(day__lte=day_to)
    qs.delete()
    from tinhso.directory.models import Agency

    provinces = dict(Agency.objects.filter(pk__in={k[1] for k in fresh})
                     .values_list("pk", "province_code"))
    rows = [
        DossierStat(day=k[0], agency_id=k[1], procedure_id=k[2], channel=k[3], online_level=k[4],
                    province_code=province_code or provinces.get(k[1], ""), **counts)
        for k, counts in fresh.items()
    ]
    DossierStat.objects.bulk_create(rows, batch_size=batch)
    rollups_months_rebuild(province_code=province_code, day_from=day_from, day_to=day_to)
    rollups_agency_days_rebuild(province_code=province_code, day_from=day_from, day_to=day_to)
    return len(rows)
