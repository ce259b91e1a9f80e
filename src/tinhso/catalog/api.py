"""The catalog API, mounted at /api/v1/procedures. Reads are public; import needs
`catalog.import`. Errors are problem details naming the field (see config/api.py)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from tinhso.accounts.auth import API_AUTH
from tinhso.catalog import selectors
from tinhso.catalog.formats import FORMATS, MAX_BYTES, render
from tinhso.catalog.models import ProcedureVersion
from tinhso.catalog.services import CatalogImportError, catalog_import
from tinhso.core.errors import DomainError

router = Router()


class AgencyOut(Schema):
    code: str
    name: str


class DeadlineOut(Schema):
    value: int | None
    unit: str
    note: str


class ProcedureSummary(Schema):
    code: str
    name: str
    field: str
    agency: AgencyOut
    online_level: str
    legacy_level: int | None
    government_level: str
    deadline: DeadlineOut
    is_joint: bool
    version: int
    effective_from: dt.date


class ProcedurePage(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    results: list[ProcedureSummary]


class DocumentOut(Schema):
    name: str
    mandatory: bool
    file_types: list[str]
    copies: int


class FeeOut(Schema):
    amount: int
    currency: str = "VND"
    description: str


class ProcedureDetail(ProcedureSummary):
    result_type: str
    legal_basis: str
    change_note: str
    is_current: bool
    required_documents: list[DocumentOut]
    fees: list[FeeOut]
    sources: dict[str, Any]


class VersionOut(Schema):
    number: int
    effective_from: dt.date
    name: str
    change_note: str
    is_current: bool


class ImportOut(Schema):
    created: int
    versioned: int
    unchanged: int
    total: int


class ListFilters(Schema):
    q: str = ""
    field: str = ""
    agency: str = ""
    level: Literal["", "full", "partial", "none"] = ""
    government_level: Literal["", "central", "province", "district", "commune"] = ""
    page: int = 1
    page_size: int = selectors.PAGE_SIZE


def _summary(v: ProcedureVersion) -> dict[str, Any]:
    return {
        "code": v.procedure.code, "name": v.name, "field": v.field,
        "agency": {"code": v.agency.code, "name": v.agency.name},
        "online_level": v.online_level, "legacy_level": v.legacy_level,
        "government_level": v.government_level,
        "deadline": {"value": v.deadline_value, "unit": v.deadline_unit,
                     "note": v.deadline_note},
        "is_joint": v.is_joint, "version": v.number, "effective_from": v.effective_from,
    }


def _detail(v: ProcedureVersion, *, is_current: bool) -> dict[str, Any]:
    return {
        **_summary(v),
        "result_type": v.result_type, "legal_basis": v.legal_basis,
        "change_note": v.change_note, "is_current": is_current,
        "required_documents": [
            {"name": d.name, "mandatory": d.is_mandatory, "file_types": d.file_type_list,
             "copies": d.copies}
            for d in v.documents.all()
        ],
        "fees": [{"amount": f.amount, "description": f.description} for f in v.fees.all()],
        "sources": v.sources,
    }


@router.get("", response=ProcedurePage, summary="Tra cứu thủ tục hành chính")
def list_procedures(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """Current procedures matching every word of `q` (without diacritics is fine), filtered by
    field, agency code, online level and level of government; 20 a page, at most 100."""
    if filters.page_size < 1 or filters.page_size > selectors.MAX_PAGE_SIZE:
        raise DomainError.for_field("page_size", "Số dòng mỗi trang phải từ 1 đến 100.")
    if filters.page < 1:
        raise DomainError.for_field("page", "Số trang phải từ 1 trở lên.")
    qs = selectors.search_procedures(selectors.SearchFilters(
        q=filters.q, field=filters.field, agency=filters.agency, level=filters.level,
        government_level=filters.government_level,
    ))
    page = selectors.paginate(qs, page=filters.page, page_size=filters.page_size)
    return {
        "count": page.paginator.count, "page": page.number,
        "page_size": page.paginator.per_page, "num_pages": page.paginator.num_pages,
        "results": [_summary(v) for v in page.object_list],
    }


@router.get("/export", summary="Xuất danh mục (CSV hoặc JSON)")
def export_catalog(request: HttpRequest, format: Literal["csv", "json"] = "json"
                   ) -> HttpResponse:
    body = render(selectors.export_rows(), format)
    content_type = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="thu-tuc.{format}"'
    return response


@router.post("/import", auth=API_AUTH, response=ImportOut,
             summary="Nhập danh mục (CSV hoặc JSON); lỗi từng dòng, không ghi dở dang")
def import_catalog(request: HttpRequest, format: str = "") -> Any:
    """Send the file as multipart field `file`, or as the request body. `format` is csv or
    json; without it, the file name or the Content-Type decides."""
    upload = request.FILES.get("file")
    if upload is not None:
        if (upload.size or 0) > MAX_BYTES:  # refuse before reading it into memory
            raise DomainError.for_field("file", "Tệp quá lớn (tối đa 20 MB).", code="too_large")
        data: bytes = upload.read()
        name = (upload.name or "").lower()
    else:
        data = request.body
        name = ""
    fmt = format.lower()
    if not fmt:
        ctype = request.content_type or ""
        if name.endswith(".csv") or "csv" in ctype:
            fmt = "csv"
        elif name.endswith(".json") or "json" in ctype:
            fmt = "json"
    if fmt not in FORMATS:
        raise DomainError.for_field("format", "Định dạng phải là csv hoặc json.")
    try:
        result = catalog_import(actor=request.auth, data=data, fmt=fmt)  # type: ignore[attr-defined]
    except CatalogImportError as exc:
        body = {
            "type": "about:blank", "title": exc.message, "status": 422,
            "detail": f"{len(exc.row_errors)} lỗi; không thủ tục nào được ghi.",
            "code": exc.code,
            "errors": [{"row": e.row, "field": e.field, "message": e.message,
                        "code": "invalid"} for e in exc.row_errors],
        }
        return HttpResponse(json.dumps(body, ensure_ascii=False), status=422,
                            content_type="application/problem+json")
    return result.as_dict()


@router.get("/{code}", response=ProcedureDetail, summary="Thủ tục (phiên bản hiện hành)")
def get_procedure(request: HttpRequest, code: str) -> dict[str, Any]:
    return _detail(selectors.get_current_version(code), is_current=True)


@router.get("/{code}/versions", response=list[VersionOut], summary="Các phiên bản của thủ tục")
def list_procedure_versions(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    versions = selectors.list_versions(code)
    return [
        {"number": v.number, "effective_from": v.effective_from, "name": v.name,
         "change_note": v.change_note, "is_current": i == 0}
        for i, v in enumerate(versions)
    ]


@router.get("/{code}/versions/{number}", response=ProcedureDetail,
            summary="Một phiên bản của thủ tục")
def get_procedure_version(request: HttpRequest, code: str, number: int) -> dict[str, Any]:
    version = selectors.get_version(code, number)
    current = selectors.get_current_version(code)
    return _detail(version, is_current=version.pk == current.pk)
