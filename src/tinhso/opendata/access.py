"""Who sees which dataset and who may download its data. Every read of datasets goes through
`visible_q`, so no action can forget a rule:

- anyone: active datasets that are open, or visible to all with downloads for agencies;
- an agency's officers ("opendata.dataset.view_private"): also the agency's own private
  datasets (and drafts, when asked), and the private datasets other agencies share with it;
- the agency's publishers: also its deleted datasets, by id or name only.

Data of a dataset "for agencies" downloads only for holders of
"opendata.resource.download_restricted"; for everyone else its resources carry no URL."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from tinhso.directory.permissions import agency_scope, can
from tinhso.opendata.models import AccessLevel, Dataset, State

PUBLISH = "opendata.dataset.publish"
VIEW_PRIVATE = "opendata.dataset.view_private"
DOWNLOAD_RESTRICTED = "opendata.resource.download_restricted"


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def visible_q(user: Any, *, include_private: bool = True, include_drafts: bool = False,
              include_deleted: bool = False) -> Q:
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
            cond |= own | Q(state=State.ACTIVE, access_level=AccessLevel.NAMED,
                            pk__in=shared.values("dataset_id"))
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
