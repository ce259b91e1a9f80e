"""Uploaded signature and seal images: checked (PNG/JPEG by content, 1 MB, 2000×2000 px), set
only by the officer (their signature) or the agency's or province's administrator (the seal),
audited, and drawn in the signatures instead of the defaults."""

from __future__ import annotations

from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader

from tinhso.accounts.tests.factories import AgencyFactory, officer
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.models import AuditEvent
from tinhso.directory.models import Role
from tinhso.signing import services
from tinhso.signing.models import Certificate
from tinhso.signing.pades import Placement, pdf_sign_agency, pdf_sign_personal, seal_placement
from tinhso.signing.services import certificate_set_image, signature_image
from tinhso.signing.tests.conftest import require_tools
from tinhso.signing.tests.pdftools import pdfsig
from tinhso.signing.validation import pdf_validate

BLOCK = Placement(page=1, box=(330.0, 420.0, 510.0, 520.0))


def picture(width: int, height: int, fmt: str = "PNG", colour=(18, 48, 170, 255)) -> bytes:
    out = BytesIO()
    image = Image.new("RGBA" if fmt == "PNG" else "RGB", (width, height),
                      colour if fmt == "PNG" else colour[:3])
    image.save(out, format=fmt)
    return out.getvalue()


def image_sizes(xobject) -> set[tuple[int, int]]:
    """(width, height) of every image an appearance stream draws, nested forms included."""
    xobject = xobject.get_object()
    if xobject.get("/Subtype") == "/Image":
        return {(int(xobject["/Width"]), int(xobject["/Height"]))}
    resources = xobject.get("/Resources")
    children = resources.get_object().get("/XObject", {}) if resources is not None else {}
    return set().union(*(image_sizes(c) for c in children.values())) if children else set()


def appearance_sizes(pdf: bytes, field: str) -> set[tuple[int, int]]:
    for sig in PdfFileReader(BytesIO(pdf)).embedded_regular_signatures:
        if sig.field_name == field:
            return image_sizes(sig.sig_field["/AP"]["/N"])
    raise AssertionError(field)


@pytest.mark.django_db
def test_officer_sets_own_signature_audited_and_it_is_signed_in(pki, two_page_pdf):
    png = picture(317, 123)
    row = certificate_set_image(actor=pki.signer, certificate=pki.personal, image=png)
    row = Certificate.objects.get(pk=row.pk)
    assert signature_image(row) == png and len(row.signature_image_sha256) == 64
    event = AuditEvent.objects.filter(object_type="signing.certificate",
                                      object_id=str(row.pk)).order_by("seq").last()
    assert event.action == "signing.certificate_image_set"
    assert event.data["sha256"] == row.signature_image_sha256
    signed = pdf_sign_personal(two_page_pdf, certificate=row, placement=BLOCK,
                               image=signature_image(row))
    assert (317, 123) in appearance_sizes(signed, "ChuKyCaNhan")
    report = pdf_validate(signed)
    assert report.ok and all(s.intact and s.trusted for s in report.signatures)
    # Cleared: the default drawn from the name again.
    row = certificate_set_image(actor=pki.signer, certificate=row, image=None)
    assert signature_image(Certificate.objects.get(pk=row.pk)) is None


@pytest.mark.django_db
def test_agency_seal_set_by_its_admin_signed_in_and_valid(pki, two_page_pdf, tmp_path, nss_db):
    admin = officer(Role.AGENCY_ADMIN, pki.agency)
    jpeg = picture(401, 399, "JPEG", (206, 17, 38, 255))
    row = certificate_set_image(actor=admin, certificate=pki.organization, image=jpeg)
    once = pdf_sign_personal(two_page_pdf, certificate=pki.personal, placement=BLOCK)
    signed = pdf_sign_agency(once, certificate=row, placement=seal_placement(BLOCK),
                             seal=signature_image(Certificate.objects.get(pk=row.pk)))
    assert (401, 399) in appearance_sizes(signed, "ChuKyCoQuan")
    report = pdf_validate(signed)
    assert report.ok and len(report.signatures) == 2
    require_tools()
    path = tmp_path / "seal.pdf"
    path.write_bytes(signed)
    signatures, _ = pdfsig(path, nss_db(Certificate.objects.get(label="root").pem))
    assert signatures == ["Signature is Valid.", "Signature is Valid."]


