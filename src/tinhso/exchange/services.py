"""Every write of the exchange: send a document to agencies of other installations, receive a
package (a document or a status message), report each step of an incoming record back to its
sender, and manage the peer registry. Each is one transaction with its audit event; deliveries
wait for the commit (`transaction.on_commit`) and run in the background (`tasks.py`)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, NotAllowed, NotFound
from tinhso.directory.models import Agency
from tinhso.directory.permissions import ensure_can
from tinhso.documents.kinds import DocStatus, DocType, IncomingStatus
from tinhso.documents.models import Document, DocumentFile, IncomingRecord
from tinhso.documents.services.incoming import (
    document_record_remote_status,
    incoming_receive_external,
)
from tinhso.exchange import edxml
from tinhso.exchange.edxml import (
    Attachment,
    DocumentMessage,
    Organ,
    Signer,
    StatusCode,
    StatusMessage,
)
from tinhso.exchange.models import Direction, Kind, OutboxItem, Package, Peer, Result
from tinhso.exchange.system import exchange_user
from tinhso.signing.pdfcheck import pdf_content_check
from tinhso.signing.selectors import agency_certificate
from tinhso.signing.validation import pdf_validate
from tinhso.signing.xmldsig import XmlSignatureReport, xml_sign, xml_verify

log = logging.getLogger(__name__)

SEND = "documents.register"  # the clerk sends, as for local recipients
MANAGE = "directory.agency.manage"  # who edits the peer registry (province administrators)
SENDABLE = (DocStatus.ISSUED, DocStatus.SENT)

STATUS_LABELS = {
    StatusCode.ARRIVED: "Đã đến",
    StatusCode.RETURNED: "Bị trả lại",
    StatusCode.ACCEPTED: "Đã tiếp nhận",
    StatusCode.ASSIGNED: "Đã phân công",
    StatusCode.PROCESSING: "Đang xử lý",
    StatusCode.DONE: "Đã hoàn thành",
}
# The status an incoming record's step is reported as (arrived and returned are answered on
# receipt, see `package_receive`).
STATUS_BY_STEP = {
    IncomingStatus.DIRECTED: StatusCode.ACCEPTED,
    IncomingStatus.ASSIGNED: StatusCode.ASSIGNED,
    IncomingStatus.HANDLING: StatusCode.PROCESSING,
    IncomingStatus.DONE: StatusCode.DONE,
}


def peer_for(organ_id: str) -> Peer | None:
    """The installation where `organ_id` lives: the peer with the longest matching prefix."""
    best: Peer | None = None
    for peer in Peer.objects.all():
        if organ_id.startswith(peer.organ_prefix) and (
                best is None or len(peer.organ_prefix) > len(best.organ_prefix)):
            best = peer
    return best


def _enqueue_delivery() -> None:
    from tinhso.exchange.tasks import deliver_packages

    transaction.on_commit(lambda: deliver_packages.enqueue())


def _queue(package: Package, peer: Peer, at: dt.datetime) -> OutboxItem:
    item = OutboxItem.objects.create(package=package, peer=peer, next_attempt_at=at,
                                     created_at=at)
    _enqueue_delivery()
    return item


# ---------------------------------------------------------------- peers


@transaction.atomic
def peer_save(*, actor: Any, organ_prefix: str, name: str, base_url: str,
              trusted: bool = True) -> Peer:
    """Add or change a known installation (the peer registry). `actor` None: the command line
    (the operator of this installation)."""
    if actor is not None:
        ensure_can(actor, MANAGE)
    prefix = (organ_prefix or "").strip()
    if not edxml.ORGAN_ID.match(prefix.ljust(3, "0")):
        raise DomainError.for_field("organ_prefix", _("Tiền tố mã cơ quan không hợp lệ."))
    if not base_url.startswith(("http://", "https://")):
        raise DomainError.for_field("base_url", _("Địa chỉ phải bắt đầu bằng http:// hoặc "
                                                  "https://."))
    peer, created = Peer.objects.update_or_create(
        organ_prefix=prefix, defaults={"name": name.strip()[:255] or prefix,
                                       "base_url": base_url.strip(), "trusted": trusted})
    audit_record(actor=actor, action="exchange.peer_save", obj=peer, first=created,
                 data={"prefix": prefix, "url": peer.base_url, "trusted": trusted})
    return peer


def peers_of(agencies: list[Agency]) -> set[int]:
    """The ids of the agencies that live in a known peer installation (one query)."""
    prefixes = list(Peer.objects.values_list("organ_prefix", flat=True))
    return {a.pk for a in agencies if any(a.code.startswith(p) for p in prefixes if p)}


# ---------------------------------------------------------------- sending


def _remote_organs(doc: Document, organ_ids: list[str] | None) -> list[tuple[str, str]]:
    if organ_ids is None:
        return [(a.code, a.name) for a in doc.recipients.order_by("code")
                if peer_for(a.code) is not None]
    names = dict(Agency.objects.filter(code__in=organ_ids).values_list("code", "name"))
    return [(o, names.get(o, "")) for o in dict.fromkeys(organ_ids)]


def _signer_info(doc: Document) -> Signer:
    signer = doc.signer
    name = (getattr(signer, "full_name", "") or getattr(signer, "username", "")) if signer else ""
    return Signer(full_name=name)


@transaction.atomic
def document_send_external(*, document: Document, actor: Any,
                           organ_ids: list[str] | None = None,
                           due_date: dt.date | None = None,
                           at: dt.datetime | None = None) -> list[Package]:
    """The clerk sends an issued document to agencies of other installations: one signed edXML
    package per destination organ, queued for delivery. Without `organ_ids`, the document's
    recipients that live in a known installation. Confidential documents are refused."""
    at = at or timezone.now()
    doc = (Document.objects.select_for_update(of=("self",)).select_related("agency", "signer")
           .get(pk=document.pk))
    ensure_can(actor, SEND, doc.agency)
    if doc.is_confidential:
        raise DomainError.for_field(
            "confidentiality", _("Văn bản mật không được gửi qua mạng; gửi văn bản giấy theo "
                                 "quy định bảo vệ bí mật nhà nước."), code="confidential")
    if doc.status not in SENDABLE:
        raise DomainError(message=_("Chỉ gửi được văn bản đã ban hành."), status=409,
                          code="conflict")
    organs = _remote_organs(doc, organ_ids)
    if not organs:
        raise DomainError.for_field("to", _("Không có cơ quan nhận nào ở hệ thống khác."),
                                    code="required")
    peers = {}
    for organ_id, _name in organs:
        peer = peer_for(organ_id)
        if peer is None or not peer.trusted:
            raise DomainError.for_field(
                "to", _("Không biết hệ thống nào quản lý cơ quan %(organ)s.")
                % {"organ": organ_id}, code="unknown_organ")
        peers[organ_id] = peer
    cert = agency_certificate(doc.agency, at)
    if cert is None:
        raise DomainError(message=_("Cơ quan chưa có chứng thư số còn hiệu lực để ký gói tin."),
                          status=409, code="certificate_unusable")
    signed_pdf = DocumentFile.objects.filter(document=doc, kind=DocumentFile.Kind.AGENCY).first()
    if signed_pdf is None:
        raise DomainError(message=_("Văn bản chưa có bản PDF đã ký số cơ quan."), status=409,
                          code="conflict")
    from tinhso.documents.files import pdf_read

    pdf = pdf_read(signed_pdf.storage_path, signed_pdf.sha256)
    files = (Attachment(name=f"{doc.notation or doc.pk}.pdf".replace("/", "_"),
                        content_type="application/pdf", data=pdf), *_attachments_of(doc))
    packages = []
    for organ_id, name in organs:
        msg = DocumentMessage(
            message_id=edxml.new_message_id(), sender=Organ(doc.agency.code, doc.agency.name),
            recipients=(Organ(organ_id, name),), code_number=str(doc.number or ""),
            code_notation=doc.notation, place=_place(doc),
            promulgation_date=doc.issued_on or at.date(), doc_type=doc.doc_type,
            doc_type_name=str(DocType(doc.doc_type).label), subject=doc.subject,
            signer=_signer_info(doc), sent_at=at,
            priority=edxml.PRIORITY_BY_URGENCY.get(doc.urgency, 0), due_date=due_date,
            traces=(edxml.Trace(doc.agency.code, at),), attachments=files)
        raw = xml_sign(edxml.build(msg), certificate=cert, at=at)
        pkg = Package.objects.create(
            direction=Direction.OUT, kind=Kind.DOCUMENT, message_id=msg.message_id,
            from_organ=doc.agency.code, to_organ=organ_id, peer=peers[organ_id], document=doc,
            raw=raw, created_at=at)
        _queue(pkg, peers[organ_id], at)
        packages.append(pkg)
    audit_record(actor=actor, action="exchange.document_send", obj=doc,
                 data={"to": [o for o, _n in organs],
                       "packages": [p.message_id for p in packages]})
    return packages


def _attachments_of(doc: Document) -> list[Attachment]:
    """The document's separately filed attachments, agency-signed, in order (after the
    document's PDF in the package; the manifest's Description carries each one's title)."""
    from tinhso.documents.services.attachments import attachment_bytes, current_attachments

    out = []
    stem = str(doc.notation or doc.pk).replace("/", "_")
    for n, row in enumerate(current_attachments(doc), start=1):
        if not row.is_signed:
            raise DomainError(message=_("Phụ lục “%(title)s” chưa được ký số cơ quan.")
                              % {"title": row.title}, status=409, code="conflict")
        out.append(Attachment(name=f"{stem}_phu-luc-{n}.pdf", content_type="application/pdf",
                              data=attachment_bytes(row), description=row.title))
    return out


