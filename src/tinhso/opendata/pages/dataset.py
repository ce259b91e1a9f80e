"""A dataset's page, its versions, and a resource's page with the preview of its table.

The dataset and resource are found by `selectors.dataset_for` / `resource_for` (a private
dataset is "not found" to outsiders, as in the API); download links appear only where
`access.download_rights` allows them, and otherwise the page says why. The preview is
`datastore_search` itself (paged by `_id`, filtered on one column and by words, logged as a
download when the data is not open); a chart is drawn on the server when the rows are few
and there is a label column and a number column."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import EmptyPage, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tinhso.core import charts
from tinhso.core.audit import client_ip
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.numbers import vn_number
from tinhso.directory.permissions import can
from tinhso.opendata import selectors
from tinhso.opendata.access import (
    PUBLISH,
    DownloadRights,
    download_rights,
    effective_level,
)
from tinhso.opendata.dictize import download_url, org_name
from tinhso.opendata.licenses import LICENSES
from tinhso.opendata.models import (
    AccessLevel,
    DatastoreStatus,
    DatastoreTable,
    Frequency,
    Resource,
    ResourceVersion,
    State,
    UsageKind,
)
from tinhso.opendata.pages.common import (
    BadPage,
    arg,
    error_page,
    odd_name,
    page_number,
    query_url,
)
from tinhso.opendata.usage import usage_count

VERSIONS_PER_PAGE = 20
RESOURCE_VERSIONS_SHOWN = 10
PREVIEW_ROWS = 25
CHART_MAX_ROWS = 50
MAX_Q = 200
LABEL_TYPES = ("text", "date", "timestamp")
NUMBER_TYPES = ("int", "numeric")
# What a kept version's change was (DatasetVersion.action), in words.
CHANGES: dict[str, Any] = {
    "create": gettext_lazy("Tạo bộ dữ liệu"),
    "update": gettext_lazy("Sửa thông tin"),
    "patch": gettext_lazy("Sửa thông tin"),
    "delete": gettext_lazy("Xóa bộ dữ liệu"),
    "resource_create": gettext_lazy("Thêm tài nguyên"),
    "resource_update": gettext_lazy("Sửa tài nguyên"),
    "resource_delete": gettext_lazy("Xóa tài nguyên"),
}
FEEDS = (("ttl", "text/turtle"), ("rdf", "application/rdf+xml"), ("jsonld", "application/ld+json"))


def _public(ds: Any) -> bool:
    """Whether the DCAT feeds describe the dataset (they show what the public sees)."""
    return ds.state == State.ACTIVE and ds.access_level != AccessLevel.NAMED


def why_not(level: str, user: Any) -> str:
    """Why the caller may not download data of that (effective) access level, in words."""
    if level == AccessLevel.AGENCIES:
        if not getattr(user, "is_authenticated", False):
            return _(
                "Dữ liệu này chỉ cán bộ của cơ quan nhà nước được tải: hãy đăng nhập "
                "bằng tài khoản cán bộ."
            )
        return _(
            "Dữ liệu này chỉ cơ quan nhà nước được tải; tài khoản của bạn không có quyền "
            "tải dữ liệu dành cho cơ quan."
        )
    return _(
        "Dữ liệu này chỉ dành cho cơ quan chủ quản và các cơ quan được chia sẻ; quyền "
        "của cơ quan bạn không gồm tài nguyên này."
    )


def _may_request(user: Any, ds: Any, rights: DownloadRights) -> bool:
    """Whether the caller's agency could ask the owner for data it may not download
    (`sharing.request_create`): an officer who publishes for an agency that is not the owner."""
    return (
        getattr(user, "is_authenticated", False)
        and not rights.mine(ds)
        and can(user, PUBLISH)
    )


def _table_of(res: Resource) -> DatastoreTable | None:
    try:
        return res.datastore  # type: ignore[attr-defined, no-any-return]
    except ObjectDoesNotExist:
        return None


def _resource_row(res: Resource, ds: Any, rights: DownloadRights) -> dict[str, Any]:
    ok = rights.resource(ds, res)
    url = (download_url(res) if res.url_type == "upload" else res.url) if ok else ""
    return {"r": res, "url": url, "allowed": ok, "table": _table_of(res)}


VERSION_FIELDS = ("number", "at", "action", "dataset_id")


def _reader(ds: Any, rights: DownloadRights) -> Any:
    """The versions the caller sees as changes (`activity.Reader.shown`)."""
    from tinhso.opendata import activity

    return activity.Reader(ds, rights)


def _changes(versions: Any) -> list[dict[str, Any]]:
    return [
        {"number": v.number, "at": v.at, "change": CHANGES.get(v.action, v.action)}
        for v in versions
    ]


@require_GET
def version(request: HttpRequest, name: str, number: int) -> HttpResponse:
    """One kept version of a dataset's metadata, as the caller may read it now
    (`activity.Reader`), and what changed from the version before."""
    from tinhso.opendata import activity

    ds = _get_dataset(request, name)
    if ds is None or ds.name != name:
        return error_page(request, _("Không tìm thấy bộ dữ liệu."), 404)
    reader = activity.Reader(ds, download_rights(request.user))
    # A version that changed nothing the caller can see is none of theirs (`activity`).
    this, before = reader.visible(number) if number < 2**31 else (None, None)
    if this is None:
        return error_page(request, _("Không có phiên bản này."), 404)
    reader.load([v for v in (this, before) if v is not None])
    data = reader.readable(this)
    levels = dict(AccessLevel.choices)
    for rd in data["resources"]:
        rd["access_label"] = levels.get(rd.get("access_level") or "", "")
    return render(
        request,
        "opendata/pages/version.html",
        {
            "ds": ds,
            "v": this,
            "change": CHANGES.get(this.action, this.action),
            "data": data,
            "access": levels.get(data.get("access_level") or "", ""),
            "frequency": dict(Frequency.choices).get(data.get("frequency") or "", ""),
            "live": {str(r.pk) for r in ds.active_resources},
            "changes": activity.changes(reader.readable(before) if before else None, data),
            "previous": before.number if before else None,
            "latest": this.number == reader.shown(want=1)[0].number,
        },
    )


def quality_context(ds: Any, user: Any) -> dict[str, Any]:
    """The dataset's quality score and use counts, shown by `opendata/pages/_quality.html`
    (which includes `opendata/includes/quality.html`): `opendata.quality_views` builds them."""
    from tinhso.opendata.quality_views import quality_context as build

    return build(ds, user)


def _get_dataset(request: HttpRequest, name: str) -> Any:
    if odd_name(name):
        return None
    try:
        return selectors.dataset_for(request.user, name)
    except NotFound:
        return None


@require_GET
def dataset(request: HttpRequest, name: str) -> HttpResponse:
    ds = _get_dataset(request, name)
    if ds is None or ds.name != name:
        return error_page(request, _("Không tìm thấy bộ dữ liệu."), 404)
    user = request.user
    usage_count(ds.pk, UsageKind.VIEW)  # memory only (see `usage`)
    rights = download_rights(user)
    resources = [_resource_row(r, ds, rights) for r in rights.listed(ds, ds.active_resources)]
    blocked = next((row["r"] for row in resources if not row["allowed"]), None)
    versions = _reader(ds, rights).shown(want=VERSIONS_PER_PAGE + 1, only=VERSION_FIELDS)
    lic = LICENSES.get(ds.license_id)
    return render(
        request,
        "opendata/pages/dataset.html",
        {
            "ds": ds,
            "org": org_name(ds.owner_org),
            "license": lic,
            "tags": sorted(ds.tags.all(), key=lambda t: t.name),
            "groups": sorted(ds.groups.all(), key=lambda g: g.title),
            "units": sorted(ds.spatial_units.all(), key=lambda u: u.code),
            "resources": resources,
            "blocked": blocked is not None,
            "why_not": why_not(effective_level(ds, blocked), user) if blocked else "",
            "may_request": blocked is not None and _may_request(user, ds, rights),
            "versions": _changes(versions[:VERSIONS_PER_PAGE]),
            # The last change the caller could see (a private resource's edit moves no date).
            "modified": versions[0].at if versions else ds.metadata_modified,
            "more_versions": len(versions) > VERSIONS_PER_PAGE,
            "feeds": FEEDS if _public(ds) else (),
            "quality": quality_context(ds, user),
            "may_manage": ds.state != State.DELETED and can(user, PUBLISH, ds.owner_org),
        },
    )


@require_GET
def versions(request: HttpRequest, name: str) -> HttpResponse:
    """Every kept version of a dataset's metadata, newest first."""
    ds = _get_dataset(request, name)
    if ds is None or ds.name != name:
        return error_page(request, _("Không tìm thấy bộ dữ liệu."), 404)
    try:
        number = page_number(request)
        shown = _reader(ds, download_rights(request.user)).shown(only=VERSION_FIELDS)
        page = Paginator(shown, VERSIONS_PER_PAGE).page(number)
    except BadPage as e:
        return error_page(request, str(e), 400)
    except EmptyPage:
        return error_page(request, _("Không có trang này."), 404)
    return render(
        request,
        "opendata/pages/versions.html",
        {"ds": ds, "page": page, "rows": _changes(page.object_list)},
    )


