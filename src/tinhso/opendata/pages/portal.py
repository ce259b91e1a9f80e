"""The portal's home, the dataset search with facets, and the organizations.

Search is `selectors.dataset_search`, the function behind `package_search`: the words of the
search box become `q` (tone marks ignored), each filter an `fq` clause, and the caller's
visibility is the API's (`access.visible_q`, private datasets included for those who may see
them, as `organization_show` does). A page costs the same few queries however many datasets
match: one count, one page, one per relation, one per facet."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tinhso.core.errors import DomainError
from tinhso.directory.permissions import can
from tinhso.opendata import selectors
from tinhso.opendata.access import PUBLISH
from tinhso.opendata.dictize import agency_code, org_name
from tinhso.opendata.models import AccessLevel, Group
from tinhso.opendata.pages.common import (
    BadPage,
    Pages,
    arg,
    args,
    error_page,
    page_number,
    query_url,
)

PER_PAGE = 20
ORGS_PER_PAGE = 50
NEWEST = 6
MAX_Q = 200
MAX_VALUES = 10  # values of one filter
FACET_LIMIT = 10
# The filters a search page takes, as package_search's fq fields, with their headings.
FILTERS: dict[str, Any] = {
    "organization": gettext_lazy("Cơ quan công bố"),
    "groups": gettext_lazy("Chủ đề"),
    "tags": gettext_lazy("Từ khóa"),
    "res_format": gettext_lazy("Định dạng"),
    "license_id": gettext_lazy("Giấy phép"),
}
# CKAN's sort expressions the page offers (as CKAN's own pages write them).
SORTS: dict[str, Any] = {
    "score desc, metadata_modified desc": gettext_lazy("Phù hợp nhất"),
    "metadata_modified desc": gettext_lazy("Mới cập nhật"),
    "metadata_created desc": gettext_lazy("Mới công bố"),
    "title_string asc": gettext_lazy("Tên (A–Z)"),
    "title_string desc": gettext_lazy("Tên (Z–A)"),
}
DEFAULT_SORT = "score desc, metadata_modified desc"
_SYNTAX = re.compile(r'[\\+\-!(){}\[\]^"~*?:/&|]')


def words_query(text: str) -> str:
    """The search box's words as a `q` of plain terms: the query language's signs are only
    punctuation to a person typing, and the operators are words here."""
    words = _SYNTAX.sub(" ", text).split()
    return " ".join(w for w in words if w not in ("AND", "OR", "NOT"))


def _clause(field: str, value: str) -> str:
    return f'{field}:"{value.replace(chr(34), "")}"'


@dataclass
class Criteria:
    q: str
    filters: dict[str, list[str]]
    sort: str
    page: int

    def fq(self) -> tuple[str, ...]:
        return tuple(_clause(f, v) for f, values in self.filters.items() for v in values)

    def params(self) -> list[tuple[str, str]]:
        out = [("q", self.q)] if self.q else []
        out += [(f, v) for f, values in self.filters.items() for v in values]
        if self.sort != DEFAULT_SORT:
            out.append(("sort", self.sort))
        return out


def _criteria(request: HttpRequest) -> tuple[Criteria, list[str]]:
    """What the search asks for, and the problems found in it (each said on the page)."""
    problems: list[str] = []
    q = arg(request, "q", MAX_Q)
    filters: dict[str, list[str]] = {}
    for name in FILTERS:
        values = args(request, name, MAX_Q)
        if values:
            filters[name] = list(dict.fromkeys(values))[:MAX_VALUES]
    sort = arg(request, "sort") or DEFAULT_SORT
    if sort not in SORTS:
        problems.append(
            _("Không sắp xếp theo “%(sort)s” được; kết quả xếp theo mức phù hợp.")
            % {"sort": sort[:50]}
        )
        sort = DEFAULT_SORT
    try:
        page = page_number(request)
    except BadPage as e:
        problems.append(str(e))
        page = 1
    return Criteria(q=q, filters=filters, sort=sort, page=page), problems


def _facets(found: selectors.SearchResult, c: Criteria) -> list[dict[str, Any]]:
    """Each facet's values with their counts, as links that add the value to the filters (or
    take it away when chosen)."""
    params = c.params()
    out = []
    for name, title in FILTERS.items():
        chosen = c.filters.get(name, [])
        items = []
        for item in found.facets.get(name, []):
            on = item.name in chosen
            rest = [(k, v) for k, v in params if not (k == name and v == item.name)]
            link = query_url(rest if on else [*rest, (name, item.name)], page=None)
            items.append(
                {
                    "name": item.name,
                    "label": item.display_name,
                    "count": item.count,
                    "on": on,
                    "url": link,
                }
            )
        if items:
            out.append({"name": name, "title": title, "items": items})
    return out


def _chosen(found: selectors.SearchResult, c: Criteria) -> list[dict[str, Any]]:
    """The filters in force, each with the link that removes it."""
    labels = {(f, i.name): i.display_name for f, items in found.facets.items() for i in items}
    params = c.params()
    return [
        {
            "title": FILTERS[f],
            "label": labels.get((f, v), v),
            "url": query_url([(k, x) for k, x in params if (k, x) != (f, v)], page=None),
        }
        for f, values in c.filters.items()
        for v in values
    ]


def _results(datasets: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for ds in datasets:
        formats = sorted({r.format.upper() for r in ds.active_resources  # as the search index:
                          if r.format and r.access_level != AccessLevel.NAMED})  # no private one
        rows.append({"ds": ds, "formats": formats, "org": org_name(ds.owner_org)})
    return rows


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    c, problems = _criteria(request)
    user = request.user
    query = selectors.Search(
        q=words_query(c.q),
        fq=c.fq(),
        rows=PER_PAGE,
        start=(c.page - 1) * PER_PAGE,
        sort=c.sort,
        facet_fields=tuple(FILTERS),
        facet_limit=FACET_LIMIT,
        include_private=True,
    )
    try:
        found = selectors.dataset_search(user, query)
    except DomainError as e:
        return error_page(request, e.message, 400)
    pages = Pages(number=c.page, count=found.count, per_page=PER_PAGE)
    if c.page > pages.num_pages:
        problems.append(
            _("Không có trang %(page)d: kết quả chỉ có %(n)d trang.")
            % {"page": c.page, "n": pages.num_pages}
        )
    params = c.params()
    return render(
        request,
        "opendata/pages/search.html",
        {
            "q": c.q,
            "sort": c.sort,
            "sorts": SORTS.items(),
            "problems": problems,
            "count": found.count,
            "results": _results(found.datasets),
            "page": pages,
            "facets": _facets(found, c),
            "chosen": _chosen(found, c),
            "hidden": [(k, v) for k, v in params if k not in ("q", "sort")],
            "page_params": params,
        },
        status=400 if problems else 200,
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    newest = selectors.dataset_search(
        user, selectors.Search(rows=NEWEST, sort="metadata_created desc", include_private=True)
    )
    by_group = selectors.package_counts(user, "groups")
    by_org = selectors.package_counts(user, "owner_org")
    themes = [
        {"group": g, "count": by_group.get(g.pk, 0)}
        for g in Group.objects.filter(is_active=True).order_by("title")
    ]
    return render(
        request,
        "opendata/pages/home.html",
        {
            "count": newest.count,
            "newest": _results(newest.datasets),
            "themes": themes,
            "organizations": sum(1 for n in by_org.values() if n),
            "may_publish": can(user, PUBLISH),
        },
    )


@require_GET
def organizations(request: HttpRequest) -> HttpResponse:
    """Every active agency with the number of datasets the caller sees, most first."""
    try:
        number = page_number(request)
    except BadPage as e:
        return error_page(request, str(e), 400)
    counts = selectors.package_counts(request.user, "owner_org")
    agencies = selectors.organizations(sort="title")
    agencies.sort(key=lambda a: -counts.get(a.pk, 0))
    pages = Pages(number=number, count=len(agencies), per_page=ORGS_PER_PAGE)
    if number > pages.num_pages:
        return error_page(request, _("Không có trang này."), 404)
    shown = agencies[pages.start : pages.start + ORGS_PER_PAGE]
    return render(
        request,
        "opendata/pages/organizations.html",
        {
            "rows": [
                {"agency": a, "name": org_name(a), "count": counts.get(a.pk, 0)} for a in shown
            ],
            "page": pages,
            "page_params": [],
        },
    )


@require_GET
def organization(request: HttpRequest, name: str) -> HttpResponse:
    """An agency and the datasets of it the caller sees, newest first."""
    agency = selectors.agency_by_ref(name) if agency_code(name) else None
    if agency is None or not agency.is_active or org_name(agency) != name:
        return error_page(request, _("Không tìm thấy cơ quan."), 404)
    try:
        number = page_number(request)
    except BadPage as e:
        return error_page(request, str(e), 400)
    found = selectors.dataset_search(
        request.user,
        selectors.Search(
            fq=(f"organization:{name}",),
            rows=PER_PAGE,
            start=(number - 1) * PER_PAGE,
            sort="metadata_modified desc",
            include_private=True,
        ),
    )
    pages = Pages(number=number, count=found.count, per_page=PER_PAGE)
    if number > pages.num_pages:
        return error_page(request, _("Không có trang này."), 404)
    return render(
        request,
        "opendata/pages/organization.html",
        {
            "agency": agency,
            "name": name,
            "results": _results(found.datasets),
            "page": pages,
            "count": found.count,
            "page_params": [],
        },
    )
