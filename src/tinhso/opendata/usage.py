"""Views, downloads and API calls of each dataset per month, counted without slowing the
request that is counted.

A hit (`usage_count`) only adds one to a counter in this process's memory, under a lock: no
query, no I/O. The counters are written in batches (`flush`): one upsert per (dataset, month,
kind, resource) adding the batch's count, in one transaction. A batch is written

- after the response of a request that finds the buffer holding `FLUSH_HITS` hits or its first
  hit older than `FLUSH_SECONDS` (Django's `request_finished`, which runs once the response has
  been handed to the server, so the counted request does not wait);
- when the process exits normally (`atexit`: gunicorn's graceful restart, `runserver` stopped);
- by `flush()` itself, called by the tests, the management command and the daily task.

This is how CKAN's tracking (raw rows aggregated later) and Matomo (buffered, then written in
bulk) keep counting off the request path, without a raw table that grows by one row a hit.
A process killed outright (SIGKILL, the OOM killer, a power cut) loses what it had not yet
written: at most `FLUSH_HITS` hits or `FLUSH_SECONDS` of them per process. A flush that fails
(the database away) puts its counts back to be tried again, up to `MAX_KEYS` keys.

Counts are per dataset and month, and per resource for file downloads and the calls that
name a resource (`resource_show`, `datastore_search`); a hit given only a resource finds its
dataset when written (one query per batch)."""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
import time
import uuid
from collections import Counter
from typing import Any

from django.core.signals import request_finished
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from tinhso.opendata.models import (
    NO_RESOURCE,
    Dataset,
    DatasetUsageMonth,
    Resource,
    UsageKind,
)

logger = logging.getLogger(__name__)

FLUSH_HITS = 200
FLUSH_SECONDS = 10.0
MAX_KEYS = 50_000  # distinct keys kept when writes keep failing; beyond, hits are dropped

# (dataset id or None, resource id or NO_RESOURCE, month, kind) -> hits
Key = tuple[uuid.UUID | None, uuid.UUID, dt.date, str]

_lock = threading.Lock()
_hits: Counter[Key] = Counter()
_pending = 0
_first_at: float | None = None
_flush_lock = threading.Lock()


def month_of(at: dt.datetime | None = None) -> dt.date:
    """The first day of the month `at` falls in, in the province's time."""
    local = timezone.localtime(at or timezone.now())
    return local.date().replace(day=1)


KINDS = frozenset(UsageKind.values)
_month_span: tuple[float, float, dt.date] = (0.0, 0.0, dt.date.min)


def _this_month() -> dt.date:
    """`month_of(now)`, recomputed only when the month changes (the hot path's clock)."""
    global _month_span
    now = time.time()
    start, end, month = _month_span
    if start <= now < end:
        return month
    local = timezone.localtime(timezone.now())
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    _month_span = (first.timestamp(), after.timestamp(), first.date())
    return first.date()


def _uuid(value: Any) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def usage_count(
    dataset_id: Any, kind: str, resource_id: Any = None, *, at: dt.datetime | None = None
) -> None:
    """Count one view, download or API call of a dataset (or of one of its resources; the
    dataset may then be None). Memory only: costs microseconds, never a query. Call it only
    after the caller was shown the dataset."""
    if kind not in KINDS:
        raise ValueError(f"unknown usage kind: {kind}")
    month = _this_month() if at is None else month_of(at)
    key = (_uuid(dataset_id), _uuid(resource_id) or NO_RESOURCE, month, kind)
    global _pending, _first_at
    with _lock:
        if len(_hits) >= MAX_KEYS and key not in _hits:
            return
        _hits[key] += 1
        _pending += 1
        if _first_at is None:
            _first_at = time.monotonic()


def due() -> bool:
    """Whether the buffer should be written now."""
    with _lock:
        return _pending >= FLUSH_HITS or (
            _first_at is not None and time.monotonic() - _first_at >= FLUSH_SECONDS
        )


def pending() -> int:
    with _lock:
        return _pending


def _take() -> Counter[Key]:
    global _hits, _pending, _first_at
    with _lock:
        taken, _hits, _pending, _first_at = _hits, Counter(), 0, None
    return taken


def _give_back(batch: Counter[Key]) -> None:
    global _pending, _first_at
    with _lock:
        for key, n in batch.items():
            if key in _hits or len(_hits) < MAX_KEYS:
                _hits[key] += n
                _pending += n
        if _first_at is None and _hits:
            _first_at = time.monotonic()


def _upsert_sql(rows: int) -> str:
    table = connection.ops.quote_name(DatasetUsageMonth._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * rows)
    # Only the quoted table name and placeholders are formatted in; every value is a parameter.
    return (
        f"INSERT INTO {table} (dataset_id, resource, month, kind, count) VALUES {values} "  # noqa: S608
        f"ON CONFLICT (dataset_id, month, kind, resource) "
        f"DO UPDATE SET count = {table}.count + excluded.count"
    )


