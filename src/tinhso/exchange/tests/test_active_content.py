"""A package from another installation whose document PDF or attachment carries JavaScript (an
/OpenAction, a /Names /JavaScript tree), a Launch action or an embedded file, or is encrypted
or truncated, is returned with the reason in Vietnamese (issue 4), recorded as returned, and
nothing is registered: no incoming record, no copy of the document, no file kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tinhso.documents.models import Document, IncomingRecord
from tinhso.exchange import edxml, services
from tinhso.exchange.models import Direction, Package
from tinhso.exchange.tests.test_attachments import _attach, _forged
from tinhso.exchange.tests.test_exchange import post
from tinhso.signing.tests.crafted import CRAFTED
from tinhso.signing.tests.test_pdfcheck import WORDS

pytestmark = pytest.mark.django_db


def _kept_files() -> set[Path]:
    return set(Path(settings.MEDIA_ROOT).glob("documents/**/*.pdf"))


def _returned(client, net, raw: bytes, code: str, before: set[Path]) -> str:
    response = post(client, raw)
    assert response.status_code == 200, response.content
    answer = edxml.parse(response.content)
    assert answer.code == edxml.StatusCode.RETURNED
    assert WORDS[code] in answer.description
    received = Package.objects.get(direction=Direction.IN, message_id=answer.response_for)
    assert received.result == "returned" and received.description == answer.description
    assert received.verification["content"]["error"] == code
    assert received.incoming_id is None and received.document_id is None
    assert not IncomingRecord.objects.filter(agency=net.receiver).exists()
    assert not Document.objects.filter(agency=net.pki.agency, number=999).exists()
    assert _kept_files() == before
    return answer.description


@pytest.mark.parametrize("kind", list(CRAFTED))
def test_a_document_pdf_with_active_content_returns_the_package(client, net, kind):
    make, code = CRAFTED[kind]
    [pkg] = services.document_send_external(document=net.issued(), actor=net.clerk)
    msg = edxml.parse(bytes(pkg.raw))
    main = msg.attachments[0]
    before = _kept_files()
    raw = _forged(net, msg, code_number="999", code_notation="999/QĐ-UBND", attachments=(
        edxml.Attachment(main.name, main.content_type, make(main.data), main.description),))
    reason = _returned(client, net, raw, code, before)
    assert main.name in reason


@pytest.mark.parametrize("kind", ["open-action-javascript", "embedded-file", "encrypted"])
def test_an_attachment_with_active_content_returns_the_package(client, net, two_page_pdf,
                                                                kind):
    make, code = CRAFTED[kind]
    doc = net.issued()
    _attach(net, doc, two_page_pdf)
    [pkg] = services.document_send_external(document=doc, actor=net.clerk)
    msg = edxml.parse(bytes(pkg.raw))
    main, annex = msg.attachments
    before = _kept_files()
    raw = _forged(net, msg, code_number="999", code_notation="999/QĐ-UBND", attachments=(
        main, edxml.Attachment(annex.name, annex.content_type, make(annex.data),
                               annex.description)))
    reason = _returned(client, net, raw, code, before)
    assert "phụ lục 1 (" in reason


def test_a_clean_package_still_arrives(client, net):
    [pkg] = services.document_send_external(document=net.issued(), actor=net.clerk)
    msg = edxml.parse(bytes(pkg.raw))
    raw = _forged(net, msg, code_number="999", code_notation="999/QĐ-UBND")
    answer = edxml.parse(post(client, raw).content)
    assert answer.code == edxml.StatusCode.ARRIVED, answer.description
    assert IncomingRecord.objects.filter(agency=net.receiver).exists()
