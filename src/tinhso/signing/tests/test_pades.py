"""Personal and agency PAdES B-LT signatures, checked by pyHanko (our pdf_validate) and
independently by poppler's pdfsig and qpdf."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from tinhso.signing import devpki, services
from tinhso.signing.errors import CertificateUnusable
from tinhso.signing.models import RevocationReason
from tinhso.signing.pades import (
    Placement,
    iso_vn,
    pdf_sign_agency,
    pdf_sign_attachment,
    pdf_sign_personal,
    seal_placement,
    sign_raw,
)
from tinhso.signing.tests.conftest import require_tools
from tinhso.signing.tests.pdftools import append_unsigned_change, flip_byte, pdfsig, qpdf_check
from tinhso.signing.validation import Revocation, pdf_validate

BLOCK = Placement(page=1, box=(330.0, 420.0, 510.0, 520.0))  # page 2, above the signer's name


def sign_both(pdf: bytes, pki) -> bytes:
    personal = pdf_sign_personal(pdf, certificate=pki.personal, placement=BLOCK,
                                 reason="Ký ban hành")
    return pdf_sign_agency(personal, certificate=pki.organization,
                           placement=seal_placement(BLOCK), reason="Phát hành 123/QĐ-UBND")


@pytest.fixture
def signed(pki, two_page_pdf) -> bytes:
    return sign_both(two_page_pdf, pki)


def tool_check(tmp_path, nss_db, pki, pdf: bytes, name: str) -> tuple[list[str], list[str], int]:
    require_tools()
    path = tmp_path / name
    path.write_bytes(pdf)
    signatures, certificates = pdfsig(path, nss_db(pki.personal.__class__.objects.get(
        label="root").pem))
    return signatures, certificates, qpdf_check(path)


@pytest.mark.django_db
def test_personal_and_agency_signatures_are_valid_long_term_signatures(pki, signed):
    report = pdf_validate(signed)
    assert report.ok and not report.unsigned_changes
    personal, agency = report.signatures
    assert personal.signer == "Nguyễn Văn An" and agency.signer == "UBND tỉnh Thanh Hóa"
    for sig in report.signatures:
        assert sig.intact and sig.trusted and sig.timestamp_ok
        assert sig.revocation == Revocation.GOOD
        assert sig.certificate_id in (pki.personal.pk, pki.organization.pk)
    assert agency.modification == "LTA_UPDATES"  # only the agency's validation data follows
    reader = PdfFileReader(BytesIO(signed))
    assert "/DSS" in reader.root  # chain and revocation answers are embedded (B-LT)
    assert len(reader.root["/Pages"]["/Kids"]) == 2


@pytest.mark.django_db
def test_pdfsig_and_qpdf_accept_both_signatures(pki, signed, tmp_path, nss_db):
    signatures, certificates, qpdf_rc = tool_check(tmp_path, nss_db, pki, signed, "ok.pdf")
    assert signatures == ["Signature is Valid.", "Signature is Valid."]
    # Debian 12's poppler misreports a trusted chain ("Unknown issue ..."); it must at least
    # not call it untrusted, revoked or expired.
    assert not any(w in line for line in certificates
                   for w in ("isn't Trusted", "Revoked", "Expired"))
    assert qpdf_rc == 0


@pytest.mark.django_db
def test_one_changed_byte_breaks_both_signatures_for_us_and_for_pdfsig(pki, signed, tmp_path,
                                                                       nss_db):
    tampered = flip_byte(signed)
    report = pdf_validate(tampered)
    assert not report.ok
    assert not any(s.intact for s in report.signatures)
    signatures, _, _ = tool_check(tmp_path, nss_db, pki, tampered, "bad.pdf")
    assert signatures == ["Digest Mismatch.", "Digest Mismatch."]


@pytest.mark.django_db
def test_an_unsigned_change_after_signing_passes_pdfsig_but_not_our_validation(
        pki, signed, tmp_path, nss_db):
    changed = append_unsigned_change(signed)
    report = pdf_validate(changed)
    assert report.unsigned_changes and not report.ok
    assert all(s.intact for s in report.signatures)  # the signed bytes themselves are intact
    signatures, _, qpdf_rc = tool_check(tmp_path, nss_db, pki, changed, "appended.pdf")
    assert signatures == ["Signature is Valid.", "Signature is Valid."]
    assert qpdf_rc == 0


def images_in(xobject) -> int:
    """How many images an appearance stream draws, looking into nested form XObjects."""
    xobject = xobject.get_object()
    if xobject.get("/Subtype") == "/Image":
        return 1
    resources = xobject.get("/Resources")
    children = resources.get_object().get("/XObject", {}) if resources is not None else {}
    return sum(images_in(child) for child in children.values())


@pytest.mark.django_db
def test_the_personal_stamp_draws_the_signature_image_in_the_signature_block(pki, two_page_pdf):
    signed = pdf_sign_personal(two_page_pdf, certificate=pki.personal, placement=BLOCK)
    sig = PdfFileReader(BytesIO(signed)).embedded_regular_signatures[0]
    assert sig.field_name == "ChuKyCaNhan"
    assert [round(float(v)) for v in sig.sig_field["/Rect"]] == [330, 420, 510, 520]
    assert images_in(sig.sig_field["/AP"]["/N"]) == 1
    assert iso_vn(timezone.now()).endswith("+07:00")


@pytest.mark.django_db
def test_the_seal_covers_the_left_third_of_the_signature_box(pki):
    seal = seal_placement(BLOCK)
    x1, y1, x2, y2 = seal.box
    assert x2 - x1 == pytest.approx(36 / 25.4 * 72, abs=0.01)  # 36 mm, actual size
    assert x1 < BLOCK.box[0] < x2 == pytest.approx(BLOCK.box[0] + BLOCK.width / 3)


@pytest.mark.django_db
def test_attachment_is_signed_top_right_of_page_one_without_an_image(pki, two_page_pdf):
    signed = pdf_sign_attachment(two_page_pdf, certificate=pki.organization,
                                 number_notation="123/QĐ-UBND")
    sig = PdfFileReader(BytesIO(signed)).embedded_regular_signatures[0]
    x1, y1, x2, y2 = (float(v) for v in sig.sig_field["/Rect"])
    page = sig.sig_field["/P"].get_object()
    _, _, width, height = (float(v) for v in page["/MediaBox"])
    assert x2 > width * 0.8 and y2 > height * 0.9
    assert images_in(sig.sig_field["/AP"]["/N"]) == 0
    assert pdf_validate(signed).ok


@pytest.mark.django_db
def test_a_revoked_certificate_cannot_sign(pki, two_page_pdf):
    services.certificate_revoke(actor=pki.admin, certificate=pki.other_personal,
                                reason=RevocationReason.KEY_COMPROMISE)
    with pytest.raises(CertificateUnusable):
        pdf_sign_personal(two_page_pdf, certificate=pki.other_personal, placement=BLOCK)


@pytest.mark.django_db
def test_pyhanko_refuses_a_revoked_certificate_even_past_our_own_check(pki, two_page_pdf):
    """The second line of defence: the validation context always passed to pyHanko (OCSP
    now says revoked)."""
    row = services.certificate_revoke(actor=pki.admin, certificate=pki.other_personal,
                                      reason=RevocationReason.KEY_COMPROMISE)
    with pytest.raises(CertificateUnusable, match="thu hồi"):
        sign_raw(two_page_pdf, row, field="X", placement=BLOCK, style=None, reason="")


@pytest.mark.django_db
def test_an_expired_certificate_cannot_sign(pki, two_page_pdf):
    with pytest.raises(CertificateUnusable, match="hết hạn"):
        pdf_sign_personal(two_page_pdf, certificate=pki.expired, placement=BLOCK)
    with pytest.raises(CertificateUnusable, match="hết hạn"):
        sign_raw(two_page_pdf, pki.expired, field="X", placement=BLOCK, style=None, reason="")


@pytest.mark.django_db
def test_a_signature_made_before_revocation_stays_valid_and_says_revoked_later(pki,
                                                                               two_page_pdf):
    signed = pdf_sign_personal(two_page_pdf, certificate=pki.other_personal, placement=BLOCK)
    services.certificate_revoke(actor=pki.admin, certificate=pki.other_personal,
                                reason=RevocationReason.AFFILIATION_CHANGED)
    report = pdf_validate(signed)
    (sig,) = report.signatures
    assert sig.intact and sig.trusted and sig.ok  # the embedded OCSP answer said "good"
    assert sig.revocation == Revocation.REVOKED_AFTER_SIGNING
    # pyHanko itself, asked with today's revocation data (fetched from our OCSP responder):
    live = validate_pdf_signature(PdfFileReader(BytesIO(signed)).embedded_regular_signatures[0],
                                  devpki.current().signing_context())
    assert live.intact and live.revoked and not live.bottom_line


@pytest.mark.django_db
def test_a_certificate_of_the_wrong_kind_cannot_sign(pki, two_page_pdf):
    with pytest.raises(CertificateUnusable):
        pdf_sign_personal(two_page_pdf, certificate=pki.organization, placement=BLOCK)


@pytest.mark.django_db
def test_an_unsigned_or_unreadable_pdf_is_reported_not_raised(pki, two_page_pdf):
    assert pdf_validate(two_page_pdf).error == "unsigned"
    assert pdf_validate(b"not a pdf").error.startswith("unreadable")
