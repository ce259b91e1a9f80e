"""Processing: hand-overs between steps, payment of fees, approval, returning the result."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.directory.models import Role
from tinhso.directory.permissions import can
from tinhso.onestop import files as filestore
from tinhso.onestop.models import (
    Dossier,
    DossierFile,
    Payment,
)
from tinhso.onestop.services._common import (
    APPROVE,
    Conflict,
    _clock_resume,
    _close_handover,
    _guarded,
    _hand_to,
    _is_desk,
    _is_handler,
    _lock,
    _moment,
    _move,
    _require,
    _text,
)
from tinhso.onestop.status import Status
from tinhso.onestop.workflow import (
    approval_index,
    steps_for,
    timeliness_of,
)
from tinhso.signing.pdfcheck import pdf_upload_check

logger = logging.getLogger(__name__)

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
    """2 or 4 -> 6: the applicant must pay the fees; the clock pauses meanwhile. 9 -> 6 for a
    procedure whose fees are due before the result is handed over (the clock has stopped)."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.RECEIVED, Status.PROCESSING,
                                           Status.RESULT_READY})
    if d.status == Status.RESULT_READY and d.version.fee_stage != Payment.Stage.BEFORE_RESULT:
        raise Conflict(_("Thủ tục này thu phí trước khi xử lý, không thu khi trả kết quả."))
    _require(_is_handler(actor, d) or _is_desk(actor, d))
    due = int(amount) if amount is not None else d.fee_total - fees_settled(d)
    if due <= 0:
        raise DomainError.for_field("amount", _("Hồ sơ không còn khoản phí, lệ phí nào phải nộp."))
    n = d.payments.count() + 1
    payment = Payment.objects.create(
        dossier=d, amount=due, stage=d.version.fee_stage, reference=f"{d.code}-P{n}",
        created_at=at,
    )
    d.resumed_status = d.status
    d.paused_at = at if d.status != Status.RESULT_READY else None
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
    _clock_resume(d, at, after_supplement=False)
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
    `result` = (file name, PDF bytes or file) attaches the electronic result; a PDF result is
    signed by the approver personally, then by the responsible agency, when the agency signs
    its results (`_signed_result`); the approval is refused on `result` when either
    certificate is not in force, or when the PDF is unreadable, encrypted, or carries
    JavaScript or embedded files (`signing.pdfcheck.pdf_upload_check`), and nothing is
    written."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.PROCESSING})
    _require(_is_handler(actor, d))
    if d.current_role == Role.LEADER:
        _require(can(actor, APPROVE, d.current_agency))
    steps = steps_for(d)
    if d.current_step != approval_index(steps):
        raise Conflict(_("Hồ sơ chưa đến bước phê duyệt."))
    comment = _text(comment, "comment", multiline=True)  # before the slow part: signing
    upload = filestore.file_check(result[0], result[1], field="result") if result else None
    extra: dict[str, Any] = {}
    if upload is not None:
        if upload.content_type == "application/pdf":  # it is signed and handed to the applicant
            pdf_upload_check(b"".join(upload.chunks()), field="result", name=upload.name)
        upload, extra = _signed_result(upload, d, actor)
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
              comment=comment, agency_id=from_agency,
              counts=counts, notify="result_ready",
              data={**data, "timeliness": d.timeliness, **extra})
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
    if fees_outstanding(d):
        raise Conflict(_("Người nộp chưa hoàn thành nghĩa vụ tài chính: yêu cầu nộp phí, lệ phí "
                         "trước khi trả kết quả."))
    _close_handover(d, at)
    d.returned_at = at
    _move(d, actor=actor, action="return_result", to_status=Status.RETURNED, at=at,
          comment=_text(comment, "comment", multiline=True), agency_id=d.receiving_agency_id,
          counts={"returned": 1}, notify="returned")
    return d


def fees_outstanding(d: Dossier) -> int:
    """What is still owed before the result may be handed over: the unpaid fees of a procedure
    whose fees are due before the result (0 for fees due before processing, which the workflow
    collects on the way)."""
    if d.version.fee_stage != Payment.Stage.BEFORE_RESULT or not d.fee_total:
        return 0
    return max(d.fee_total - fees_settled(d), 0)


def fees_settled(d: Dossier) -> int:
    """Fees paid or waived so far."""
    return (d.payments.filter(state__in=(Payment.State.PAID, Payment.State.EXEMPT))
            .aggregate(s=Sum("amount"))["s"] or 0)


