"""A dossier's electronic result is signed twice before it is returned, the way an outgoing
document is (issue 4, "the one-stop results"): the leader who approves it signs it personally,
then the responsible agency signs over it. Both signatures hold for pyHanko and for poppler's
pdfsig, a changed byte breaks them, a certificate not in force refuses the approval and writes
nothing, and anyone can check the returned file publicly without seeing its content."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader

from tinhso.core.errors import DomainError, NotAllowed
from tinhso.directory.models import Role
from tinhso.onestop import services as s
from tinhso.onestop.models import DossierEvent, DossierFile, Handover
from tinhso.onestop.services.processing import RESULT_AGENCY_FIELD, RESULT_PERSONAL_FIELD
from tinhso.onestop.status import Status
from tinhso.onestop.tests.test_api import bearer
from tinhso.onestop.tests.world import make_world, vn
from tinhso.signing import services as signing
from tinhso.signing.models import Certificate, RevocationReason
from tinhso.signing.tests.conftest import nss_db, require_tools, time_ago  # noqa: F401
from tinhso.signing.tests.pdftools import append_unsigned_change, flip_byte, pdfsig, qpdf_check
from tinhso.signing.validation import pdf_validate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

CONTENT = "Phiếu lý lịch tư pháp số 7"


@pytest.fixture(scope="module")
def result_pdf() -> bytes:
    """A two-page result as an officer would upload it (its layout is not ours)."""
    from weasyprint import HTML

    body = "".join(f"<p>Mục {i}. Nội dung kết quả giải quyết thủ tục hành chính.</p>"
                   for i in range(1, 40))
    return HTML(string=f"<html lang='vi'><body><h1>{CONTENT}</h1>{body}"
                       "<p style='text-align:right'>GIÁM ĐỐC</p></body></html>").write_pdf()


def _signing_world(pki, *, leader_cert: bool = True):
    w = make_world(fee=0)
    signing.certificate_issue_organization(actor=pki.admin, agency=w.dept)
    if leader_cert:
        signing.certificate_issue_personal(actor=pki.admin, user=w.leader, agency=w.dept,
                                           title="Giám đốc")
    return w


def _at_approval(w):
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    d = s.dossier_receive(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 0))
    d = s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 30))
    return s.dossier_forward(dossier=d, actor=w.specialist, at=vn(2025, 3, 4, 10, 0))


def _stored(d) -> bytes:
    from tinhso.onestop.files import media_root

    row = DossierFile.objects.get(pk=d.result_file_id)
    return (media_root() / row.storage_path).read_bytes()


def _returned(w, result_pdf: bytes):
    d = s.dossier_approve(dossier=_at_approval(w), actor=w.leader,
                          result=("ket-qua.pdf", result_pdf), at=vn(2025, 3, 5, 8, 0))
    return s.dossier_return_result(dossier=d, actor=w.desk, at=vn(2025, 3, 5, 9, 0))


def _widgets(pdf: bytes) -> dict[str, tuple[int, list[float]]]:
    """Each signature field's page (0-based) and rectangle."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    pages = [reader.find_page_for_modification(i)[0].idnum
             for i in range(int(reader.root["/Pages"]["/Count"]))]
    out = {}
    for ref in reader.root["/AcroForm"]["/Fields"]:
        f = ref.get_object()
        if f.get("/FT") == "/Sig":
            out[str(f["/T"])] = (pages.index(f.raw_get("/P").idnum),
                                 [float(v) for v in f["/Rect"]])
    return out


def _refused_and_untouched(d, caught) -> None:
    assert [e.field for e in caught.value.errors] == ["result"]
    assert caught.value.status == 422
    d.refresh_from_db()
    assert d.status == Status.PROCESSING and d.result_file_id is None
    assert not DossierFile.objects.filter(dossier=d, kind=DossierFile.Kind.RESULT).exists()
    assert not DossierEvent.objects.filter(dossier=d, action="approve").exists()
    assert Handover.objects.filter(dossier=d, done_at__isnull=True).count() == 1


# --- both signatures -------------------------------------------------------------------------


