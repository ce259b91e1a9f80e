"""The public signature check (issue 4): the page /xac-thuc-chu-ky/ and
POST /api/v1/signatures/verify, as an applicant holding a signed PDF uses them."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tinhso.signing import verification
from tinhso.signing.pades import Placement, pdf_sign_agency, pdf_sign_personal, seal_placement
from tinhso.signing.tests.pdftools import append_unsigned_change, flip_byte

PAGE = "/xac-thuc-chu-ky/"
API = "/api/v1/signatures/verify"
BLOCK = Placement(page=1, box=(330.0, 420.0, 510.0, 520.0))


@pytest.fixture
def signed(pki, two_page_pdf) -> bytes:
    personal = pdf_sign_personal(two_page_pdf, certificate=pki.personal, placement=BLOCK,
                                 reason="Ký ban hành")
    return pdf_sign_agency(personal, certificate=pki.organization,
                           placement=seal_placement(BLOCK))


def pdf_file(data: bytes, name: str = "quyet-dinh.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def upload(client: Client, data: bytes, url: str = PAGE, name: str = "quyet-dinh.pdf"):
    return client.post(url, {"file": pdf_file(data, name)})


# --- the page ------------------------------------------------------------------------------


def test_the_page_offers_a_labelled_pdf_upload_and_is_public(client, db):
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Kiểm tra chữ ký số</h1>" in html
    assert '<label for="id_file">Tệp PDF</label>' in html
    assert 'enctype="multipart/form-data"' in html
    assert "csrfmiddlewaretoken" in html


def test_the_home_page_links_to_the_check(client, db):
    assert f'href="{PAGE}"' in client.get("/").content.decode()


def test_a_signed_document_is_intact_and_valid_with_its_signers(client, pki, signed):
    response = upload(client, signed)
    assert response.status_code == 200
    html = response.content.decode()
    head = html.index("Văn bản còn nguyên vẹn, chữ ký hợp lệ.")
    assert head < html.index("Nguyễn Văn An"), "the verdict comes first"
    assert "UBND tỉnh Thanh Hóa" in html
    assert "Chữ ký cá nhân" in html and "Chữ ký của cơ quan, tổ chức" in html
    assert html.count("Nguyên vẹn") == 2
    assert "Không có thay đổi nào sau chữ ký cuối cùng." in html
    assert "Do tổ chức được tin cậy cấp" in html
    assert "Chưa bị thu hồi" in html
    assert "Có, hợp lệ" in html
    assert "+07:00" in html, "times are Vietnam time"


def test_one_changed_byte_shows_the_document_was_altered(client, pki, signed):
    html = upload(client, flip_byte(signed)).content.decode()
    assert "Chữ ký không hợp lệ." in html
    assert "Nội dung văn bản đã bị thay đổi sau khi ký." in html
    assert "Đã bị thay đổi" in html
    assert "chữ ký hợp lệ" not in html


def test_text_added_after_the_last_signature_is_reported(client, pki, signed):
    html = upload(client, append_unsigned_change(signed)).content.decode()
    assert "Chữ ký không hợp lệ." in html
    assert "Văn bản đã bị thay đổi sau chữ ký cuối cùng." in html


def test_a_signature_revoked_after_signing_still_holds(client, pki, signed):
    from tinhso.signing import services
    from tinhso.signing.models import RevocationReason

    services.certificate_revoke(actor=pki.admin, certificate=pki.personal,
                                reason=RevocationReason.AFFILIATION_CHANGED)
    html = upload(client, signed).content.decode()
    assert "Văn bản còn nguyên vẹn, chữ ký hợp lệ." in html
    assert "Bị thu hồi sau khi ký (chữ ký vẫn có giá trị)" in html


def test_an_unsigned_pdf_says_it_has_no_signature(client, pki, two_page_pdf):
    response = upload(client, two_page_pdf)
    assert response.status_code == 200
    assert "Văn bản không có chữ ký số." in response.content.decode()


def assert_field_error(response, message: str) -> None:
    assert response.status_code == 422
    html = response.content.decode()
    assert 'role="alert"' in html
    assert f'<a href="#id_file">Tệp PDF: {message}</a>' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_file-hint id_file-error"' in html
    assert response.context["error"] == message


def test_a_file_that_is_not_a_pdf_is_a_field_error(client, db):
    response = upload(client, b"PK\x03\x04 a zip file", name="hoso.docx")
    assert_field_error(response, "Tệp đã chọn không phải là tệp PDF.")


def test_an_empty_file_is_a_field_error(client, db):
    assert_field_error(upload(client, b""), "Tệp đã chọn không có nội dung.")


def test_no_file_at_all_asks_for_one(client, db):
    assert_field_error(client.post(PAGE, {}), "Hãy chọn tệp PDF cần kiểm tra.")


def test_a_corrupt_pdf_is_a_field_error_not_a_crash(client, db):
    assert_field_error(upload(client, b"%PDF-1.7\n garbage without objects"),
                       "Không đọc được tệp PDF: tệp bị hỏng hoặc không đầy đủ.")


def test_a_truncated_signed_pdf_is_a_field_error(client, pki, signed):
    assert_field_error(upload(client, signed[: len(signed) // 3]),
                       "Không đọc được tệp PDF: tệp bị hỏng hoặc không đầy đủ.")


def test_a_password_protected_pdf_is_a_field_error(client, db, tmp_path, two_page_pdf):
    from tinhso.signing.tests.conftest import tool_path

    qpdf = tool_path("qpdf")
    import subprocess

    (tmp_path / "a.pdf").write_bytes(two_page_pdf)
    subprocess.run([qpdf, "--encrypt", "mk", "chu", "256", "--", str(tmp_path / "a.pdf"),  # noqa: S603
                    str(tmp_path / "b.pdf")], check=True)
    assert_field_error(upload(client, (tmp_path / "b.pdf").read_bytes()),
                       "Tệp PDF được đặt mật khẩu: hãy tải lên bản không đặt mật khẩu.")


def test_a_file_over_the_limit_is_refused_without_keeping_it(client, db, monkeypatch):
    monkeypatch.setattr(verification, "MAX_PDF_BYTES", 1000)
    response = upload(client, b"%PDF-1.7\n" + b"0" * 5000)
    assert_field_error(response, "Tệp lớn hơn 0 MB, không kiểm tra được.")


def test_the_form_is_csrf_protected(db, signed):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(PAGE, {"file": pdf_file(signed)}).status_code == 403


def test_nothing_about_the_signers_is_logged(client, pki, signed, caplog):
    with caplog.at_level(logging.DEBUG):
        upload(client, signed)
    assert "Nguyễn Văn An" not in caplog.text
    assert "quyet-dinh" not in caplog.text


def test_no_temporary_file_is_written_for_an_upload(client, pki, signed, settings, monkeypatch):
    from django.core.files import uploadedfile

    made: list[str] = []
    real = uploadedfile.TemporaryUploadedFile.__init__
    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__",
                        lambda self, *a, **kw: made.append(a[0]) or real(self, *a, **kw))
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    assert upload(client, signed).status_code == 200
    assert made == []


def test_only_the_first_file_part_is_read(client, pki, signed):
    response = client.post(PAGE, {"file": [pdf_file(signed), pdf_file(b"junk")],
                                  "other": pdf_file(b"x" * 1000)})
    assert "Văn bản còn nguyên vẹn, chữ ký hợp lệ." in response.content.decode()


# --- the API -------------------------------------------------------------------------------


def test_the_api_reports_each_signature(client, pki, signed):
    response = upload(client, signed, url=API)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["status"] == "valid"
    assert body["summary"] == "Văn bản còn nguyên vẹn, chữ ký hợp lệ."
    assert body["problems"] == [] and body["unsigned_changes"] is False
    first, second = body["signatures"]
    assert first["signer"] == "Nguyễn Văn An"
    assert first["organization"] == "UBND tỉnh Thanh Hóa"
    assert (first["kind"], second["kind"]) == ("personal", "organization")
    assert first["intact"] and first["trusted"] and first["timestamp_ok"]
    assert first["revocation"] == "good"
    assert dt.datetime.fromisoformat(first["timestamp"]).utcoffset() == dt.timedelta(hours=7)
    assert set(first) == {"field", "signer", "organization", "kind", "signed_at", "timestamp",
                          "timestamp_ok", "intact", "trusted", "revocation",
                          "covers_whole_file", "ok", "problems", "serial", "fingerprint"}


def test_the_api_reports_an_altered_document(client, pki, signed):
    body = upload(client, flip_byte(signed), url=API).json()
    assert body["ok"] is False and body["status"] == "invalid"
    assert "altered" in body["problems"]
    assert body["signatures"][0]["intact"] is False


def test_the_api_reports_an_unsigned_pdf(client, pki, two_page_pdf):
    body = upload(client, two_page_pdf, url=API).json()
    assert (body["ok"], body["status"], body["signatures"]) == (False, "unsigned", [])


@pytest.mark.parametrize(("data", "code"), [
    (b"not a pdf", "not_pdf"), (b"", "empty"), (b"%PDF-1.4 broken", "unreadable"),
])
def test_the_api_refuses_a_bad_file_naming_the_field(client, db, data, code):
    response = upload(client, data, url=API)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert [e["field"] for e in body["errors"]] == ["file"]


def test_the_api_without_a_file_names_the_field(client, db):
    response = client.post(API, {})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"field": "file", "code": "required",
                                            "message": "Hãy chọn tệp PDF cần kiểm tra."}


def test_the_api_refuses_an_oversize_file(client, db, monkeypatch):
    monkeypatch.setattr(verification, "MAX_PDF_BYTES", 1000)
    response = upload(client, b"%PDF-1.7\n" + b"0" * 5000, url=API)
    assert response.status_code == 422
    assert response.json()["code"] == "too_large"


def test_the_api_documents_the_multipart_field(client, db):
    op = client.get("/api/v1/openapi.json").json()["paths"][API]["post"]
    schema = op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"]
    assert "security" not in op
