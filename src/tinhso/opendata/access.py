"""Who sees which dataset and who may download its data. Every read of datasets goes through
`visible_q`, so no action can forget a rule:

- anyone: active datasets that are open, or visible to all with downloads for agencies;
- an agency's officers ("opendata.dataset.view_private"): also the agency's own private
  datasets (and drafts, when asked), and the private datasets other agencies share with it;
- the agency's publishers: also its deleted datasets, by id or name only.

Data of a dataset "for agencies" downloads only for holders of
"opendata.resource.download_restricted"; for everyone else its resources carry no URL.

An access grant (`AccessGrant`, from an approved request, see `sharing`) lets an agency's
officers see a private dataset and download its data (all of it, or the listed resources) while
it is valid: `valid_from <= now < valid_until` and not revoked. Grants are read afresh for each
request (`download_rights`), never cached beyond it, so an expired or revoked grant stops access
at once."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from tinhso.directory.permissions import AgencyScope, agency_scope, can
from tinhso.opendata.models import AccessGrant, AccessLevel, Dataset, State

PUBLISH = "opendata.dataset.publish"
VIEW_PRIVATE = "opendata.dataset.view_private"
DOWNLOAD_RESTRICTED = "opendata.resource.download_restricted"


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def valid_grants_q(at: dt.datetime, prefix: str = "") -> Q:
    """Grants valid at `at` (on AccessGrant, or through `prefix`)."""
    p = f"{prefix}__" if prefix else ""
    return Q(**{f"{p}revoked_at__isnull": True, f"{p}valid_from__lte": at,
                f"{p}valid_until__gt": at})


def visible_q(user: Any, *, include_private: bool = True, include_drafts: bool = False,
              include_deleted: bool = False, now: dt.datetime | None = None) -> Q:
    """The datasets `user` may see, as a filter on Dataset."""
    public = Q(state=State.ACTIVE) & ~Q(access_level=AccessLevel.NAMED)
    if not _active(user):
        return public
    cond = public
    scope = agency_scope(user, VIEW_PRIVATE)
    if not scope.empty:
        states = [State.ACTIVE, State.DRAFT] if include_drafts else [State.ACTIVE]
        own = scope.q("owner_org") & Q(state__in=states)
        if include_private:
            shared = Dataset.shared_with.through.objects.filter(scope.q("agency"))
            granted = AccessGrant.objects.filter(
                scope.q("agency"), valid_grants_q(now or timezone.now()))
            cond |= own | Q(state=State.ACTIVE, access_level=AccessLevel.NAMED,
                            pk__in=shared.values("dataset_id")) | Q(
                state=State.ACTIVE, access_level=AccessLevel.NAMED,
                pk__in=granted.values("dataset_id"))
        else:
            cond |= own & ~Q(access_level=AccessLevel.NAMED)
    if include_deleted:
        publish = agency_scope(user, PUBLISH)
        if not publish.empty:
            cond |= publish.q("owner_org") & Q(state=State.DELETED)
    return cond


def may_download_restricted(user: Any) -> bool:
    return _active(user) and can(user, DOWNLOAD_RESTRICTED)


def may_download(dataset: Dataset, restricted_ok: bool) -> bool:
    """Whether a caller who sees `dataset` may have its resources' URLs."""
    return dataset.access_level != AccessLevel.AGENCIES or restricted_ok


@dataclass
class DownloadRights:
    """What one caller may download, read at most once per request: the download permission,
    the agencies whose own data it is, and (only when a dataset needs them) the datasets shared
    with those agencies and their grants valid at `at` (dataset -> grants)."""

    user: Any
    at: dt.datetime
    restricted_ok: bool = False
    own: AgencyScope = field(default_factory=AgencyScope)
    _shared: frozenset[uuid.UUID] | None = None
    _grants: dict[uuid.UUID, list[AccessGrant]] | None = None

    def _load(self) -> None:
        if self._grants is not None:
            return
        if self.own.empty:
            self._shared, self._grants = frozenset(), {}
            return
        scope = self.own
        self._shared = frozenset(Dataset.shared_with.through.objects.filter(scope.q("agency"))
                                 .values_list("dataset_id", flat=True))
        grants: dict[uuid.UUID, list[AccessGrant]] = {}
        for g in (AccessGrant.objects.filter(scope.q("agency"), valid_grants_q(self.at))
                  .prefetch_related("resources").order_by("valid_until")):
            g._resource_ids = frozenset(r.pk for r in g.resources.all())  # type: ignore[attr-defined]
            grants.setdefault(g.dataset_id, []).append(g)
        self._grants = grants

    @property
    def shared(self) -> frozenset[uuid.UUID]:
        self._load()
        return self._shared or frozenset()

    @property
    def grants(self) -> dict[uuid.UUID, list[AccessGrant]]:
        self._load()
        return self._grants or {}

    def mine(self, ds: Dataset) -> bool:
        return ds.owner_org_id in self.own.agency_ids or (
            bool(self.own.provinces) and ds.province_code in self.own.provinces)

    def grant_for(self, ds: Dataset, resource_id: Any = None) -> AccessGrant | None:
        """A valid grant covering the whole dataset, or that resource of it."""
        if self.own.empty:
            return None
        for g in self.grants.get(ds.pk, ()):
            ids = g._resource_ids  # type: ignore[attr-defined]
            if not ids or (resource_id is not None and uuid.UUID(str(resource_id)) in ids):
                return g
        return None

    def resource(self, ds: Dataset, resource_id: Any) -> bool:
        """Whether the caller, who sees `ds`, may download that resource's data (None: every
        resource)."""
        if ds.access_level == AccessLevel.OPEN:
            return True
        if ds.access_level == AccessLevel.AGENCIES and self.restricted_ok:
            return True
        if ds.access_level == AccessLevel.NAMED and (self.mine(ds) or ds.pk in self.shared):
            return True
        return self.grant_for(ds, resource_id) is not None

    def whole(self, ds: Dataset) -> bool:
        """Whether every resource of `ds` downloads for the caller."""
        return self.resource(ds, None)

    def partial(self, ds: Dataset) -> frozenset[uuid.UUID]:
        """The resources of `ds` that resource-limited grants open."""
        if self.own.empty:
            return frozenset()
        out: set[uuid.UUID] = set()
        for g in self.grants.get(ds.pk, ()):
            out |= g._resource_ids  # type: ignore[attr-defined]
        return frozenset(out)


def download_rights(user: Any, *, now: dt.datetime | None = None) -> DownloadRights:
    """The caller's download rights at `now`. No query for anonymous callers and citizens, nor
    for open data; at most two more (shared datasets, valid grants) when a restricted dataset
    needs them. Made per request and never kept: an expired or revoked grant stops at once."""
    rights = DownloadRights(user=user, at=now or timezone.now())
    if not _active(user):
        return rights
    rights.restricted_ok = can(user, DOWNLOAD_RESTRICTED)
    rights.own = agency_scope(user, VIEW_PRIVATE)
    return rights