def _place(doc: Document) -> str:
    from tinhso.documents.pdf import place_name

    try:
        return place_name(doc)
    except Exception:  # the place is informative; never block a sending on it
        return ""


# ---------------------------------------------------------------- receiving


@dataclass(frozen=True)
class Verified:
    """A package whose sender is a trusted peer and whose XML signature is good."""

    raw: bytes
    message: edxml.Message
    report: XmlSignatureReport
    peer: Peer


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str


def _refuse(message: str, *, status: int, code: str, data: dict[str, Any]) -> DomainError:
    log.warning("exchange: refused a package: %s %s", code, data)
    return DomainError(message=message, status=status, code=code)


def package_verify(raw: bytes) -> Verified:
    """Read and authenticate a package: well-formed edXML (else 400 naming the element), from
    an organ of a trusted peer (else 403), signed by that organ's certificate, intact, chained
    to our trusted roots and not revoked (else 401)."""
    try:
        msg = edxml.parse(raw)
    except edxml.EdxmlError as exc:
        raise DomainError(message=_("Gói tin không hợp lệ: %(reason)s") % {"reason": exc},
                          status=400, code="malformed",
                          errors=[_field_error(exc.element, exc.message)]) from None
    sender = msg.sender.organ_id
    peer = peer_for(sender)
    if peer is None or not peer.trusted:
        raise _refuse(_("Cơ quan gửi %(organ)s không thuộc hệ thống liên thông được tin cậy.")
                      % {"organ": sender}, status=403, code="unknown_sender",
                      data={"organ": sender})
    moment = msg.sent_at if isinstance(msg, DocumentMessage) else msg.at
    report = xml_verify(raw, moment=moment)
    if not report.ok:
        raise _refuse(_("Chữ ký số của gói tin không hợp lệ: %(problems)s")
                      % {"problems": ", ".join(report.problems) or report.error},
                      status=401, code="signature_invalid",
                      data={"organ": sender, **report.as_dict()})
    if report.organ_id != sender:
        raise _refuse(_("Chứng thư ký gói tin không phải của cơ quan gửi %(organ)s.")
                      % {"organ": sender}, status=401, code="signature_not_sender",
                      data={"organ": sender, "certificate_organ": report.organ_id})
    return Verified(raw=raw, message=msg, report=report, peer=peer)


