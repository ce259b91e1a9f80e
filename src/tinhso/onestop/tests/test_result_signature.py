"""The electronic result of a dossier carries the responsible agency's digital signature, so the
applicant's copy can be checked independently (issue 3: "digitally signed once the signing
issue lands")."""

from __future__ import annotations

import pytest

from tinhso.core.errors import DomainError
from tinhso.onestop import services as s
from tinhso.onestop.models import DossierEvent, DossierFile
from tinhso.onestop.tests.world import PNG, make_world, vn
from tinhso.signing import services as signing
from tinhso.signing.validation import pdf_validate


@pytest.fixture(scope="module")
def result_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>Phiếu lý lịch tư pháp số 1</h1><p>Kết quả giải quyết.</p>").write_pdf()


def _at_approval(w):
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    d = s.dossier_receive(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 0))
    d = s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 30))
    return s.dossier_forward(dossier=d, actor=w.specialist, at=vn(2025, 3, 4, 10, 0))


def _stored(d) -> bytes:
    from tinhso.onestop.files import media_root

    row = DossierFile.objects.get(pk=d.result_file_id)
    return (media_root() / row.storage_path).read_bytes()


def test_a_pdf_result_is_signed_by_the_responsible_agency(pki, result_pdf):
    w = make_world(fee=0)
    cert = signing.certificate_issue_organization(actor=pki.admin, agency=w.dept)
    signing.certificate_issue_personal(actor=pki.admin, user=w.leader, agency=w.dept)
    d = s.dossier_approve(dossier=_at_approval(w), actor=w.leader,
                          result=("ket-qua.pdf", result_pdf), at=vn(2025, 3, 5, 8, 0))
    stored = _stored(d)
    assert stored != result_pdf and stored.startswith(result_pdf[:8])
    report = pdf_validate(stored)
    assert report.ok, report
    _personal, sig = report.signatures  # the leader's, then the agency's over it
    assert sig.certificate_id == cert.pk and sig.intact and sig.trusted and sig.timestamp_ok
    row = DossierFile.objects.get(pk=d.result_file_id)
    assert row.size == len(stored)
    approve = DossierEvent.objects.get(dossier=d, action="approve")
    assert approve.data["result_signed"] is True


def test_without_a_certificate_or_for_an_image_the_result_is_kept_as_uploaded(pki, result_pdf):
    w = make_world(fee=0)
    d = s.dossier_approve(dossier=_at_approval(w), actor=w.leader,
                          result=("ket-qua.pdf", result_pdf), at=vn(2025, 3, 5, 8, 0))
    assert _stored(d) == result_pdf
    assert DossierEvent.objects.get(dossier=d, action="approve").data["result_signed"] is False

    signing.certificate_issue_organization(actor=pki.admin, agency=w.dept)
    d2 = s.dossier_approve(dossier=_at_approval(w), actor=w.leader, result=("anh.png", PNG),
                           at=vn(2025, 3, 5, 8, 0))
    assert _stored(d2) == PNG


def test_an_unreadable_pdf_result_is_refused_and_nothing_is_written(pki):
    w = make_world(fee=0)
    signing.certificate_issue_organization(actor=pki.admin, agency=w.dept)
    signing.certificate_issue_personal(actor=pki.admin, user=w.leader, agency=w.dept)
    d = _at_approval(w)
    broken = b"%PDF-1.4\n" + b"\x00" * 200
    with pytest.raises(DomainError) as caught:
        s.dossier_approve(dossier=d, actor=w.leader, result=("ket-qua.pdf", broken),
                          at=vn(2025, 3, 5, 8, 0))
    assert [e.field for e in caught.value.errors] == ["result"]
    d.refresh_from_db()
    assert d.status == 4 and d.result_file_id is None
    assert not DossierFile.objects.filter(dossier=d, kind=DossierFile.Kind.RESULT).exists()


def test_the_qr_code_on_a_signed_result_opens_its_public_check(pki, result_pdf, client):
    w = make_world(fee=0)
    signing.certificate_issue_organization(actor=pki.admin, agency=w.dept)
    signing.certificate_issue_personal(actor=pki.admin, user=w.leader, agency=w.dept)
    d = s.dossier_approve(dossier=_at_approval(w), actor=w.leader,
                          result=("ket-qua.pdf", result_pdf), at=vn(2025, 3, 5, 8, 0))
    stored = _stored(d)
    # The stamp's QR code holds the address of this page (drawn by pyHanko's QR stamp; not
    # decoded here: no QR reader on the test machines).
    url = f"/tra-cuu/{d.code}/ket-qua/"
    assert pdf_validate(stored).ok
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Hợp lệ" in body and w.dept.name in body
    # Unknown codes and dossiers without a result: not found, nothing revealed.
    assert client.get("/tra-cuu/000.00.00.H00-250101-0001/ket-qua/").status_code == 404
    d2 = _at_approval(w)
    assert client.get(f"/tra-cuu/{d2.code}/ket-qua/").status_code == 404
