"""CKAN's action functions: each takes the caller's context and the request's data dictionary
and returns the `result`, or raises a DomainError that `ckan` turns into CKAN's error shapes.
They call the selectors and services only."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, NotFound
from tinhso.opendata import activity, selectors, services
from tinhso.opendata.access import DownloadRights, download_rights
from tinhso.opendata.dictize import (
    active_resources_of,
    group_dict,
    org_name,
    organization_dict,
    package_dict,
    prefetch_sharing,
    resource_dict,
    tag_dict,
)
from tinhso.opendata.validation import Errors, boolean, integer, missing

CKAN_VERSION = "2.11.0"


@dataclass
class Context:
    user: Any
    site_url: str
    _rights: DownloadRights | None = None
    ip: str | None = None

    @property
    def rights(self) -> DownloadRights:
        """What the caller may download (grants included), read once for this call."""
        if self._rights is None:
            self._rights = download_rights(self.user)
        return self._rights


Action = Callable[[Context, dict[str, Any]], Any]


def _id(data: dict[str, Any], key: str = "id") -> str:
    value = data.get(key)
    if value in (None, ""):
        raise DomainError.for_field(key, missing(), code="required")
    return str(value)


MAX_INT = 2**31 - 1  # beyond any real offset; keeps LIMIT/OFFSET inside the database's range


def _ints(data: dict[str, Any], **defaults: tuple[int | None, int]) -> dict[str, int | None]:
    errors = Errors()
    out = {k: integer(data, k, errors, d, minimum=m) for k, (d, m) in defaults.items()}
    errors.raise_if_any()
    return {k: min(v, MAX_INT) if v is not None else None for k, v in out.items()}


def _bools(data: dict[str, Any], *keys: str) -> dict[str, bool]:
    errors = Errors()
    out = {k: boolean(data, k, errors) for k in keys}
    errors.raise_if_any()
    return out


def _json_list(value: Any, key: str) -> list[str]:
    """A list parameter that may arrive as a list, a JSON string or one plain string."""
    if value in (None, ""):
        return []
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            raise DomainError.for_field(key, _("JSON không hợp lệ.")) from None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DomainError.for_field(key, _("Cần một danh sách chuỗi."))
    return value


def _package(ctx: Context, ds: Any) -> dict[str, Any]:
    """A dataset as the caller may see it: the resources they see, each with its URL only where
    they may download its data."""
    rights = ctx.rights
    shown = rights.listed(ds, active_resources_of(ds))
    prefetch_sharing(shown)
    out = package_dict(ds, site_url=ctx.site_url, resources=shown)
    mine = rights.mine(ds)
    if not mine:  # with whom data is shared is the owner's business
        out["shared_with"] = []
    for r, d in zip(shown, out["resources"], strict=True):
        if d["url"] and not rights.resource(ds, r):
            d["url"], d["restricted"] = "", True
        if not mine:
            d["shared_with"] = []
    return out


def _packages(ctx: Context, datasets: list[Any]) -> list[dict[str, Any]]:
    """`_package` for a page of datasets, the private resources' sharing read at once."""
    prefetch_sharing([r for ds in datasets for r in active_resources_of(ds)])
    return [_package(ctx, ds) for ds in datasets]


def status_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return the site's status: title, URL, CKAN version claimed, extensions."""
    return {
        "site_title": "Cổng dữ liệu mở", "site_description": "",
        "site_url": ctx.site_url, "ckan_version": CKAN_VERSION,
        "error_emails_to": None, "locale_default": settings.LANGUAGE_CODE,
        "extensions": ["tinhso"],
    }


def package_list(ctx: Context, data: dict[str, Any]) -> list[str]:
    """Return the names of the site's public datasets (`limit`, `offset`)."""
    p = _ints(data, limit=(None, 0), offset=(0, 0))
    return selectors.dataset_names(limit=p["limit"], offset=p["offset"] or 0)


