"""Reads of quality and use, scoped by who asks: a dataset's score and its counts only for
those who see the dataset (`selectors.dataset_for`, so a private dataset's counts are a 404 to
others, as the dataset is), computed from the resources the caller sees (the public's score
counts no private resource's format or freshness; the owner's officers see the full picture);
the stale list only for officers, of their own agencies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import NotAllowed
from tinhso.directory.permissions import agency_scope, can
from tinhso.opendata import usage
from tinhso.opendata.access import PUBLISH, VIEW_PRIVATE, download_rights, visible_q
from tinhso.opendata.dictize import active_resources_of, package_dict
from tinhso.opendata.models import AccessLevel, Dataset, State
from tinhso.opendata.quality import Facts, Quality, facts_from_package, quality_score
from tinhso.opendata.selectors import dataset_for


@dataclass(frozen=True)
class Scored:
    dataset: Dataset
    facts: Facts
    quality: Quality


def score_of(ds: Dataset, user: Any = None, *, now: dt.datetime | None = None) -> Scored:
    """The dataset's score now, from the resources `user` sees (None: the public). No query
    when its relations are fetched, as `dataset_for` does, and none for the public; one for
    an officer when the dataset has private resources."""
    resources = download_rights(user).listed(ds, active_resources_of(ds))
    facts = facts_from_package(package_dict(ds, resources=resources))
    return Scored(ds, facts, quality_score(facts, now or timezone.now()))


def quality_for(user: Any, ref: str, *, now: dt.datetime | None = None) -> Scored:
    """A dataset the user sees (id or name), scored; NotFound otherwise."""
    return score_of(dataset_for(user, ref), user, now=now)


def usage_for(
    user: Any, ref: str, *, start: dt.date | None = None, end: dt.date | None = None
) -> tuple[Dataset, list[dict[str, Any]]]:
    """A dataset the user sees and its counts per month; NotFound otherwise."""
    ds = dataset_for(user, ref)
    return ds, usage.months(ds.pk, start=start, end=end)


def sees(user: Any, ds: Dataset) -> bool:
    """Whether `user` sees `ds` (no query for a published dataset that is not private)."""
    if ds.state == State.ACTIVE and ds.access_level != AccessLevel.NAMED:
        return True
    return Dataset.objects.filter(
        visible_q(user, include_drafts=True, include_deleted=True), pk=ds.pk
    ).exists()


def stale_datasets(user: Any, *, now: dt.datetime | None = None) -> QuerySet[Dataset]:
    """Published datasets of the caller's agencies whose data is older than their declared
    frequency allows, longest overdue first (one query a page, plus the count). NotAllowed for
    anyone who is not an officer of an agency."""
    scope = agency_scope(user, VIEW_PRIVATE)
    if scope.empty:
        raise NotAllowed(_("Chỉ cán bộ của cơ quan công bố dữ liệu mới xem được danh sách này."))
    return (
        Dataset.objects.filter(
            scope.q("owner_org"), state=State.ACTIVE, quality__stale_after__lt=now or timezone.now()
        )
        .select_related("owner_org", "quality")
        .order_by("quality__stale_after", "name")
    )


def may_publish(user: Any, ds: Dataset) -> bool:
    return can(user, PUBLISH, ds.owner_org)
