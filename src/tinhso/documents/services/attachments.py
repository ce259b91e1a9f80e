"""An outgoing document's separately filed attachments (phụ lục, tài liệu kèm theo): PDFs
added to or removed from a draft, kept with its versions, signed by the agency when the
document is issued (`signing.document_issue` calls `attachments_seal`).

Adding or removing an attachment changes the draft as a text change does: a new
`DocumentVersion` is kept (its text unchanged), and the attachment rows record the versions
they belong to (`added_in`, `removed_in`), so each version's attachments stay known. A removed
attachment's row and file are kept for that reason. Uploads are checked by content before
anything is written (`signing.pdfcheck`: a PDF within the upload limit, not encrypted, without
JavaScript or embedded files); the file is written before the row that names it and deleted if
the transaction fails."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, NotFound
from tinhso.core.text import UnsafeText, clean_text
from tinhso.documents.files import Stored, pdf_read, pdf_write
from tinhso.documents.kinds import DocStatus
from tinhso.documents.models import SUBJECT_MAX, Document, DocumentAttachment
from tinhso.documents.services._common import (
    COMMENT_MAX,
    DRAFT,
    REVIEW,
    guarded,
    lock,
    moment,
    record_event,
    require,
    text,
)
from tinhso.documents.services.outgoing import RELATED, _keep_version
from tinhso.signing.models import Certificate
from tinhso.signing.pdfcheck import pdf_upload_check

ATTACHABLE = (DocStatus.DRAFT, DocStatus.IN_REVIEW)
MAX_ATTACHMENTS = 20  # an edXML package carries at most 50 files, the document's PDF included
SIGNATURE_FIELD = "ChuKyPhuLuc"


def current_attachments(doc: Document) -> list[DocumentAttachment]:
    """The attachments of the document's latest version, in order (the n-th is number n)."""
    return list(DocumentAttachment.objects.filter(document=doc, removed_in__isnull=True)
                .order_by("seq"))


def changed_message() -> str:
    return _("Tệp phụ lục bị thay đổi trên đĩa.")


def attachment_bytes(row: DocumentAttachment, *, signed: bool = True) -> bytes:
    """The attachment's stored file: the agency-signed one when there is one (and `signed`),
    else the one uploaded; checked against its recorded SHA-256."""
    if signed and row.is_signed:
        return pdf_read(row.signed_path, row.signed_sha256, changed=changed_message())
    return pdf_read(row.storage_path, row.sha256, changed=changed_message())


def _file_name(value: Any) -> str:
    try:
        name = clean_text(str(value or ""))
    except UnsafeText:
        raise DomainError.for_field("file", _("Tên tệp chứa ký tự không hợp lệ.")) from None
    name = os.path.basename(name.replace("\\", "/"))[:255]
    return name or "phu-luc.pdf"


def _may_change(actor: Any, doc: Document) -> None:
    require(actor, DRAFT if doc.status == DocStatus.DRAFT else REVIEW, doc.agency)


@guarded("document.attach")
def document_attach(*, document: Document, actor: Any, title: str, data: bytes,
                    file_name: str = "", comment: str = "",
                    expected_revision: int | None = None,
                    at: dt.datetime | None = None) -> DocumentAttachment:
    """Add a PDF attachment at the end of a draft's (or a draft under review's) attachments;
    the draft gets a new version."""
    at = moment(at)
    doc = lock(Document, document.pk, expected_revision, ATTACHABLE, related=RELATED)
    _may_change(actor, doc)
    title = text(title, "title", required=True, max_length=SUBJECT_MAX)
    name = _file_name(file_name)
    comment = text(comment, "comment", multiline=True, max_length=COMMENT_MAX)
    if not isinstance(data, bytes | bytearray):
        raise DomainError.for_field("file", _("Hãy chọn tệp PDF của phụ lục."), code="required")
    if DocumentAttachment.objects.filter(document=doc, removed_in__isnull=True).count() \
            >= MAX_ATTACHMENTS:
        raise DomainError.for_field("file", _("Tối đa %(n)d phụ lục mỗi văn bản.")
                                    % {"n": MAX_ATTACHMENTS}, code="too_many")
    pdf_upload_check(bytes(data), field="file", name=name)
    last = DocumentAttachment.objects.filter(document=doc).aggregate(m=Max("seq"))["m"] or 0
    stored = pdf_write(bytes(data), at=at)
    try:
        doc.version += 1
        # A kept record, so in Vietnamese (the records' language) whatever the user's language.
        _keep_version(doc, actor=actor, at=at, comment=comment or f"Thêm phụ lục: {title}")
        row = DocumentAttachment.objects.create(
            document=doc, seq=last + 1, title=title, file_name=name,
            storage_path=stored.storage_path, sha256=stored.sha256, size=stored.size,
            added_in=doc.version, added_at=at, added_by=actor)
        doc.revision += 1
        doc.updated_at = at
        doc.save()
        record_event(doc, actor=actor, action="attach", at=at, from_status=doc.status,
                     comment=comment,
                     data={"attachment": row.pk, "title": title, "file_name": name,
                           "sha256": stored.sha256, "size": stored.size,
                           "version": doc.version})
    except BaseException:
        stored.absolute.unlink(missing_ok=True)
        raise
    return row