def package_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return the metadata of a dataset and its resources (`id`: id or name); with
    `include_tracking`, their views, downloads and API calls as `tracking_summary` {total,
    recent} ("recent": this month)."""
    ref = _id(data)
    tracking = _bools(data, "include_tracking")["include_tracking"]
    out = _package(ctx, selectors.dataset_for(ctx.user, ref))
    if tracking:
        from tinhso.opendata.usage import tracking_summaries

        summaries = tracking_summaries(out["id"], [r["id"] for r in out["resources"]])
        out["tracking_summary"] = summaries[None]
        for r in out["resources"]:
            r["tracking_summary"] = summaries[r["id"]]
    return out


def package_search(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Search datasets: q, fq, fq_list, rows, start, sort, facet.field, facet.limit,
    facet.mincount, include_private, include_drafts."""
    p = _ints(data, rows=(10, 0), start=(0, 0))
    f = _ints(data, **{"facet.limit": (50, -1), "facet.mincount": (1, 0)})
    flags = _bools(data, "include_private", "include_drafts")
    fq = [str(data["fq"])] if data.get("fq") else []
    fq += _json_list(data.get("fq_list"), "fq_list")
    sort = str(data.get("sort") or "score desc, metadata_modified desc")
    search = selectors.Search(
        q=str(data.get("q") or ""), fq=tuple(fq), rows=p["rows"] or 0, start=p["start"] or 0,
        sort=sort, facet_fields=tuple(_json_list(data.get("facet.field"), "facet.field")),
        facet_limit=f["facet.limit"] if f["facet.limit"] is not None else 50,
        facet_mincount=f["facet.mincount"] or 0, **flags)
    found = selectors.dataset_search(ctx.user, search)
    return {
        "count": found.count, "sort": sort,
        "results": _packages(ctx, found.datasets),
        "facets": {k: {i.name: i.count for i in v} for k, v in found.facets.items()},
        "search_facets": {
            k: {"title": k, "items": [{"name": i.name, "display_name": i.display_name,
                                       "count": i.count} for i in v]}
            for k, v in found.facets.items()
        },
    }


def _org_or_group_list(items: list[Any], counts: dict[Any, int], data: dict[str, Any],
                       dictize: Callable[..., dict[str, Any]], key: Callable[[Any], Any]) -> Any:
    p = _ints(data, limit=(None, 0), offset=(0, 0))
    flags = _bools(data, "all_fields")
    if str(data.get("sort") or "").startswith("package_count"):
        items.sort(key=lambda a: counts.get(key(a), 0), reverse=True)
    offset = p["offset"] or 0
    items = items[offset:offset + p["limit"]] if p["limit"] is not None else items[offset:]
    if flags["all_fields"]:
        return [dictize(a, package_count=counts.get(key(a), 0)) for a in items]
    return [dictize(a)["name"] for a in items]


def organization_list(ctx: Context, data: dict[str, Any]) -> list[Any]:
    """Return the organizations (the directory's agencies): names, or dictionaries with
    `all_fields`."""
    agencies = selectors.organizations(sort=str(data.get("sort") or "name"))
    counts = selectors.package_counts(ctx.user, "owner_org")
    return _org_or_group_list(agencies, counts, data, organization_dict, lambda a: a.pk)


def organization_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return an organization (`id`: name, identifier code or id); its datasets with
    `include_datasets`."""
    agency = selectors.agency_by_ref(_id(data))
    if agency is None:
        raise NotFound(_("Không tìm thấy cơ quan."))
    count = selectors.package_counts(ctx.user, "owner_org").get(agency.pk, 0)
    out = organization_dict(agency, package_count=count)
    out.update({"users": [], "extras": [], "tags": [], "groups": []})
    if _bools(data, "include_datasets")["include_datasets"]:
        found = selectors.dataset_search(ctx.user, selectors.Search(
            fq=(f"organization:{org_name(agency)}",), rows=1000, include_private=True))
        out["packages"] = _packages(ctx, found.datasets)
    return out


def group_list(ctx: Context, data: dict[str, Any]) -> list[Any]:
    """Return the themes (CKAN groups): names, or dictionaries with `all_fields`."""
    from tinhso.opendata.models import Group

    desc = str(data.get("sort") or "").lower().endswith(" desc")
    groups = list(Group.objects.filter(is_active=True).order_by("-name" if desc else "name"))
    counts = selectors.package_counts(ctx.user, "groups")
    return _org_or_group_list(groups, counts, data, group_dict, lambda g: g.pk)


def group_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return a theme (`id`: name or id); its datasets with `include_datasets`."""
    group = selectors.group_by_ref(_id(data))
    if group is None:
        raise NotFound(_("Không tìm thấy chủ đề."))
    count = selectors.package_counts(ctx.user, "groups").get(group.pk, 0)
    out = group_dict(group, package_count=count)
    out.update({"users": [], "extras": [], "tags": [], "groups": []})
    if _bools(data, "include_datasets")["include_datasets"]:
        found = selectors.dataset_search(ctx.user, selectors.Search(
            fq=(f'groups:"{group.name}"',), rows=1000, include_private=True))
        out["packages"] = _packages(ctx, found.datasets)
    return out