def _field_error(element: str, message: str) -> Any:
    from tinhso.core.errors import FieldError

    return FieldError(element, message, "invalid")


def package_receive(verified: Verified, *, at: dt.datetime | None = None) -> Answer:
    """Take in an authenticated package. A document: its PDFs are checked by content first
    (returned when one is unreadable, encrypted, or carries JavaScript or embedded files),
    then its PDF's signatures (and those of its separately filed attachments, which follow
    the PDF), the
    receiving agency gets an incoming record, and the answer is the signed status "arrived"
    (or "returned" with the reason). A status: recorded against the document package it
    reports on. Idempotent by message id: a repeat gets the same answer and creates nothing."""
    at = at or timezone.now()
    msg = verified.message
    try:
        with transaction.atomic():
            existing = _existing(verified)
            if existing is not None:
                return _answer_of(existing)
            if isinstance(msg, DocumentMessage):
                pkg = _receive_document(verified, msg, at)
            else:
                pkg = _receive_status(verified, msg, at)
    except IntegrityError:
        # The same package, delivered twice at once: the other delivery committed first.
        existing = _existing(verified)
        if existing is None:
            raise
        return _answer_of(existing)
    return _answer_of(pkg)


def _existing(verified: Verified) -> Package | None:
    msg = verified.message
    existing = (Package.objects.filter(direction=Direction.IN, message_id=msg.message_id)
                .first())
    if existing is not None and bytes(existing.raw) != verified.raw:
        raise _refuse(_("Mã gói tin %(id)s đã được dùng cho một gói tin khác.")
                      % {"id": msg.message_id}, status=409, code="replayed_id",
                      data={"message_id": msg.message_id})
    return existing


