"""The stored quality score (`DatasetQuality`): written in the same transaction as every
dataset or resource write (`services._finish` calls `quality_save` with the dictionary it has
just built: one upsert, no read), and for every dataset by `quality_refresh` (the daily task
and `tinhso opendata quality`), since freshness changes with time alone.

The stored score is the public's: it is computed from the resources everyone who sees the
dataset sees (`public_package`: private resources left out), so what the indicators and the
stale list count from it never depends on data the public cannot see. A page or the API may
show a caller who sees more (the owner's officers) the full picture, computed live
(`quality_selectors.score_of`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from tinhso.opendata.dictize import fetch_relations, package_dict
from tinhso.opendata.models import AccessLevel, Dataset, DatasetQuality
from tinhso.opendata.quality import Quality, facts_from_package, quality_score

REFRESH_BATCH = 200


def _row(
    dataset_id: Any, q: Quality, data_updated: dt.datetime | None, at: dt.datetime
) -> DatasetQuality:
    return DatasetQuality(
        dataset_id=dataset_id,
        score=q.score,
        criteria=q.as_dict()["criteria"],
        data_updated=data_updated,
        stale_after=q.stale_after,
        computed_at=at,
    )


FIELDS = ["score", "criteria", "data_updated", "stale_after", "computed_at"]


def public_package(pkg: dict[str, Any]) -> dict[str, Any]:
    """`pkg` with only the resources everyone who sees the dataset sees (no private one)."""
    resources = [r for r in pkg.get("resources") or []
                 if r.get("access_level") != AccessLevel.NAMED]
    return {**pkg, "resources": resources, "num_resources": len(resources)}


def quality_save(dataset_id: Any, pkg: dict[str, Any], at: dt.datetime | None = None) -> Quality:
    """Score the dataset whose CKAN dictionary is `pkg`, as the public sees it, and store it
    (one upsert)."""
    at = at or timezone.now()
    facts = facts_from_package(public_package(pkg))
    q = quality_score(facts, at)
    DatasetQuality.objects.bulk_create(
        [_row(dataset_id, q, facts.data_updated, at)],
        update_conflicts=True,
        unique_fields=["dataset"],
        update_fields=FIELDS,
    )
    return q


def quality_refresh(
    *, now: dt.datetime | None = None, progress: Callable[[int], Any] | None = None
) -> int:
    """Rescore every dataset, a batch at a time (a fixed number of queries per batch); returns
    how many were scored."""
    at = now or timezone.now()
    done = 0
    last: Any = None
    while True:
        qs = Dataset.objects.order_by("pk")
        if last is not None:
            qs = qs.filter(pk__gt=last)
        batch = fetch_relations(qs[:REFRESH_BATCH])
        if not batch:
            return done
        rows = []
        for ds in batch:
            facts = facts_from_package(public_package(package_dict(ds)))
            rows.append(_row(ds.pk, quality_score(facts, at), facts.data_updated, at))
        with transaction.atomic():
            DatasetQuality.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["dataset"], update_fields=FIELDS
            )
        done += len(batch)
        last = batch[-1].pk
        if progress is not None:
            progress(len(batch))


def refresh_total() -> int:
    return Dataset.objects.count()
