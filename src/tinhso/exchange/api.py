"""The exchange API, mounted at /api/v1/exchange.

`POST /packages` is where other installations deliver packages (documents and status
messages). It is authenticated by the package itself: the XML signature of an organ of a
trusted peer (`SignedPackage`), not by a token. The other operations are for this
installation's officers (token or session)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status as Reply
from ninja.security.base import AuthBase

from tinhso.accounts.auth import API_AUTH
from tinhso.core.errors import DomainError, NotFound
from tinhso.documents.selectors import document_for
from tinhso.exchange import edxml, services
from tinhso.exchange.selectors import packages_for

router = Router()


class SignedPackage(AuthBase):
    """The caller is whoever signed the package: an organ of a trusted peer, with a good XML
    signature. No body, no caller (401); a malformed package is a 400 naming the element."""

    openapi_type = "http"
    openapi_scheme = "edxml-xmldsig"
    openapi_description = ("Gói tin edXML ký số XML (XML-DSig) bằng chứng thư của cơ quan gửi, "
                           "thuộc hệ thống liên thông được tin cậy.")

    def __call__(self, request: HttpRequest) -> Any:
        raw = request.read(edxml.MAX_PACKAGE_BYTES + 1)
        if not raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            return None  # no XML, no package: nobody to authenticate
        if len(raw) > edxml.MAX_PACKAGE_BYTES:
            raise DomainError(message=_("Gói tin quá lớn."), status=413, code="too_large")
        verified = services.package_verify(raw)
        request.exchange_package = verified  # type: ignore[attr-defined]
        return verified.peer


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str
    code: str = ""


class SendIn(Schema):
    document: int
    to: list[str] | None = None
    due_date: dt.date | None = None


class PackageOut(Schema):
    id: int
    direction: str
    kind: str
    message_id: str
    from_organ: str
    to_organ: str
    document: int | None
    incoming: int | None
    response_for: str | None
    status_code: str
    description: str
    result: str
    last_status: str
    last_status_at: dt.datetime | None
    delivered: bool | None
    verification: dict
    created_at: dt.datetime


def _out(p: Any) -> dict[str, Any]:
    outbox = list(p.outbox.all())
    return {"id": p.pk, "direction": p.direction, "kind": p.kind, "message_id": p.message_id,
            "from_organ": p.from_organ, "to_organ": p.to_organ, "document": p.document_id,
            "incoming": p.incoming_id,
            "response_for": p.response_for.message_id if p.response_for_id else None,
            "status_code": p.status_code, "description": p.description, "result": p.result,
            "last_status": p.last_status, "last_status_at": p.last_status_at,
            "delivered": (all(o.delivered_at is not None for o in outbox) if outbox else None),
            "verification": p.verification, "created_at": p.created_at}


@router.post("/packages", auth=SignedPackage(), url_name="exchange_receive",
             response={200: None, 400: ProblemOut, 401: ProblemOut, 403: ProblemOut,
                       404: ProblemOut, 409: ProblemOut, 413: ProblemOut, 422: ProblemOut,
                       503: ProblemOut},
             summary="Nhận gói tin liên thông (văn bản hoặc trạng thái)")
def receive(request: HttpRequest) -> HttpResponse:
    """A document package is answered with the recipient's signed status (01 arrived or 02
    returned, application/xml); a status message with a JSON acknowledgement. Sending the same
    package again gets the same answer and creates nothing."""
    answer = services.package_receive(request.exchange_package)  # type: ignore[attr-defined]
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)


@router.post("/send", auth=API_AUTH, url_name="exchange_send",
             response={201: list[PackageOut], 403: ProblemOut, 404: ProblemOut,
                       409: ProblemOut, 422: ProblemOut},
             summary="Gửi văn bản đã ban hành sang cơ quan ở hệ thống khác")
def send(request: HttpRequest, payload: SendIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    doc = document_for(user, payload.document)
    if doc is None:
        raise NotFound()
    packages = services.document_send_external(document=doc, actor=user,
                                               organ_ids=payload.to, due_date=payload.due_date)
    return Reply(201, [_out(p) for p in packages])


@router.get("/packages", auth=API_AUTH, url_name="exchange_packages",
            response=list[PackageOut],
            summary="Gói tin liên thông của một văn bản, với trạng thái bên nhận báo về")
def packages(request: HttpRequest, document: int) -> list[dict[str, Any]]:
    user = request.auth  # type: ignore[attr-defined]
    qs = packages_for(user, document_id=document).prefetch_related("outbox")
    return [_out(p) for p in qs[:500]]


@router.get("/packages/{id}", auth=API_AUTH, url_name="exchange_package",
            response={200: PackageOut, 404: ProblemOut},
            summary="Một gói tin, với kết quả kiểm tra chữ ký")
def package(request: HttpRequest, id: int) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    p = packages_for(user).prefetch_related("outbox").filter(pk=id).first()
    if p is None:
        raise NotFound()
    return _out(p)


__all__ = ["router"]
