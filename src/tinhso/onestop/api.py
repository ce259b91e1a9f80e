"""The one-stop API: dossiers (create, list, read, act on, files, slips), public tracking and
statistics. Mounted in config/api.py at /api/v1/dossiers, /api/v1/tracking and /api/v1/stats.

Every write goes through `tinhso.onestop.services`, every read through `selectors`/`stats`;
this module only translates HTTP to their keyword arguments and their results to JSON. Errors
are the project's problem details (DomainError is turned into 4xx centrally), except the 409
conflict of an action, which also carries the dossier's current revision and status so that a
client can reload and retry.

Multipart bodies are read by hand (not through ninja's File parameters) so that the size of
the whole request is checked before Django parses a byte of it, and so that file parts can be
named after the required document they carry (`doc_<id>`).
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import math
import re
from collections.abc import Iterable
from typing import Any

import pydantic
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status as Reply

from tinhso.accounts.auth import API_AUTH
from tinhso.accounts.models import User
from tinhso.core.audit import audit_record, client_ip
from tinhso.core.errors import DomainError, NotAllowed, NotFound
from tinhso.core.tables import Format, table_response
from tinhso.directory.models import AdminUnit, Agency
from tinhso.onestop import files as filestore
from tinhso.onestop import services
from tinhso.onestop.codes import TZ, is_dossier_code
from tinhso.onestop.models import Apology, Dossier, DossierEvent, DossierFile, Handover
from tinhso.onestop.schemas import (
    ActionIn,
    ConflictOut,
    DossierCreateForm,
    DossierDetail,
    DossierFilters,
    DossierPage,
    ProblemOut,
    StatsOut,
    StatsQuery,
    TrackingOut,
)
from tinhso.onestop.selectors import (
    LIST_RELATED,
    dossier_for,
    dossier_handovers,
    dossier_history,
    dossier_personal_data,
    dossiers_visible_to,
    queue,
    queue_page,
    tracking,
)
from tinhso.onestop.slips import APPLICANT_SLIPS, SLIP_KINDS, render_slip
from tinhso.onestop.stats import MONTHLY_COLUMNS, dossier_stats, monthly_by_agency
from tinhso.onestop.status import DVCQG_STRINGS, Channel, Status
from tinhso.onestop.workflow import steps_for

try:  # Django 5.x
    from django.core.exceptions import TooManyFilesSent
except ImportError:  # pragma: no cover
    TooManyFilesSent = TooManyFieldsSent  # type: ignore[misc,assignment]

dossiers_router = Router()
tracking_router = Router()
stats_router = Router()

VIEW = "onestop.dossier.view"
DEFAULT_MAX_REQUEST_BYTES = 50 * 1024 * 1024
MAX_PAGE_SIZE = 100
DOC_PART = re.compile(r"^doc_(\d{1,18})$")
# Slips the applicant may print: the ones addressed to them, and the control slip that goes
# with the dossier. Officers of the dossier's agencies may print every slip.


def max_request_bytes() -> int:
    return int(getattr(settings, "TINHSO_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))


# --- request parsing ------------------------------------------------------------------------


def _validate(schema: type[pydantic.BaseModel], data: dict[str, Any]) -> Any:
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise NinjaValidationError(
            [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        ) from None


def _multipart(request: HttpRequest) -> tuple[dict[str, str], dict[str, list[Any]]]:
    """The fields and file parts of a form body, after checking the size of the whole request
    (nothing is parsed when it is too big)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = max_request_bytes()
    if length > limit:
        raise DomainError(
            message=_("Yêu cầu quá lớn (%(size)s MB); tối đa %(limit)s MB cho cả hồ sơ.")
            % {"size": f"{length / 1048576:.1f}", "limit": f"{limit / 1048576:g}"},
            status=413, code="too_large",
        )
    try:
        fields = {k: request.POST.get(k, "") for k in request.POST}
        parts = {k: request.FILES.getlist(k) for k in request.FILES}
    except RequestDataTooBig:
        raise DomainError(message=_("Các trường của biểu mẫu quá lớn."), status=413,
                          code="too_large") from None
    except (TooManyFieldsSent, TooManyFilesSent):
        raise DomainError.for_field("files", _("Quá nhiều trường hoặc tệp trong yêu cầu."),
                                    code="too_many") from None
    return fields, parts


