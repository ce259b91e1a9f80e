"""The documents API through HTTP: drafting, each step through the actions endpoint, the
registers with search, refusals (403, 404, 409, 422 naming the field, nothing written), and
the list's query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.models import User
from tinhso.accounts.tokens import token_create
from tinhso.documents.models import Document, DocumentEvent, IncomingRecord
from tinhso.documents.tests.world import make_world, mark

pytestmark = pytest.mark.django_db

URL = "/api/v1/documents"


def bearer(user: User) -> dict[str, str]:
    _token, raw = token_create(user=user)
    return {"Authorization": f"Bearer {raw}"}


def post(client, user, url, **payload):
    return client.post(url, data=payload, content_type="application/json", headers=bearer(user))


def act(client, user, pk, action, **payload):
    return post(client, user, f"{URL}/{pk}/actions", action=action, **payload)


def fields_of(response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


def draft(client, w, **extra):
    payload = {"type": "quyet_dinh", "subject": "Về việc ban hành quy chế làm việc",
               "body": "Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc.",
               "recipients": [w.stc.agency.code], "recipient_lines": ["Lưu: VT."], **extra}
    return post(client, w.snn.specialist, URL, **payload)


def test_a_document_is_drafted_approved_registered_and_sent_through_the_api(client):
    w = make_world()
    r = draft(client, w)
    assert r.status_code == 201, r.content
    body = r.json()
    pk, rev = body["id"], body["revision"]
    assert body["status"]["code"] == "draft" and body["type"]["abbreviation"] == "QĐ"
    assert body["recipients"][0]["code"] == w.stc.agency.code
    r = act(client, w.snn.specialist, pk, "revise", body="Điều 1. Nội dung mới.",
            comment="Sửa câu chữ", expected_revision=rev)
    assert r.status_code == 200 and [v["number"] for v in r.json()["versions"]] == [1, 2]
    r = act(client, w.snn.specialist, pk, "submit", expected_revision=r.json()["revision"])
    r = act(client, w.snn.leader, pk, "approve", expected_revision=r.json()["revision"])
    assert r.json()["signer"] == w.snn.leader.full_name
    signed = mark(Document.objects.get(pk=pk), "signed")  # test_signing_flow signs for real
    r = act(client, w.snn.clerk, pk, "register", expected_revision=signed.revision)
    assert r.json()["notation"] == "01/QĐ-SNN"
    issued = mark(Document.objects.get(pk=pk), "issued")
    r = act(client, w.snn.clerk, pk, "send", expected_revision=issued.revision)
    assert r.status_code == 200 and r.json()["status"]["code"] == "sent"
    assert [a["agency"]["code"] for a in r.json()["arrivals"]] == [w.stc.agency.code]

    incoming = client.get(URL, {"direction": "incoming", "q": "quy che lam viec"},
                          headers=bearer(w.stc.clerk)).json()
    assert incoming["count"] == 1
    row = incoming["results"][0]
    assert row["notation"] == "01/QĐ-SNN" and row["incoming"]["number"] == 1
    rec = row["incoming"]["id"]
    r = post(client, w.stc.clerk, f"{URL}/incoming/{rec}/actions", action="register",
             comment="Đã kiểm tra chữ ký")
    assert r.status_code == 200 and r.json()["status"]["code"] == "registered"
    again = post(client, w.stc.clerk, f"{URL}/incoming/{rec}/actions", action="register")
    assert again.status_code == 409  # entered in the register once
    outsider = post(client, w.snn.clerk, f"{URL}/incoming/{rec}/actions", action="register")
    assert outsider.status_code in (403, 404)
    r = post(client, w.stc.leader, f"{URL}/incoming/{rec}/actions", action="assign",
             assignee=w.stc.specialist.username, deadline="2099-01-01")
    assert r.status_code == 200 and r.json()["status"]["code"] == "assigned"
    inbox = client.get(f"{URL}/inbox", headers=bearer(w.stc.specialist)).json()
    assert [i["id"] for i in inbox] == [rec]
    # The recipient sees the issuer's registration and sending, not its drafting and review.
    seen = client.get(f"{URL}/{pk}", headers=bearer(w.stc.clerk)).json()
    assert [e["action"] for e in seen["history"]] == ["register", "send", "incoming.receive",
                                                     "incoming.register", "incoming.assign"]
    assert seen["versions"] == []
    # The sender sees how far the recipient has got.
    mine = client.get(f"{URL}/{pk}", headers=bearer(w.snn.clerk)).json()
    assert mine["arrivals"][0]["status"]["code"] == "assigned"


def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(client):
    w = make_world()
    cases = [
        ({"type": "quyet-dinh"}, "type"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 501}, "subject"),
        ({"urgency": "rat khan"}, "urgency"),
        ({"recipients": ["999.99.99.H99"]}, "recipients"),
        ({"type": "cong_van", "unit_abbr": ""}, "unit_abbr"),
        ({"type": "cong_van", "unit_abbr": "V P"}, "unit_abbr"),
        ({"signer": w.stc.leader.username}, "signer"),
        ({"signer": "khong-co-ai"}, "signer"),
        ({"body": "Nội dung\u202egiấu"}, "body"),
        ({"unexpected": 1}, "unexpected"),
    ]
    for extra, field in cases:
        r = draft(client, w, **extra)
        assert r.status_code == 422, (extra, r.content)
        assert r["Content-Type"] == "application/problem+json"
        assert field in fields_of(r), (extra, r.json())
    assert not Document.objects.exists() and not DocumentEvent.objects.exists()


def test_a_stale_revision_is_a_409_with_the_current_one(client):
    w = make_world()
    doc = w.draft()
    assert act(client, w.snn.specialist, doc.pk, "revise", subject="Một",
               expected_revision=doc.revision).status_code == 200
    r = act(client, w.snn.specialist, doc.pk, "revise", subject="Hai",
            expected_revision=doc.revision)
    assert r.status_code == 409
    assert r.json()["revision"] == doc.revision + 1 and r.json()["current_status"] == "draft"
    assert Document.objects.get(pk=doc.pk).subject == "Một"
    r = act(client, w.snn.clerk, doc.pk, "register")
    assert r.status_code == 409


def test_another_agency_gets_404_and_a_wrong_role_403(client):
    w = make_world()
    doc = w.draft()
    assert client.get(f"{URL}/{doc.pk}", headers=bearer(w.stc.leader)).status_code == 404
    assert act(client, w.stc.leader, doc.pk, "submit").status_code == 404
    assert act(client, w.snn.clerk, doc.pk, "submit").status_code == 403
    assert client.get(URL, headers=bearer(w.stc.leader)).json()["count"] == 0
    assert Document.objects.get(pk=doc.pk).status == "draft"


def test_sending_a_secret_document_is_refused_with_a_reason(client):
    w = make_world()
    doc = mark(w.registered(confidentiality="secret"), "issued")
    r = act(client, w.snn.clerk, doc.pk, "send")
    assert r.status_code == 422 and fields_of(r) == {"confidentiality"}
    assert not IncomingRecord.objects.exists()


def test_the_register_list_costs_the_same_queries_for_n_and_10n_documents(client):
    w = make_world()
    headers = bearer(w.snn.clerk)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(URL, {"year": 2026, "page_size": 100}, headers=headers)
        assert r.status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        w.registered()
    count_queries()  # the token's first use is recorded once
    small = count_queries()
    for _ in range(27):
        w.registered()
    assert client.get(URL, {"year": 2026}, headers=headers).json()["count"] == 30
    assert count_queries() == small