@pytest.mark.django_db
def test_who_may_set_images(pki):
    png = picture(50, 20)
    other_agency_admin = officer(Role.AGENCY_ADMIN, AgencyFactory())
    with pytest.raises(NotAllowed):
        certificate_set_image(actor=other_agency_admin, certificate=pki.organization, image=png)
    with pytest.raises(NotAllowed):  # a leader of the agency is not its administrator
        certificate_set_image(actor=officer(Role.LEADER, pki.agency),
                              certificate=pki.organization, image=png)
    with pytest.raises(NotAllowed):  # nobody else sets an officer's signature, admins neither
        certificate_set_image(actor=pki.admin, certificate=pki.personal, image=png)
    certificate_set_image(actor=pki.admin, certificate=pki.organization, image=png)  # province
    assert signature_image(Certificate.objects.get(pk=pki.organization.pk)) == png
    assert signature_image(Certificate.objects.get(pk=pki.personal.pk)) is None


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "message"), [
    (b"GIF89a" + b"\0" * 100, "PNG hoặc JPEG"),
    (b"%PDF-1.7\n", "PNG hoặc JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "Không đọc được"),
    (None, "2000×2000"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024), "1 MB"),
])
def test_bad_images_are_refused_in_vietnamese(pki, data, message):
    data = picture(2001, 10) if data is None else data
    with pytest.raises(DomainError) as caught:
        certificate_set_image(actor=pki.signer, certificate=pki.personal, image=data)
    assert [e.field for e in caught.value.errors] == ["image"]
    assert message in str(caught.value.message)
    assert Certificate.objects.get(pk=pki.personal.pk).signature_image is None


@pytest.mark.django_db
def test_pki_image_command(pki, tmp_path):
    path = tmp_path / "chu-ky.png"
    path.write_bytes(picture(120, 40))
    out = StringIO()
    call_command("pki", "image", "--by", pki.signer.username, "--label", pki.personal.label,
                 "--file", str(path), stdout=out)
    assert "Đã đặt ảnh" in out.getvalue()
    assert signature_image(Certificate.objects.get(pk=pki.personal.pk)) == path.read_bytes()
    path.write_bytes(b"not an image")
    with pytest.raises(CommandError, match="PNG hoặc JPEG"):
        call_command("pki", "image", "--by", pki.signer.username, "--label",
                     pki.personal.label, "--file", str(path), stdout=out)
    call_command("pki", "image", "--by", pki.signer.username, "--label", pki.personal.label,
                 "--clear", stdout=out)
    assert signature_image(Certificate.objects.get(pk=pki.personal.pk)) is None
    assert services.IMAGE_MAX_BYTES == 1024 * 1024


PAGE = "/chu-ky-so/anh/"


def _file(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


@pytest.mark.django_db
def test_the_page_lets_the_officer_upload_and_refuses_a_bad_file_in_vietnamese(pki, client):
    assert client.get(PAGE).status_code == 302  # login first
    client.force_login(pki.signer)
    page = client.get(PAGE)
    assert page.status_code == 200 and f'value="{pki.personal.pk}"' in page.content.decode()
    assert f'value="{pki.organization.pk}"' not in page.content.decode()  # not an admin
    bad = client.post(PAGE, {"certificate": pki.personal.pk,
                             "image": _file(b"GIF89a....", "chu-ky.gif")})
    assert bad.status_code == 422
    assert "Ảnh phải là tệp PNG hoặc JPEG." in bad.content.decode()
    png = picture(90, 30)
    ok = client.post(PAGE, {"certificate": pki.personal.pk, "image": _file(png, "chu-ky.png")})
    assert ok.status_code == 302
    assert signature_image(Certificate.objects.get(pk=pki.personal.pk)) == png
    # Another's certificate, or the agency's, is not offered and not accepted.
    refused = client.post(PAGE, {"certificate": pki.organization.pk,
                                 "image": _file(png, "dau.png")})
    assert refused.status_code == 404
    assert signature_image(Certificate.objects.get(pk=pki.organization.pk)) is None


@pytest.mark.django_db
def test_the_page_offers_the_seal_to_the_agency_admin_only(pki, client):
    client.force_login(officer(Role.AGENCY_ADMIN, AgencyFactory()))
    assert f'value="{pki.organization.pk}"' not in client.get(PAGE).content.decode()
    client.force_login(officer(Role.AGENCY_ADMIN, pki.agency))
    assert f'value="{pki.organization.pk}"' in client.get(PAGE).content.decode()
    png = picture(300, 300)
    assert client.post(PAGE, {"certificate": pki.organization.pk,
                              "image": _file(png, "dau.png")}).status_code == 302
    assert signature_image(Certificate.objects.get(pk=pki.organization.pk)) == png
