"""Every write to a dossier: submission and each move of its status.

Each transition runs in one transaction: it locks the dossier row, refuses with `Conflict`
(409) when the caller acted on an older revision or the status no longer allows the action,
checks the actor's permission, then writes the new state, a DossierEvent, an audit event,
the DossierStat rollup and, for a status change, an OutboxMessage for the national portal;
the applicant's e-mail waits for the commit. A refused action (403 or 409) is itself recorded
in the audit log as "dossier.refused_action".

Every service takes `at`, the moment of the action (default now), so that the demo and tests
are deterministic.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.identity import IdentityError, normalize_tax_code, parse_citizen_id
from tinhso.catalog.models import GovernmentLevel, OnlineLevel, ProcedureVersion
from tinhso.catalog.selectors import get_current_version
from tinhso.core.audit import audit_record
from tinhso.core.calendar import calendar_for_province
from tinhso.core.errors import DomainError, NotAllowed, NotFound
from tinhso.core.text import UnsafeText, clean_text
from tinhso.directory.models import AdminUnit, Agency, Role
from tinhso.directory.permissions import can, holds_role
from tinhso.onestop import files as filestore
from tinhso.onestop.codes import local_day, next_dossier_code
from tinhso.onestop.models import (
    Apology,
    Dossier,
    DossierEvent,
    DossierFile,
    Handover,
    OutboxMessage,
    Payment,
    Rating,
)
from tinhso.onestop.notify import notify_applicant
from tinhso.onestop.rollups import rollup_bump_many
from tinhso.onestop.status import DVCQG_STRINGS, Channel, Status
from tinhso.onestop.workflow import (
    approval_index,
    statutory_due,
    step_due,
    steps_for,
    timeliness_of,
)

logger = logging.getLogger(__name__)

RECEIVE = "onestop.dossier.receive"
PROCESS = "onestop.dossier.process"
APPROVE = "onestop.dossier.approve"

MAX_FORM_BYTES = 64 * 1024
MAX_FILES = 30

# The nine indicators of the per-dossier rating (Circular 01/2018/TT-VPCP style; the exact list
# is unconfirmed, see docs/onestop.md), each scored 0, 1 or 2.
RATING_INDICATORS: dict[str, str] = {
    "procedure_public": "Thủ tục được công khai đầy đủ, rõ ràng",
    "documents_count": "Số lượng giấy tờ phải nộp đúng quy định",
    "forms": "Biểu mẫu, tờ khai dễ hiểu, dễ kê khai",
    "fees": "Phí, lệ phí đúng quy định",
    "contacts": "Số lần phải liên hệ để hoàn thành hồ sơ",
    "total_time": "Tổng thời gian giải quyết so với quy định",
    "attitude": "Thái độ của cán bộ, công chức",
    "guidance": "Cán bộ hướng dẫn đầy đủ, dễ hiểu",
    "result": "Kết quả đúng quy định, chính xác",
}


class Conflict(DomainError):
    """The dossier moved on since the caller looked at it, or its status does not allow the
    action (HTTP 409)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message=message or _("Hồ sơ đã thay đổi trạng thái; vui lòng tải lại và thử lại."),
            status=409, code="conflict",
        )


# --- small helpers --------------------------------------------------------------------------


