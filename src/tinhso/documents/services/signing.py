"""The two digital signatures of an outgoing document (Decree 30/2020/NĐ-CP, Art. 8 and
Appendix I): the designated leader's personal signature on the approved text, then, after the
clerk registered it, the agency's signature that issues it.

    approved --sign (leader)--> signed --register (clerk)--> registered --issue (clerk)--> issued

Signing renders the PDF and signs it inside the request (about 100 ms of CPU per signature):
acceptable at today's volumes; a background task is the better design later. Each step is one
transaction; the signed file is written before the row that names it and deleted if the
transaction fails. Both revisions are kept (`DocumentFile`). At the issue, the separately
filed attachments are signed by the agency in the same transaction (`services.attachments`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from tinhso.core.errors import NotAllowed
from tinhso.documents.files import Stored, pdf_read, pdf_write
from tinhso.documents.kinds import DocStatus
from tinhso.documents.models import Document, DocumentFile
from tinhso.documents.numbering import local_date
from tinhso.documents.pdf import fill_registration, place_name, render_document
from tinhso.documents.rollups import doc_stat_bump
from tinhso.documents.services._common import (
    APPROVE,
    COMMENT_MAX,
    REGISTER,
    actor_name,
    guarded,
    lock,
    moment,
    record_event,
    require,
    text,
)
from tinhso.documents.services.attachments import attachments_keep, attachments_sign
from tinhso.signing.errors import CertificateUnusable
from tinhso.signing.models import Certificate
from tinhso.signing.pades import Placement, pdf_sign_agency, pdf_sign_personal, seal_placement
from tinhso.signing.selectors import agency_certificate, personal_certificate
from tinhso.signing.services import signature_image

RELATED = ("agency", "agency__unit", "agency__parent", "drafter", "signer")
DEFAULT_TITLE = "Thủ trưởng cơ quan"


def _keep(doc: Document, pdf: bytes, *, kind: str, actor: Any, at: dt.datetime,
          certificate: Certificate, placement: Placement) -> tuple[Stored, DocumentFile]:
    stored = pdf_write(pdf, at=at)
    try:
        row = DocumentFile.objects.create(
            document=doc, kind=kind, storage_path=stored.storage_path, sha256=stored.sha256,
            size=stored.size, certificate_serial=str(certificate.serial), created_at=at,
            created_by=actor,
            placement={"page": placement.page, "box": list(placement.box)})
    except BaseException:
        stored.absolute.unlink(missing_ok=True)
        raise
    return stored, row


def _advance(doc: Document, *, actor: Any, action: str, at: dt.datetime, to: str,
             comment: str, stored: Stored, row: DocumentFile,
             extra: dict[str, Any] | None = None) -> None:
    from_status = doc.status
    doc.status = to
    doc.revision += 1
    doc.updated_at = at
    doc.save()
    try:
        record_event(doc, actor=actor, action=action, at=at, from_status=from_status,
                     comment=comment,
                     data={"file": row.pk, "sha256": stored.sha256,
                           "certificate_serial": row.certificate_serial, **(extra or {})})
    except BaseException:
        stored.absolute.unlink(missing_ok=True)
        raise


@guarded("document.sign")
def document_sign(*, document: Document, actor: Any, comment: str = "",
                  expected_revision: int | None = None,
                  at: dt.datetime | None = None) -> Document:
    """The designated leader signs the approved document with their personal certificate:
    the PDF is rendered (number and date left for the clerk), signed and kept."""
    at = moment(at)
    doc = lock(Document, document.pk, expected_revision, (DocStatus.APPROVED,), related=RELATED)
    require(actor, APPROVE, doc.agency)
    if doc.signer_id != getattr(actor, "pk", None):
        raise NotAllowed(_("Chỉ người ký được giao mới ký được văn bản này."))
    comment = text(comment, "comment", multiline=True, max_length=COMMENT_MAX)
    cert = personal_certificate(actor, doc.agency)
    if cert is None:
        raise CertificateUnusable(
            _("Bạn chưa có chứng thư số cá nhân còn hiệu lực tại cơ quan này (đã thu hồi, "
              "hết hạn hoặc chưa cấp)."))
    rendered = render_document(
        doc, signer_title=str(cert.subject_attrs.get("title") or DEFAULT_TITLE),
        signer_name=cert.common_name or actor_name(actor))
    signed = pdf_sign_personal(rendered.pdf, certificate=cert, placement=rendered.signature,
                               reason="Ký ban hành", location=place_name(doc),
                               image=signature_image(cert))
    stored, row = _keep(doc, signed, kind=DocumentFile.Kind.PERSONAL, actor=actor, at=at,
                        certificate=cert, placement=rendered.signature)
    _advance(doc, actor=actor, action="sign", at=at, to=DocStatus.SIGNED, comment=comment,
             stored=stored, row=row)
    return doc


@guarded("document.issue")
def document_issue(*, document: Document, actor: Any, comment: str = "",
                   expected_revision: int | None = None,
                   at: dt.datetime | None = None) -> Document:
    """The clerk issues the registered document: the number and notation and the date of
    issue are filled into their fields, and the agency's signature (the seal over a third of
    the leader's signature) covers the whole; each separately filed attachment gets the
    agency's signature too (top right of its first page, no image, the number and notation
    and the signing time). All or nothing: an attachment that cannot be signed refuses the
    issue."""
    at = moment(at)
    doc = lock(Document, document.pk, expected_revision, (DocStatus.REGISTERED,),
               related=RELATED)
    require(actor, REGISTER, doc.agency)
    comment = text(comment, "comment", multiline=True, max_length=COMMENT_MAX)
    cert = agency_certificate(doc.agency)
    if cert is None:
        raise CertificateUnusable(
            _("Cơ quan chưa có chứng thư số còn hiệu lực để ký phát hành văn bản."))
    personal = DocumentFile.objects.get(document=doc, kind=DocumentFile.Kind.PERSONAL)
    x1, y1, x2, y2 = (float(v) for v in personal.placement["box"])
    block = Placement(int(personal.placement["page"]), (x1, y1, x2, y2))
    filled = fill_registration(pdf_read(personal.storage_path, personal.sha256),
                               notation=doc.notation, issued_on=doc.issued_on or local_date(at))
    seal = seal_placement(block)
    signed = pdf_sign_agency(filled, certificate=cert, placement=seal, seal=signature_image(cert),
                             reason=f"Phát hành {doc.notation}", location=place_name(doc))
    # Every attachment is signed before anything is written: one that cannot be signed
    # refuses the whole issue, leaving the document registered and no file behind.
    sealed = attachments_sign(doc, cert)
    stored, row = _keep(doc, signed, kind=DocumentFile.Kind.AGENCY, actor=actor, at=at,
                        certificate=cert, placement=seal)
    written: list[Stored] = [stored]
    try:
        kept = attachments_keep(sealed, certificate=cert, at=at, written=written)
        _advance(doc, actor=actor, action="issue", at=at, to=DocStatus.ISSUED, comment=comment,
                 stored=stored, row=row, extra={"attachments": kept} if kept else None)
        doc_stat_bump(doc.agency, at, {"issued": 1, "personal_signed": 1, "agency_signed": 1})
    except BaseException:
        for w in written:
            w.absolute.unlink(missing_ok=True)
        raise
    return doc
