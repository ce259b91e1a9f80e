"""PDFs with JavaScript, a Launch action, embedded files or encryption are refused on every way
into a dossier (issue 4): a result (which is signed and handed to the applicant) with 422 on
`result` and nothing written, the dossier left at its step; a component a citizen submits
(shown to officers in the browser and reused later) with 422 naming its part, by a byte scan
cheap enough for every submission (`signing.pdfcheck.pdf_component_check`)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tinhso.core.errors import DomainError
from tinhso.onestop import services as s
from tinhso.onestop.files import media_root
from tinhso.onestop.models import Dossier, DossierEvent, DossierFile
from tinhso.onestop.status import Status
from tinhso.onestop.tests.test_api import bearer, create, fields_of, upload
from tinhso.onestop.tests.test_result_signatures import _at_approval, _signing_world
from tinhso.onestop.tests.world import PNG, make_world, vn
from tinhso.signing.tests.crafted import CRAFTED, HIDDEN
from tinhso.signing.tests.test_pdfcheck import WORDS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture(scope="module")
def result_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>Giấy xác nhận</h1><p>Kết quả giải quyết.</p>").write_pdf()


def _files() -> set[str]:
    root = media_root()
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _untouched(d: Dossier, before: set[str]) -> None:
    d.refresh_from_db()
    assert d.status == Status.PROCESSING and d.result_file_id is None
    assert not DossierFile.objects.filter(dossier=d, kind=DossierFile.Kind.RESULT).exists()
    assert not DossierEvent.objects.filter(dossier=d, action="approve").exists()
    assert _files() == before


# --- results ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(CRAFTED))
def test_a_result_pdf_that_may_not_be_signed_is_refused_on_result(pki, result_pdf, kind):
    make, code = CRAFTED[kind]
    w = _signing_world(pki)
    d = _at_approval(w)
    before = _files()
    with pytest.raises(DomainError) as caught:
        s.dossier_approve(dossier=d, actor=w.leader, result=("ket-qua.pdf", make(result_pdf)),
                          at=vn(2025, 3, 5, 8, 0))
    assert caught.value.status == 422
    assert [(e.field, e.code) for e in caught.value.errors] == [("result", code)]
    assert WORDS[code] in caught.value.message
    _untouched(d, before)


def test_an_agency_that_does_not_sign_still_refuses_a_result_with_javascript(result_pdf):
    w = make_world(fee=0)
    d = _at_approval(w)
    before = _files()
    bad = CRAFTED["open-action-javascript"][0](result_pdf)
    with pytest.raises(DomainError) as caught:
        s.dossier_approve(dossier=d, actor=w.leader, result=("ket-qua.pdf", bad))
    assert caught.value.errors[0].code == "javascript"
    _untouched(d, before)
    d = s.dossier_approve(dossier=d, actor=w.leader, result=("anh.png", PNG))  # images: as before
    assert d.status == Status.RESULT_READY and d.result_file_id


def test_the_api_and_the_page_refuse_a_result_with_an_embedded_file(pki, result_pdf, client):
    w = _signing_world(pki)
    bad = CRAFTED["embedded-file"][0](result_pdf)
    d = _at_approval(w)
    before = _files()
    r = client.post(f"/api/v1/dossiers/{d.code}/actions", headers=bearer(w.leader), data={
        "action": "approve", "result": SimpleUploadedFile("ket-qua.pdf", bad)})
    assert r.status_code == 422, r.content
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [("result", "embedded_file")]
    _untouched(d, before)

    client.force_login(w.leader)
    r = client.post(reverse("onestop:action", args=[d.code]), {
        "action": "approve", "revision": d.revision,
        "result": SimpleUploadedFile("ket-qua.pdf", bad, "application/pdf")})
    assert r.status_code == 422
    assert WORDS["embedded_file"] in r.content.decode()
    _untouched(d, before)


# --- components submitted by citizens -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["open-action-javascript", "names-javascript", "launch",
                                  "embedded-file", "encrypted", *HIDDEN])
def test_a_component_with_active_content_is_refused_naming_its_part(client, kind):
    from tinhso.signing.tests.crafted import clean_raw

    data = HIDDEN[kind]() if kind in HIDDEN else CRAFTED[kind][0](clean_raw())
    w = make_world()
    doc = w.documents[0]
    before = _files()
    response = create(client, w, **{f"doc_{doc.pk}": upload("giay-khai-sinh.pdf", data)})
    assert response.status_code == 422, response.content
    assert fields_of(response) == {f"doc_{doc.pk}"}
    [error] = response.json()["errors"]
    assert "giay-khai-sinh.pdf" in error["message"]
    assert error["code"] in {"javascript", "embedded_file", "encrypted", "unreadable"}
    assert not Dossier.objects.exists() and _files() == before


def test_the_submission_service_refuses_a_component_with_javascript(result_pdf):
    w = make_world()
    doc = w.documents[0]
    bad = CRAFTED["open-action-javascript"][0](result_pdf)
    with pytest.raises(DomainError) as caught:
        w.submit_online(vn(2025, 3, 3, 8, 0), files=[(doc.pk, "to-khai.pdf", bad)])
    assert caught.value.errors[0].code == "javascript"
    assert not Dossier.objects.exists()


def test_a_clean_pdf_component_is_still_accepted(client, result_pdf):
    w = make_world()
    doc = w.documents[0]
    response = create(client, w, **{f"doc_{doc.pk}": upload("to-khai.pdf", result_pdf)})
    assert response.status_code == 201, response.content


def test_the_submission_page_shows_the_refusal_on_the_component(client):
    from tinhso.onestop.tests.test_views_submit_pay import _form, _submit_url
    from tinhso.signing.tests.crafted import clean_raw

    w = make_world()
    client.force_login(w.citizen)
    bad = CRAFTED["launch"][0](clean_raw())
    r = client.post(_submit_url(w), _form(w, doc0=SimpleUploadedFile("don.pdf", bad)))
    assert r.status_code == 422
    assert "Tệp “don.pdf” " + WORDS["javascript"] in r.content.decode()
    assert not Dossier.objects.exists()
