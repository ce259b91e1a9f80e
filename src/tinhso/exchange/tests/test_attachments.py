"""A document's separately filed attachments in the edXML package: they travel after the
document's PDF (the manifest's Description is each one's title), are checked on arrival as the
PDF is (the agency's signature holds, made by the document's signer), are kept on the
receiving side's copy, and a tampered one refuses the package with the reason."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tinhso.documents.files import pdf_write
from tinhso.documents.models import Document, DocumentAttachment, IncomingRecord
from tinhso.exchange import edxml, services
from tinhso.exchange.models import Direction, Package
from tinhso.exchange.tests.test_exchange import post
from tinhso.signing.pades import pdf_sign_attachment
from tinhso.signing.tests.pdftools import flip_byte
from tinhso.signing.xmldsig import xml_sign

pytestmark = pytest.mark.django_db
TITLE = "Phụ lục I. Danh mục các xã được hỗ trợ"


def _attach(net, doc: Document, pdf: bytes, *, certificate=None, signed: bool = True,
            seq: int = 1) -> DocumentAttachment:
    now = timezone.now()
    data = pdf_sign_attachment(pdf, certificate=certificate or net.pki.organization,
                               number_notation=doc.notation) if signed else pdf
    stored = pdf_write(data, at=now)
    extra = ({"signed_path": stored.storage_path, "signed_sha256": stored.sha256,
              "signed_size": stored.size, "signed_at": now} if signed else {})
    return DocumentAttachment.objects.create(
        document=doc, seq=seq, title=TITLE, file_name="phu-luc.pdf",
        storage_path=stored.storage_path, sha256=stored.sha256, size=stored.size, added_in=1,
        added_at=now, added_by=net.specialist, **extra)


def _package_with_attachment(net, two_page_pdf) -> tuple[Package, DocumentAttachment]:
    doc = net.issued()
    row = _attach(net, doc, two_page_pdf)
    [pkg] = services.document_send_external(document=doc, actor=net.clerk)
    return pkg, row


def _forged(net, msg: edxml.DocumentMessage, **changes) -> bytes:
    forged = edxml.DocumentMessage(**{**msg.__dict__, "message_id": edxml.new_message_id(),
                                      **changes})
    return xml_sign(edxml.build(forged), certificate=net.pki.organization)


def test_attachments_travel_after_the_pdf_and_are_verified_on_arrival(client, net,
                                                                     two_page_pdf):
    pkg, row = _package_with_attachment(net, two_page_pdf)
    msg = edxml.parse(bytes(pkg.raw))
    main, annex = msg.attachments
    assert main.name.endswith(".pdf") and annex.description == TITLE
    assert annex.name == f"{pkg.document.notation.replace('/', '_')}_phu-luc-1.pdf"
    assert hashlib.sha256(annex.data).hexdigest() == row.signed_sha256

    response = post(client, bytes(pkg.raw))
    assert response.status_code == 200
    assert edxml.parse(response.content).code == edxml.StatusCode.ARRIVED
    received = Package.objects.get(direction=Direction.IN, message_id=pkg.message_id)
    [checked] = received.verification["attachments"]
    assert checked["ok"] is True and checked["title"] == TITLE
    assert IncomingRecord.objects.filter(agency=net.receiver).exists()


def test_the_receiving_side_keeps_each_attachment_signed_as_it_came(client, net, two_page_pdf):
    """In one database the receiver finds the sender's own copy; a document it does not know
    yet (another number) is kept with its attachments, as installation B keeps it."""
    pkg, _row = _package_with_attachment(net, two_page_pdf)
    msg = edxml.parse(bytes(pkg.raw))
    raw = _forged(net, msg, code_number="999", code_notation="999/QĐ-UBND")
    response = post(client, raw)
    assert edxml.parse(response.content).code == edxml.StatusCode.ARRIVED, response.content
    copy = Document.objects.get(agency=net.pki.agency, number=999)
    [kept] = DocumentAttachment.objects.filter(document=copy)
    assert kept.title == TITLE and kept.is_signed
    data = (Path(settings.MEDIA_ROOT) / kept.signed_path).read_bytes()
    assert data == msg.attachments[1].data
    assert kept.signed_sha256 == hashlib.sha256(data).hexdigest()


def test_a_tampered_attachment_returns_the_package_with_the_reason(client, net, two_page_pdf):
    pkg, _row = _package_with_attachment(net, two_page_pdf)
    msg = edxml.parse(bytes(pkg.raw))
    main, annex = msg.attachments
    raw = _forged(net, msg, attachments=(main, edxml.Attachment(
        annex.name, annex.content_type, flip_byte(annex.data), annex.description)))
    response = post(client, raw)
    answer = edxml.parse(response.content)
    assert answer.code == edxml.StatusCode.RETURNED
    assert answer.description.startswith(f"Chữ ký số trên phụ lục 1 ({TITLE}) không hợp lệ")
    received = Package.objects.get(direction=Direction.IN, message_id=answer.response_for)
    assert received.result == "returned"
    assert received.verification["pdf"]["ok"] is True
    assert received.verification["attachments"][0]["ok"] is False
    assert not IncomingRecord.objects.filter(agency=net.receiver).exists()


def test_an_attachment_signed_by_another_agency_returns_the_package(client, net, two_page_pdf):
    doc = net.issued()
    _attach(net, doc, two_page_pdf, certificate=net.receiver_cert)
    [pkg] = services.document_send_external(document=doc, actor=net.clerk)
    answer = edxml.parse(post(client, bytes(pkg.raw)).content)
    assert answer.code == edxml.StatusCode.RETURNED
    assert "không mang chữ ký số của cơ quan ban hành" in answer.description


def test_an_attachment_changed_in_transit_breaks_the_package_signature(client, net,
                                                                       two_page_pdf):
    pkg, _row = _package_with_attachment(net, two_page_pdf)
    raw = bytes(pkg.raw)
    start = raw.rindex(b"<ContentTransferEncoded>") + len(b"<ContentTransferEncoded>") + 200
    swapped = b"A" if raw[start:start + 1] != b"A" else b"B"
    response = post(client, raw[:start] + swapped + raw[start + 1:])
    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"


def test_an_unsigned_attachment_is_not_sent(net, two_page_pdf):
    doc = net.issued()
    _attach(net, doc, two_page_pdf, signed=False)
    with pytest.raises(services.DomainError) as refused:
        services.document_send_external(document=doc, actor=net.clerk)
    assert refused.value.status == 409
    assert not Package.objects.filter(document=doc).exists()
