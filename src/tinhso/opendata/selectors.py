"""Reads of the open data catalog, scoped by who asks (see `access`). A search page costs the
same few queries however many datasets match or are shown: one count, one page, one per
relation of the page, and the facets (`facets.py`: one query for the matched set's bitmap, one
to name each facet's values). A `q` of plain words on PostgreSQL is counted from the facet
index's word bitmaps (`fulltext`, `facets.facet_counts`): the database gives the bitmap of
what the caller may see with the `fq`, the index the words'."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import NotFound
from tinhso.core.text import fold
from tinhso.directory.models import Agency
from tinhso.directory.permissions import agency_scope
from tinhso.opendata import fulltext, ranking
from tinhso.opendata.access import (
    PUBLISH,
    VIEW_PRIVATE,
    sees_only_public,
    valid_grants_q,
    visible_q,
    visible_resources_q,
)
from tinhso.opendata.dictize import agency_code, fetch_relations, with_relations
from tinhso.opendata.facets import FacetItem, facet_counts
from tinhso.opendata.models import (
    AccessGrant,
    AccessRequest,
    Dataset,
    DownloadLog,
    Group,
    Resource,
    State,
    Tag,
)
from tinhso.opendata.query import SCORE, parse, parse_sort, plain_words, score_words

MAX_ROWS = 1000


@dataclass(frozen=True)
class Search:
    q: str = ""
    fq: tuple[str, ...] = ()
    rows: int = 10
    start: int = 0
    sort: str = "score desc, metadata_modified desc"
    facet_fields: tuple[str, ...] = ()
    facet_limit: int = 50
    facet_mincount: int = 1
    include_private: bool = False
    include_drafts: bool = False


@dataclass
class SearchResult:
    count: int
    datasets: list[Dataset]
    facets: dict[str, list[FacetItem]] = field(default_factory=dict)


def datasets_visible_to(user: Any, **flags: Any) -> QuerySet[Dataset]:
    return Dataset.objects.filter(visible_q(user, **flags))


def _by_id_or_name(qs: QuerySet[Any], ref: str) -> QuerySet[Any]:
    try:
        return qs.filter(Q(pk=uuid.UUID(ref)) | Q(name=ref))
    except ValueError:
        return qs.filter(name=ref)


def dataset_for(user: Any, ref: str) -> Dataset:
    """A dataset by id or name, with its relations; NotFound when missing or not visible
    (a private dataset's existence is not revealed either)."""
    qs = datasets_visible_to(user, include_drafts=True, include_deleted=True)
    ds = with_relations(_by_id_or_name(qs, str(ref))).first()
    if ds is None:
        raise NotFound(_("Không tìm thấy bộ dữ liệu."))
    return ds


def resource_for(user: Any, ref: str) -> Resource:
    try:
        pk = uuid.UUID(str(ref))
    except ValueError:
        raise NotFound(_("Không tìm thấy tài nguyên.")) from None
    visible = datasets_visible_to(user, include_drafts=True)
    res = (Resource.objects.filter(visible_resources_q(user), pk=pk, state=State.ACTIVE,
                                   dataset__in=visible.values("pk"))
           .select_related("dataset").first())
    if res is None:
        raise NotFound(_("Không tìm thấy tài nguyên."))
    return res


def dataset_names(*, limit: int | None, offset: int) -> list[str]:
    """CKAN's package_list: names of the active datasets that are not private."""
    qs = datasets_visible_to(None).order_by("name").values_list("name", flat=True)
    return list(qs[offset:offset + limit] if limit is not None else qs[offset:])


def dataset_search(user: Any, search: Search) -> SearchResult:
    within = datasets_visible_to(user, include_private=search.include_private,
                                 include_drafts=search.include_drafts)
    for fq in search.fq:
        within = within.filter(parse(fq))
    qs = within.filter(parse(search.q))
    words = score_words(search.q)
    order = parse_sort(search.sort, scored=bool(words))
    rows = max(0, min(search.rows, MAX_ROWS))
    limit = search.facet_limit if search.facet_limit >= 0 else 10_000
    lexemes = plain_words(search.q) if fulltext.enabled() else None
    # what is searched before its words is what anyone may see: the facet index keeps that
    public = not search.fq and sees_only_public(user) and (bool(lexemes) or not search.q.strip())
    counted, facets = facet_counts(qs, search.facet_fields, limit, search.facet_mincount,
                                   words=(within, lexemes) if lexemes else None, public=public)
    count = qs.count() if counted is None else counted
    if SCORE in (o.lstrip("-") for o in order):  # relevance (`ranking`)
        page = ranking.page(qs, words, order, search.start, rows, count,
                            every_word=lexemes is not None)
    else:
        page = (fetch_relations(qs.order_by(*order)[search.start:search.start + rows])
                if rows and search.start < count else [])
    return SearchResult(count=count, datasets=page, facets=facets)


def agency_by_ref(ref: str) -> Agency | None:
    """An organization by CKAN name, identifier code or id."""
    ref = str(ref).strip()
    code = agency_code(ref) or (ref if "." in ref else None)
    if code:
        return Agency.objects.filter(code=code).first()
    return Agency.objects.filter(pk=int(ref)).first() if ref.isdigit() else None


def organizations(*, sort: str = "name") -> list[Agency]:
    order = {"name": "code", "title": "name"}.get(sort.split()[0] if sort else "name", "code")
    desc = sort.lower().endswith(" desc")
    return list(Agency.objects.filter(is_active=True).order_by(f"-{order}" if desc else order))


def package_counts(user: Any, field_name: str) -> dict[Any, int]:
    """How many datasets the user sees per organization (agency pk) or per group (id)."""
    qs = datasets_visible_to(user)
    if field_name == "owner_org":
        return dict(qs.values_list("owner_org").annotate(n=Count("pk")).order_by())
    through = Dataset.groups.through.objects.filter(dataset_id__in=qs.values("pk"))
    return dict(through.values_list("group_id").annotate(n=Count("dataset_id")).order_by())


def group_by_ref(ref: str) -> Group | None:
    qs = Group.objects.filter(is_active=True)
    try:
        return qs.filter(Q(pk=uuid.UUID(str(ref))) | Q(name=ref)).first()
    except ValueError:
        return qs.filter(name=ref).first()


def tag_names(user: Any, *, query: str = "") -> list[Tag]:
    """Tags of datasets the user sees (a private dataset's tags would tell its subject)."""
    through = Dataset.tags.through.objects.filter(
        dataset_id__in=datasets_visible_to(user).values("pk"))
    qs = Tag.objects.filter(pk__in=through.values("tag_id")).order_by("name")
    if query:
        folded = fold(query)
        return [t for t in qs if folded in fold(t.name)]
    return list(qs)


# --- Restricted sharing: requests, grants, the download log (`sharing`) ----------------------


def access_requests(user: Any, *, side: str = "mine", status: str = "") -> QuerySet[Any]:
    """Requests of the caller's agencies (`mine`), or for datasets its agencies own
    (`owner`), newest first; each with its dataset, agency, people and grant."""
    scope = agency_scope(user, PUBLISH)
    cond = scope.q("dataset__owner_org") if side == "owner" else scope.q("agency")
    qs = AccessRequest.objects.filter(cond)
    if status:
        qs = qs.filter(status=status)
    return (qs.select_related("dataset", "dataset__owner_org", "agency", "requested_by",
                              "decided_by", "grant")
            .prefetch_related("resources").order_by("-created", "pk"))


def access_request_for(user: Any, ref: Any) -> Any:
    """A request the caller's agencies made or must decide; NotFound otherwise."""
    try:
        pk = uuid.UUID(str(ref))
    except ValueError:
        raise NotFound(_("Không tìm thấy đề nghị.")) from None
    scope = agency_scope(user, PUBLISH)
    req = (AccessRequest.objects.filter(pk=pk)
           .filter(scope.q("agency") | scope.q("dataset__owner_org"))
           .select_related("dataset", "dataset__owner_org", "agency", "requested_by",
                           "decided_by", "grant")
           .prefetch_related("resources").first())
    if req is None:
        raise NotFound(_("Không tìm thấy đề nghị."))
    return req


def access_grants(user: Any, *, side: str = "mine", valid_only: bool = False,
                  now: Any = None) -> QuerySet[Any]:
    """Grants to the caller's agencies (`mine`) or on datasets they own (`owner`)."""
    if side == "owner":
        qs = AccessGrant.objects.filter(agency_scope(user, PUBLISH).q("dataset__owner_org"))
    else:
        qs = AccessGrant.objects.filter(agency_scope(user, VIEW_PRIVATE).q("agency"))
    if valid_only:
        qs = qs.filter(valid_grants_q(now or timezone.now()))
    return (qs.select_related("dataset", "dataset__owner_org", "agency", "granted_by",
                              "revoked_by")
            .prefetch_related("resources").order_by("-valid_from", "pk"))


def owned_dataset(user: Any, ref: str) -> Dataset:
    """A dataset (id or name) whose agency the caller publishes for; NotFound otherwise."""
    qs = Dataset.objects.filter(agency_scope(user, PUBLISH).q("owner_org"))
    ds = _by_id_or_name(qs, str(ref)).first()
    if ds is None:
        raise NotFound(_("Không tìm thấy bộ dữ liệu."))
    return ds


def download_log_of(user: Any, ref: str) -> QuerySet[Any]:
    """The downloads of a dataset the caller's agency owns, newest first (two queries a page:
    count and rows, with who, agency and resource joined)."""
    ds = owned_dataset(user, ref)
    return (DownloadLog.objects.filter(dataset=ds)
            .select_related("user", "agency", "resource").order_by("-at", "-pk"))


def downloads_by_month(user: Any, ref: str) -> list[tuple[Any, int]]:
    """(month, downloads) of a dataset the caller's agency owns, newest month first."""
    ds = owned_dataset(user, ref)
    rows = (DownloadLog.objects.filter(dataset=ds).annotate(month=TruncMonth("at"))
            .values_list("month").annotate(n=Count("pk")).order_by("-month"))
    return [(month, n) for month, n in rows]


def datasets_owned(user: Any) -> QuerySet[Dataset]:
    """The datasets (drafts included, deleted ones not) of the agencies the caller publishes
    for, last changed first: the publishers' list."""
    return (Dataset.objects.filter(agency_scope(user, PUBLISH).q("owner_org"))
            .exclude(state=State.DELETED).select_related("owner_org")
            .order_by("-metadata_modified", "id"))