def _answer_of(pkg: Package) -> Answer:
    if pkg.kind == Kind.DOCUMENT:
        return Answer(200, bytes(pkg.answer or b""), "application/xml; charset=utf-8")
    return Answer(200, f'{{"message_id": "{pkg.message_id}", "recorded": true}}'.encode(),
                  "application/json")


def _local_recipient(msg: DocumentMessage) -> Agency:
    organ = msg.recipients[0].organ_id
    agency = Agency.objects.filter(code=organ, is_active=True).first()
    if agency is None:
        raise DomainError(message=_("Cơ quan nhận %(organ)s không thuộc hệ thống này.")
                          % {"organ": organ}, status=422, code="unknown_recipient",
                          errors=[_field_error("To/OrganId", organ)])
    return agency


def _returned_reason(msg: DocumentMessage, pdf_ok: bool, pdf_error: str,
                     attachments_reason: str = "", content_reason: str = "") -> str:
    if not msg.attachments or msg.attachments[0].content_type != "application/pdf":
        return "Gói tin không có tệp PDF văn bản."
    if content_reason:
        return content_reason
    if not pdf_ok:
        return f"Chữ ký số trên tệp PDF không hợp lệ: {pdf_error}"
    if attachments_reason:
        return attachments_reason
    if msg.doc_type not in DocType.values:
        return f"Loại văn bản không hợp lệ: {msg.doc_type}"
    if not msg.code_number.isdigit():
        return f"Số văn bản không hợp lệ: {msg.code_number}"
    if not Agency.objects.filter(code=msg.sender.organ_id).exists():
        return f"Cơ quan gửi {msg.sender.organ_id} chưa có trong danh mục cơ quan."
    return ""


def _content_refusal(msg: DocumentMessage) -> tuple[str, dict[str, Any]]:
    """The first PDF of the package (the document's, then each attachment's) that may not be
    kept (`signing.pdfcheck`: unreadable, encrypted, with JavaScript, XFA, a Launch action or
    embedded files): the reason, in Vietnamese since it goes back to the sender in the
    "returned" status, and what the package's verification records. Checked before any
    signature is, so a refused file is never parsed further."""
    with translation.override("vi"):
        for n, att in enumerate(msg.attachments):
            if att.content_type != "application/pdf":
                continue  # no PDF at all, or an attachment that is not one: refused elsewhere
            label = att.name if n == 0 else f"phụ lục {n} ({att.description or att.name})"
            try:
                pdf_content_check(att.data, field="attachments", name=label)
            except DomainError as exc:
                log.warning("exchange: returning %s from %s: file %d %s", msg.message_id,
                            msg.sender.organ_id, n, exc.code)
                return exc.message, {"file": n, "name": att.name, "error": exc.code}
    return "", {}


def _pdf_summary(pdf: bytes | None) -> tuple[bool, str, dict[str, Any]]:
    if pdf is None:
        return False, "no pdf", {}
    report = pdf_validate(pdf)
    problems = sorted({p for s in report.signatures for p in s.problems})
    error = report.error or ("unsigned changes" if report.unsigned_changes else "") \
        or ", ".join(problems)
    return report.ok, error, {
        "ok": report.ok, "error": report.error, "unsigned_changes": report.unsigned_changes,
        "signatures": [{"field": s.field, "signer": s.signer, "fingerprint": s.fingerprint,
                        "ok": s.ok, "trusted": s.trusted,
                        "intact": s.intact, "revocation": s.revocation,
                        "timestamp": s.timestamp.isoformat() if s.timestamp else None,
                        "problems": list(s.problems)} for s in report.signatures]}


def _signers(result: dict[str, Any]) -> set[str]:
    return {s.get("fingerprint", "") for s in result.get("signatures", [])} - {""}