def _moment(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return timezone.now()
    if not isinstance(at, dt.datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise DomainError.for_field("at", _("Thời điểm phải có múi giờ."))
    return at


def _authenticated(actor: Any) -> bool:
    return actor is not None and bool(getattr(actor, "is_authenticated", False))


def _actor_name(actor: Any) -> str:
    if not _authenticated(actor):
        return ""
    return (getattr(actor, "full_name", "") or actor.get_username())[:150]


def _text(value: Any, field: str, *, required: bool = False, multiline: bool = False,
          max_length: int | None = None) -> str:
    try:
        text = clean_text(str(value or ""), multiline=multiline)
    except UnsafeText:
        raise DomainError.for_field(field, _("Có ký tự điều khiển hoặc ký tự ẩn không hợp lệ.")) \
            from None
    if required and not text:
        raise DomainError.for_field(field, _("Cần nhập nội dung này."), code="required")
    if max_length is not None and len(text) > max_length:
        raise DomainError.for_field(field, _("Dài quá %(n)d ký tự.") % {"n": max_length},
                                    code="too_long")
    return text


def _log_refusal(actor: Any, action: str, exc: DomainError, *, dossier: Dossier | None = None,
                 object_type: str = "", object_id: str = "") -> None:
    try:
        with transaction.atomic():
            audit_record(
                actor=actor if _authenticated(actor) else None, action="dossier.refused_action",
                obj=dossier, object_type=object_type, object_id=object_id,
                data={"action": action, "status": exc.status, "code": exc.code,
                      "reason": exc.message,
                      "dossier_status": dossier.status if dossier is not None else None},
            )
    except Exception:  # the refusal itself must reach the caller even if logging fails
        logger.exception("could not log a refused %s", action)


T = TypeVar("T")


def _guarded(action: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Run a transition in one transaction; log refusals (403/409) after the rollback; copy
    the new state onto the caller's Dossier instance."""

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def wrapper(**kwargs: Any) -> T:
            dossier = kwargs.get("dossier")
            if dossier is None and "apology" in kwargs:
                dossier = kwargs["apology"].dossier
            try:
                with transaction.atomic():
                    result = fn(**kwargs)
            except (NotAllowed, Conflict) as exc:
                _log_refusal(kwargs.get("actor"), action, exc, dossier=dossier)
                raise
            if isinstance(result, Dossier) and dossier is not None and result is not dossier:
                for f in Dossier._meta.concrete_fields:
                    setattr(dossier, f.attname, getattr(result, f.attname))
            return result

        return wrapper

    return decorate


def _lock(dossier: Dossier, expected_revision: int | None,
          allowed: Iterable[int]) -> Dossier:
    d = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("version", "procedure", "agency", "receiving_agency", "current_agency")
        .get(pk=dossier.pk)
    )
    if expected_revision is not None and int(expected_revision) != d.revision:
        raise Conflict()
    if d.status not in set(allowed):
        raise Conflict(
            _("Không thể thực hiện thao tác này khi hồ sơ đang ở trạng thái “%(status)s”.")
            % {"status": d.get_status_display()}
        )
    return d


def _outbox(d: Dossier, at: dt.datetime) -> None:
    transaction.on_commit(_deliver_soon)
    OutboxMessage.objects.create(
        dossier=d, province_code=d.province_code, created_at=at, next_attempt_at=at,
        payload={
            "code": d.code, "status": int(d.status), "dvcqg_status": DVCQG_STRINGS[Status(d.status)],
            "at": at.isoformat(), "agency": d.agency.code, "procedure": d.procedure.code,
        },
    )


def _deliver_soon() -> None:
    """After commit: have the worker deliver the new outbox messages."""
    from tinhso.onestop.tasks import deliver_to_national_portal

    try:
        deliver_to_national_portal.enqueue()
    except Exception:  # a queue hiccup must not fail the request; the next round delivers
        logger.exception("could not enqueue national-portal delivery")


def _move(d: Dossier, *, actor: Any, action: str, to_status: int, at: dt.datetime,
          comment: str = "", agency_id: int | None = None, data: dict[str, Any] | None = None,
          counts: dict[str, int] | None = None, notify: str = "") -> None:
    """Record a transition of a locked dossier: state, event, audit, rollup, outbox."""
    from_status = d.status
    d.status = to_status
    d.revision += 1
    d.save()
    DossierEvent.objects.create(
        dossier=d, province_code=d.province_code, at=at,
        actor=actor if _authenticated(actor) else None, actor_name=_actor_name(actor),
        agency_id=agency_id, action=action, from_status=from_status, to_status=to_status,
        comment=comment, data=data or {},
    )
    audit_record(actor=actor, action=f"dossier.{action}", obj=d,
                 data={"code": d.code, "from": from_status, "to": to_status,
                       "comment": comment, **(data or {})})
    if counts:
        rollup_bump_many(d, counts, at)
    if from_status != to_status:
        _outbox(d, at)
    if notify:
        notify_applicant(d, notify)


def _note(d: Dossier, *, actor: Any, action: str, at: dt.datetime, comment: str = "",
          agency_id: int | None = None, data: dict[str, Any] | None = None) -> None:
    """An event without a status change (apology slips, file marks)."""
    DossierEvent.objects.create(
        dossier=d, province_code=d.province_code, at=at,
        actor=actor if _authenticated(actor) else None, actor_name=_actor_name(actor),
        agency_id=agency_id, action=action, from_status=d.status, to_status=d.status,
        comment=comment, data=data or {},
    )
    audit_record(actor=actor, action=f"dossier.{action}", obj=d,
                 data={"code": d.code, "comment": comment, **(data or {})})


def _is_applicant(actor: Any, d: Dossier) -> bool:
    return _authenticated(actor) and d.applicant_id is not None and d.applicant_id == actor.pk


def _is_desk(actor: Any, d: Dossier) -> bool:
    return can(actor, RECEIVE, d.receiving_agency)


def _is_handler(actor: Any, d: Dossier) -> bool:
    return bool(d.current_role) and holds_role(actor, d.current_role, d.current_agency_id)


def _require(allowed: bool, message: str = "") -> None:
    if not allowed:
        raise NotAllowed(message) if message else NotAllowed()


def _clock_resume(d: Dossier, at: dt.datetime) -> None:
    """Back from a supplement or payment pause: the due moment moves by the working time of
    the pause, or restarts in full where the procedure says so."""
    if d.paused_at is not None and d.due_at is not None:
        cal = calendar_for_province(d.province_code)
        if d.version.supplement_restarts_clock:
            d.due_at = statutory_due(d.version, cal, at)
        else:
            d.due_at = cal.shift_due(d.due_at, d.paused_at, at)
    d.paused_at = None
    d.resumed_status = None


def _close_handover(d: Dossier, at: dt.datetime) -> None:
    h = Handover.objects.filter(dossier=d, done_at__isnull=True).order_by("-pk").first()
    if h is not None:
        h.done_at = at
        h.timeliness = timeliness_of(at, h.step_due_at)
        h.save(update_fields=["done_at", "timeliness"])


def _hand_to(d: Dossier, target: int, *, actor: Any, at: dt.datetime,
             to_user: Any = None) -> dict[str, Any]:
    steps = steps_for(d)
    step = steps[target]
    if to_user is not None and not holds_role(to_user, step.role, step.agency_id):
        raise DomainError.for_field("to_user", _("Người nhận không làm vai trò của bước này "
                                                 "tại cơ quan thực hiện bước."))
    _close_handover(d, at)
    from_agency = d.current_agency_id
    d.current_step = target
    d.current_role = step.role
    d.current_agency_id = step.agency_id
    d.current_officer = to_user
    cal = calendar_for_province(d.province_code)
    Handover.objects.create(
        dossier=d, step=target, step_name=step.name, from_agency_id=from_agency,
        from_user=actor if _authenticated(actor) else None, to_agency_id=step.agency_id,
        to_role=step.role, to_user=to_user, at=at, step_due_at=step_due(d, steps, target, cal),
    )
    return {"step": target, "step_name": step.name, "to_agency": step.agency_id,
            "to_role": step.role, "inter_agency": step.inter_agency}


# --- submission -----------------------------------------------------------------------------


def _applicant_fields(*, applicant: Any, name: str, id_number: str, address: str, phone: str,
                      email: str, at: dt.datetime) -> dict[str, str]:
    if applicant is not None:
        name = name or applicant.full_name or applicant.get_full_name()
        id_number = id_number or applicant.citizen_id or applicant.tax_code or ""
        address = address or applicant.address
        phone = phone or applicant.phone
        email = email or applicant.email
    fields = {
        "applicant_name": _text(name, "applicant_name", required=True, max_length=150),
        "applicant_address": _text(address, "applicant_address", max_length=255),
        "applicant_phone": _text(phone, "applicant_phone", max_length=20),
        "applicant_email": _text(email, "applicant_email", max_length=254),
    }
    raw_id = _text(id_number, "applicant_id_number", required=True, max_length=20)
    try:
        digits = raw_id.replace(" ", "")
        if len(digits) == 12 and digits.isdigit():
            number = parse_citizen_id(digits, today=local_day(at)).number
        else:
            number = normalize_tax_code(digits)
    except IdentityError as exc:
        raise DomainError.for_field("applicant_id_number", str(exc)) from None
    fields["applicant_id_number"] = number
    if fields["applicant_email"]:
        try:
            validate_email(fields["applicant_email"])
        except ValidationError:
            raise DomainError.for_field("applicant_email",
                                        _("Địa chỉ thư điện tử không hợp lệ.")) from None
    phone = fields["applicant_phone"]
    if phone and not all(ch.isdigit() or ch in "+ .-" for ch in phone):
        raise DomainError.for_field("applicant_phone", _("Số điện thoại không hợp lệ."))
    return fields


def _clean_form(value: Any, path: str = "form_data") -> Any:
    if isinstance(value, str):
        return _text(value, path, multiline=True)
    if isinstance(value, dict):
        return {_text(k, path, max_length=100): _clean_form(v, f"{path}.{k}")
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_form(v, f"{path}.{i}") for i, v in enumerate(value)]
    if value is None or isinstance(value, bool | int | float):
        return value
    raise DomainError.for_field(path, _("Giá trị không hợp lệ."))


def _receiving_agency(version: ProcedureVersion, given: Any, unit: AdminUnit | None) -> Agency:
    if given:
        agency = given if isinstance(given, Agency) else (
            Agency.objects.filter(code=str(given).strip()).first())
        if agency is None or not agency.is_active:
            raise DomainError.for_field("receiving_agency", _("Không tìm thấy nơi tiếp nhận."))
        # Decree 118/2025: any desk in the province may receive, whatever the address.
        if agency.province_code != version.agency.province_code:
            raise DomainError.for_field("receiving_agency",
                                        _("Nơi tiếp nhận phải thuộc tỉnh giải quyết thủ tục."))
        return agency
    if version.government_level == GovernmentLevel.COMMUNE:
        if unit is not None:
            commune = (Agency.objects.filter(unit=unit, is_active=True,
                                             kind__in=[Agency.Kind.COMMUNE,
                                                       Agency.Kind.PEOPLES_COMMITTEE])
                       .order_by("kind", "code").first())
            if commune is not None:
                return commune
        return version.agency
    centre = (Agency.objects.filter(kind=Agency.Kind.SERVICE_CENTRE, is_active=True,
                                    province_code=version.agency.province_code)
              .order_by("code").first())
    return centre or version.agency


def _same_applicant(source: Dossier, applicant: Any, id_number: str) -> bool:
    if source.applicant_id and applicant is not None:
        return source.applicant_id == applicant.pk
    return source.applicant_id_number == id_number


def _link_reused(source: DossierFile) -> str:
    src = filestore.media_root() / source.storage_path
    rel = Path(source.storage_path).parent / f"{uuid.uuid4().hex}{src.suffix}"
    dst = filestore.media_root() / rel
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
    return rel.as_posix()


def dossier_submit(
    *,
    actor: Any,
    procedure_code: str,
    channel: int,
    applicant: Any = None,
    applicant_name: str = "",
    applicant_id_number: str = "",
    applicant_address: str = "",
    applicant_phone: str = "",
    applicant_email: str = "",
    form_data: dict[str, Any] | None = None,
    files: Sequence[tuple[int | None, str, Any]] = (),
    reuse: Sequence[tuple[int | None, DossierFile]] = (),
    receiving_agency: Agency | str | None = None,
    idempotency_key: str = "",
    unit: AdminUnit | None = None,
    at: dt.datetime | None = None,
) -> tuple[Dossier, bool]:
    """Submit a dossier; returns (dossier, created). In person (channel 1) the one-stop officer
    enters and receives it at once (two events). The same (actor, idempotency_key) returns the
    dossier made the first time, with created=False. Files are written before the transaction
    and removed again if it fails."""
    at = _moment(at)
    if not _authenticated(actor):
        exc = NotAllowed(_("Cần đăng nhập để nộp hồ sơ."))
        _log_refusal(actor, "submit", exc, object_type="catalog.procedure",
                     object_id=str(procedure_code)[:64])
        raise exc
    key = _text(idempotency_key, "idempotency_key", max_length=100)
    if key:
        existing = Dossier.objects.filter(submitted_by=actor, idempotency_key=key).first()
        if existing is not None:
            return existing, False
    try:
        channel = Channel(int(channel))
    except (TypeError, ValueError):
        raise DomainError.for_field("channel", _("Kênh nộp không hợp lệ.")) from None
    try:
        version = get_current_version(str(procedure_code or ""), on=local_day(at))
    except DomainError as lookup_error:
        raise DomainError.for_field("procedure_code", lookup_error.message,
                                    code=lookup_error.code) from None
    if applicant is None and channel != Channel.IN_PERSON and actor.kind != "officer":
        applicant = actor
    fields = _applicant_fields(applicant=applicant, name=applicant_name,
                               id_number=applicant_id_number, address=applicant_address,
                               phone=applicant_phone, email=applicant_email, at=at)
    form = _clean_form(form_data or {})
    if not isinstance(form, dict):
        raise DomainError.for_field("form_data", _("Tờ khai phải là một đối tượng."))
    if len(json.dumps(form, ensure_ascii=False).encode()) > MAX_FORM_BYTES:
        raise DomainError.for_field("form_data", _("Tờ khai quá lớn."))
    receiving = _receiving_agency(version, receiving_agency, unit)
    if channel == Channel.IN_PERSON and not can(actor, RECEIVE, receiving):
        refused = NotAllowed(
            _("Chỉ cán bộ một cửa của nơi tiếp nhận mới nhập hồ sơ nộp trực tiếp."))
        _log_refusal(actor, "submit", refused, object_type="catalog.procedure",
                     object_id=version.procedure.code)
        raise refused
    if channel == Channel.ONLINE and version.online_level == OnlineLevel.NONE:
        raise DomainError.for_field("channel", _("Thủ tục này chưa cung cấp dịch vụ trực tuyến."))

    # Files: every check before anything is written.
    documents = {d.pk: d for d in version.documents.all()}
    if len(files) + len(reuse) > MAX_FILES:
        raise DomainError.for_field("files", _("Tối đa %(n)d tệp mỗi hồ sơ.") % {"n": MAX_FILES})
    uploads = []
    for document_id, name, content in files:
        if document_id is not None and document_id not in documents:
            raise DomainError.for_field("files", _("Tệp “%(name)s” gắn với thành phần hồ sơ "
                                                   "không thuộc thủ tục này.") % {"name": name})
        uploads.append(filestore.file_check(name, content, document_id=document_id))
    reused = []
    for document_id, source in reuse:
        if document_id is not None and document_id not in documents:
            raise DomainError.for_field("files", _("Thành phần hồ sơ không thuộc thủ tục này."))
        if not source.is_digitized:
            raise DomainError.for_field("files", _("Giấy tờ “%(name)s” chưa được số hóa.")
                                        % {"name": source.name})
        if not _same_applicant(source.dossier, applicant, fields["applicant_id_number"]):
            raise NotAllowed(_("Chỉ được dùng lại giấy tờ đã số hóa của chính người nộp."))
        reused.append((document_id, source))
    provided = {u.document_id for u in uploads} | {doc for doc, _src in reused}
    missing = [d for d in documents.values() if d.is_mandatory and d.pk not in provided]
    if missing:
        raise DomainError.for_field(
            "files", _("Thiếu thành phần hồ sơ bắt buộc: %(names)s.")
            % {"names": "; ".join(d.name for d in sorted(missing, key=lambda d: d.position))},
            code="missing_documents",
        )
    fee_total = sum(f.amount for f in version.fees.all())

    written: list[filestore.Written] = []
    linked: list[str] = []
    try:
        for upload in uploads:
            written.append(filestore.file_write(upload, at=at))
        for _doc, source in reused:
            linked.append(_link_reused(source))
        with transaction.atomic():
            dossier = _create(actor=actor, version=version, channel=channel, applicant=applicant,
                              fields=fields, form=form, receiving=receiving, key=key, unit=unit,
                              fee_total=fee_total, at=at, written=written,
                              reused=list(zip(reused, linked, strict=True)))
    except IntegrityError:
        _discard(written, linked)
        if key:
            existing = Dossier.objects.filter(submitted_by=actor, idempotency_key=key).first()
            if existing is not None:
                return existing, False
        raise
    except BaseException:
        _discard(written, linked)
        raise
    return dossier, True


def _discard(written: list[filestore.Written], linked: list[str]) -> None:
    filestore.file_discard(written)
    for rel in linked:
        (filestore.media_root() / rel).unlink(missing_ok=True)


def _create(*, actor: Any, version: ProcedureVersion, channel: Channel, applicant: Any,
            fields: dict[str, str], form: dict[str, Any], receiving: Agency, key: str,
            unit: AdminUnit | None, fee_total: int, at: dt.datetime,
            written: list[filestore.Written],
            reused: list[tuple[tuple[int | None, DossierFile], str]]) -> Dossier:
    d = Dossier(
        code=next_dossier_code(receiving, at), province_code=version.agency.province_code,
        procedure=version.procedure, version=version, channel=channel, status=Status.SUBMITTED,
        applicant=applicant, unit=unit, form_data=form, agency=version.agency,
        receiving_agency=receiving, current_agency=receiving, current_step=0,
        current_role=Role.ONESTOP_OFFICER, submitted_at=at, fee_total=fee_total,
        idempotency_key=key, submitted_by=actor, **fields,
    )
    d.save()
    DossierEvent.objects.create(
        dossier=d, province_code=d.province_code, at=at, actor=actor,
        actor_name=_actor_name(actor), agency=receiving, action="submit", from_status=None,
        to_status=Status.SUBMITTED, data={"channel": int(channel)},
    )
    audit_record(actor=actor, action="dossier.submit", obj=d,
                 data={"code": d.code, "procedure": version.procedure.code,
                       "channel": int(channel), "files": len(written) + len(reused)})
    rollup_bump_many(d, {"submitted": 1}, at)
    _outbox(d, at)
    for w in written:
        filestore.file_row(dossier=d, written=w, kind=DossierFile.Kind.COMPONENT, actor=actor,
                           at=at)
    for (document_id, source), rel in reused:
        DossierFile.objects.create(
            dossier=d, kind=DossierFile.Kind.COMPONENT,
            document_id=document_id if document_id is not None else source.document_id,
            name=source.name, content_type=source.content_type, size=source.size,
            sha256=source.sha256, storage_path=rel, uploaded_at=at, uploaded_by=actor,
            is_digitized=True, reused_from=source,
        )
    if channel == Channel.IN_PERSON:
        _receive(d, actor=actor, at=at, comment="")
    else:
        notify_applicant(d, "submitted")
    return d


# --- intake ---------------------------------------------------------------------------------


def _receive(d: Dossier, *, actor: Any, at: dt.datetime, comment: str) -> None:
    cal = calendar_for_province(d.province_code)
    d.received_at = at
    d.due_at = statutory_due(d.version, cal, at)
    steps = steps_for(d)
    first = steps[0]
    d.current_step = 0
    d.current_role = first.role
    d.current_agency_id = first.agency_id
    d.current_officer = actor if _authenticated(actor) else None
    _move(d, actor=actor, action="receive", to_status=Status.RECEIVED, at=at, comment=comment,
          agency_id=d.receiving_agency_id, counts={"received": 1}, notify="received",
          data={"due_at": d.due_at.isoformat() if d.due_at else None})
    Handover.objects.create(
        dossier=d, step=0, step_name=first.name, from_agency_id=d.receiving_agency_id,
        from_user=d.current_officer, to_agency_id=first.agency_id, to_role=first.role,
        to_user=d.current_officer, at=at, step_due_at=step_due(d, steps, 0, cal),
    )


@_guarded("receive")
def dossier_receive(*, dossier: Dossier, actor: Any, comment: str = "",
                    expected_revision: int | None = None,
                    at: dt.datetime | None = None) -> Dossier:
    """1 -> 2: the desk accepts the dossier; the statutory clock starts."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.SUBMITTED})
    _require(_is_desk(actor, d))
    _receive(d, actor=actor, at=at, comment=_text(comment, "comment", multiline=True))
    return d


@_guarded("refuse")
def dossier_refuse(*, dossier: Dossier, actor: Any, reason: str, comment: str = "",
                   expected_revision: int | None = None,
                   at: dt.datetime | None = None) -> Dossier:
    """1 (or 5 when the supplement was asked at intake) -> 3, with the reasons."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.SUBMITTED, Status.SUPPLEMENT})
    if d.status == Status.SUPPLEMENT and d.resumed_status != Status.SUBMITTED:
        raise Conflict(_("Chỉ từ chối được hồ sơ đang ở khâu tiếp nhận."))
    _require(_is_desk(actor, d))
    reason = _text(reason, "reason", required=True, multiline=True)
    d.ended_at = at
    d.end_reason = reason
    d.paused_at = None
    d.resumed_status = None
    _move(d, actor=actor, action="refuse", to_status=Status.REFUSED, at=at,
          comment=_text(comment, "comment", multiline=True) or reason,
          agency_id=d.receiving_agency_id, counts={"refused": 1}, notify="refused",
          data={"reason": reason})
    return d


@_guarded("request_supplement")
def dossier_request_supplement(*, dossier: Dossier, actor: Any, reason: str, comment: str = "",
                               expected_revision: int | None = None,
                               at: dt.datetime | None = None) -> Dossier:
    """1, 2 or 4 -> 5: ask the applicant for more; a running clock pauses."""
    at = _moment(at)
    d = _lock(dossier, expected_revision,
              {Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING})
    if d.status == Status.SUBMITTED:
        _require(_is_desk(actor, d))
    else:
        _require(_is_handler(actor, d) or _is_desk(actor, d))
    reason = _text(reason, "reason", required=True, multiline=True)
    d.resumed_status = d.status
    if d.status in (Status.RECEIVED, Status.PROCESSING):
        d.paused_at = at
    _move(d, actor=actor, action="request_supplement", to_status=Status.SUPPLEMENT, at=at,
          comment=_text(comment, "comment", multiline=True) or reason,
          agency_id=d.current_agency_id, counts={"supplement_requested": 1},
          notify="supplement", data={"reason": reason})
    return d


@_guarded("supply")
def dossier_supply(*, dossier: Dossier, actor: Any,
                   files: Sequence[tuple[int | None, str, Any]] = (), comment: str = "",
                   expected_revision: int | None = None,
                   at: dt.datetime | None = None) -> Dossier:
    """5 -> the status it left: the applicant (or the desk for them) supplies what was asked;
    the clock resumes, shifted by the pause (or restarts in full where the procedure says so)."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.SUPPLEMENT})
    _require(_is_applicant(actor, d) or _is_desk(actor, d))
    comment = _text(comment, "comment", multiline=True)
    if not files and not comment:
        raise DomainError.for_field("files", _("Cần gửi tệp bổ sung hoặc nội dung giải trình."),
                                    code="required")
    documents = set(d.version.documents.values_list("pk", flat=True))
    uploads = []
    for document_id, name, content in files:
        if document_id is not None and document_id not in documents:
            raise DomainError.for_field("files", _("Thành phần hồ sơ không thuộc thủ tục này."))
        uploads.append(filestore.file_check(name, content, document_id=document_id))
    written: list[filestore.Written] = []
    try:
        for upload in uploads:
            written.append(filestore.file_write(upload, at=at))
        for w in written:
            filestore.file_row(dossier=d, written=w, kind=DossierFile.Kind.SUPPLEMENT,
                               actor=actor, at=at)
        to_status = d.resumed_status or Status.SUBMITTED
        _clock_resume(d, at)
        _move(d, actor=actor, action="supply", to_status=to_status, at=at, comment=comment,
              agency_id=d.current_agency_id,
              data={"files": len(written),
                    "due_at": d.due_at.isoformat() if d.due_at else None})
    except BaseException:
        filestore.file_discard(written)
        raise
    return d


# --- processing -----------------------------------------------------------------------------


@_guarded("forward")
def dossier_forward(*, dossier: Dossier, actor: Any, comment: str = "", to_user: Any = None,
                    expected_revision: int | None = None,
                    at: dt.datetime | None = None) -> Dossier:
    """2 or 4 -> 4: hand the dossier to the next step of its workflow (a control-slip row)."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.RECEIVED, Status.PROCESSING})
    _require(_is_handler(actor, d))
    steps = steps_for(d)
    if d.current_step >= approval_index(steps):
        raise Conflict(_("Bước này phê duyệt kết quả; không chuyển tiếp được."))
    from_agency = d.current_agency_id
    data = _hand_to(d, d.current_step + 1, actor=actor, at=at, to_user=to_user)
    _move(d, actor=actor, action="forward", to_status=Status.PROCESSING, at=at,
          comment=_text(comment, "comment", multiline=True), agency_id=from_agency, data=data)
    return d


@_guarded("send_back")
def dossier_send_back(*, dossier: Dossier, actor: Any, comment: str, to_user: Any = None,
                      expected_revision: int | None = None,
                      at: dt.datetime | None = None) -> Dossier:
    """4 -> 4: back to the previous step (a leader returns it to the specialist)."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.PROCESSING})
    _require(_is_handler(actor, d))
    comment = _text(comment, "comment", required=True, multiline=True)
    if d.current_step < 1:
        raise Conflict(_("Hồ sơ đang ở bước đầu tiên."))
    from_agency = d.current_agency_id
    data = _hand_to(d, d.current_step - 1, actor=actor, at=at, to_user=to_user)
    _move(d, actor=actor, action="send_back", to_status=Status.PROCESSING, at=at,
          comment=comment, agency_id=from_agency, data=data)
    return d


@_guarded("request_payment")
def dossier_request_payment(*, dossier: Dossier, actor: Any, comment: str = "",
                            amount: int | None = None, expected_revision: int | None = None,
                            at: dt.datetime | None = None) -> Dossier:
    """2 or 4 -> 6: the applicant must pay the fees; the clock pauses meanwhile."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.RECEIVED, Status.PROCESSING})
    _require(_is_handler(actor, d) or _is_desk(actor, d))
    paid = d.payments.filter(state=Payment.State.PAID).aggregate(s=Sum("amount"))["s"] or 0
    due = int(amount) if amount is not None else d.fee_total - paid
    if due <= 0:
        raise DomainError.for_field("amount", _("Hồ sơ không còn khoản phí, lệ phí nào phải nộp."))
    n = d.payments.count() + 1
    payment = Payment.objects.create(
        dossier=d, amount=due, stage=d.version.fee_stage, reference=f"{d.code}-P{n}",
        created_at=at,
    )
    d.resumed_status = d.status
    d.paused_at = at
    _move(d, actor=actor, action="request_payment", to_status=Status.PAYING, at=at,
          comment=_text(comment, "comment", multiline=True), agency_id=d.current_agency_id,
          notify="paying", data={"payment": payment.reference, "amount": due})
    return d


@_guarded("confirm_payment")
def dossier_confirm_payment(*, dossier: Dossier, actor: Any, reference: str = "",
                            online: bool = False, gateway_transaction: str = "",
                            comment: str = "", expected_revision: int | None = None,
                            at: dt.datetime | None = None) -> Dossier:
    """6 -> the status it left: paid at the desk (actor: a one-stop officer) or online
    (actor=None: the payment gateway's verified callback). The clock resumes like a supply."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.PAYING})
    if actor is not None:
        _require(_is_desk(actor, d))
    pending = d.payments.filter(state=Payment.State.PENDING)
    if reference:
        pending = pending.filter(reference=reference)
    payment = pending.order_by("-pk").first()
    if payment is None:
        raise DomainError.for_field("reference", _("Không có khoản thanh toán đang chờ."))
    payment.state = Payment.State.PAID
    payment.paid_at = at
    payment.online = bool(online)
    payment.gateway_transaction = _text(gateway_transaction, "gateway_transaction",
                                        max_length=64)
    payment.save(update_fields=["state", "paid_at", "online", "gateway_transaction"])
    to_status = d.resumed_status or Status.RECEIVED
    _clock_resume(d, at)
    counts = {"paid_total": 1}
    if payment.online:
        counts["paid_online"] = 1
    _move(d, actor=actor, action="confirm_payment", to_status=to_status, at=at,
          comment=_text(comment, "comment", multiline=True), agency_id=d.receiving_agency_id,
          counts=counts, data={"payment": payment.reference, "online": payment.online,
                               "due_at": d.due_at.isoformat() if d.due_at else None})
    return d


@_guarded("approve")
def dossier_approve(*, dossier: Dossier, actor: Any, comment: str = "",
                    result: tuple[str, Any] | None = None,
                    expected_revision: int | None = None,
                    at: dt.datetime | None = None) -> Dossier:
    """4 at the approval step -> 9: the result is ready; timeliness is fixed against due_at.
    `result` = (file name, PDF bytes or file) attaches the electronic result."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.PROCESSING})
    _require(_is_handler(actor, d))
    if d.current_role == Role.LEADER:
        _require(can(actor, APPROVE, d.current_agency))
    steps = steps_for(d)
    if d.current_step != approval_index(steps):
        raise Conflict(_("Hồ sơ chưa đến bước phê duyệt."))
    upload = filestore.file_check(result[0], result[1], field="result") if result else None
    written: list[filestore.Written] = []
    try:
        if upload is not None:
            written.append(filestore.file_write(upload, at=at))
            d.result_file = filestore.file_row(dossier=d, written=written[0],
                                               kind=DossierFile.Kind.RESULT, actor=actor, at=at)
        d.resolved_at = at
        d.timeliness = timeliness_of(at, d.due_at)
        from_agency = d.current_agency_id
        data = _hand_to(d, len(steps) - 1, actor=actor, at=at)
        counts = {f"resolved_{d.timeliness}": 1, "left_open": 1}
        if d.result_file_id:
            counts["electronic_result"] = 1
        _move(d, actor=actor, action="approve", to_status=Status.RESULT_READY, at=at,
              comment=_text(comment, "comment", multiline=True), agency_id=from_agency,
              counts=counts, notify="result_ready",
              data={**data, "timeliness": d.timeliness})
    except BaseException:
        filestore.file_discard(written)
        raise
    return d


@_guarded("return_result")
def dossier_return_result(*, dossier: Dossier, actor: Any, comment: str = "",
                          expected_revision: int | None = None,
                          at: dt.datetime | None = None) -> Dossier:
    """9 -> 10: the desk hands the result over (or it is delivered online)."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.RESULT_READY})
    _require(_is_desk(actor, d))
    _close_handover(d, at)
    d.returned_at = at
    _move(d, actor=actor, action="return_result", to_status=Status.RETURNED, at=at,
          comment=_text(comment, "comment", multiline=True), agency_id=d.receiving_agency_id,
          counts={"returned": 1}, notify="returned")
    return d


# --- ending without a result ----------------------------------------------------------------


def _end(d: Dossier, *, actor: Any, action: str, to_status: int, reason: str, at: dt.datetime,
         counter: str, agency_id: int | None) -> None:
    d.ended_at = at
    d.end_reason = reason
    d.paused_at = None
    d.resumed_status = None
    _close_handover(d, at)
    counts = {counter: 1}
    if d.received_at is not None:
        counts["left_open"] = 1
    d.payments.filter(state=Payment.State.PENDING).update(state=Payment.State.FAILED)
    _move(d, actor=actor, action=action, to_status=to_status, at=at, comment=reason,
          agency_id=agency_id, counts=counts, notify=action.replace("withdraw", "withdrawn")
          .replace("stop", "stopped"), data={"reason": reason})


@_guarded("withdraw")
def dossier_withdraw(*, dossier: Dossier, actor: Any, reason: str,
                     expected_revision: int | None = None,
                     at: dt.datetime | None = None) -> Dossier:
    """1, 2, 4, 5, 6 -> 7: the applicant withdraws (online, or at the desk)."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING,
                                           Status.SUPPLEMENT, Status.PAYING})
    _require(_is_applicant(actor, d) or _is_desk(actor, d))
    reason = _text(reason, "reason", required=True, multiline=True)
    _end(d, actor=actor, action="withdraw", to_status=Status.WITHDRAWN, reason=reason, at=at,
         counter="withdrawn", agency_id=d.receiving_agency_id)
    return d