def test_the_returned_result_carries_the_leaders_then_the_agencys_valid_signature(
        pki, result_pdf, tmp_path, nss_db):  # noqa: F811
    w = _signing_world(pki)
    d = _returned(w, result_pdf)
    assert d.status == Status.RETURNED
    final = _stored(d)
    assert final.startswith(result_pdf)  # the upload, untouched, then two signed revisions

    report = pdf_validate(final)
    assert report.ok and not report.unsigned_changes, report
    assert [c.field for c in report.signatures] == [RESULT_PERSONAL_FIELD, RESULT_AGENCY_FIELD]
    assert [c.signer for c in report.signatures] == ["Phạm Quốc Duyệt", w.dept.name]
    assert all(c.intact and c.trusted and c.timestamp_ok for c in report.signatures)
    personal = Certificate.objects.get(user=w.leader)
    organization = Certificate.objects.get(agency=w.dept, kind="organization")
    assert [c.certificate_id for c in report.signatures] == [personal.pk, organization.pk]

    # The leader's box at the bottom right of the last page; the agency's at the top right of
    # the first.
    places = _widgets(final)
    last = int(PdfFileReader(BytesIO(final), strict=False).root["/Pages"]["/Count"]) - 1
    assert last == 1
    page, (x1, y1, _x2, y2) = places[RESULT_PERSONAL_FIELD]
    assert page == last and x1 > 595 / 2 and y2 < 100
    page, (_x1, y1, _x2, _y2) = places[RESULT_AGENCY_FIELD]
    assert page == 0 and y1 > 842 - 120

    approve = DossierEvent.objects.get(dossier=d, action="approve")
    assert approve.data["result_signed"] is True
    assert [(x["kind"], x["certificate_serial"]) for x in approve.data["result_signatures"]] == [
        ("personal", str(personal.serial)), ("organization", str(organization.serial))]
    # The lifecycle of issue 3 is unchanged: the same events and control-slip rows.
    assert [e.action for e in DossierEvent.objects.filter(dossier=d).order_by("pk")] == [
        "submit", "receive", "forward", "forward", "approve", "return_result"]
    assert [h.to_role for h in Handover.objects.filter(dossier=d).order_by("pk")] == [
        Role.ONESTOP_OFFICER, Role.SPECIALIST, Role.LEADER, Role.ONESTOP_OFFICER]

    require_tools()
    path = tmp_path / "ket-qua.pdf"
    path.write_bytes(final)
    signatures, _certs = pdfsig(path, nss_db(Certificate.objects.get(label="root").pem))
    assert signatures == ["Signature is Valid.", "Signature is Valid."]
    assert qpdf_check(path) == 0


def test_one_byte_changed_after_signing_breaks_both_signatures(pki, result_pdf, tmp_path,
                                                               nss_db):  # noqa: F811
    w = _signing_world(pki)
    final = _stored(_returned(w, result_pdf))
    changed = flip_byte(final)
    report = pdf_validate(changed)
    assert not report.ok
    assert [c.intact for c in report.signatures] == [False, False]

    appended = pdf_validate(append_unsigned_change(final))  # pdfsig misses this; we do not
    assert not appended.ok and appended.unsigned_changes

    require_tools()
    path = tmp_path / "sua.pdf"
    path.write_bytes(changed)
    signatures, _certs = pdfsig(path, nss_db(Certificate.objects.get(label="root").pem))
    assert len(signatures) == 2 and "Signature is Valid." not in signatures


# --- refusals: nothing written -----------------------------------------------------------------


@pytest.mark.parametrize("state", ["revoked", "expired", "missing"])
def test_a_leader_without_a_certificate_in_force_cannot_approve_a_pdf_result(
        pki, result_pdf, state):
    w = _signing_world(pki, leader_cert=state != "missing")
    if state == "revoked":
        signing.certificate_revoke(actor=pki.admin, reason=RevocationReason.KEY_COMPROMISE,
                                   certificate=Certificate.objects.get(user=w.leader))
    elif state == "expired":
        Certificate.objects.filter(user=w.leader).delete()
        signing.certificate_issue_personal(actor=pki.admin, user=w.leader, agency=w.dept,
                                           valid_days=365, valid_from=time_ago(days=800))
    d = _at_approval(w)
    with pytest.raises(DomainError) as caught:
        s.dossier_approve(dossier=d, actor=w.leader, result=("ket-qua.pdf", result_pdf),
                          at=vn(2025, 3, 5, 8, 0))
    assert "chứng thư số cá nhân còn hiệu lực" in caught.value.message
    assert caught.value.errors[0].code == "certificate_unusable"
    _refused_and_untouched(d, caught)
    # Without an electronic result the approval itself is not held up.
    s.dossier_approve(dossier=d, actor=w.leader, at=vn(2025, 3, 5, 8, 0))
    d.refresh_from_db()
    assert d.status == Status.RESULT_READY and d.result_file_id is None


