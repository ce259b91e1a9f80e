"""Online submission and online payment through the pages: the form, its Vietnamese errors,
the stand-in gateway, the signed return and IPN, forged and replayed callbacks."""

from __future__ import annotations

import urllib.parse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tinhso.onestop import payments
from tinhso.onestop import services as s
from tinhso.onestop.models import Dossier, DossierFile, Payment
from tinhso.onestop.status import Channel, Status
from tinhso.onestop.tests.world import PDF, PNG, make_world, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _submit_url(w):
    return reverse("onestop:submit", args=[w.version.procedure.code])


def _form(w, **files):
    docs = w.documents
    data = {"applicant_name": "Nguyễn Văn Công", "applicant_id_number": w.citizen.citizen_id,
            "applicant_email": "cong@example.vn", "content": "Cấp phiếu lý lịch tư pháp số 1"}
    for i, doc in enumerate(docs[:2]):
        data[f"doc_{doc.pk}"] = files.get(f"doc{i}", SimpleUploadedFile(f"d{i}.pdf", PDF))
    return data


# --- submission -------------------------------------------------------------------------------


def test_the_procedure_page_offers_online_submission(client):
    w = make_world()
    html = client.get(f"/thu-tuc/{w.version.procedure.code}/").content.decode()
    assert _submit_url(w) in html and "Nộp hồ sơ trực tuyến" in html


def test_submission_needs_a_login(client):
    w = make_world()
    r = client.get(_submit_url(w))
    assert r.status_code == 302 and "/dang-nhap/" in r["Location"]


def test_the_form_is_prefilled_and_has_one_file_input_per_document(client):
    w = make_world()
    client.force_login(w.citizen)
    html = client.get(_submit_url(w)).content.decode()
    assert 'value="Nguyễn Văn Công"' in html and w.citizen.citizen_id in html
    assert html.count('type="file"') == 3
    assert "Tờ khai yêu cầu cấp phiếu" in html and "(bắt buộc)" in html
    assert "Định dạng: PDF" in html


def test_a_citizen_submits_online_and_lands_on_the_dossier_with_its_code(client):
    w = make_world()
    client.force_login(w.citizen)
    r = client.post(_submit_url(w), _form(w), follow=True)
    d = Dossier.objects.get()
    assert d.channel == Channel.ONLINE and d.status == Status.SUBMITTED
    assert d.applicant == w.citizen and d.form_data == {
        "noi_dung_yeu_cau": "Cấp phiếu lý lịch tư pháp số 1"}
    assert DossierFile.objects.filter(dossier=d).count() == 2
    assert r.redirect_chain[-1][0] == f"/ho-so/{d.code}/"
    assert f"Mã hồ sơ của bạn: {d.code}" in r.content.decode()


def test_a_missing_mandatory_document_and_a_wrong_file_type_are_named_in_vietnamese(client):
    w = make_world()
    client.force_login(w.citizen)
    data = _form(w, doc1=SimpleUploadedFile("anh.png", PNG))
    data.pop(f"doc_{w.documents[0].pk}")
    r = client.post(_submit_url(w), data)
    html = r.content.decode()
    assert r.status_code == 422
    assert "Cần đính kèm giấy tờ bắt buộc này." in html
    assert "Giấy tờ này cần tệp PDF; tệp “anh.png” là PNG." in html
    assert "<title>Lỗi:" in html and not Dossier.objects.exists()


def test_a_file_that_is_not_what_it_claims_is_refused(client):
    w = make_world()
    client.force_login(w.citizen)
    r = client.post(_submit_url(w), _form(w, doc0=SimpleUploadedFile("x.pdf", b"MZ\x90\x00")))
    assert r.status_code == 422
    assert "không phải PDF, JPEG hoặc PNG" in r.content.decode()
    assert not Dossier.objects.exists()


def test_a_service_field_error_lands_on_its_field(client):
    w = make_world()
    client.force_login(w.citizen)
    data = _form(w)
    data["applicant_id_number"] = "12345"
    r = client.post(_submit_url(w), data)
    html = r.content.decode()
    assert r.status_code == 422 and 'href="#id_applicant_id_number"' in html
    assert not Dossier.objects.exists()


def test_officers_do_not_submit_online(client):
    w = make_world()
    client.force_login(w.desk)
    assert client.get(_submit_url(w)).status_code == 403


# --- payment ----------------------------------------------------------------------------------


def _paying(w):
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    d = s.dossier_receive(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 0))
    d = s.dossier_request_payment(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 30))
    return d, Payment.objects.get(dossier=d)


def _gateway_params(location):
    parsed = urllib.parse.urlparse(location)
    return parsed.path, dict(urllib.parse.parse_qsl(parsed.query))