def _is_form(request: HttpRequest) -> bool:
    ctype = request.META.get("CONTENT_TYPE", "")
    return ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded"))


def _file_parts(parts: dict[str, list[Any]], *,
                allowed: tuple[str, ...] = ("files",)) -> list[tuple[int | None, str, Any]]:
    """(required document id or None, name, file) for each part, each checked (type by
    content, size) under the name of its own part so that the error names it."""
    out: list[tuple[int | None, str, Any]] = []
    for key, uploads in parts.items():
        match = DOC_PART.match(key)
        if match is None and key not in allowed:
            raise DomainError.for_field(
                key, _("Phần tệp không hợp lệ: đặt tên doc_<mã thành phần> hoặc files."))
        document_id = int(match[1]) if match else None
        for f in uploads:
            checked = filestore.file_check(f.name, f, field=key, document_id=document_id)
            out.append((document_id, f.name, checked))  # not checked again by the service
    if len(out) > services.MAX_FILES:
        raise DomainError.for_field(
            "files", _("Tối đa %(n)d tệp mỗi hồ sơ.") % {"n": services.MAX_FILES})
    return out


def _openapi_body(schema: type[pydantic.BaseModel], *, json_body: bool,
                  files: dict[str, str]) -> dict[str, Any]:
    form = schema.model_json_schema(ref_template="#/components/schemas/{model}")
    props = dict(form.get("properties", {}))
    for part, description in files.items():
        props[part] = {"type": "array", "items": {"type": "string", "format": "binary"}, "description": description}
    content: dict[str, Any] = {
        "multipart/form-data": {"schema": {"type": "object", "properties": props,
                                           "required": form.get("required", [])}},
    }
    if json_body:
        content["application/json"] = {"schema": form}
    return {"requestBody": {"required": True, "content": content}}


CREATE_BODY = {
    **_openapi_body(DossierCreateForm, json_body=False, files={
        "doc_<id>": "Tệp của thành phần hồ sơ có mã <id> (PDF, JPEG, PNG; tối đa 10 MB mỗi tệp)",
        "files": "Tệp khác kèm theo",
    }),
    "parameters": [{
        "in": "header", "name": "Idempotency-Key", "required": False,
        "schema": {"type": "string", "maxLength": 100},
        "description": "Gửi lại cùng khóa: trả về hồ sơ đã tạo (200) thay vì tạo hồ sơ mới",
    }],
}
ACTION_BODY = _openapi_body(ActionIn, json_body=True, files={
    "files": "supply: tệp bổ sung (hoặc doc_<id>)",
    "result": "approve: kết quả điện tử (PDF)",
})


# --- output ---------------------------------------------------------------------------------


def _status(code: int) -> dict[str, Any]:
    s = Status(code)
    return {"code": int(s), "label": str(s.label), "dvcqg": DVCQG_STRINGS[s]}


def _agency(a: Agency) -> dict[str, str]:
    return {"code": a.code, "name": a.name}


def _summary(d: Dossier) -> dict[str, Any]:
    return {
        "code": d.code, "status": _status(d.status), "revision": d.revision,
        "channel": {"code": int(d.channel), "label": str(Channel(d.channel).label)},
        "procedure": {"code": d.procedure.code, "name": d.version.name,
                      "version": d.version.number},
        "agency": _agency(d.agency), "receiving_agency": _agency(d.receiving_agency),
        "current_agency": _agency(d.current_agency), "current_role": d.current_role,
        "submitted_at": d.submitted_at, "received_at": d.received_at, "due_at": d.due_at,
        "promised_at": d.promised_at, "resolved_at": d.resolved_at,
        "returned_at": d.returned_at, "timeliness": d.timeliness,
    }