@guarded("document.detach")
def document_detach(*, document: Document, actor: Any, number: int, comment: str = "",
                    expected_revision: int | None = None,
                    at: dt.datetime | None = None) -> Document:
    """Remove the `number`-th attachment (1-based, in order) from a draft; the draft gets a new
    version without it (the row and its file stay, for the versions that had it)."""
    at = moment(at)
    doc = lock(Document, document.pk, expected_revision, ATTACHABLE, related=RELATED)
    _may_change(actor, doc)
    comment = text(comment, "comment", multiline=True, max_length=COMMENT_MAX)
    rows = current_attachments(doc)
    if not isinstance(number, int) or not 1 <= number <= len(rows):
        raise NotFound(_("Không có phụ lục số %(n)s.") % {"n": number})
    row = rows[number - 1]
    doc.version += 1
    _keep_version(doc, actor=actor, at=at, comment=comment or f"Bỏ phụ lục: {row.title}")
    row.removed_in = doc.version
    row.save(update_fields=["removed_in"])
    doc.revision += 1
    doc.updated_at = at
    doc.save()
    record_event(doc, actor=actor, action="detach", at=at, from_status=doc.status,
                 comment=comment,
                 data={"attachment": row.pk, "title": row.title, "version": doc.version})
    return doc


def attachments_sign(doc: Document, certificate: Certificate
                     ) -> list[tuple[DocumentAttachment, bytes]]:
    """Each current attachment of `doc` signed by the agency (in memory, nothing written): top
    right of its first page, no image, the number and notation and the signing time in ISO
    8601 Vietnam time. Raises at the first that cannot be read or signed."""
    from tinhso.signing.pades import pdf_sign_attachment

    out = []
    for n, row in enumerate(current_attachments(doc), start=1):
        signed = pdf_sign_attachment(
            attachment_bytes(row, signed=False), certificate=certificate,
            number_notation=doc.notation, field=SIGNATURE_FIELD,
            reason=f"Phát hành phụ lục {n} kèm theo văn bản {doc.notation}")
        out.append((row, signed))
    return out


def attachments_keep(signed: list[tuple[DocumentAttachment, bytes]], *, certificate: Certificate,
                     at: dt.datetime, written: list[Stored]) -> list[dict[str, Any]]:
    """Write the signed attachments and record them on their rows (in the caller's
    transaction); each written file is appended to `written` for the caller to delete if the
    transaction fails. Returns what the issue event records."""
    recorded = []
    for n, (row, data) in enumerate(signed, start=1):
        stored = pdf_write(data, at=at)
        written.append(stored)
        row.signed_path, row.signed_sha256, row.signed_size = (
            stored.storage_path, stored.sha256, stored.size)
        row.signed_at, row.certificate_serial = at, str(certificate.serial)
        row.save(update_fields=["signed_path", "signed_sha256", "signed_size", "signed_at",
                                "certificate_serial"])
        recorded.append({"number": n, "attachment": row.pk, "sha256": stored.sha256})
    return recorded
