"""Separately filed attachments of an outgoing document (issue 4, Decree 30/2020 appendix):
PDFs added to a draft (checked by content), kept with its versions, each signed by the agency
when the clerk issues the document (top right of the first page, no image, the number and
notation and the signing time in ISO 8601 Vietnam time), all or nothing; downloaded by whoever
may see the document's file and nobody else."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from pyhanko.pdf_utils.reader import PdfFileReader

from tinhso.core.errors import DomainError
from tinhso.documents import services as s
from tinhso.documents.kinds import DocStatus
from tinhso.documents.models import (
    Document,
    DocumentAttachment,
    DocumentEvent,
    DocumentFile,
    IncomingRecord,
)
from tinhso.documents.services.attachments import SIGNATURE_FIELD
from tinhso.documents.tests.test_api import bearer
from tinhso.documents.tests.test_signing_flow import approved, flow  # noqa: F401 - fixture
from tinhso.signing.errors import SigningFailed
from tinhso.signing.models import Certificate
from tinhso.signing.tests import crafted
from tinhso.signing.tests.conftest import require_tools, tool_path, two_page_pdf  # noqa: F401
from tinhso.signing.tests.pdftools import pdfsig, qpdf_check
from tinhso.signing.validation import pdf_validate

pytestmark = pytest.mark.django_db
ISO_VN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00")


@pytest.fixture(scope="module")
def annex_pdf() -> bytes:
    """A one-page annex as a specialist would upload it (its layout is not ours)."""
    from weasyprint import HTML

    rows = "".join(f"<tr><td>{i}</td><td>Xã Thử Nghiệm {i}</td><td>{i * 12}</td></tr>"
                   for i in range(1, 20))
    return HTML(string=f"<html lang='vi'><body><h1>PHỤ LỤC I</h1><p>Danh mục các xã</p>"
                       f"<table>{rows}</table></body></html>").write_pdf()


def _attach(client, doc, who, pdf: bytes, title: str = "Phụ lục I. Danh mục các xã", **extra):
    upload = SimpleUploadedFile("phu-luc.pdf", pdf, content_type="application/pdf")
    return client.post(f"/api/v1/documents/{doc.pk}/attachments",
                       data={"title": title, "file": upload, **extra}, headers=bearer(who))


def _stored_files() -> set[Path]:
    return set(Path(settings.MEDIA_ROOT).glob("documents/**/*.pdf"))


def _issued_with_attachments(f, annex: bytes, n: int = 2) -> Document:
    doc = approved(f)
    doc = s.document_send_back(document=doc, actor=f["pki"].signer, comment="Thêm phụ lục.")
    for i in range(1, n + 1):
        s.document_attach(document=doc, actor=f["specialist"], title=f"Phụ lục {i}",
                          data=annex, file_name=f"phu-luc-{i}.pdf")
    doc = s.document_submit_for_review(document=doc, actor=f["specialist"])
    doc = s.document_approve(document=doc, actor=f["pki"].signer)
    doc = s.document_sign(document=doc, actor=f["pki"].signer)
    doc = s.document_register(document=doc, actor=f["clerk"])
    return s.document_issue(document=doc, actor=f["clerk"])


# --- drafting ---------------------------------------------------------------------------------


def test_attachments_are_kept_with_the_drafts_versions(flow, client, annex_pdf):  # noqa: F811
    doc = approved(flow)
    doc = s.document_send_back(document=doc, actor=flow["pki"].signer, comment="Thêm phụ lục.")
    version = doc.version
    r = _attach(client, doc, flow["specialist"], annex_pdf, expected_revision=doc.revision)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["version"] == version + 1
    [first] = body["attachments"]
    assert first["number"] == 1 and first["title"] == "Phụ lục I. Danh mục các xã"
    assert first["signed"] is False and first["file_name"] == "phu-luc.pdf"
    assert first["url"] == f"/api/v1/documents/{doc.pk}/attachments/1/file"
    r = _attach(client, doc, flow["specialist"], annex_pdf, title="Phụ lục II. Kinh phí")
    assert [a["title"] for a in r.json()["attachments"]] == [
        "Phụ lục I. Danh mục các xã", "Phụ lục II. Kinh phí"]

    # The drafter downloads what they uploaded, as uploaded.
    got = client.get(first["url"], headers=bearer(flow["specialist"]))
    assert got.status_code == 200 and got.content == annex_pdf
    assert got["Content-Type"] == "application/pdf"

    r = client.delete(f"/api/v1/documents/{doc.pk}/attachments/1",
                      headers=bearer(flow["specialist"]))
    assert r.status_code == 200, r.content
    body = r.json()
    assert [a["title"] for a in body["attachments"]] == ["Phụ lục II. Kinh phí"]
    assert body["attachments"][0]["number"] == 1  # numbers follow the current order
    # Every version says which attachments it had; the removed one is still kept.
    assert [(v["number"], v["attachments"]) for v in body["versions"]] == [
        (1, []), (2, ["Phụ lục I. Danh mục các xã"]),
        (3, ["Phụ lục I. Danh mục các xã", "Phụ lục II. Kinh phí"]),
        (4, ["Phụ lục II. Kinh phí"])]
    assert DocumentAttachment.objects.filter(document=doc).count() == 2
    assert [e.action for e in DocumentEvent.objects.filter(document=doc)][-3:] == [
        "attach", "attach", "detach"]
    # A text change keeps the attachments as they are.
    doc.refresh_from_db()
    s.document_revise(document=doc, actor=flow["specialist"], subject="Trích yếu mới")
    r = client.get(f"/api/v1/documents/{doc.pk}", headers=bearer(flow["specialist"]))
    assert r.json()["versions"][-1]["attachments"] == ["Phụ lục II. Kinh phí"]

    assert client.delete(f"/api/v1/documents/{doc.pk}/attachments/5",
                         headers=bearer(flow["specialist"])).status_code == 404


@pytest.mark.parametrize(("make", "code"), [
    (lambda pdf: b"PK\x03\x04 a zip, not a PDF", "not_pdf"),
    (lambda pdf: b"", "empty"),
    (lambda pdf: b"%PDF-1.7\n garbage", "unreadable"),
    (crafted.open_action_javascript, "javascript"),
    (crafted.embedded_file, "embedded_file"),
    (crafted.encrypted, "encrypted"),
], ids=["zip", "empty", "broken", "javascript", "embedded-file", "encrypted"])
def test_an_upload_that_is_not_a_plain_pdf_is_refused_on_the_file_field(
        flow, client, annex_pdf, make, code):  # noqa: F811
    doc = s.document_draft(actor=flow["specialist"], agency=flow["pki"].agency,
                           doc_type="quyet_dinh", subject="Dự thảo")
    r = _attach(client, doc, flow["specialist"], make(annex_pdf))
    assert r.status_code == 422, r.content
    [error] = r.json()["errors"]
    assert (error["field"], error["code"]) == ("file", code)
    assert not DocumentAttachment.objects.exists() and not _stored_files()
    doc.refresh_from_db()
    assert doc.version == 1


def test_too_large_a_file_and_a_missing_title_or_file_name_their_field(
        flow, client, annex_pdf, settings):  # noqa: F811
    doc = s.document_draft(actor=flow["specialist"], agency=flow["pki"].agency,
                           doc_type="quyet_dinh", subject="Dự thảo")
    settings.TINHSO_MAX_UPLOAD_BYTES = len(annex_pdf) - 1
    r = _attach(client, doc, flow["specialist"], annex_pdf)
    assert r.status_code == 422
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("file", "too_large")]
    settings.TINHSO_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    for title in ("   ", "\u202egnal\u202c", "x" * 501):
        r = _attach(client, doc, flow["specialist"], annex_pdf, title=title)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title", title
    upload = SimpleUploadedFile("../../etc/phu-luc.pdf", annex_pdf, content_type="text/plain")
    r = client.post(f"/api/v1/documents/{doc.pk}/attachments",
                    data={"title": "<script>alert(1)</script>", "file": upload},
                    headers=bearer(flow["specialist"]))
    assert r.status_code == 201  # the type a client claims is not what decides
    [row] = DocumentAttachment.objects.all()
    assert row.file_name == "phu-luc.pdf" and row.title == "<script>alert(1)</script>"
    client.force_login(flow["specialist"])
    assert "<script>alert(1)</script>" not in client.get(f"/van-ban/{doc.pk}/").content.decode()
    row.delete()
    for path in _stored_files():
        path.unlink()
    r = client.post(f"/api/v1/documents/{doc.pk}/attachments", data={"title": "Phụ lục"},
                    headers=bearer(flow["specialist"]))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    assert not DocumentAttachment.objects.exists() and not _stored_files()


def test_only_the_drafters_change_attachments_and_only_while_drafting(
        flow, client, annex_pdf):  # noqa: F811
    doc = approved(flow)  # approved: no longer a draft
    r = _attach(client, doc, flow["specialist"], annex_pdf)
    assert r.status_code == 409 and r.json()["current_status"] == DocStatus.APPROVED
    draft = s.document_draft(actor=flow["specialist"], agency=flow["pki"].agency,
                             doc_type="quyet_dinh", subject="Dự thảo")
    assert _attach(client, draft, flow["clerk"], annex_pdf).status_code == 403
    # Another agency's officer does not see the draft at all.
    assert _attach(client, draft, flow["stc"].specialist, annex_pdf).status_code == 404
    r = _attach(client, draft, flow["specialist"], annex_pdf, expected_revision=draft.revision + 5)
    assert r.status_code == 409
    assert not DocumentAttachment.objects.exists() and not _stored_files()


# --- signing at the issue ---------------------------------------------------------------------


def test_each_attachment_gets_the_agency_signature_top_right_with_the_notation_and_time(
        flow, annex_pdf, tmp_path, nss_db):  # noqa: F811
    doc = _issued_with_attachments(flow, annex_pdf)
    assert doc.status == DocStatus.ISSUED and doc.notation == "01/QĐ-UBND"
    rows = list(DocumentAttachment.objects.filter(document=doc).order_by("seq"))
    assert all(r.is_signed for r in rows)
    issue = DocumentEvent.objects.get(document=doc, action="issue")
    assert [a["sha256"] for a in issue.data["attachments"]] == [r.signed_sha256 for r in rows]
    cert = Certificate.objects.get(pk=flow["pki"].organization.pk)
    assert {r.certificate_serial for r in rows} == {str(cert.serial)}

    signed = (Path(settings.MEDIA_ROOT) / rows[0].signed_path).read_bytes()
    assert signed.startswith(annex_pdf)  # an incremental update of what was uploaded
    report = pdf_validate(signed)
    assert report.ok and not report.unsigned_changes, report
    [check] = report.signatures
    assert check.signer == "UBND tỉnh Thanh Hóa" and check.trusted and check.timestamp_ok
    assert check.field == SIGNATURE_FIELD

    # Top right of the first page, without an image.
    sig = PdfFileReader(BytesIO(signed)).embedded_regular_signatures[0]
    x1, y1, x2, y2 = (float(v) for v in sig.sig_field["/Rect"])
    page = sig.sig_field["/P"].get_object()
    first = PdfFileReader(BytesIO(signed)).root["/Pages"]["/Kids"][0].get_object()
    assert page == first
    _, _, width, height = (float(v) for v in page["/MediaBox"])
    assert x2 > width * 0.8 and y2 > height * 0.9 and x1 > width / 2
    resources = sig.sig_field["/AP"]["/N"].get("/Resources", {})
    assert not resources.get("/XObject")  # no picture

    require_tools()
    path = tmp_path / "phu-luc-1.pdf"
    path.write_bytes(signed)
    signatures, _certs = pdfsig(path, nss_db(Certificate.objects.get(label="root").pem))
    assert signatures == ["Signature is Valid."]
    assert qpdf_check(path) == 0
    text = subprocess.run([tool_path("pdftotext"), "-f", "1", "-l", "1", str(path), "-"],  # noqa: S603
                          capture_output=True, text=True, check=True).stdout
    assert "Số: 01/QĐ-UBND" in text
    assert ISO_VN.search(text), text


def test_an_attachment_that_cannot_be_signed_refuses_the_issue_and_writes_nothing(
        flow, annex_pdf, monkeypatch):  # noqa: F811
    from tinhso.signing import pades

    doc = approved(flow)
    doc = s.document_send_back(document=doc, actor=flow["pki"].signer, comment="Phụ lục.")
    for i in (1, 2):
        s.document_attach(document=doc, actor=flow["specialist"], title=f"Phụ lục {i}",
                          data=annex_pdf)
    doc = s.document_submit_for_review(document=doc, actor=flow["specialist"])
    doc = s.document_approve(document=doc, actor=flow["pki"].signer)
    doc = s.document_sign(document=doc, actor=flow["pki"].signer)
    doc = s.document_register(document=doc, actor=flow["clerk"])
    before = _stored_files()
    events = DocumentEvent.objects.filter(document=doc).count()

    real, calls = pades.pdf_sign_attachment, []

    def second_fails(pdf, **kw):  # the signing service fails on the second attachment
        calls.append(kw)
        if len(calls) == 2:
            raise SigningFailed("Dịch vụ ký số không trả lời.")
        return real(pdf, **kw)

    monkeypatch.setattr(pades, "pdf_sign_attachment", second_fails)
    with pytest.raises(SigningFailed):
        s.document_issue(document=doc, actor=flow["clerk"])
    _nothing_issued(doc, before, events)

    # The same with a real failure: the second attachment's stored file changed on disk.
    monkeypatch.setattr(pades, "pdf_sign_attachment", real)
    second = DocumentAttachment.objects.get(document=doc, seq=2)
    stored = Path(settings.MEDIA_ROOT) / second.storage_path
    stored.write_bytes(stored.read_bytes() + b"\n% changed")
    with pytest.raises(DomainError) as refused:
        s.document_issue(document=doc, actor=flow["clerk"])
    assert refused.value.code == "file_corrupted"
    _nothing_issued(doc, before, events)


def _nothing_issued(doc: Document, before: set[Path], events: int) -> None:
    doc.refresh_from_db()
    assert doc.status == DocStatus.REGISTERED
    assert not DocumentFile.objects.filter(document=doc, kind=DocumentFile.Kind.AGENCY).exists()
    assert not DocumentAttachment.objects.filter(document=doc).exclude(signed_path="").exists()
    assert DocumentEvent.objects.filter(document=doc).count() == events
    assert _stored_files() == before


# --- reading ----------------------------------------------------------------------------------


def test_recipients_download_the_signed_attachments_another_agency_cannot(
        flow, client, annex_pdf):  # noqa: F811
    doc = s.document_send(document=_issued_with_attachments(flow, annex_pdf, n=1),
                          actor=flow["clerk"])
    rec = IncomingRecord.objects.get(document=doc, agency=flow["stc"].agency)
    assert rec.verification["ok"] is True
    assert [(a["number"], a["ok"]) for a in rec.verification["attachments"]] == [(1, True)]

    url = f"/api/v1/documents/{doc.pk}/attachments/1/file"
    r = client.get(url, headers=bearer(flow["stc"].clerk))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    row = DocumentAttachment.objects.get(document=doc)
    assert r["X-Content-SHA256"] == row.signed_sha256
    assert pdf_validate(r.content).ok
    detail = client.get(f"/api/v1/documents/{doc.pk}", headers=bearer(flow["stc"].clerk)).json()
    assert [(a["title"], a["signed"]) for a in detail["attachments"]] == [("Phụ lục 1", True)]
    assert detail["versions"] == []  # the drafts stay with the issuer

    for stranger in (flow["snv"].clerk, flow["snv"].specialist):
        assert client.get(url, headers=bearer(stranger)).status_code == 404
    assert client.get(f"/api/v1/documents/{doc.pk}/attachments/2/file",
                      headers=bearer(flow["stc"].clerk)).status_code == 404
    assert client.get(url).status_code == 401
    # Issued and sent: attachments no longer change.
    assert _attach(client, doc, flow["specialist"], annex_pdf).status_code == 409


def test_the_pages_add_list_and_link_attachments(flow, client, annex_pdf):  # noqa: F811
    doc = s.document_draft(actor=flow["specialist"], agency=flow["pki"].agency,
                           doc_type="quyet_dinh", subject="Dự thảo có phụ lục")
    client.force_login(flow["specialist"])
    page = client.get(f"/van-ban/{doc.pk}/sua/")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    r = client.post(f"/van-ban/{doc.pk}/phu-luc/", {
        "att-title": "Phụ lục I. Danh mục", "att-revision": doc.revision,
        "att-file": SimpleUploadedFile("danh-muc.pdf", annex_pdf, content_type="application/pdf")})
    assert r.status_code == 302, r.content.decode()[:2000]
    r = client.post(f"/van-ban/{doc.pk}/phu-luc/", {
        "att-title": "Phụ lục II", "att-revision": doc.revision + 1,
        "att-file": SimpleUploadedFile("x.pdf", b"not a pdf", content_type="application/pdf")})
    assert r.status_code == 422 and "không phải tệp PDF" in r.content.decode()

    page = client.get(f"/van-ban/{doc.pk}/").content.decode()
    assert "Phụ lục I. Danh mục" in page
    assert f"/van-ban/{doc.pk}/phu-luc/1/" in page
    r = client.get(f"/van-ban/{doc.pk}/phu-luc/1/")
    assert r.status_code == 200 and r.content == annex_pdf

    doc.refresh_from_db()
    r = client.post(f"/van-ban/{doc.pk}/phu-luc/1/xoa/", {"revision": doc.revision})
    assert r.status_code == 302
    assert not DocumentAttachment.objects.filter(document=doc, removed_in__isnull=True).exists()
    client.force_login(flow["snv"].specialist)
    assert client.get(f"/van-ban/{doc.pk}/phu-luc/1/").status_code == 404