RESULT_PERSONAL_FIELD = "ChuKyKetQuaCaNhan"
RESULT_AGENCY_FIELD = "ChuKyKetQua"


def _agency_signs_results(agency: Any) -> bool:
    """An agency signs its electronic results once it has been issued an organization
    certificate (whatever its state now); one that never was keeps results as uploaded."""
    from tinhso.signing.models import Certificate, CertKind

    return Certificate.objects.filter(agency=agency, kind=CertKind.ORGANIZATION).exists()


def _signed_result(upload: filestore.Upload, d: Any,
                   actor: Any) -> tuple[filestore.Upload, dict[str, Any]]:
    """A PDF result signed twice, both PAdES B-LT, the way an outgoing document is: first the
    approver's personal signature (their certificate in force at the agency of the approval
    step; the signature image, name and time in a box at the bottom right of the last page,
    `last_page_placement`, since we do not control the uploaded layout), then the responsible
    agency's signature over it (its organization certificate; top right of the first page with
    the dossier code, the time and a QR code of the dossier's public check page, as for a
    separately filed attachment). The applicant's copy can be checked there or at
    /xac-thuc-chu-ky/ and stays verifiable after the certificates expire.

    JPEG or PNG results, and agencies never issued an organization certificate, keep the file
    as uploaded. Otherwise a missing, revoked or expired certificate (the approver's or the
    agency's) refuses the approval on the field `result`, so a result is never half signed.
    Returns the file and what the approval event records about its signatures."""
    from dataclasses import replace

    from tinhso.onestop.selectors import result_check_url
    from tinhso.signing.pades import last_page_placement, pdf_sign_attachment, pdf_sign_personal
    from tinhso.signing.selectors import agency_certificate, personal_certificate
    from tinhso.signing.services import signature_image

    if upload.content_type != "application/pdf":
        return upload, {"result_signed": False, "result_unsigned_reason": "not_pdf"}
    agency_cert = agency_certificate(d.agency)
    if agency_cert is None:
        if not _agency_signs_results(d.agency):
            return upload, {"result_signed": False,
                            "result_unsigned_reason": "agency_without_certificate"}
        logger.warning("result of %s not signed: agency %s has no certificate in force",
                       d.code, d.agency_id)
        raise DomainError.for_field(
            "result", _("%(agency)s không có chứng thư số cơ quan còn hiệu lực (đã thu hồi hoặc "
                        "hết hạn) nên chưa ký được kết quả điện tử.") % {"agency": d.agency.name},
            code="certificate_unusable")
    personal = personal_certificate(actor, d.current_agency)
    if personal is None:
        logger.warning("result of %s not signed: approver %s has no personal certificate in "
                       "force at agency %s", d.code, getattr(actor, "pk", None),
                       d.current_agency_id)
        raise DomainError.for_field(
            "result", _("Người phê duyệt chưa có chứng thư số cá nhân còn hiệu lực tại "
                        "%(agency)s (đã thu hồi, hết hạn hoặc chưa cấp) nên chưa ký được kết "
                        "quả điện tử.") % {"agency": d.current_agency.name},
            code="certificate_unusable")
    pdf = b"".join(upload.chunks())
    try:
        once = pdf_sign_personal(pdf, certificate=personal, placement=last_page_placement(pdf),
                                 field=RESULT_PERSONAL_FIELD, image=signature_image(personal),
                                 reason=f"Phê duyệt kết quả giải quyết hồ sơ {d.code}")
        signed = pdf_sign_attachment(once, certificate=agency_cert, number_notation=d.code,
                                     field=RESULT_AGENCY_FIELD, url=result_check_url(d.code),
                                     reason=f"Kết quả giải quyết hồ sơ {d.code}")
    except DomainError as exc:  # an unreadable PDF, or a certificate refused at signing time
        logger.warning("result of %s not signed: %s (%s)", d.code, exc.code, exc.message)
        raise DomainError.for_field("result", exc.message, code=exc.code) from exc
    return replace(upload, source=signed, size=len(signed)), {
        "result_signed": True,
        "result_signatures": [
            {"kind": "personal", "field": RESULT_PERSONAL_FIELD,
             "certificate_serial": str(personal.serial), "signer": personal.common_name},
            {"kind": "organization", "field": RESULT_AGENCY_FIELD,
             "certificate_serial": str(agency_cert.serial), "signer": agency_cert.common_name},
        ],
    }