def _applicant(request: HttpRequest, user: Any, d: Dossier) -> dict[str, str] | None:
    """The applicant's personal data, for those who may see it (each officer's read audited)."""
    data = dossier_personal_data(user=user, dossier=d, purpose="dossier.api",
                                 ip=client_ip(request))
    return None if data is None else {"name": data.name, "id_number": data.id_number,
                                      "address": data.address, "phone": data.phone,
                                      "email": data.email}


# What each action needs (besides `expected_revision`), for clients drawing buttons.
ACTION_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "receive": ((), ("comment",), False),
    "refuse": (("reason",), ("comment",), False),
    "request_supplement": (("reason",), ("comment",), False),
    "supply": ((), ("comment", "files"), True),
    "forward": ((), ("comment", "to_user"), False),
    "send_back": (("comment",), ("to_user",), False),
    "request_payment": ((), ("comment", "amount"), False),
    "confirm_payment": ((), ("comment", "reference"), False),
    "approve": ((), ("comment", "result"), True),
    "return_result": ((), ("comment",), False),
    "withdraw": (("reason",), (), False),
    "stop": (("reason",), (), False),
    "apology_draft": (("reason", "new_due_at"), (), False),
    "apology_approve": ((), ("apology",), False),
    "rate": (("scores",), ("comment",), False),
}


def allowed_actions(user: Any, d: Dossier) -> list[str]:
    """The actions the services would accept from `user` now."""
    return services.available_actions(user, d)


def _detail(request: HttpRequest, user: Any, d: Dossier, *,
            known: services.Submission | None = None) -> dict[str, Any]:
    """The dossier as its detail answer; `known` (a submission just made) supplies the files
    and events written, which then need not be read back (nothing else exists yet)."""
    steps = steps_for(d)
    step_name = steps[d.current_step].name if d.current_step < len(steps) else ""
    if known is not None:
        files: Iterable[DossierFile] = known.files
        history: Iterable[DossierEvent] = known.events
        handovers: Iterable[Handover] = ()
    else:
        files = DossierFile.objects.filter(dossier=d).order_by("uploaded_at", "pk")
        history, handovers = dossier_history(d), dossier_handovers(d)
    return {
        **_summary(d),
        "current_step": d.current_step, "current_step_name": step_name,
        "ended_at": d.ended_at, "end_reason": d.end_reason, "fee_total": d.fee_total,
        "applicant": _applicant(request, user, d),
        "files": [
            {"id": f.pk, "name": f.name, "kind": f.kind, "content_type": f.content_type,
             "size": f.size, "sha256": f.sha256, "is_digitized": f.is_digitized,
             "document_id": f.document_id, "uploaded_at": f.uploaded_at,
             "download_url": reverse("api:onestop_dossier_file",
                                     kwargs={"code": d.code, "file_id": f.pk})}
            for f in files
        ],
        # The dossier's own events: who acted (officers by name), on what, with the comment.
        # The `data` of events (internal references) is not exposed.
        "history": [
            {"at": e.at, "action": e.action, "from_status": e.from_status,
             "to_status": e.to_status, "actor_name": e.actor_name,
             "agency": e.agency.code if e.agency is not None else None, "comment": e.comment}
            for e in history
        ],
        "handovers": [
            {"step": h.step, "step_name": h.step_name, "from_agency": _agency(h.from_agency),
             "from_user": _person(h.from_user), "to_agency": _agency(h.to_agency),
             "to_role": h.to_role, "to_user": _person(h.to_user), "at": h.at,
             "step_due_at": h.step_due_at, "done_at": h.done_at, "timeliness": h.timeliness}
            for h in handovers
        ],
        "allowed_actions": [
            {"name": name, "requires": list(ACTION_FIELDS[name][0]),
             "accepts": list(ACTION_FIELDS[name][1]), "multipart": ACTION_FIELDS[name][2]}
            for name in allowed_actions(user, d)
        ],
    }


def _person(user: Any) -> str:
    if user is None:
        return ""
    return user.full_name or user.get_username()


# --- dossiers -------------------------------------------------------------------------------