def _attachments_summary(pdf_result: dict[str, Any], extras: tuple[Attachment, ...]
                         ) -> tuple[str, list[dict[str, Any]]]:
    """Each separately filed attachment (the files after the document's PDF) checked as the
    PDF is: a PDF whose agency signature holds, made with a certificate that signed the
    document too. The first failure's reason (in Vietnamese: it goes back to the sender in the
    "returned" status), and every attachment's result."""
    reason, results = "", []
    signers = _signers(pdf_result)
    for n, att in enumerate(extras, start=1):
        label = f"phụ lục {n} ({att.description or att.name})"
        if att.content_type != "application/pdf" or not att.data.startswith(b"%PDF-"):
            ok, error, result = False, "not a PDF", {"ok": False, "error": "not_pdf"}
            why = f"Tệp {label} không phải tệp PDF."
        else:
            ok, error, result = _pdf_summary(att.data)
            why = f"Chữ ký số trên {label} không hợp lệ: {error}"
            if ok and not (_signers(result) & signers):
                ok, why = False, f"Tệp {label} không mang chữ ký số của cơ quan ban hành văn bản."
                result = {**result, "ok": False, "error": "other_signer"}
        results.append({"number": n, "name": att.name, "title": att.description, **result})
        if not ok and not reason:
            reason = why
    return reason, results


def _receive_document(verified: Verified, msg: DocumentMessage, at: dt.datetime) -> Package:
    agency = _local_recipient(msg)
    cert = agency_certificate(agency, at)
    if cert is None:  # we could not sign our answer: the sender will retry
        raise DomainError(message=_("Cơ quan nhận chưa có chứng thư số để ký thông báo."),
                          status=503, code="receiver_not_ready")
    pdf = msg.attachments[0].data if msg.attachments else None
    extras = msg.attachments[1:]
    content_reason, content = _content_refusal(msg)
    extras_result: list[dict[str, Any]]
    if content_reason:
        pdf_ok, pdf_error, pdf_result = False, content["error"], {"ok": False,
                                                                  "error": content["error"]}
        extras_reason, extras_result = "", []
    else:
        pdf_ok, pdf_error, pdf_result = _pdf_summary(pdf)
        extras_reason, extras_result = _attachments_summary(pdf_result, extras) if pdf_ok \
            else ("", [])
    reason = _returned_reason(msg, pdf_ok, pdf_error, extras_reason, content_reason)
    pkg = Package(direction=Direction.IN, kind=Kind.DOCUMENT, message_id=msg.message_id,
                  from_organ=msg.sender.organ_id, to_organ=agency.code, peer=verified.peer,
                  raw=verified.raw, created_at=at,
                  verification={"xml": verified.report.as_dict(), "pdf": pdf_result,
                                **({"attachments": extras_result} if extras else {}),
                                **({"content": content} if content else {})})
    if not reason:
        sender = Agency.objects.get(code=msg.sender.organ_id)
        try:
            with transaction.atomic():
                rec = incoming_receive_external(
                    agency=agency, sender=sender, actor=exchange_user(),
                    doc_type=msg.doc_type, subject=msg.subject, number=int(msg.code_number),
                    notation=msg.code_notation, issued_on=msg.promulgation_date,
                    pdf=pdf or b"", urgency=msg.urgency, at=at,
                    attachments=[(a.description or a.name, a.name, a.data) for a in extras])
        except DomainError as exc:
            reason = exc.message
        else:
            pkg.incoming, pkg.document = rec, rec.document
    code = StatusCode.RETURNED if reason else StatusCode.ARRIVED
    pkg.result = Result.RETURNED if reason else Result.ARRIVED
    pkg.status_code, pkg.description = code.value, reason
    status = StatusMessage(
        message_id=edxml.new_message_id(), response_for=msg.message_id,
        response_for_organ=msg.sender.organ_id, response_for_code=msg.code_notation,
        sender=Organ(agency.code, agency.name), to=msg.sender, code=code, at=at,
        description=reason or STATUS_LABELS[code],
        traces=(*msg.traces, edxml.Trace(agency.code, at)))
    pkg.answer = xml_sign(edxml.build(status), certificate=cert, at=at)
    pkg.save()
    audit_record(actor=None, action=f"exchange.receive.{pkg.result}", obj=pkg, first=True,
                 data={"message_id": msg.message_id, "from": msg.sender.organ_id,
                       "to": agency.code, "notation": msg.code_notation, "reason": reason,
                       "xml_ok": verified.report.ok, "pdf_ok": pdf_ok,
                       "incoming": pkg.incoming_id})
    return pkg