def test_the_citizen_pays_through_the_stand_in_gateway(client):
    w = make_world()
    d, p = _paying(w)
    client.force_login(w.citizen)
    html = client.get(reverse("onestop:dossier", args=[d.code])).content.decode()
    assert "Thanh toán trực tuyến" in html and "50.000" in html
    r = client.post(reverse("onestop:payment_start", args=[p.reference]))
    assert r.status_code == 302
    path, params = _gateway_params(r["Location"])
    assert path == "/_gia-lap/cong-thanh-toan/" and params["vnp_Amount"] == "5000000"
    assert payments.verify(params)
    page = client.get(r["Location"])
    assert page.status_code == 200 and "50.000" in page.content.decode()
    back = client.post("/_gia-lap/cong-thanh-toan/", {**params, "decision": "pay"})
    assert back.status_code == 302
    result = client.get(back["Location"])
    assert result.status_code == 200 and "Đã ghi nhận khoản 50.000 đồng" in result.content.decode()
    p.refresh_from_db()
    d.refresh_from_db()
    assert p.state == Payment.State.PAID and p.online and p.gateway_transaction
    assert d.status == Status.RECEIVED
    # The same callback again changes nothing.
    again = client.get(back["Location"])
    assert again.status_code == 200
    assert Dossier.objects.get(pk=d.pk).revision == d.revision


def test_a_cancelled_payment_leaves_the_fee_due(client):
    w = make_world()
    d, p = _paying(w)
    client.force_login(w.citizen)
    r = client.post(reverse("onestop:payment_start", args=[p.reference]))
    _path, params = _gateway_params(r["Location"])
    back = client.post("/_gia-lap/cong-thanh-toan/", {**params, "decision": "cancel"})
    html = client.get(back["Location"]).content.decode()
    assert "Giao dịch không thành công hoặc đã bị hủy" in html
    assert Payment.objects.get(pk=p.pk).state == Payment.State.PENDING
    assert Dossier.objects.get(pk=d.pk).status == Status.PAYING


def _signed_result(p, *, amount=None, success=True):
    request = {"vnp_TmnCode": "TINHSO01", "vnp_Amount": str(amount or p.amount * 100),
               "vnp_TxnRef": p.reference, "vnp_OrderInfo": "phi"}
    return payments.gateway_result(request, success=success, transaction_no="12345678",
                                    at=vn(2025, 3, 3, 10, 0))


def test_a_forged_return_changes_nothing(client):
    w = make_world()
    d, p = _paying(w)
    forged = _signed_result(p)
    forged["vnp_SecureHash"] = "0" * 128
    r = client.get("/thanh-toan/ket-qua/", forged)
    assert r.status_code == 400 and "không hợp lệ" in r.content.decode()
    tampered = _signed_result(p)
    tampered["vnp_Amount"] = "100"
    assert client.get("/thanh-toan/ket-qua/", tampered).status_code == 400
    assert Payment.objects.get(pk=p.pk).state == Payment.State.PENDING
    assert Dossier.objects.get(pk=d.pk).status == Status.PAYING


def test_the_ipn_answers_with_vnpay_codes(client):
    w = make_world()
    d, p = _paying(w)
    forged = _signed_result(p)
    forged["vnp_SecureHash"] = "ab" * 64
    assert client.get("/thanh-toan/ipn/", forged).json()["RspCode"] == "97"
    unknown = _signed_result(p)
    unknown["vnp_TxnRef"] = "KHONG-CO"
    unknown["vnp_SecureHash"] = payments.sign(unknown)
    assert client.get("/thanh-toan/ipn/", unknown).json()["RspCode"] == "01"
    wrong_amount = _signed_result(p, amount=100)
    assert client.get("/thanh-toan/ipn/", wrong_amount).json()["RspCode"] == "04"
    assert Payment.objects.get(pk=p.pk).state == Payment.State.PENDING
    ok = _signed_result(p)
    assert client.get("/thanh-toan/ipn/", ok).json() == {"RspCode": "00",
                                                         "Message": "Confirm Success"}
    assert Dossier.objects.get(pk=d.pk).status == Status.RECEIVED
    assert client.get("/thanh-toan/ipn/", ok).json()["RspCode"] == "02"  # a replay
    assert Payment.objects.filter(dossier=d, state=Payment.State.PAID).count() == 1


def test_only_the_applicant_starts_a_payment(client):
    w = make_world()
    _d, p = _paying(w)
    client.force_login(w.desk)
    assert client.post(reverse("onestop:payment_start", args=[p.reference])).status_code == 403


def test_the_stand_in_gateway_refuses_an_unsigned_order_and_is_off_in_production(
        client, settings):
    assert client.get("/_gia-lap/cong-thanh-toan/", {"vnp_TxnRef": "X",
                                                      "vnp_Amount": "100"}).status_code == 400
    settings.TINHSO_STANDINS = False
    assert client.get("/_gia-lap/cong-thanh-toan/").status_code == 404