# --- A resource and its preview -------------------------------------------------------------


def _preview_params(request: HttpRequest) -> dict[str, str]:
    return {
        "col": arg(request, "col", MAX_Q),
        "val": arg(request, "val", MAX_Q),
        "q": arg(request, "q", MAX_Q),
        "after": arg(request, "after", 20),
        "chart": arg(request, "chart", MAX_Q),
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    return str(value)


def _chart(
    table: Any,
    res: Resource,
    fields: list[dict[str, str]],
    data: dict[str, Any],
    total: int,
    page_rows: list[list[Any]],
    names: list[str],
    wanted: str,
) -> dict[str, Any] | None:
    """A chart of the filtered rows when they suit one: at most CHART_MAX_ROWS rows, a text or
    date column to label them and a number column to draw (the first, or the one asked for).
    Dates make a line, labels make bars. The numbers go in a table beside it."""
    from tinhso.opendata.datastore.search import search_table

    if total == 0 or total > CHART_MAX_ROWS:
        return None
    label = next((f for f in fields if f["type"] in LABEL_TYPES), None)
    numbers = [f["id"] for f in fields if f["type"] in NUMBER_TYPES]
    if label is None or not numbers:
        return None
    column = wanted if wanted in numbers else numbers[0]
    if total <= len(page_rows) and not data.get("after"):
        rows = [(r[names.index(label["id"])], r[names.index(column)]) for r in page_rows]
    else:  # the rows beyond this page, read once more (already logged as this view's read)
        more = search_table(
            table,
            {
                **{k: v for k, v in data.items() if k != "after"},
                "fields": [label["id"], column],
                "limit": CHART_MAX_ROWS,
                "records_format": "lists",
                "include_total": False,
            },
        )
        rows = [(a, b) for a, b in more["records"]]
    labels = [_cell(a) for a, _b in rows]
    values = [b for _a, b in rows]
    title = _("%(column)s theo %(label)s") % {"column": column, "label": label["id"]}
    make = charts.line_chart if label["type"] != "text" else charts.bar_chart
    svg = make(chart_id="preview-chart", title=title, labels=labels, values=values)
    return {
        "svg": svg,
        "title": title,
        "label": label["id"],
        "column": column,
        "numbers": numbers,
        "rows": [
            (a, vn_number(b, 2 if isinstance(b, float) and b % 1 else 0))
            for a, b in zip(labels, values, strict=True)
        ],
    }


def _preview(
    request: HttpRequest, res: Resource, table_row: DatastoreTable, rights: DownloadRights
) -> tuple[dict[str, Any], str]:
    """The preview's context, and the problem with the parameters if there is one."""
    from tinhso.opendata.datastore.search import Table, datastore_search

    p = _preview_params(request)
    data: dict[str, Any] = {
        "resource_id": str(res.pk),
        "limit": PREVIEW_ROWS,
        "include_total": True,
        "records_format": "lists",
    }
    if p["col"] and p["val"]:
        data["filters"] = {p["col"]: p["val"]}
    if p["q"]:
        data["q"] = p["q"]
    if p["after"]:
        data["after"] = p["after"]
    columns = [f for f in table_row.fields]
    ctx: dict[str, Any] = {"p": p, "columns": columns}
    try:
        if p["col"] and p["col"] not in {f["id"] for f in columns}:
            raise DomainError.for_field(
                "col", _("Bảng không có cột “%(col)s”.") % {"col": p["col"]}
            )
        result = datastore_search(
            request.user,
            data,
            rights=rights,
            ip=client_ip(request),
        )
    except DomainError as e:
        message = e.errors[0].message if e.errors else e.message
        return ctx, message
    names = [f["id"] for f in result["fields"]]
    records = result["records"]
    shown = [n for n in names if n != "_id"]
    at = names.index("_id")
    rows = [{"id": r[at], "cells": [_cell(r[names.index(n)]) for n in shown]} for r in records]
    base = [
        (k, v)
        for k, v in (("col", p["col"]), ("val", p["val"]), ("q", p["q"]), ("chart", p["chart"]))
        if v
    ]
    ctx.update(
        {
            "names": shown,
            "rows": rows,
            "total": result.get("total", 0),
            "first_url": query_url(base) if p["after"] else "",
            "next_url": query_url(base, after=rows[-1]["id"]) if len(rows) == PREVIEW_ROWS else "",
            "filtered": bool(p["q"] or (p["col"] and p["val"])),
        }
    )
    table = Table(res, table_row)
    ctx["chart"] = _chart(
        table,
        res,
        [f for f in result["fields"] if f["id"] != "_id"],
        data,
        ctx["total"],
        records,
        names,
        p["chart"],
    )
    return ctx, ""


@require_GET
def resource(request: HttpRequest, name: str, resource_id: Any) -> HttpResponse:
    try:
        res = selectors.resource_for(request.user, str(resource_id))
    except NotFound:
        res = None
    if res is None or res.dataset.name != name:
        return error_page(request, _("Không tìm thấy tài nguyên."), 404)
    ds = res.dataset
    user = request.user
    usage_count(ds.pk, UsageKind.VIEW, res.pk)
    rights = download_rights(user)
    allowed = rights.resource(ds, res)
    row = DatastoreTable.objects.filter(resource=res).first()
    url = (download_url(res) if res.url_type == "upload" else res.url) if allowed else ""
    old = []
    if allowed and res.url_type == "upload":
        old = [  # each older file judged at the stricter of its level then and now
            (v.number, v.at, f"{url}?version={v.number}")
            for v in ResourceVersion.objects.filter(resource=res)
            .exclude(storage_path="")
            .order_by("-number")[1 : RESOURCE_VERSIONS_SHOWN + 1]
            if rights.kept(ds, res, v.data or {}) is not None
        ]
    ctx: dict[str, Any] = {
        "ds": ds,
        "res": res,
        "org": org_name(ds.owner_org),
        "allowed": allowed,
        "url": url,
        "why_not": "" if allowed else why_not(effective_level(ds, res), user),
        "may_request": not allowed and _may_request(user, ds, rights),
        "table": row,
        "older": old,
        "preview": None,
        "problem": "",
        "loading": row is not None
        and row.status in (DatastoreStatus.PENDING, DatastoreStatus.LOADING),
        "feeds": FEEDS if _public(ds) else (),
        "may_manage": ds.state != State.DELETED and can(user, PUBLISH, ds.owner_org),
    }
    if allowed and row is not None and row.table_file:
        ctx["preview"], ctx["problem"] = _preview(request, res, row, rights)
    return render(
        request, "opendata/pages/resource.html", ctx, status=400 if ctx["problem"] else 200
    )
