"""The documents API: registers, one document, drafting and each step of its life, incoming
handling and a person's inbox. Mounted in config/api.py at /api/v1/documents.

Writes go through `tinhso.documents.services`, reads through `selectors`; this module only
turns HTTP into their arguments and their results into JSON. Errors are the project's problem
details; a 409 also carries the current revision and status so that a client can reload and
retry."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from django.db.models import Model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, UploadedFile
from ninja.responses import Status as Reply

from tinhso.accounts.auth import API_AUTH
from tinhso.accounts.models import User
from tinhso.core.errors import DomainError
from tinhso.directory.models import Agency
from tinhso.directory.permissions import agency_scope
from tinhso.documents import services
from tinhso.documents.files import pdf_read
from tinhso.documents.kinds import (
    ABBREVIATIONS,
    Confidentiality,
    DocStatus,
    DocType,
    IncomingStatus,
    Urgency,
)
from tinhso.documents.models import Document, DocumentAttachment, DocumentFile, IncomingRecord
from tinhso.documents.numbering import local_date
from tinhso.documents.schemas import (
    ActionIn,
    AttachmentIn,
    ConflictOut,
    DocumentDetail,
    DocumentFilters,
    DocumentIn,
    DocumentPage,
    IncomingActionIn,
    IncomingOut,
    ProblemOut,
)
from tinhso.documents.selectors import (
    INCOMING_RELATED,
    RegisterFilters,
    document_attachment,
    document_attachments,
    document_for,
    document_history,
    document_incoming,
    document_versions,
    inbox,
    incoming_register,
    outgoing_register,
    page_of,
    version_attachments,
)
from tinhso.documents.services.attachments import attachment_bytes
from tinhso.signing.pdfcheck import too_large

router = Router()


# --- output ---------------------------------------------------------------------------------


def _agency(a: Agency) -> dict[str, str]:
    return {"code": a.code, "name": a.name, "short_name": a.short_name}


def _person(user: Any) -> str:
    return "" if user is None else (user.full_name or user.get_username())


def _choice(value: str, choices: Any) -> dict[str, str]:
    return {"code": value, "label": str(choices(value).label)}


def _incoming(r: IncomingRecord) -> dict[str, Any]:


    overdue = getattr(r, "overdue", None)
    if overdue is None:
        overdue = (r.deadline is not None and r.status != IncomingStatus.DONE
                   and r.deadline < local_date(timezone.now()))
    return {
        "id": r.pk, "agency": _agency(r.agency), "number": r.number, "year": r.year,
        "arrived_at": r.arrived_at, "status": _choice(r.status, IncomingStatus),
        "revision": r.revision, "assigned_unit": r.assigned_unit, "assignee": _person(r.assignee),
        "deadline": r.deadline, "overdue": bool(overdue), "done_at": r.done_at,
    }


def _summary(d: Document, incoming: IncomingRecord | None = None) -> dict[str, Any]:
    return {
        "id": d.pk, "agency": _agency(d.agency),
        "type": {**_choice(d.doc_type, DocType), "abbreviation": ABBREVIATIONS.get(d.doc_type, "")},
        "subject": d.subject, "urgency": _choice(d.urgency, Urgency),
        "confidentiality": _choice(d.confidentiality, Confidentiality),
        "status": _choice(d.status, DocStatus), "revision": d.revision, "version": d.version,
        "number": d.number, "notation": d.notation, "year": d.year, "issued_on": d.issued_on,
        "drafter": _person(d.drafter), "signer": _person(d.signer),
        "created_at": d.created_at, "updated_at": d.updated_at,
        "incoming": _incoming(incoming) if incoming is not None else None,
    }


def _attachment(d: Document, n: int, a: DocumentAttachment) -> dict[str, Any]:
    return {
        "number": n, "title": a.title, "file_name": a.file_name, "signed": a.is_signed,
        "size": a.signed_size if a.is_signed else a.size,
        "sha256": a.signed_sha256 if a.is_signed else a.sha256,
        "signed_at": a.signed_at,
        "url": reverse("api:documents_attachment_file", kwargs={"id": d.pk, "n": n}),
    }


def _detail(user: Any, d: Document) -> dict[str, Any]:
    by_version = version_attachments(user, d)
    return {
        **_summary(d),
        "body": d.body, "unit_abbr": d.unit_abbr,
        "recipients": [_agency(a) for a in d.recipients.order_by("code")],
        "recipient_lines": list(d.recipient_lines),
        "attachments": [_attachment(d, n, a)
                        for n, a in enumerate(document_attachments(user, d), start=1)],
        "versions": [
            {"number": v.number, "subject": v.subject, "body": v.body,
             "author": _person(v.author), "at": v.at, "comment": v.comment,
             "attachments": [a.title for a in by_version.get(v.number, [])]}
            for v in document_versions(user, d)
        ],
        "history": [
            {"at": e.at, "action": e.action, "from_status": e.from_status,
             "to_status": e.to_status, "actor_name": e.actor_name,
             "agency": e.agency.code if e.agency is not None else None, "comment": e.comment}
            for e in document_history(user, d)
        ],
        "arrivals": [_incoming(r) for r in document_incoming(user, d)],
    }


def _conflict(exc: DomainError, obj: Model) -> JsonResponse:
    current: Any = type(obj)._default_manager.filter(pk=obj.pk).only("revision", "status").first()
    body: dict[str, Any] = {"type": "about:blank", "title": exc.message, "status": 409,
                            "detail": exc.message, "code": exc.code}
    if current is not None:
        body["revision"] = current.revision
        body["current_status"] = current.status
    return JsonResponse(body, status=409, content_type="application/problem+json",
                        json_dumps_params={"ensure_ascii": False})


# --- input ----------------------------------------------------------------------------------


def _agencies(codes: Sequence[str], field: str) -> list[Agency]:
    wanted = {c.strip() for c in codes if c.strip()}
    found = {a.code: a for a in Agency.objects.filter(code__in=wanted)}
    missing = sorted(wanted - set(found))
    if missing:
        raise DomainError.for_field(field, _("Không tìm thấy cơ quan: %(codes)s.")
                                    % {"codes": ", ".join(missing)})
    return list(found.values())


def _user(username: str, field: str) -> Any:
    target = User.objects.filter(username=username, is_active=True).first()
    if target is None:
        raise DomainError.for_field(field, _("Không tìm thấy người dùng."))
    return target


def _drafting_agency(user: Any, code: str) -> Agency:
    if code.strip():
        agency = Agency.objects.filter(code=code.strip()).first()
        if agency is None:
            raise DomainError.for_field("agency", _("Không tìm thấy cơ quan."))
        return agency
    ids = sorted(agency_scope(user, services.DRAFT).agency_ids)
    if len(ids) != 1:
        raise DomainError.for_field("agency", _("Cần chọn cơ quan ban hành."), code="required")
    return Agency.objects.get(pk=ids[0])


# --- documents ------------------------------------------------------------------------------


@router.get("", response={200: DocumentPage, 422: ProblemOut}, auth=API_AUTH,
            url_name="documents_list", summary="Sổ văn bản đi hoặc đến mà người gọi được xem")
def document_list(request: HttpRequest, filters: Query[DocumentFilters]) -> dict[str, Any]:
    """The outgoing register (direction=outgoing: the caller's agencies' documents, drafts
    included) or the incoming one (what arrived at them), filtered, searched without diacritics,
    newest number first. A constant number of queries whatever the page."""
    user = request.auth  # type: ignore[attr-defined]
    f = filters
    wanted = RegisterFilters(agency=f.agency.strip(), year=f.year, doc_type=f.type or "",
                             status=f.status or "", q=f.q)
    if f.direction == "incoming":
        count, records = page_of(incoming_register(user, wanted), page=f.page,
                                 page_size=f.page_size)
        results = [_summary(r.document, r) for r in records]
    else:
        count, docs = page_of(outgoing_register(user, wanted), page=f.page,
                              page_size=f.page_size)
        results = [_summary(d) for d in docs]
    return {"count": count, "page": f.page, "page_size": f.page_size,
            "num_pages": max(1, math.ceil(count / f.page_size)), "results": results}


@router.post("", response={201: DocumentDetail, 403: ProblemOut, 422: ProblemOut},
             auth=API_AUTH, url_name="documents_create", summary="Soạn dự thảo văn bản đi")
def document_create(request: HttpRequest, payload: DocumentIn) -> Reply[dict[str, Any]]:
    user = request.auth  # type: ignore[attr-defined]
    doc = services.document_draft(
        actor=user, agency=_drafting_agency(user, payload.agency), doc_type=payload.type,
        subject=payload.subject, body=payload.body, urgency=payload.urgency,
        confidentiality=payload.confidentiality,
        recipients=_agencies(payload.recipients, "recipients"),
        recipient_lines=payload.recipient_lines, unit_abbr=payload.unit_abbr,
        signer=_user(payload.signer, "signer") if payload.signer else None,
        comment=payload.comment,
    )
    return Reply(201, _detail(user, document_for(user, doc.pk)))


@router.get("/inbox", response=list[IncomingOut], auth=API_AUTH, url_name="documents_inbox",
            summary="Văn bản đến được giao cho người gọi xử lý, theo hạn")
def document_inbox(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.auth  # type: ignore[attr-defined]
    return [_incoming(r) for r in inbox(user)[:200]]


@router.get("/{id}", response={200: DocumentDetail, 404: ProblemOut}, auth=API_AUTH,
            url_name="documents_detail", summary="Một văn bản")
def document_detail(request: HttpRequest, id: int) -> dict[str, Any]:  # noqa: A002
    user = request.auth  # type: ignore[attr-defined]
    return _detail(user, document_for(user, id))


@router.get("/{id}/file", response={200: None, 404: ProblemOut}, auth=API_AUTH,
            url_name="documents_file", summary="Tệp PDF đã ký mới nhất của văn bản")
def document_file(request: HttpRequest, id: int) -> HttpResponse:  # noqa: A002
    """The latest signed revision (the agency-signed one once issued) to whoever may see the
    document; 404 for anyone else and while nothing is signed."""
    user = request.auth  # type: ignore[attr-defined]
    doc = document_for(user, id)
    row = (DocumentFile.objects.filter(document=doc).order_by("-created_at", "-pk").first())
    if row is None:
        raise DomainError(message=_("Văn bản chưa có tệp đã ký."), status=404, code="not_found")
    name = (doc.notation or f"van-ban-{doc.pk}").replace("/", "-")
    response = HttpResponse(pdf_read(row.storage_path, row.sha256),
                            content_type="application/pdf")
    response["Content-Disposition"] = (f'inline; filename="van-ban-{doc.pk}.pdf"; '
                                       f"filename*=UTF-8''{quote(name)}.pdf")
    response["X-Content-SHA256"] = row.sha256
    return response


def _pdf_response(data: bytes, sha256: str, *, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (f'inline; filename="{fallback}.pdf"; '
                                       f"filename*=UTF-8''{quote(filename)}.pdf")
    response["X-Content-SHA256"] = sha256
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post(
    "/{id}/attachments",
    response={201: DocumentDetail, 403: ProblemOut, 404: ProblemOut, 409: ConflictOut,
              422: ProblemOut},
    auth=API_AUTH, url_name="documents_attach",
    summary="Thêm phụ lục (tệp PDF, multipart: title, file) vào dự thảo",
)
def document_attachment_add(request: HttpRequest, id: int,  # noqa: A002
                            payload: Form[AttachmentIn],
                            file: File[UploadedFile | None] = None) -> Any:
    """The PDF is checked by its content (a PDF within the upload limit, not encrypted,
    without JavaScript or embedded files; else 422 on `file`); the draft gets a new version.
    409 with the current revision when `expected_revision` is stale or the document is no
    longer a draft."""
    user = request.auth  # type: ignore[attr-defined]
    doc = document_for(user, id)
    if file is None:  # checked here: the API's error handler would not name the field "file"
        raise DomainError.for_field("file", _("Hãy chọn tệp PDF của phụ lục."), code="required")
    refusal = too_large(file.size or 0, name=file.name or "")
    if refusal is not None:
        raise refusal
    try:
        services.document_attach(
            document=doc, actor=user, title=payload.title, data=file.read(),
            file_name=file.name or "", comment=payload.comment,
            expected_revision=payload.expected_revision)
    except services.Conflict as exc:
        return _conflict(exc, doc)
    return Reply(201, _detail(user, document_for(user, id)))


@router.delete(
    "/{id}/attachments/{n}",
    response={200: DocumentDetail, 403: ProblemOut, 404: ProblemOut, 409: ConflictOut,
              422: ProblemOut},
    auth=API_AUTH, url_name="documents_detach", summary="Bỏ phụ lục thứ n khỏi dự thảo",
)
def document_attachment_remove(request: HttpRequest, id: int, n: int,  # noqa: A002
                               expected_revision: int | None = None) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    doc = document_for(user, id)
    try:
        services.document_detach(document=doc, actor=user, number=n,
                                 expected_revision=expected_revision)
    except services.Conflict as exc:
        return _conflict(exc, doc)
    return _detail(user, document_for(user, id))


@router.get("/{id}/attachments/{n}/file", response={200: None, 404: ProblemOut},
            auth=API_AUTH, url_name="documents_attachment_file",
            summary="Tệp PDF của phụ lục thứ n (bản đã ký số cơ quan khi văn bản đã ban hành)")
def document_attachment_file(request: HttpRequest, id: int, n: int) -> HttpResponse:  # noqa: A002
    """Scoped as the document's file: the issuing agency gets the uploaded file while the
    document is a draft, then the agency-signed one; a recipient agency the signed one only;
    404 for anyone else."""
    user = request.auth  # type: ignore[attr-defined]
    doc = document_for(user, id)
    row = document_attachment(user, doc, n)
    stem = (doc.notation or f"van-ban-{doc.pk}").replace("/", "-")
    return _pdf_response(attachment_bytes(row),
                         row.signed_sha256 if row.is_signed else row.sha256,
                         filename=f"{stem}-phu-luc-{n}", fallback=f"van-ban-{doc.pk}-phu-luc-{n}")


def _action_kwargs(payload: ActionIn) -> dict[str, Any]:
    values: dict[str, Any] = {"comment": payload.comment,
                              "expected_revision": payload.expected_revision}
    if payload.action != "revise":
        return values
    for name in ("subject", "body", "urgency", "confidentiality", "recipient_lines",
                 "unit_abbr"):
        values[name] = getattr(payload, name)
    values["doc_type"] = payload.type
    if payload.recipients is not None:
        values["recipients"] = _agencies(payload.recipients, "recipients")
    if payload.signer:
        values["signer"] = _user(payload.signer, "signer")
    return values


@router.post(
    "/{id}/actions",
    response={200: DocumentDetail, 403: ProblemOut, 404: ProblemOut, 409: ConflictOut,
              422: ProblemOut},
    auth=API_AUTH, url_name="documents_action",
    summary="Một bước của văn bản: revise, submit, approve, send_back, sign, register, issue, "
            "send",
)
def document_action(request: HttpRequest, id: int, payload: ActionIn) -> Any:  # noqa: A002
    """409 with the current revision and status when `expected_revision` is stale or the
    status does not allow the step."""
    user = request.auth  # type: ignore[attr-defined]
    doc = document_for(user, id)
    fn = services.ACTIONS[payload.action]
    kwargs = _action_kwargs(payload)
    if payload.action in ("register", "send"):
        kwargs.pop("comment")
    try:
        fn(document=doc, actor=user, **kwargs)
    except services.Conflict as exc:
        return _conflict(exc, doc)
    return _detail(user, document_for(user, id))


@router.post(
    "/incoming/{id}/actions",
    response={200: IncomingOut, 403: ProblemOut, 404: ProblemOut, 409: ConflictOut,
              422: ProblemOut},
    auth=API_AUTH, url_name="documents_incoming_action",
    summary="Xử lý văn bản đến: register, direct, assign, start, done",
)
def incoming_action(request: HttpRequest, id: int, payload: IncomingActionIn) -> Any:  # noqa: A002
    user = request.auth  # type: ignore[attr-defined]
    rec = incoming_register(user, RegisterFilters()).filter(pk=id).first()
    if rec is None:
        raise DomainError(message=_("Không tìm thấy văn bản đến."), status=404, code="not_found")
    common = {"record": rec, "actor": user, "expected_revision": payload.expected_revision}
    try:
        if payload.action == "register":  # the clerk's entry in the incoming register
            services.incoming_register(comment=payload.comment, **common)
        elif payload.action == "direct":
            services.incoming_direct(direction=payload.direction, **common)
        elif payload.action == "assign":
            if payload.deadline is None:
                raise DomainError.for_field("deadline", _("Cần hạn xử lý (ngày)."),
                                            code="required")
            services.incoming_assign(
                deadline=payload.deadline, assigned_unit=payload.assigned_unit,
                assignee=_user(payload.assignee, "assignee") if payload.assignee else None,
                comment=payload.comment, **common)
        elif payload.action == "start":
            services.incoming_start(**common)
        else:
            services.incoming_done(result=payload.result, **common)
    except services.Conflict as exc:
        return _conflict(exc, rec)
    return _incoming(IncomingRecord.objects.select_related(*INCOMING_RELATED).get(pk=rec.pk))