@_guarded("stop")
def dossier_stop(*, dossier: Dossier, actor: Any, reason: str,
                 expected_revision: int | None = None,
                 at: dt.datetime | None = None) -> Dossier:
    """2, 4, 5, 6 -> 8: a leader of the responsible agency stops processing, with reasons."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.RECEIVED, Status.PROCESSING,
                                           Status.SUPPLEMENT, Status.PAYING})
    _require(can(actor, APPROVE, d.agency))
    reason = _text(reason, "reason", required=True, multiline=True)
    _end(d, actor=actor, action="stop", to_status=Status.STOPPED, reason=reason, at=at,
         counter="stopped", agency_id=d.agency_id)
    return d


# --- lateness: apology and new date ---------------------------------------------------------


@_guarded("apology_draft")
def dossier_apology_draft(*, dossier: Dossier, actor: Any, reason: str,
                          new_due_at: dt.datetime,
                          at: dt.datetime | None = None) -> Apology:
    """A specialist drafts the apology slip with the reason and a new date."""
    at = _moment(at)
    d = _lock(dossier, None, {Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT,
                              Status.PAYING})
    _require(_is_handler(actor, d) or can(actor, PROCESS, d.agency))
    reason = _text(reason, "reason", required=True, multiline=True)
    if not isinstance(new_due_at, dt.datetime) or new_due_at.tzinfo is None:
        raise DomainError.for_field("new_due_at", _("Ngày hẹn mới phải có ngày, giờ và múi giờ."))
    if new_due_at <= at or (d.due_at is not None and new_due_at <= d.due_at):
        raise DomainError.for_field("new_due_at",
                                    _("Ngày hẹn mới phải sau hạn trả kết quả hiện tại."))
    apology = Apology.objects.create(dossier=d, reason=reason, new_due_at=new_due_at,
                                     drafted_by=actor, drafted_at=at)
    _note(d, actor=actor, action="apology_draft", at=at, comment=reason,
          agency_id=d.current_agency_id,
          data={"apology": apology.pk, "new_due_at": new_due_at.isoformat()})
    return apology


@_guarded("apology_approve")
def dossier_apology_approve(*, apology: Apology, actor: Any,
                            at: dt.datetime | None = None) -> Apology:
    """A leader approves the apology slip; it is sent to the applicant and the new date is
    promised (lateness is still measured against the statutory due_at)."""
    at = _moment(at)
    d = _lock(apology.dossier, None, {Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT,
                                      Status.PAYING, Status.RESULT_READY})
    _require(can(actor, APPROVE, d.agency))
    apology = Apology.objects.select_for_update().get(pk=apology.pk)
    if apology.approved_at is not None:
        raise Conflict(_("Phiếu xin lỗi này đã được duyệt."))
    apology.approved_by = actor
    apology.approved_at = at
    apology.sent_at = at
    apology.save(update_fields=["approved_by", "approved_at", "sent_at"])
    d.promised_at = apology.new_due_at
    d.save(update_fields=["promised_at"])
    _note(d, actor=actor, action="apology_approve", at=at, agency_id=d.agency_id,
          data={"apology": apology.pk, "new_due_at": apology.new_due_at.isoformat()})
    notify_applicant(d, "apology")
    return apology


# --- after the result -----------------------------------------------------------------------


@_guarded("rate")
def dossier_rate(*, dossier: Dossier, actor: Any, scores: dict[str, int], comment: str = "",
                 at: dt.datetime | None = None) -> Rating:
    """The applicant rates the service once the result is returned: nine indicators, 0-2."""
    at = _moment(at)
    d = _lock(dossier, None, {Status.RETURNED})
    _require(_is_applicant(actor, d))
    if not isinstance(scores, dict):
        raise DomainError.for_field("scores", _("Cần điểm cho từng tiêu chí."))
    clean: dict[str, int] = {}
    for code in RATING_INDICATORS:
        value = scores.get(code)
        if isinstance(value, bool) or value not in (0, 1, 2):
            raise DomainError.for_field(f"scores.{code}", _("Điểm phải là 0, 1 hoặc 2."))
        clean[code] = int(value)
    unknown = set(scores) - set(RATING_INDICATORS)
    if unknown:
        raise DomainError.for_field("scores", _("Tiêu chí không hợp lệ: %(codes)s.")
                                    % {"codes": ", ".join(sorted(map(str, unknown)))})
    if Rating.objects.filter(dossier=d).exists():
        raise Conflict(_("Hồ sơ này đã được đánh giá."))
    rating = Rating.objects.create(dossier=d, scores=clean, total=sum(clean.values()),
                                   comment=_text(comment, "comment", multiline=True),
                                   rated_at=at)
    audit_record(actor=actor, action="dossier.rate", obj=d, data={"total": rating.total})
    return rating


# --- files ----------------------------------------------------------------------------------


@transaction.atomic
def dossier_file_mark_digitized(*, file: DossierFile, actor: Any,
                                at: dt.datetime | None = None) -> DossierFile:
    """An officer confirms a component is digitized, so the applicant may reuse it later."""
    at = _moment(at)
    d = file.dossier
    if not (can(actor, PROCESS, d.receiving_agency) or can(actor, PROCESS, d.agency)):
        exc = NotAllowed()
        _log_refusal(actor, "file_mark_digitized", exc, dossier=d)
        raise exc
    if file.kind not in (DossierFile.Kind.COMPONENT, DossierFile.Kind.SUPPLEMENT,
                         DossierFile.Kind.RESULT):
        raise DomainError.for_field("file", _("Chỉ số hóa được giấy tờ của hồ sơ."))
    DossierFile.objects.filter(pk=file.pk).update(is_digitized=True)
    file.is_digitized = True
    audit_record(actor=actor, action="dossier.file_digitized", obj=d, data={"file": file.pk})
    return file


def dossier_get_for_action(code: str) -> Dossier:
    """A dossier by code for the API's action endpoint (the service checks permission)."""
    from tinhso.onestop.codes import InvalidDossierCode, normalize_dossier_code

    try:
        code = normalize_dossier_code(code)
    except InvalidDossierCode:
        raise NotFound(_("Không tìm thấy hồ sơ.")) from None
    d = Dossier.objects.filter(code=code).first()
    if d is None:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    return d


# The actions the API exposes by name: POST /dossiers/{code}/actions {"action": ...}.
ACTIONS: dict[str, Callable[..., Any]] = {
    "receive": dossier_receive,
    "refuse": dossier_refuse,
    "request_supplement": dossier_request_supplement,
    "supply": dossier_supply,
    "forward": dossier_forward,
    "send_back": dossier_send_back,
    "request_payment": dossier_request_payment,
    "confirm_payment": dossier_confirm_payment,
    "approve": dossier_approve,
    "return_result": dossier_return_result,
    "withdraw": dossier_withdraw,
    "stop": dossier_stop,
}