def test_a_revoked_agency_certificate_refuses_the_result_rather_than_half_signing_it(
        pki, result_pdf):
    w = _signing_world(pki)
    signing.certificate_revoke(
        actor=pki.admin, reason=RevocationReason.CESSATION_OF_OPERATION,
        certificate=Certificate.objects.get(agency=w.dept, kind="organization"))
    d = _at_approval(w)
    with pytest.raises(DomainError) as caught:
        s.dossier_approve(dossier=d, actor=w.leader, result=("ket-qua.pdf", result_pdf),
                          at=vn(2025, 3, 5, 8, 0))
    assert w.dept.name in caught.value.message
    _refused_and_untouched(d, caught)


def test_a_leader_of_another_agency_cannot_sign_the_result(pki, result_pdf):
    from tinhso.accounts.tests.factories import officer

    w = _signing_world(pki)
    d = _at_approval(w)
    # A leader of the partner agency, with a certificate there: not the approver of this step.
    outsider = officer(Role.LEADER, w.partner, full_name="Đỗ Văn Ngoài")
    signing.certificate_issue_personal(actor=pki.admin, user=outsider, agency=w.partner)
    with pytest.raises(NotAllowed):
        s.dossier_approve(dossier=d, actor=outsider, result=("ket-qua.pdf", result_pdf),
                          at=vn(2025, 3, 5, 8, 0))
    # The dossier's own leader whose only certificate was issued at another agency.
    Certificate.objects.filter(user=w.leader).delete()
    signing.certificate_issue_personal(actor=pki.admin, user=w.leader, agency=w.partner)
    with pytest.raises(DomainError) as caught:
        s.dossier_approve(dossier=d, actor=w.leader, result=("ket-qua.pdf", result_pdf),
                          at=vn(2025, 3, 5, 8, 0))
    assert w.dept.name in caught.value.message
    _refused_and_untouched(d, caught)


def test_an_agency_without_certificates_keeps_the_result_unsigned_and_says_so(pki, result_pdf):
    w = make_world(fee=0)
    d = s.dossier_approve(dossier=_at_approval(w), actor=w.leader,
                          result=("ket-qua.pdf", result_pdf), at=vn(2025, 3, 5, 8, 0))
    assert _stored(d) == result_pdf
    data = DossierEvent.objects.get(dossier=d, action="approve").data
    assert data["result_signed"] is False
    assert data["result_unsigned_reason"] == "agency_without_certificate"


# --- public checks -----------------------------------------------------------------------------


def test_the_public_checks_list_both_signatures_and_never_the_content(pki, result_pdf, client):
    w = _signing_world(pki)
    d = _returned(w, result_pdf)
    by_code = client.get(f"/tra-cuu/{d.code}/ket-qua/")
    uploaded = client.post("/xac-thuc-chu-ky/",
                           {"file": SimpleUploadedFile("ket-qua.pdf", _stored(d),
                                                       "application/pdf")})
    for page in (by_code, uploaded):
        assert page.status_code == 200
        body = page.content.decode()
        assert "2 chữ ký" in body and body.count("Hợp lệ") >= 2
        assert "Phạm Quốc Duyệt" in body and w.dept.name in body
        assert "Chữ ký cá nhân" in body and "Chữ ký của cơ quan, tổ chức" in body
        assert "Văn bản còn nguyên vẹn, chữ ký hợp lệ." in body
        assert CONTENT not in body and "Nội dung kết quả" not in body


# --- the API and the workspace page -----------------------------------------------------------