@dossiers_router.post(
    "", response={200: DossierDetail, 201: DossierDetail, 413: ProblemOut, 422: ProblemOut},
    auth=API_AUTH, url_name="onestop_dossier_create", openapi_extra=CREATE_BODY,
    summary="Nộp hồ sơ (multipart; header Idempotency-Key)",
)
def dossier_create(request: HttpRequest) -> Reply[dict[str, Any]]:
    """Submit a dossier. Each file part is named `doc_<required document id>` (or `files`).
    With an `Idempotency-Key` header a retried request makes one dossier: 201 the first time,
    200 with the same dossier afterwards. An applicant's identity is taken from the account."""
    user = request.auth  # type: ignore[attr-defined]
    key = request.headers.get("Idempotency-Key", "")
    if len(key) > 100:
        raise DomainError.for_field("Idempotency-Key", _("Khóa chống gửi lặp dài quá 100 ký tự."),
                                    code="too_long")
    if not _is_form(request):
        raise DomainError.for_field("body", _("Gửi hồ sơ dưới dạng multipart/form-data."),
                                    code="content_type")
    fields, parts = _multipart(request)
    form: DossierCreateForm = _validate(DossierCreateForm, fields)
    form_data: Any = {}
    if form.form_data.strip():
        try:
            form_data = json.loads(form.form_data)
        except ValueError:
            raise DomainError.for_field("form_data", _("Tờ khai phải là JSON hợp lệ.")) from None
        if not isinstance(form_data, dict):
            raise DomainError.for_field("form_data", _("Tờ khai phải là một đối tượng JSON."))
    unit = None
    if form.unit.strip():
        unit = AdminUnit.objects.filter(code=form.unit.strip()).first()
        if unit is None:
            raise DomainError.for_field("unit", _("Không tìm thấy đơn vị hành chính."))
    if form.channel == Channel.IN_PERSON and user.kind != User.Kind.OFFICER:
        refused = NotAllowed(_("Chỉ cán bộ một cửa mới nhập hồ sơ nộp trực tiếp."))
        audit_record(actor=user, action="dossier.refused_action", object_type="catalog.procedure",
                     object_id=form.procedure_code[:64], ip=client_ip(request),
                     data={"action": "submit", "status": 403, "code": refused.code,
                           "reason": refused.message})
        raise refused
    files = _file_parts(parts)
    # An officer enters the applicant's identity (at the desk, or online for them); an
    # applicant's own comes from their account.
    officer = user.kind == User.Kind.OFFICER
    made = services.dossier_submit(
        actor=user, procedure_code=form.procedure_code, channel=form.channel,
        applicant_address=form.applicant_address, applicant_phone=form.applicant_phone,
        applicant_email=form.applicant_email, form_data=form_data, files=files,
        receiving_agency=form.receiving_agency.strip() or None, idempotency_key=key,
        unit=unit,
        applicant_name=form.applicant_name if officer else "",
        applicant_id_number=form.applicant_id_number if officer else "",
    )
    if made.created and made.events and made.dossier.applicant_id == user.pk:
        # The applicant's own new dossier: answered from what was just written.
        return Reply(201, _detail(request, user, made.dossier, known=made))
    d = dossier_for(user, made.dossier.code)
    return Reply(201 if made.created else 200, _detail(request, user, d))


@dossiers_router.get("", response=DossierPage, auth=API_AUTH, url_name="onestop_dossier_list",
                     summary="Các hồ sơ người gọi được xem")
def dossier_list(request: HttpRequest, filters: Query[DossierFilters]) -> dict[str, Any]:
    """Officers see the dossiers of their agencies, applicants their own; newest first (a
    queue is ordered by due time). A constant number of queries whatever the page."""
    user = request.auth  # type: ignore[attr-defined]
    f = filters
    status, q, agency, page, page_size = f.status, f.q, f.agency, f.page, f.page_size
    submitted_from, submitted_to = f.submitted_from, f.submitted_to
    if f.queue:
        qs = queue(user, f.queue)  # already within what the user may see
    else:
        qs = dossiers_visible_to(user).order_by("-submitted_at", "-pk")
    if status is not None:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(code__startswith=q.strip().upper())
    if agency.strip():
        qs = qs.filter(agency__code=agency.strip())
    if submitted_from and submitted_to and submitted_to < submitted_from:
        raise DomainError.for_field("submitted_to", _("Ngày kết thúc trước ngày bắt đầu."))
    if submitted_from:
        qs = qs.filter(submitted_at__gte=dt.datetime.combine(submitted_from, dt.time(),
                                                             tzinfo=TZ))
    if submitted_to:
        end = dt.datetime.combine(submitted_to + dt.timedelta(days=1), dt.time(), tzinfo=TZ)
        qs = qs.filter(submitted_at__lt=end)
    count = qs.count()
    start = (page - 1) * page_size
    if start >= count:
        rows = []
    elif f.queue:
        rows = queue_page(qs, start, start + page_size)
    else:
        rows = list(qs[start:start + page_size])
    return {"count": count, "page": page, "page_size": page_size,
            "num_pages": max(1, math.ceil(count / page_size)),
            "results": [_summary(d) for d in rows]}


