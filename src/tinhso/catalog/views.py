"""Public pages of the catalog: search, a procedure, an older version."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from tinhso.catalog import selectors
from tinhso.catalog.models import GovernmentLevel, OnlineLevel
from tinhso.core.errors import DomainError, NotFound


def _choice(value: str, allowed: list[str]) -> str:
    return value if value in allowed else ""


def procedure_search(request: HttpRequest) -> HttpResponse:
    params = request.GET
    filters = selectors.SearchFilters(
        q=params.get("q", "").strip()[:200],
        field=params.get("field", "").strip()[:200],
        agency=params.get("agency", "").strip()[:16],
        level=_choice(params.get("level", ""), OnlineLevel.values),
        government_level=_choice(params.get("government_level", ""), GovernmentLevel.values),
    )
    page = selectors.paginate(selectors.search_procedures(filters), page=params.get("page", 1))
    query = {k: v for k, v in {
        "q": filters.q, "field": filters.field, "agency": filters.agency, "level": filters.level,
        "government_level": filters.government_level,
    }.items() if v}
    return render(request, "catalog/search.html", {
        "filters": filters,
        "page": page,
        "query_string": urlencode(query),
        "options": selectors.filter_options(),
        "online_levels": OnlineLevel.choices,
        "government_levels": GovernmentLevel.choices,
        "searched": bool(query),
    })


def _not_found(exc: DomainError) -> Http404:
    return Http404(exc.message)


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        version = selectors.get_current_version(code)
        versions = selectors.list_versions(code)
    except (NotFound, DomainError) as exc:
        raise _not_found(exc) from None
    return render(request, "catalog/detail.html", {
        "version": version, "versions": versions, "current": version, "is_current": True,
    })


def procedure_version(request: HttpRequest, code: str, number: int) -> HttpResponse:
    try:
        version = selectors.get_version(code, number)
        versions = selectors.list_versions(code)
    except (NotFound, DomainError) as exc:
        raise _not_found(exc) from None
    current = versions[0]
    return render(request, "catalog/detail.html", {
        "version": version, "versions": versions, "current": current,
        "is_current": version.pk == current.pk,
    })