def test_approve_through_the_api_signs_twice_or_names_the_refused_field(pki, result_pdf,
                                                                         client):
    w = _signing_world(pki)
    d = _at_approval(w)
    url = f"/api/v1/dossiers/{d.code}/actions"
    r = client.post(url, headers=bearer(w.leader), data={
        "action": "approve", "result": SimpleUploadedFile("ket-qua.pdf", result_pdf)})
    assert r.status_code == 200, r.content
    d.refresh_from_db()
    assert len(pdf_validate(_stored(d)).signatures) == 2
    r = client.post(url, headers=bearer(w.desk),
                    data={"action": "return_result"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"]["code"] == Status.RETURNED

    d2 = _at_approval(w)
    signing.certificate_revoke(actor=pki.admin, reason=RevocationReason.SUPERSEDED,
                               certificate=Certificate.objects.get(user=w.leader))
    r = client.post(f"/api/v1/dossiers/{d2.code}/actions", headers=bearer(w.leader), data={
        "action": "approve", "result": SimpleUploadedFile("ket-qua.pdf", result_pdf)})
    assert r.status_code == 422, r.content
    assert [e["field"] for e in r.json()["errors"]] == ["result"]
    d2.refresh_from_db()
    assert d2.status == Status.PROCESSING and d2.result_file_id is None


def test_approve_on_the_dossier_page_signs_twice_or_shows_the_refusal(pki, result_pdf, client):
    w = _signing_world(pki)
    d = _at_approval(w)
    client.force_login(w.leader)
    r = client.post(reverse("onestop:action", args=[d.code]), {
        "action": "approve", "revision": d.revision, "text": "Đồng ý",
        "result": SimpleUploadedFile("ket-qua.pdf", result_pdf, "application/pdf")})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.RESULT_READY and pdf_validate(_stored(d)).ok

    d2 = _at_approval(w)
    signing.certificate_revoke(actor=pki.admin, reason=RevocationReason.KEY_COMPROMISE,
                               certificate=Certificate.objects.get(user=w.leader))
    r = client.post(reverse("onestop:action", args=[d2.code]), {
        "action": "approve", "revision": d2.revision,
        "result": SimpleUploadedFile("ket-qua.pdf", result_pdf, "application/pdf")})
    assert r.status_code == 422
    assert "chứng thư số cá nhân còn hiệu lực" in r.content.decode()
    d2.refresh_from_db()
    assert d2.status == Status.PROCESSING


def test_the_leaders_box_follows_the_size_of_the_last_page():
    from weasyprint import HTML

    from tinhso.signing.errors import SigningFailed
    from tinhso.signing.pades import last_page_placement

    pdf = HTML(string="<style>@page wide { size: A4 landscape } .w { page: wide }</style>"
                      "<p>Trang dọc</p><div class='w'>Bảng kết quả (trang ngang)</div>").write_pdf()
    placement = last_page_placement(pdf)
    x1, y1, x2, y2 = placement.box
    assert placement.page == 1
    assert 842 - 60 < x2 < 842 and x1 > 842 / 2 and 0 < y1 < y2 < 100
    with pytest.raises(SigningFailed):
        last_page_placement(b"%PDF-1.4\n" + b"\x00" * 64)


def test_a_result_that_is_already_a_signed_document_keeps_its_signatures(pki, result_pdf):
    from tinhso.signing.pades import (
        Placement,
        pdf_sign_agency,
        pdf_sign_personal,
        seal_placement,
    )

    block = Placement(1, (330.0, 420.0, 510.0, 520.0))
    issued = pdf_sign_agency(pdf_sign_personal(result_pdf, certificate=pki.personal,
                                               placement=block),
                             certificate=pki.organization, placement=seal_placement(block))
    w = _signing_world(pki)
    d = s.dossier_approve(dossier=_at_approval(w), actor=w.leader,
                          result=("quyet-dinh.pdf", issued), at=vn(2025, 3, 5, 8, 0))
    report = pdf_validate(_stored(d))
    assert report.ok, report
    assert [c.signer for c in report.signatures] == [
        "Nguyễn Văn An", pki.agency.name, "Phạm Quốc Duyệt", w.dept.name]