UPSERT_BATCH = 500


def _chunks(ids: set[Any], size: int = 1000) -> list[list[Any]]:
    """Ids in lists short enough for any database's parameter limit."""
    items = list(ids)
    return [items[i : i + size] for i in range(0, len(items), size)]


def _write(batch: Counter[Key]) -> int:
    """Add the batch to the monthly rows (one transaction); returns the hits written."""
    orphans = {r for (d, r, _m, _k) in batch if d is None}
    owners: dict[uuid.UUID, uuid.UUID] = {}
    for ids in _chunks(orphans):
        owners.update(Resource.objects.filter(pk__in=ids).values_list("pk", "dataset_id"))
    named = {d for (d, _r, _m, _k) in batch if d is not None}
    # A dataset removed since its hit (only the admin deletes rows) is not counted.
    alive: set[uuid.UUID] = set()
    for ids in _chunks(named):
        alive.update(Dataset.objects.filter(pk__in=ids).values_list("pk", flat=True))
    merged: Counter[tuple[uuid.UUID, uuid.UUID, dt.date, str]] = Counter()
    for (d, r, m, k), n in batch.items():
        ds = (d if d in alive else None) if d is not None else owners.get(r)
        if ds is not None:
            merged[(ds, r, m, k)] += n
    if not merged:
        return 0
    items = sorted(merged.items())
    uuid_value = (lambda u: u) if connection.features.has_native_uuid_field else (lambda u: u.hex)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(items), UPSERT_BATCH):
            chunk = items[start : start + UPSERT_BATCH]
            params: list[Any] = []
            for (ds, r, m, k), n in chunk:
                params += [uuid_value(ds), uuid_value(r), m, k, n]
            cursor.execute(_upsert_sql(len(chunk)), params)
    return sum(merged.values())


def flush() -> int:
    """Write what this process has counted; returns the hits written. On failure the counts
    go back to the buffer and the error is logged, never raised to the caller."""
    with _flush_lock:
        batch = _take()
        if not batch:
            return 0
        try:
            return _write(batch)
        except Exception:
            logger.exception("usage counts not written; kept for the next flush")
            _give_back(batch)
            return 0


def _after_request(sender: Any, **kwargs: Any) -> None:
    if not due():
        return
    # Django closed (or kept, per CONN_MAX_AGE) the request's connection just before; the
    # flush may open one, which the next request's `close_old_connections` deals with.
    flush()


def _at_exit() -> None:
    if not pending():
        return
    try:
        flush()
        connection.close()
    except Exception:  # at exit nothing can be done about it but say so
        logger.exception("usage counts lost at exit")


request_finished.connect(_after_request, dispatch_uid="opendata-usage-flush")
atexit.register(_at_exit)


def discard() -> None:
    """Forget what was counted and not written (tests)."""
    _take()


# --- reads ------------------------------------------------------------------------------------


def months(
    dataset_id: Any, *, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict[str, Any]]:
    """Per month (oldest first): views, downloads and API calls of the dataset. The caller
    has already checked that its user sees the dataset."""
    qs = DatasetUsageMonth.objects.filter(dataset_id=dataset_id)
    if start is not None:
        qs = qs.filter(month__gte=start.replace(day=1))
    if end is not None:
        qs = qs.filter(month__lte=end.replace(day=1))
    out: dict[dt.date, dict[str, Any]] = {}
    for month, kind, n in (
        qs.values_list("month", "kind").annotate(n=Sum("count")).order_by("month", "kind")
    ):
        row = out.setdefault(month, {"month": month, "view": 0, "download": 0, "api": 0})
        row[kind] = n
    return list(out.values())


def tracking_summaries(
    dataset_id: Any, resource_ids: list[Any], *, now: dt.datetime | None = None
) -> dict[Any, dict[str, int]]:
    """CKAN's `tracking_summary` ({total, recent}) for the dataset (key None) and each of
    its resources, in one query. CKAN counts page views and calls the last 14 days "recent";
    counted by month here, "recent" is the current month so far."""
    current = month_of(now)
    out: dict[Any, dict[str, int]] = {None: {"total": 0, "recent": 0}}
    for rid in resource_ids:
        out[str(rid)] = {"total": 0, "recent": 0}
    rows = (
        DatasetUsageMonth.objects.filter(dataset_id=dataset_id)
        .values_list("resource", "month")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for resource, month, n in rows:
        targets = [out[None]]
        if resource != NO_RESOURCE and str(resource) in out:
            targets.append(out[str(resource)])
        for t in targets:
            t["total"] += n
            if month == current:
                t["recent"] += n
    return out