@dossiers_router.get("/{code}", response={200: DossierDetail, 404: ProblemOut}, auth=API_AUTH,
                     url_name="onestop_dossier_detail", summary="Chi tiết một hồ sơ")
def dossier_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    return _detail(request, user, dossier_for(user, code))


def _conflict(exc: DomainError, code: str) -> HttpResponse:
    d = Dossier.objects.filter(code=code).only("revision", "status").first()
    body: dict[str, Any] = {"type": "about:blank", "title": exc.message, "status": 409,
                            "detail": exc.message, "code": exc.code}
    if d is not None:
        body["revision"] = d.revision
        body["current_status"] = _status(d.status)
    return JsonResponse(body, status=409, content_type="application/problem+json",
                        json_dumps_params={"ensure_ascii": False})


def _to_user(username: str | None) -> Any:
    if not username:
        return None
    target = User.objects.filter(username=username, is_active=True).first()
    if target is None:
        raise DomainError.for_field("to_user", _("Không tìm thấy người nhận."))
    return target


def _action_kwargs(payload: ActionIn, d: Dossier, parts: dict[str, list[Any]]) -> dict[str, Any]:
    """The service's keyword arguments from the request, only those it takes."""
    values: dict[str, Any] = {
        "comment": payload.comment, "reason": payload.reason,
        "expected_revision": payload.expected_revision,
    }
    if payload.to_user:
        values["to_user"] = _to_user(payload.to_user)
    if payload.amount is not None:
        values["amount"] = payload.amount
    if payload.reference:
        values["reference"] = payload.reference
    if payload.action == "supply":
        values["files"] = _file_parts(parts)
    elif parts:
        if payload.action != "approve" or set(parts) - {"result"}:
            raise DomainError.for_field(next(iter(parts)),
                                        _("Thao tác này không nhận tệp."))
        uploads = parts["result"]
        if len(uploads) != 1:
            raise DomainError.for_field("result", _("Gửi đúng một tệp kết quả."))
        filestore.file_check(uploads[0].name, uploads[0], field="result")
        values["result"] = (uploads[0].name, uploads[0])
    return values


def _perform(payload: ActionIn, d: Dossier, user: Any,
             parts: dict[str, list[Any]]) -> None:
    name = payload.action
    if name in services.ACTIONS:
        fn = services.ACTIONS[name]
        accepted = inspect.signature(fn).parameters
        kwargs = {k: v for k, v in _action_kwargs(payload, d, parts).items() if k in accepted}
        fn(dossier=d, actor=user, **kwargs)
        return
    if parts:
        raise DomainError.for_field(next(iter(parts)), _("Thao tác này không nhận tệp."))
    if payload.expected_revision is not None and payload.expected_revision != d.revision:
        raise services.Conflict()
    if name == "apology_draft":
        if payload.new_due_at is None:
            raise DomainError.for_field("new_due_at", _("Cần ngày hẹn trả mới."),
                                        code="required")
        services.dossier_apology_draft(dossier=d, actor=user, reason=payload.reason,
                                       new_due_at=payload.new_due_at)
    elif name == "apology_approve":
        pending = Apology.objects.filter(dossier=d, approved_at__isnull=True)
        if payload.apology is not None:
            pending = pending.filter(pk=payload.apology)
        apology = pending.order_by("-pk").first()
        if apology is None:
            raise DomainError.for_field("apology", _("Không có phiếu xin lỗi chờ duyệt."))
        services.dossier_apology_approve(apology=apology, actor=user)
    elif name == "rate":
        if payload.scores is None:
            raise DomainError.for_field("scores", _("Cần điểm cho từng tiêu chí."),
                                        code="required")
        services.dossier_rate(dossier=d, actor=user, scores=payload.scores,
                              comment=payload.comment)