def tag_list(ctx: Context, data: dict[str, Any]) -> list[Any]:
    """Return the tags of visible datasets (`query` filters them; `all_fields`)."""
    tags = selectors.tag_names(ctx.user, query=str(data.get("query") or data.get("q") or ""))
    if _bools(data, "all_fields")["all_fields"]:
        return [tag_dict(t) for t in tags]
    return [t.name for t in tags]


def resource_show(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return a resource (`id`)."""
    from tinhso.opendata.models import DownloadRoute
    from tinhso.opendata.sharing import download_log

    res = selectors.resource_for(ctx.user, _id(data))
    downloadable = ctx.rights.resource(res.dataset, res)
    out = resource_dict(res, downloadable=downloadable, site_url=ctx.site_url)
    if not ctx.rights.mine(res.dataset):
        out["shared_with"] = []
    if downloadable and out["url"]:  # the URL of data that is not open is handed out: logged
        download_log(rights=ctx.rights, dataset=res.dataset, resource=res,
                     route=DownloadRoute.API, ip=ctx.ip)
    return out


def _shown(ctx: Context, ds: Any) -> dict[str, Any]:
    return _package(ctx, selectors.dataset_for(ctx.user, str(ds.pk)))


def package_create(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Create a dataset (and its resources); returns it."""
    return _shown(ctx, services.dataset_create(actor=ctx.user, data=data))


def package_update(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Replace a dataset's metadata (`id` or `name`); resources left out are kept."""
    return _shown(ctx, services.dataset_update(actor=ctx.user, data=data))


def package_patch(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Change only the given fields of a dataset (`id` or `name`)."""
    return _shown(ctx, services.dataset_patch(actor=ctx.user, data=data))


def package_delete(ctx: Context, data: dict[str, Any]) -> None:
    """Delete a dataset (`id` or name); its versions are kept."""
    services.dataset_delete(actor=ctx.user, ref=_id(data))


def resource_create(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Add a resource to a dataset (`package_id`): a link (`url`) or a file (`upload`)."""
    res = services.resource_add(actor=ctx.user, data=data)
    return resource_dict(res, site_url=ctx.site_url)


def resource_update(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Replace a resource's fields (`id`); a new `upload` keeps the old file in the older
    version."""
    return resource_dict(services.resource_change(actor=ctx.user, data=data),
                         site_url=ctx.site_url)


def resource_patch(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Change only the given fields of a resource (`id`)."""
    return resource_dict(services.resource_change(actor=ctx.user, data=data, patch=True),
                         site_url=ctx.site_url)


def resource_delete(ctx: Context, data: dict[str, Any]) -> None:
    """Delete a resource (`id`); its versions and files are kept."""
    services.resource_remove(actor=ctx.user, ref=_id(data))


def datastore_search(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Search a resource's table: resource_id, filters ({"field": value or [values]}), q (a
    string, or {"field": string}; tone marks ignored), fields, sort ("a, b desc"), limit
    (default 100, at most 32000), offset, after (the _id to continue after, as
    `_links.next` gives), include_total, records_format (objects, lists, csv, tsv),
    distinct."""
    from tinhso.opendata.datastore.search import datastore_search as search

    return search(ctx.user, data, rights=ctx.rights, ip=ctx.ip)


def datastore_info(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Return a resource table's columns and size, and how its last load went (`id`)."""
    from tinhso.opendata.datastore.search import datastore_info as info

    return info(ctx.user, data, rights=ctx.rights)


READ: dict[str, Action] = {
    "status_show": status_show, "package_list": package_list, "package_show": package_show,
    "package_search": package_search, "organization_list": organization_list,
    "organization_show": organization_show, "group_list": group_list,
    "group_show": group_show, "tag_list": tag_list, "resource_show": resource_show,
    "datastore_search": datastore_search, "datastore_info": datastore_info,
    "package_activity_list": activity.package_activity_list,
    "activity_show": activity.activity_show,
}
WRITE: dict[str, Action] = {
    "package_create": package_create, "package_update": package_update,
    "package_patch": package_patch, "package_delete": package_delete,
    "resource_create": resource_create, "resource_update": resource_update,
    "resource_patch": resource_patch, "resource_delete": resource_delete,
}


def help_show(ctx: Context, data: dict[str, Any]) -> str:
    """Return the help text of an action (`name`)."""
    name = _id(data, "name")
    fn = READ.get(name) or WRITE.get(name) or (help_show if name == "help_show" else None)
    if fn is None:
        raise NotFound(_("Không có action này."))
    return (fn.__doc__ or "").strip()


READ["help_show"] = help_show
