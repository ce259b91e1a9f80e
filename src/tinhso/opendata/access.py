"""Who sees which dataset and resource, and who may download their data. Every read of
datasets goes through `visible_q`, and of resources through `visible_resources_q` or
`DownloadRights.sees`, so no action can forget a rule:

- anyone: active datasets that are open, or visible to all with downloads for agencies;
- an agency's officers ("opendata.dataset.view_private"): also the agency's own private
  datasets (and drafts, when asked), and the private datasets other agencies share with it;
- the agency's publishers: also its deleted datasets, by id or name only.

A resource has its own access level, or ("") follows its dataset's (`effective_level`). One
that is private ("named") is seen only by the owner agency's officers, the agencies it is shared
with (`Resource.shared_with`) and grants covering it: to everyone else it does not exist (not
listed, not searched by its name or format, absent from the DCAT feeds, "not found" by id). A
resource "for agencies" is listed to all who see its dataset, and its data downloads only for
holders of "opendata.resource.download_restricted", the owner, and grants; for everyone else it
carries no URL. A resource may also be more open than its dataset (an open sample of data for
agencies); a private dataset's resources are seen only by those who see the dataset.

An access grant (`AccessGrant`, from an approved request, see `sharing`) lets an agency's
officers see a private dataset or resource and download its data (all of it, or the listed
resources) while it is valid: `valid_from <= now < valid_until` and not revoked. Grants are read
afresh for each request (`download_rights`), never cached beyond it, so an expired or revoked
grant stops access at once."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from tinhso.directory.permissions import AgencyScope, agency_scope, can
from tinhso.opendata.models import AccessGrant, AccessLevel, Dataset, Resource, State

PUBLISH = "opendata.dataset.publish"
VIEW_PRIVATE = "opendata.dataset.view_private"
DOWNLOAD_RESTRICTED = "opendata.resource.download_restricted"
RESTRICTED = (AccessLevel.AGENCIES, AccessLevel.NAMED)


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


def sees_only_public(user: Any) -> bool:
    """Whether `visible_q(user)` is the public datasets whatever the flags: no one signed in
    (the facet index keeps that set, `facets.PUBLIC`)."""
    return not _active(user)


def effective_level(ds: Dataset, res: Resource | None) -> str:
    """The access level that governs a resource's data: its own, else its dataset's."""
    return (res.access_level if res is not None else "") or ds.access_level


STRICTNESS: dict[str, int] = {AccessLevel.OPEN: 0, AccessLevel.AGENCIES: 1, AccessLevel.NAMED: 2}


def stricter(*levels: str) -> str:
    """The strictest of `levels` (unknown ones ignored; none known: private)."""
    known = [lv for lv in levels if lv in STRICTNESS]
    return max(known, key=lambda lv: STRICTNESS[lv]) if known else AccessLevel.NAMED


def as_of(ds: Dataset, res: Resource, level_then: str) -> Resource:
    """`res` as an older version of it is judged: at the stricter of its level now and
    `level_then` (the level that governed that version's data), so data that was private or
    for agencies when it was kept never opens because the resource opened since."""
    now = effective_level(ds, res)
    level = stricter(level_then or now, now)
    if level == now:
        return res
    return Resource(id=res.pk, dataset_id=ds.pk, access_level=level)


def restricted_resources_q() -> Q:
    """Resources with an access level of their own that is not open."""
    return Q(access_level__in=RESTRICTED)


def visible_resources_q(user: Any, *, now: dt.datetime | None = None) -> Q:
    """The resources `user` may see among those of datasets they see, as a filter on Resource:
    all but private ones, and the private ones of the user's agencies, shared with them or
    covered by a valid grant."""
    public = ~Q(access_level=AccessLevel.NAMED)
    if not _active(user):
        return public
    scope = agency_scope(user, VIEW_PRIVATE)
    if scope.empty:
        return public
    grants = AccessGrant.objects.filter(scope.q("agency"), valid_grants_q(now or timezone.now()))
    shared = Resource.shared_with.through.objects.filter(scope.q("agency"))
    return (public | scope.q("dataset__owner_org")
            | Q(pk__in=shared.values("resource_id"))
            | Q(dataset_id__in=grants.filter(resources=None).values("dataset_id"))
            | Q(pk__in=AccessGrant.resources.through.objects.filter(
                accessgrant__in=grants.values("pk")).values("resource_id")))


@dataclass
class DownloadRights:
    """What one caller may see and download, read at most once per request: the download
    permission, the agencies whose own data it is, and (only when a dataset or resource needs
    them) the datasets and private resources shared with those agencies and their grants valid
    at `at` (dataset -> grants)."""

    user: Any
    at: dt.datetime
    restricted_ok: bool = False
    own: AgencyScope = field(default_factory=AgencyScope)
    # A look, not a use (HEAD): the data routes write no download log (`sharing.download_log`).
    looking: bool = False
    _shared: frozenset[uuid.UUID] | None = None
    _shared_resources: frozenset[uuid.UUID] | None = None
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
    def shared_resources(self) -> frozenset[uuid.UUID]:
        """The private resources shared with the caller's agencies (read when first needed)."""
        if self._shared_resources is None:
            self._shared_resources = frozenset() if self.own.empty else frozenset(
                Resource.shared_with.through.objects.filter(self.own.q("agency"))
                .values_list("resource_id", flat=True))
        return self._shared_resources

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

    def sees(self, ds: Dataset, res: Resource) -> bool:
        """Whether the caller, who sees `ds`, sees that resource at all."""
        if res.access_level != AccessLevel.NAMED:
            return True
        if self.own.empty:
            return False
        return (self.mine(ds) or res.pk in self.shared_resources
                or self.grant_for(ds, res.pk) is not None)

    def resource(self, ds: Dataset, res: Resource | None) -> bool:
        """Whether the caller, who sees `ds` (and `res`), may download that resource's data
        (None: the data the dataset's own level governs)."""
        level = effective_level(ds, res)
        if level == AccessLevel.OPEN:
            return True
        if level == AccessLevel.AGENCIES and self.restricted_ok:
            return True
        if self.own.empty:  # no agency of one's own: no ownership, sharing or grant either
            return False
        if self.mine(ds):
            return True
        if res is not None and res.access_level == AccessLevel.NAMED:
            shared = res.pk in self.shared_resources  # private on its own: its own sharing
        else:
            shared = ds.pk in self.shared  # the dataset's sharing (a private dataset's)
        return shared or self.grant_for(ds, res.pk if res is not None else None) is not None

    def kept(self, ds: Dataset, res: Resource, kept_data: dict[str, Any]) -> Resource | None:
        """`res` as a kept version of it (its stored dictionary) is judged (`as_of`), if the
        caller may see and download that version's data; else None."""
        judged = as_of(ds, res, str(kept_data.get("access_level") or ds.access_level))
        return judged if self.sees(ds, judged) and self.resource(ds, judged) else None

    def listed(self, ds: Dataset, resources: list[Resource]) -> list[Resource]:
        """The resources of `ds` the caller sees, in order."""
        return [r for r in resources if self.sees(ds, r)]


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