def _receive_status(verified: Verified, msg: StatusMessage, at: dt.datetime) -> Package:
    original = (Package.objects.select_for_update(of=("self",))
                .filter(direction=Direction.OUT, kind=Kind.DOCUMENT,
                        message_id=msg.response_for).select_related("document").first())
    if original is None:
        raise NotFound(_("Không có gói tin văn bản %(id)s đã gửi.") % {"id": msg.response_for})
    if original.to_organ != msg.sender.organ_id:
        raise NotAllowed(_("Cơ quan báo trạng thái không phải cơ quan nhận văn bản."))
    pkg = Package.objects.create(
        direction=Direction.IN, kind=Kind.STATUS, message_id=msg.message_id,
        from_organ=msg.sender.organ_id, to_organ=msg.to.organ_id, peer=verified.peer,
        document=original.document, response_for=original, status_code=msg.code.value,
        description=msg.description[:2000], raw=verified.raw, created_at=at,
        verification={"xml": verified.report.as_dict()})
    if original.last_status_at is None or msg.at >= original.last_status_at:
        original.last_status, original.last_status_at = msg.code.value, msg.at
        original.save(update_fields=["last_status", "last_status_at"])
    if original.document is not None:
        document_record_remote_status(
            document=original.document, actor=exchange_user(), organ_id=msg.sender.organ_id,
            status=msg.code.value, label=STATUS_LABELS[msg.code],
            description=msg.description if msg.code == StatusCode.RETURNED else "", at=msg.at)
    audit_record(actor=None, action="exchange.status_receive", obj=pkg, first=True,
                 data={"for": msg.response_for, "from": msg.sender.organ_id,
                       "status": msg.code.value})
    return pkg


def answer_record(raw: bytes, *, at: dt.datetime | None = None) -> Package:
    """The signed status a peer answered a document package with (arrived or returned),
    verified and recorded like any status message."""
    verified = package_verify(raw)
    if not isinstance(verified.message, StatusMessage):
        raise DomainError(message=_("Câu trả lời không phải thông báo trạng thái."), status=422,
                          code="malformed")
    package_receive(verified, at=at)
    return Package.objects.get(direction=Direction.IN, message_id=verified.message.message_id)


# ---------------------------------------------------------------- reporting back


def incoming_report_status(record: IncomingRecord, *, at: dt.datetime | None = None) -> \
        Package | None:
    """If `record` came in a package, queue the signed status of its current step for the
    sender (called in the step's transaction). None when there is nothing to report."""
    code = STATUS_BY_STEP.get(IncomingStatus(record.status))
    if code is None:
        return None
    original = (Package.objects.filter(direction=Direction.IN, kind=Kind.DOCUMENT,
                                       incoming=record, result=Result.ARRIVED)
                .select_related("peer").first())
    if original is None or original.peer is None:
        return None
    at = at or timezone.now()
    agency = record.agency
    cert = agency_certificate(agency, at)
    if cert is None:
        log.error("exchange: %s has no organization certificate; status %s of incoming %s "
                  "not reported", agency.code, code, record.pk)
        return None
    msg = edxml.parse(bytes(original.raw))
    if not isinstance(msg, DocumentMessage):  # pragma: no cover - kept as received
        return None
    status = StatusMessage(
        message_id=edxml.new_message_id(), response_for=original.message_id,
        response_for_organ=original.from_organ, response_for_code=msg.code_notation,
        sender=Organ(agency.code, agency.name), to=msg.sender, code=code, at=at,
        description=STATUS_LABELS[code], traces=(edxml.Trace(agency.code, at),))
    raw = xml_sign(edxml.build(status), certificate=cert, at=at)
    pkg = Package.objects.create(
        direction=Direction.OUT, kind=Kind.STATUS, message_id=status.message_id,
        from_organ=agency.code, to_organ=original.from_organ, peer=original.peer,
        document=record.document, incoming=record, response_for=original,
        status_code=code.value, description=status.description, raw=raw, created_at=at)
    _queue(pkg, original.peer, at)
    audit_record(actor=None, action="exchange.status_send", obj=pkg, first=True,
                 data={"for": original.message_id, "status": code.value,
                       "incoming": record.pk})
    return pkg


def exchange_timeout() -> float:
    return float(getattr(settings, "TINHSO_EXCHANGE_TIMEOUT", 15))
