"""Reads of the catalog. The published catalog is public: every reader sees the current
versions and their history; future-dated versions stay hidden until their date comes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Value, When

from tinhso.catalog.cache import catalog_cached
from tinhso.catalog.codes import InvalidProcedureCode, normalize_procedure_code
from tinhso.catalog.models import Fee, ProcedureVersion, RequiredDocument
from tinhso.catalog.schema import today
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.text import fold
from tinhso.directory.models import Agency

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_QUERY_WORDS = 10


def effective_versions(on: dt.date | None = None) -> QuerySet[ProcedureVersion]:
    """Versions whose date has come (on `on`, default today)."""
    return ProcedureVersion.objects.filter(effective_from__lte=on or today())


def current_versions(on: dt.date | None = None) -> QuerySet[ProcedureVersion]:
    """The current version of every procedure: the highest number among those in effect."""
    day = on or today()
    newer = ProcedureVersion.objects.filter(
        procedure=OuterRef("procedure"), number__gt=OuterRef("number"), effective_from__lte=day
    )
    return effective_versions(day).filter(~Exists(newer))


def _with_details(qs: QuerySet[ProcedureVersion]) -> QuerySet[ProcedureVersion]:
    return qs.select_related("procedure", "agency").prefetch_related(
        Prefetch("documents", queryset=RequiredDocument.objects.order_by("position")),
        Prefetch("fees", queryset=Fee.objects.order_by("position")),
    )


@dataclass(frozen=True)
class SearchFilters:
    q: str = ""
    field: str = ""
    agency: str = ""  # agency code
    level: str = ""  # online level
    government_level: str = ""


def search_procedures(filters: SearchFilters, *, on: dt.date | None = None
                      ) -> QuerySet[ProcedureVersion]:
    """Current versions matching every word of `q` (diacritics-insensitive), name-prefix
    matches first, then by name."""
    qs = current_versions(on).select_related("procedure", "agency")
    words = fold(filters.q).split()[:MAX_QUERY_WORDS]
    for word in words:
        qs = qs.filter(search_folded__contains=word)
    if filters.field:
        qs = qs.filter(field=filters.field)
    if filters.agency:
        qs = qs.filter(agency__code=filters.agency)
    if filters.level:
        qs = qs.filter(online_level=filters.level)
    if filters.government_level:
        qs = qs.filter(government_level=filters.government_level)
    if words:
        prefix = " ".join(words)
        qs = qs.annotate(
            rank=Case(When(name_folded__startswith=prefix, then=Value(0)), default=Value(1),
                      output_field=IntegerField())
        ).order_by("rank", "name_folded", "procedure__code")
    else:
        qs = qs.order_by("name_folded", "procedure__code")
    return qs


def paginate(qs: QuerySet[Any], *, page: Any, page_size: Any = PAGE_SIZE) -> Page:
    """A page of at most MAX_PAGE_SIZE rows; a page past the end gives the last page."""
    try:
        size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    except (TypeError, ValueError):
        size = PAGE_SIZE
    paginator = Paginator(qs, size)
    return paginator.get_page(page)


def parse_code_or_error(code: str) -> str:
    try:
        return normalize_procedure_code(code)
    except InvalidProcedureCode:
        raise DomainError.for_field(
            "code", "Mã thủ tục không hợp lệ: cần dạng 1.001193 hoặc 1.001193.000.00.00.H56."
        ) from None


def get_current_version(code: str, *, on: dt.date | None = None) -> ProcedureVersion:
    """The version in effect for `code`; NotFound if there is none (unknown, or not yet)."""
    code = parse_code_or_error(code)
    version = _with_details(current_versions(on).filter(procedure__code=code)).first()
    if version is None:
        raise NotFound("Không tìm thấy thủ tục hành chính với mã này.")
    return version


def current_version_cached(code: str, *, on: dt.date | None = None) -> ProcedureVersion:
    """`get_current_version` through the per-process catalog cache (`catalog.cache`), for hot
    paths such as submission; the object is shared and must not be changed."""
    code = parse_code_or_error(code)
    day = on or today()
    return catalog_cached(("current_version", code, day),
                          lambda: get_current_version(code, on=day))


def list_versions(code: str, *, on: dt.date | None = None) -> list[ProcedureVersion]:
    """Every version already in effect or past, newest first (future ones are not public)."""
    code = parse_code_or_error(code)
    versions = list(
        effective_versions(on).filter(procedure__code=code).select_related("procedure", "agency")
        .order_by("-number")
    )
    if not versions:
        raise NotFound("Không tìm thấy thủ tục hành chính với mã này.")
    return versions


def get_version(code: str, number: int, *, on: dt.date | None = None) -> ProcedureVersion:
    code = parse_code_or_error(code)
    version = _with_details(
        effective_versions(on).filter(procedure__code=code, number=number)
    ).first()
    if version is None:
        raise NotFound("Không tìm thấy phiên bản này của thủ tục.")
    return version


def filter_options() -> dict[str, Any]:
    """What the search page offers in its selects (two queries)."""
    fields = list(
        current_versions().order_by("field").values_list("field", flat=True).distinct()
    )
    agencies = list(
        Agency.objects.filter(
            pk__in=current_versions().values("agency_id")
        ).order_by("name").values("code", "name")
    )
    return {"fields": fields, "agencies": agencies}


def version_content(version: ProcedureVersion) -> dict[str, Any]:
    """A version as the import/export formats write it (see docs/catalog.md)."""
    return {
        "code": version.procedure.code,
        "name": version.name,
        "field": version.field,
        "agency_code": version.agency.code,
        "online_level": version.online_level,
        "legacy_level": version.legacy_level,
        "government_level": version.government_level,
        "deadline_value": version.deadline_value,
        "deadline_unit": version.deadline_unit,
        "deadline_note": version.deadline_note,
        "result_type": version.result_type,
        "legal_basis": version.legal_basis,
        "is_joint": version.is_joint,
        "effective_from": version.effective_from.isoformat(),
        "change_note": version.change_note,
        "required_documents": [
            {"name": d.name, "mandatory": d.is_mandatory, "file_types": d.file_type_list,
             "copies": d.copies}
            for d in version.documents.all()
        ],
        "fees": [{"amount": f.amount, "description": f.description} for f in version.fees.all()],
        "sources": version.sources,
    }


def export_rows(*, batch: int = 500) -> Iterator[dict[str, Any]]:
    """The current catalog, one dict per procedure, in code order; constant queries per batch."""
    qs = _with_details(current_versions()).order_by("procedure__code")
    for version in qs.iterator(chunk_size=batch):
        yield version_content(version)


def export_count() -> int:
    return current_versions().count()
