"""Signatures in the outgoing-document flow: draft -> approved -> signed (the leader's
personal signature) -> registered -> issued (the agency's signature) -> sent, the PDF checked
by our validator and by poppler's pdfsig, and the refusals (not the designated signer, a
revoked certificate, registering before signing) that write nothing."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from pyhanko.pdf_utils.reader import PdfFileReader

from tinhso.accounts.tests.factories import officer
from tinhso.core.errors import NotAllowed
from tinhso.core.models import AuditEvent
from tinhso.directory.models import Role
from tinhso.documents import services as s
from tinhso.documents.kinds import DocStatus, DocType
from tinhso.documents.models import Document, DocumentEvent, DocumentFile
from tinhso.documents.tests.test_api import bearer
from tinhso.documents.tests.world import office
from tinhso.signing import services as signing_services
from tinhso.signing.errors import CertificateUnusable
from tinhso.signing.models import Certificate, RevocationReason
from tinhso.signing.tests.conftest import require_tools
from tinhso.signing.tests.pdftools import pdfsig
from tinhso.signing.validation import pdf_validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(pki, settings, tmp_path):  # noqa: F811 - pytest-django's settings fixture
    settings.MEDIA_ROOT = tmp_path / "media"
    return {
        "pki": pki,
        "specialist": officer(Role.SPECIALIST, pki.agency, full_name="Chuyên viên Hà"),
        "clerk": officer(Role.CLERK, pki.agency, full_name="Văn thư Lan"),
        "stc": office("STC", "Sở Tài chính"),
        "snv": office("SNV", "Sở Nội vụ"),
    }


def approved(f) -> Document:
    pki = f["pki"]
    doc = s.document_draft(
        actor=f["specialist"], agency=pki.agency, doc_type=DocType.QUYET_DINH,
        subject="Về việc phê duyệt kế hoạch chuyển đổi số năm 2026",
        body="Điều 1. Phê duyệt kế hoạch chuyển đổi số.\nĐiều 2. Giao Sở Tài chính bố trí "
             "kinh phí.\nĐiều 3. Quyết định này có hiệu lực kể từ ngày ký.",
        recipients=[f["stc"].agency], recipient_lines=["Như Điều 3;", "Lưu: VT, VP."],
        signer=pki.signer)
    doc = s.document_submit_for_review(document=doc, actor=f["specialist"])
    return s.document_approve(document=doc, actor=pki.signer)


def issued(f) -> Document:
    doc = s.document_sign(document=approved(f), actor=f["pki"].signer)
    doc = s.document_register(document=doc, actor=f["clerk"])
    return s.document_issue(document=doc, actor=f["clerk"])


def open_file(row: DocumentFile) -> bytes:
    return (Path(settings.MEDIA_ROOT) / row.storage_path).read_bytes()


def field_values(pdf: bytes) -> dict[str, str]:
    root = PdfFileReader(BytesIO(pdf), strict=False).root
    return {str(f.get_object()["/T"]): str(f.get_object().get("/V", ""))
            for f in root["/AcroForm"]["/Fields"] if f.get_object().get("/FT") == "/Tx"}


def test_the_whole_flow_gives_a_pdf_with_two_valid_signatures_and_the_number(flow, tmp_path,
                                                                               nss_db):
    doc = issued(flow)
    assert doc.status == DocStatus.ISSUED and doc.notation == "01/QĐ-UBND"
    personal = DocumentFile.objects.get(document=doc, kind=DocumentFile.Kind.PERSONAL)
    final = open_file(DocumentFile.objects.get(document=doc, kind=DocumentFile.Kind.AGENCY))
    assert final.startswith(open_file(personal))  # the leader's revision is kept inside

    report = pdf_validate(final)
    assert report.ok and not report.unsigned_changes, report
    assert [c.signer for c in report.signatures] == ["Nguyễn Văn An", "UBND tỉnh Thanh Hóa"]
    assert all(c.ok and c.intact and c.trusted and c.timestamp_ok for c in report.signatures)
    values = field_values(final)
    assert values["number"] == "01/QĐ-UBND" and values["date"].startswith("ngày ")
    assert field_values(open_file(personal)) == {"number": "", "date": ""}
    assert report.signatures[0].modification == "FORM_FILLING"  # the fields, nothing else

    sent = s.document_send(document=doc, actor=flow["clerk"])
    assert sent.status == DocStatus.SENT
    assert [e.action for e in DocumentEvent.objects.filter(document=doc)] == [
        "draft", "submit", "approve", "sign", "register", "issue", "send", "incoming.receive"]

    require_tools()
    path = tmp_path / "issued.pdf"
    path.write_bytes(final)
    signatures, _certs = pdfsig(path, nss_db(Certificate.objects.get(label="root").pem))
    assert signatures == ["Signature is Valid.", "Signature is Valid."]


def test_the_recipient_downloads_the_signed_file_after_sending_another_agency_cannot(
        flow, client):
    doc = s.document_send(document=issued(flow), actor=flow["clerk"])
    url = f"/api/v1/documents/{doc.pk}/file"
    r = client.get(url, headers=bearer(flow["stc"].clerk))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert pdf_validate(r.content).ok
    assert client.get(url, headers=bearer(flow["snv"].clerk)).status_code == 404


def test_sign_and_issue_through_the_actions_endpoint(flow, client):
    doc = approved(flow)
    url = f"/api/v1/documents/{doc.pk}"
    r = client.get(f"{url}/file", headers=bearer(flow["clerk"]))
    assert r.status_code == 404  # nothing signed yet
    steps = ((flow["pki"].signer, "sign"), (flow["clerk"], "register"), (flow["clerk"], "issue"))
    revision = doc.revision
    for who, action in steps:
        r = client.post(f"{url}/actions", data={"action": action, "expected_revision": revision},
                        content_type="application/json", headers=bearer(who))
        assert r.status_code == 200, r.content
        revision = r.json()["revision"]
    assert r.json()["status"]["code"] == "issued"
    r = client.get(f"{url}/file", headers=bearer(flow["clerk"]))
    assert r.status_code == 200 and len(pdf_validate(r.content).signatures) == 2


def test_only_the_designated_signer_signs(flow):
    doc = approved(flow)
    other_leader = Certificate.objects.get(pk=flow["pki"].other_personal.pk).user
    with pytest.raises(NotAllowed):
        s.document_sign(document=doc, actor=other_leader)
    with pytest.raises(NotAllowed):
        s.document_sign(document=doc, actor=flow["clerk"])
    with pytest.raises(s.Conflict):  # a stale revision
        s.document_sign(document=doc, actor=flow["pki"].signer,
                        expected_revision=doc.revision - 1)
    doc.refresh_from_db()
    assert doc.status == DocStatus.APPROVED and not DocumentFile.objects.exists()


def test_a_revoked_certificate_cannot_sign_and_nothing_is_written(flow, client):
    pki = flow["pki"]
    doc = approved(flow)
    signing_services.certificate_revoke(actor=pki.admin, certificate=pki.personal,
                                        reason=RevocationReason.KEY_COMPROMISE)
    with pytest.raises(CertificateUnusable) as refused:
        s.document_sign(document=doc, actor=pki.signer, expected_revision=doc.revision)
    assert refused.value.status == 409
    r = client.post(f"/api/v1/documents/{doc.pk}/actions", data={"action": "sign"},
                    content_type="application/json", headers=bearer(pki.signer))
    assert r.status_code == 409 and "thu hồi" in r.json()["detail"]
    doc.refresh_from_db()
    assert doc.status == DocStatus.APPROVED and not DocumentFile.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).glob("documents/**/*.pdf"))
    refusals = AuditEvent.objects.filter(action="document.refused_action",
                                         object_id=str(doc.pk))
    assert [e.data["code"] for e in refusals] == ["certificate_unusable"] * 2


def test_registering_before_signing_and_sending_before_issuing_are_refused(flow):
    doc = approved(flow)
    with pytest.raises(s.Conflict):
        s.document_register(document=doc, actor=flow["clerk"])
    doc = s.document_sign(document=doc, actor=flow["pki"].signer)
    with pytest.raises(s.Conflict):
        s.document_issue(document=doc, actor=flow["clerk"])
    doc = s.document_register(document=doc, actor=flow["clerk"])
    with pytest.raises(s.Conflict):
        s.document_send(document=doc, actor=flow["clerk"])
    doc.refresh_from_db()
    assert doc.status == DocStatus.REGISTERED and doc.number == 1