@dossiers_router.post(
    "/{code}/actions",
    response={200: DossierDetail, 403: ProblemOut, 404: ProblemOut, 409: ConflictOut,
              422: ProblemOut},
    auth=API_AUTH, url_name="onestop_dossier_action", openapi_extra=ACTION_BODY,
    summary="Thực hiện một thao tác trên hồ sơ",
)
def dossier_action(request: HttpRequest, code: str) -> Any:
    """Perform an action (JSON, or multipart for `supply` with files and `approve` with the
    result). 409 with the current revision and status when the dossier has moved on."""
    user = request.auth  # type: ignore[attr-defined]
    d = services.dossier_get_for_action(code)  # 404 for an unknown code
    parts: dict[str, list[Any]] = {}
    if _is_form(request):
        fields, parts = _multipart(request)
        data: Any = dict(fields)
        if "scores" in data:
            try:
                data["scores"] = json.loads(data["scores"])
            except ValueError:
                raise DomainError.for_field("scores", _("Điểm phải là JSON.")) from None
        for key in ("expected_revision", "amount", "apology", "to_user", "new_due_at"):
            if data.get(key) == "":
                data.pop(key)
    else:
        try:
            data = json.loads(request.body or b"{}")
        except RequestDataTooBig:
            raise DomainError(message=_("Nội dung yêu cầu quá lớn."), status=413,
                              code="too_large") from None
        except ValueError:
            raise DomainError.for_field("body", _("Nội dung phải là JSON hợp lệ.")) from None
        if not isinstance(data, dict):
            raise DomainError.for_field("body", _("Nội dung phải là một đối tượng JSON."))
    payload: ActionIn = _validate(ActionIn, data)
    if not dossiers_visible_to(user).filter(pk=d.pk).exists():
        # Someone with no business with this dossier: refused whatever its status, and logged.
        refused = NotAllowed()
        audit_record(actor=user, action="dossier.refused_action", obj=d, ip=client_ip(request),
                     data={"action": payload.action, "status": 403, "code": refused.code,
                           "reason": refused.message, "dossier_status": d.status})
        raise refused
    try:
        _perform(payload, d, user, parts)
    except services.Conflict as exc:
        return _conflict(exc, d.code)
    # Read back without the visibility filter: an inter-agency step's officer who hands the
    # dossier back may no longer see it in lists, but gets the outcome of their own action.
    fresh = Dossier.objects.select_related(*LIST_RELATED).get(pk=d.pk)
    return _detail(request, user, fresh)


@dossiers_router.get("/{code}/files/{file_id}", auth=API_AUTH, url_name="onestop_dossier_file",
                     response={200: None, 404: ProblemOut},
                     summary="Tải một tệp của hồ sơ")
