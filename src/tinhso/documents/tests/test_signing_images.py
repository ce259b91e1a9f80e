"""The officer's uploaded signature and the agency's uploaded seal are the images drawn in an
issued document's two signatures (instead of the defaults), and the PDF stays valid."""

from __future__ import annotations

import pytest

from tinhso.accounts.tests.factories import officer
from tinhso.directory.models import Role
from tinhso.documents.models import DocumentFile
from tinhso.documents.tests.test_signing_flow import flow, issued, open_file  # noqa: F401
from tinhso.signing.services import certificate_set_image
from tinhso.signing.tests.test_signature_images import appearance_sizes, picture
from tinhso.signing.validation import pdf_validate

pytestmark = pytest.mark.django_db


def test_issued_document_carries_the_uploaded_signature_and_seal(flow):  # noqa: F811
    pki = flow["pki"]
    certificate_set_image(actor=pki.signer, certificate=pki.personal, image=picture(333, 111))
    certificate_set_image(actor=officer(Role.AGENCY_ADMIN, pki.agency),
                          certificate=pki.organization,
                          image=picture(444, 444, "JPEG", (206, 17, 38, 255)))
    doc = issued(flow)
    final = open_file(DocumentFile.objects.get(document=doc, kind=DocumentFile.Kind.AGENCY))
    assert (333, 111) in appearance_sizes(final, "ChuKyCaNhan")
    assert (444, 444) in appearance_sizes(final, "ChuKyCoQuan")
    report = pdf_validate(final)
    assert report.ok and len(report.signatures) == 2
    assert all(s.intact and s.trusted for s in report.signatures)


def test_without_uploads_the_defaults_are_drawn(flow):  # noqa: F811
    doc = issued(flow)
    final = open_file(DocumentFile.objects.get(document=doc, kind=DocumentFile.Kind.AGENCY))
    assert (432, 432) in appearance_sizes(final, "ChuKyCoQuan")  # images.SEAL_PX
    assert appearance_sizes(final, "ChuKyCaNhan")
