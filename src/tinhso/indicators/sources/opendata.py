"""The open data indicators (issue 6: "open data: datasets, freshness, downloads"), per agency
(the publisher) and for the province, from the portal's own tables: the datasets with their
stored quality (`DatasetQuality.stale_after`) and the monthly use counts (`DatasetUsageMonth`,
itself the rollup of every view, download and API call). Two grouped queries whatever the
period or the number of agencies.

What a period means here:
- datasets: the public datasets (active, open or for agencies; not those private to named
  agencies, not drafts) published before the period's end, as they stand now (a dataset
  deleted since is not counted in earlier periods either);
- fresh: of those, the ones whose data is up to date against their declared frequency when
  the figure is read (freshness is a state of now: it is not kept per past month);
- views, downloads, API calls: the counts of the period's months, public datasets only.

`recount` reads the same tables: the use counts have no rawer source (hits are counted in
memory and written in batches, `opendata.usage`), and the datasets are the raw records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Pillar, Scope, Text
from tinhso.indicators.sources._counted import Counted, count_of, rate_of, register_counted
from tinhso.opendata.models import (
    AccessLevel,
    Dataset,
    DatasetUsageMonth,
    State,
    UsageKind,
)

Counters = dict[str, int]
SOURCE = "opendata"
REGULATION = ("Nghị định 47/2020/NĐ-CP về quản lý, kết nối và chia sẻ dữ liệu số của cơ quan "
              "nhà nước (dữ liệu mở); Quyết định 942/QĐ-TTg (Chính phủ số)")
NAMES = ("datasets", "fresh", "views", "downloads", "api_calls")
KINDS = {UsageKind.VIEW: "views", UsageKind.DOWNLOAD: "downloads", UsageKind.API: "api_calls"}


def _public(period: Period) -> Q:
    end = timezone.make_aware(dt.datetime.combine(period.end, dt.time()))  # province time
    return (Q(state=State.ACTIVE) & ~Q(access_level=AccessLevel.NAMED)
            & Q(metadata_created__lt=end))


def _read(province_code: str, agency_ids: list[int] | None, period: Period
          ) -> dict[int | None, Counters]:
    """Counters by publishing agency (or, with `agency_ids` None, for the whole province
    under the key None)."""
    now = timezone.now()
    fresh = Q(quality__stale_after__isnull=True) | Q(quality__stale_after__gte=now)
    datasets = Dataset.objects.filter(_public(period), province_code=province_code)
    usage = DatasetUsageMonth.objects.filter(
        dataset__province_code=province_code, dataset__state=State.ACTIVE,
        month__gte=period.first_day, month__lt=period.end).exclude(
        dataset__access_level=AccessLevel.NAMED)
    by: dict[int | None, Counters] = {}

    def slot(key: int | None) -> Counters:
        return by.setdefault(key, dict.fromkeys(NAMES, 0))

    if agency_ids is None:
        d = datasets.aggregate(n=Count("pk"), fresh=Count("pk", filter=fresh))
        slot(None).update(datasets=d["n"] or 0, fresh=d["fresh"] or 0)
        for kind, n in usage.values_list("kind").annotate(n=Sum("count")).order_by():
            slot(None)[KINDS[kind]] = n or 0
        return by
    rows = (datasets.filter(owner_org_id__in=agency_ids).values_list("owner_org_id")
            .annotate(n=Count("pk"), fresh=Count("pk", filter=fresh)).order_by())
    for agency_id, n, fresh_n in rows:
        slot(agency_id).update(datasets=n, fresh=fresh_n)
    for agency_id, kind, n in (usage.filter(dataset__owner_org_id__in=agency_ids)
                               .values_list("dataset__owner_org_id", "kind")
                               .annotate(n=Sum("count")).order_by()):
        slot(agency_id)[KINDS[kind]] = n or 0
    return by


def counters(scope: Scope, period: Period) -> Counters:
    if scope.agency_id is None:
        return _read(scope.province_code, None, period)[None]
    found = _read(scope.province_code, [scope.agency_id], period)
    return found.get(scope.agency_id, dict.fromkeys(NAMES, 0))


def counters_many(scopes: list[Scope], period: Period) -> dict[Scope, Counters]:
    """`counters` for many scopes: two grouped queries per province for its agencies."""
    out: dict[Scope, Counters] = {}
    by_province: dict[str, list[Scope]] = {}
    for scope in scopes:
        if scope.agency_id is None:
            out[scope] = counters(scope, period)
        else:
            by_province.setdefault(scope.province_code, []).append(scope)
    for province_code, group in by_province.items():
        found = _read(province_code, sorted({s.agency_id for s in group if s.agency_id}), period)
        for scope in group:
            out[scope] = found.get(scope.agency_id, dict.fromkeys(NAMES, 0))
    return out



FORMULAS: list[Counted] = [
    Counted("opendata.datasets", "Số bộ dữ liệu mở đã công bố", "Open datasets published",
            "count", count_of("datasets"),
            Text("Số bộ dữ liệu công khai đã công bố trước ngày cuối kỳ",
                 "Public datasets published before the period's end")),
    Counted("opendata.fresh_rate", "Tỷ lệ bộ dữ liệu mở được cập nhật đúng tần suất",
            "Open datasets up to date against their frequency", "rate",
            rate_of("fresh", "datasets"),
            Text("Số bộ dữ liệu mở được cập nhật đúng tần suất đã công bố",
                 "Open datasets up to date against their declared frequency"),
            Text("Tổng số bộ dữ liệu mở đã công bố", "Open datasets published")),
    Counted("opendata.views", "Số lượt xem dữ liệu mở", "Open data views", "count",
            count_of("views"),
            Text("Số lượt xem các bộ dữ liệu mở trong kỳ", "Views of open datasets in the period")),
    Counted("opendata.downloads", "Số lượt tải dữ liệu mở", "Open data downloads", "count",
            count_of("downloads"),
            Text("Số lượt tải tài nguyên của các bộ dữ liệu mở trong kỳ",
                 "Downloads of open datasets' resources in the period")),
    Counted("opendata.api_calls", "Số lượt gọi API dữ liệu mở", "Open data API calls", "count",
            count_of("api_calls"),
            Text("Số lượt gọi API về các bộ dữ liệu mở trong kỳ",
                 "API calls about open datasets in the period")),
]


def register_indicators() -> None:
    read: Any = counters
    register_counted(FORMULAS, source=SOURCE, regulation=REGULATION, read=read,
                     read_many=counters_many, recount=read, pillar=Pillar.GOVERNMENT)
