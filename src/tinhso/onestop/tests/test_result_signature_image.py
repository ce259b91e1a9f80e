"""The approver's uploaded signature image is the one drawn in a signed PDF result."""

from __future__ import annotations

import pytest

from tinhso.onestop import services as s
from tinhso.onestop.services.processing import RESULT_PERSONAL_FIELD
from tinhso.onestop.tests.test_result_signature import _at_approval, _stored, result_pdf  # noqa: F401
from tinhso.onestop.tests.world import make_world, vn
from tinhso.signing import services as signing
from tinhso.signing.tests.test_signature_images import appearance_sizes, picture
from tinhso.signing.validation import pdf_validate

pytestmark = pytest.mark.django_db


def test_the_approvers_uploaded_signature_is_drawn_in_the_result(pki, result_pdf):  # noqa: F811
    w = make_world(fee=0)
    signing.certificate_issue_organization(actor=pki.admin, agency=w.dept)
    cert = signing.certificate_issue_personal(actor=pki.admin, user=w.leader, agency=w.dept)
    signing.certificate_set_image(actor=w.leader, certificate=cert, image=picture(271, 97))
    d = s.dossier_approve(dossier=_at_approval(w), actor=w.leader,
                          result=("ket-qua.pdf", result_pdf), at=vn(2025, 3, 5, 8, 0))
    stored = _stored(d)
    assert (271, 97) in appearance_sizes(stored, RESULT_PERSONAL_FIELD)
    report = pdf_validate(stored)
    assert report.ok and len(report.signatures) == 2
