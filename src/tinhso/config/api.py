"""The one JSON API, under /api/v1, with one router per app. Errors are RFC 9457 problem
details: {type, title, status, detail, errors: [{field, message, code}]}."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from tinhso.accounts.api import router as accounts_router
from tinhso.catalog.api import router as catalog_router
from tinhso.core.api import router as core_router
from tinhso.core.errors import DomainError
from tinhso.directory.api import router as directory_router
from tinhso.documents.api import router as documents_router
from tinhso.exchange.api import router as exchange_router
from tinhso.harvest.api import router as harvest_router
from tinhso.indicators.api import router as indicators_router
from tinhso.onestop.api import dossiers_router, stats_router, tracking_router
from tinhso.opendata.api import router as opendata_router
from tinhso.signing.api import router as signing_router


class UTF8JSONRenderer(JSONRenderer):
    """Vietnamese text as UTF-8 rather than escaped: readable in curl, and fewer bytes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=UTF8JSONRenderer(),
    title="Tỉnh số API",
    version="1",
    description="API của nền tảng Tỉnh số. Lỗi trả về theo RFC 9457 (application/problem+json).",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/calendar", core_router, tags=["calendar"])
api.add_router("/units", directory_router, tags=["units"])
api.add_router("/procedures", catalog_router, tags=["catalog"])
api.add_router("/accounts", accounts_router, tags=["accounts"])
api.add_router("/dossiers", dossiers_router, tags=["dossiers"])
api.add_router("/tracking", tracking_router, tags=["tracking"])
api.add_router("/stats", stats_router, tags=["stats"])
api.add_router("/documents", documents_router, tags=["documents"])
api.add_router("/signatures", signing_router, tags=["signatures"])
api.add_router("/exchange", exchange_router, tags=["exchange"])
api.add_router("/indicators", indicators_router, tags=["indicators"])
api.add_router("/opendata", opendata_router, tags=["opendata"])
api.add_router("/opendata/changes", harvest_router, tags=["opendata"])


def problem(request: HttpRequest, status: int, title: str, detail: str = "",
            errors: list[dict[str, Any]] | None = None, code: str = "") -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail or title}
    if code:
        body["code"] = code
    if errors is not None:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


def _field_name(loc: list[Any]) -> str:
    # ninja's locations start with where the value came from ("query", "body", "path", ...),
    # then, for a body schema, its parameter name ("payload"). Only those are dropped: a field
    # may itself be called "file" (a multipart part).
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("query", "body", "path", "form", "file", "header", "cookie"):
        parts = parts[1:]
    if parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(list(e.get("loc", []))), "message": str(e.get("msg", "")),
         "code": str(e.get("type", "invalid"))}
        for e in exc.errors
    ]
    return problem(request, 422, "Dữ liệu không hợp lệ", "Một số trường không hợp lệ.",
                   errors, "invalid")


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    errors = [{"field": e.field, "message": e.message, "code": e.code} for e in exc.errors]
    return problem(request, exc.status, exc.message, exc.message, errors or None, exc.code)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(request, 401, "Chưa xác thực", "Cần mã truy cập hợp lệ (Bearer).",
                       code="unauthenticated")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, "Không tìm thấy", code="not_found")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, str(exc))