def dossier_file(request: HttpRequest, code: str, file_id: int) -> FileResponse:
    """The stored bytes, for those who may see the dossier (officers' reads are logged)."""
    user = request.auth  # type: ignore[attr-defined]
    d = dossier_for(user, code)
    f = DossierFile.objects.filter(dossier=d, pk=file_id).first()
    if f is None:
        raise NotFound(_("Không tìm thấy tệp."))
    if d.applicant_id != user.pk:
        audit_record(actor=user, action="dossier.file_read", obj=d, ip=client_ip(request),
                     data={"code": d.code, "file": f.pk, "name": f.name})
    try:
        handle = filestore.file_open(f)
    except FileNotFoundError:
        raise NotFound(_("Tệp không còn trên máy chủ lưu trữ.")) from None
    response = FileResponse(handle, as_attachment=True, filename=f.name,
                            content_type=f.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@dossiers_router.get("/{code}/slips/{kind}", auth=API_AUTH, url_name="onestop_dossier_slip",
                     response={200: None, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
                     summary="In phiếu của hồ sơ (PDF)")
def dossier_slip(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """One slip as PDF (kinds: receipt, supplement, refusal, apology, stop, control), for the
    officers who handle the dossier in its agencies, and for the applicant."""
    user = request.auth  # type: ignore[attr-defined]
    d = dossier_for(user, code)
    if kind not in SLIP_KINDS:
        raise DomainError.for_field(
            "kind", _("Loại phiếu không hợp lệ. Chọn một trong: %(kinds)s.")
            % {"kinds": ", ".join(SLIP_KINDS)})
    applicant = d.applicant_id is not None and d.applicant_id == user.pk
    if applicant and kind not in APPLICANT_SLIPS:
        raise NotAllowed()
    # Slips print the applicant's name and number: a personal-data read (audited).
    if dossier_personal_data(user=user, dossier=d, purpose=f"slip.{kind}",
                             ip=client_ip(request)) is None:
        raise NotAllowed()
    pdf = render_slip(d, kind)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{kind}-{d.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- public tracking ------------------------------------------------------------------------


@tracking_router.get("/{code}", response={200: TrackingOut, 404: ProblemOut, 422: ProblemOut},
                     url_name="onestop_tracking", summary="Tra cứu hồ sơ theo mã (công khai)")
def dossier_tracking(request: HttpRequest, code: str, response: HttpResponse) -> dict[str, Any]:
    """What anyone may know of a dossier by its code: procedure, agencies, status, dates and
    the timeline of status changes; no names, numbers, addresses or comments. Two queries, no
    audit write; cacheable for 30 seconds."""
    if not is_dossier_code(code):
        raise DomainError.for_field("code",
                                    _("Mã hồ sơ không hợp lệ: cần dạng 000.01.01.H56-251127-0001."))
    data = tracking(code).as_dict()
    response["Cache-Control"] = "public, max-age=30"
    return data


# --- statistics -----------------------------------------------------------------------------


@stats_router.get("/dossiers", response={200: StatsOut, 403: ProblemOut, 422: ProblemOut},
                  auth=API_AUTH, by_alias=True, url_name="onestop_stats",
                  summary="Số liệu hồ sơ trong một khoảng thời gian")
def stats_dossiers(request: HttpRequest, params: Query[StatsQuery]) -> dict[str, Any]:
    """Received, resolved (early, on time, late), in progress, overdue, withdrawn, stopped,
    refused and the on-time rate, in total, by channel and by online level (see
    docs/onestop.md for each definition). Needs "onestop.stats.view"."""
    user = request.auth  # type: ignore[attr-defined]
    target = None
    agency = params.agency.strip()
    if agency:
        target = Agency.objects.filter(code=agency).first()
        if target is None:
            raise DomainError.for_field("agency", _("Không tìm thấy cơ quan."))
    return dossier_stats(user=user, date_from=params.date_from, date_to=params.date_to,
                         agency=target)



@stats_router.get("/dossiers/monthly", response={200: None, 422: ProblemOut},
                  url_name="onestop_stats_monthly",
                  summary="Số liệu hồ sơ theo tháng và cơ quan trong một năm (công khai)")
def stats_dossiers_monthly(request: HttpRequest, year: int | None = None,
                           format: Format = "csv") -> HttpResponse:  # noqa: A002
    """The province's year as a public table (CSV or JSON): per month and agency, received,
    resolved (early, on time, late), withdrawn, stopped, refused and the on-time rate; counts
    only, read from the monthly rollup; `year` defaults to this year. The open data portal's
    dataset "ho-so-theo-thang-va-co-quan" links here, so it is always current."""
    year = year or timezone.localtime(timezone.now(), TZ).year  # default: this year
    if not 2000 <= year <= 2100:
        raise DomainError.for_field("year", _("Năm không hợp lệ."))
    rows = monthly_by_agency(settings.TINHSO_PROVINCE_CODE, year)
    return table_response(rows, MONTHLY_COLUMNS, format, f"ho-so-theo-thang-{year}")
