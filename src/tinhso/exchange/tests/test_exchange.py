"""Exchange through the receiving endpoint (Django's test client, one database): a package
arrives and is registered, the sender sees "arrived" and then each step; repeats, changes,
strangers and bad PDFs are refused or returned, leaving nothing half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tinhso.core.models import AuditEvent
from tinhso.documents import services as ds
from tinhso.documents.kinds import Confidentiality
from tinhso.documents.models import Document, DocumentEvent, IncomingRecord
from tinhso.documents.tests.test_api import bearer
from tinhso.exchange import edxml, services
from tinhso.exchange.delivery import backoff, outbox_deliver
from tinhso.exchange.models import Direction, Kind, OutboxItem, Package, Peer
from tinhso.exchange.tests.net import RECEIVER_CODE, SENDER_PREFIX
from tinhso.signing.xmldsig import xml_sign, xml_verify

pytestmark = pytest.mark.django_db
URL = "/api/v1/exchange/packages"


def post(client, raw: bytes):
    return client.post(URL, data=raw, content_type="application/xml")


def send(net, **kw) -> Package:
    doc = net.issued(**kw)
    [pkg] = services.document_send_external(document=doc, actor=net.clerk)
    return pkg


def deliver(client, pkg: Package) -> Package:
    """What the delivery task does, through the test client: POST, then record the answer."""
    response = post(client, bytes(pkg.raw))
    assert response.status_code == 200, response.content
    if pkg.kind == Kind.DOCUMENT:
        services.answer_record(response.content)
    OutboxItem.objects.filter(package=pkg).update(delivered_at=timezone.now())
    pkg.refresh_from_db()
    return pkg


def test_a_sent_document_arrives_registered_and_the_sender_sees_it_arrived(client, net):
    pkg = send(net)
    assert pkg.to_organ == RECEIVER_CODE
    assert OutboxItem.objects.filter(package=pkg, delivered_at__isnull=True).count() == 1
    assert xml_verify(bytes(pkg.raw)).ok

    response = post(client, bytes(pkg.raw))
    assert response.status_code == 200
    answer = edxml.parse(response.content)
    assert isinstance(answer, edxml.StatusMessage)
    assert answer.code == edxml.StatusCode.ARRIVED
    assert answer.response_for == pkg.message_id
    assert xml_verify(response.content).organ_id == RECEIVER_CODE

    received = Package.objects.get(direction=Direction.IN, message_id=pkg.message_id)
    assert received.result == "arrived"
    assert received.verification["xml"]["ok"] is True
    assert received.verification["pdf"]["ok"] is True
    rec = IncomingRecord.objects.get(agency=net.receiver)
    assert received.incoming == rec
    assert rec.document.notation == pkg.document.notation

    services.answer_record(response.content)
    pkg.refresh_from_db()
    assert pkg.last_status == "01"
    event = DocumentEvent.objects.filter(document=pkg.document, action="remote_status").get()
    assert event.data["status"] == "01"
    assert event.data["organ"] == RECEIVER_CODE


def test_a_repeated_package_gets_the_same_answer_and_creates_nothing(client, net):
    pkg = send(net)
    first = post(client, bytes(pkg.raw))
    counts = (Package.objects.count(), IncomingRecord.objects.count(),
              Document.objects.count(), AuditEvent.objects.count())
    again = post(client, bytes(pkg.raw))
    assert again.status_code == 200
    assert again.content == first.content
    assert (Package.objects.count(), IncomingRecord.objects.count(),
            Document.objects.count(), AuditEvent.objects.count()) == counts


def test_each_step_of_the_incoming_record_reaches_the_sender(client, net):
    pkg = deliver(client, send(net))
    rec = IncomingRecord.objects.get(agency=net.receiver)
    leader = net.receiver_leader
    rec = ds.incoming_direct(record=rec, actor=leader, direction="Giao phòng Ngân sách.")
    rec = ds.incoming_assign(record=rec, actor=leader, assignee=leader,
                             deadline=timezone.localdate() + dt.timedelta(days=5))
    rec = ds.incoming_start(record=rec, actor=leader)
    rec = ds.incoming_done(record=rec, actor=leader, result="Đã bố trí kinh phí.")
    reports = list(Package.objects.filter(direction=Direction.OUT, kind=Kind.STATUS)
                   .order_by("pk"))
    assert [p.status_code for p in reports] == ["03", "04", "05", "06"]
    assert all(p.outbox.count() == 1 for p in reports)
    for report in reports:
        deliver(client, report)
    pkg.refresh_from_db()
    assert pkg.last_status == "06"
    seen = list(DocumentEvent.objects.filter(document=pkg.document, action="remote_status")
                .order_by("pk").values_list("data__status", flat=True))
    assert seen == ["01", "03", "04", "05", "06"]
    # A status delivered twice is recorded once.
    before = Package.objects.count()
    assert post(client, bytes(reports[-1].raw)).status_code == 200
    assert Package.objects.count() == before


def test_a_changed_package_is_refused_and_leaves_nothing(client, net):
    pkg = send(net)
    raw = bytes(pkg.raw).replace(b"<Subject>V", b"<Subject>X", 1)
    before = (IncomingRecord.objects.count(), Package.objects.filter(direction="in").count())
    response = post(client, raw)
    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"
    assert (IncomingRecord.objects.count(),
            Package.objects.filter(direction="in").count()) == before


def test_a_package_from_an_unknown_installation_is_refused(client, net):
    pkg = send(net)
    Peer.objects.filter(organ_prefix=SENDER_PREFIX).update(trusted=False)
    response = post(client, bytes(pkg.raw))
    assert response.status_code == 403
    assert response.json()["code"] == "unknown_sender"
    assert not IncomingRecord.objects.filter(agency=net.receiver).exists()


def test_a_malformed_package_is_refused_naming_the_element(client, net):
    response = post(client, b"<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'/>")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "edXMLEnvelope"
    assert "edXMLEnvelope" in body["detail"]


def test_a_post_without_a_package_is_unauthenticated(client, db):
    assert post(client, b"").status_code == 401


def test_a_package_whose_pdf_was_changed_is_returned_with_the_reason(client, net):
    pkg = send(net)
    msg = edxml.parse(bytes(pkg.raw))
    pdf = bytearray(msg.attachments[0].data)
    pdf[len(pdf) // 3] ^= 0x01
    forged = edxml.DocumentMessage(**{
        **msg.__dict__, "message_id": edxml.new_message_id(),
        "attachments": (edxml.Attachment("x.pdf", "application/pdf", bytes(pdf)),)})
    raw = xml_sign(edxml.build(forged), certificate=net.pki.organization)
    response = post(client, raw)
    assert response.status_code == 200
    answer = edxml.parse(response.content)
    assert answer.code == edxml.StatusCode.RETURNED
    assert "PDF" in answer.description
    assert not IncomingRecord.objects.filter(agency=net.receiver).exists()
    received = Package.objects.get(direction=Direction.IN, message_id=forged.message_id)
    assert received.result == "returned"
    assert received.verification["pdf"]["ok"] is False


def test_a_package_signed_by_another_agency_than_the_sender_is_refused(client, net):
    pkg = send(net)
    msg = edxml.parse(bytes(pkg.raw))
    raw = xml_sign(edxml.build(msg), certificate=net.receiver_cert)  # not the sender's key
    response = post(client, raw)
    assert response.status_code == 401
    assert response.json()["code"] == "signature_not_sender"


def test_confidential_documents_are_not_sent_to_other_installations(net):
    doc = net.issued(confidentiality=Confidentiality.CONFIDENTIAL)
    with pytest.raises(services.DomainError) as exc:
        services.document_send_external(document=doc, actor=net.clerk)
    assert exc.value.code == "confidential"
    assert not Package.objects.exists()


def test_only_the_clerk_sends(net):
    doc = net.issued()
    with pytest.raises(services.NotAllowed):
        services.document_send_external(document=doc, actor=net.specialist)


def test_a_peer_that_is_down_gets_the_package_later_with_backoff(net):
    pkg = send(net)
    Peer.objects.update(base_url="http://127.0.0.1:9")  # nothing listens on the discard port
    now = timezone.now()
    report = outbox_deliver(now=now)
    assert (report.delivered, report.retrying) == (0, 1)
    item = OutboxItem.objects.get(package=pkg)
    assert item.attempts == 1
    assert item.next_attempt_at == now + backoff(1)
    assert item.delivered_at is None and item.failed_at is None
    assert outbox_deliver(now=now).retrying == 0  # not due yet
    first_retry = item.next_attempt_at
    assert outbox_deliver(now=first_retry).retrying == 1
    item.refresh_from_db()
    assert item.attempts == 2
    assert item.next_attempt_at == first_retry + backoff(2)
    assert backoff(2) == 2 * backoff(1)


def test_the_clerk_sends_through_the_api_and_follows_the_statuses(client, net):
    doc = net.issued()
    response = client.post("/api/v1/exchange/send", data={"document": doc.pk},
                           content_type="application/json", headers=bearer(net.clerk))
    assert response.status_code == 201, response.content
    [sent] = response.json()
    assert sent["to_organ"] == RECEIVER_CODE
    assert sent["delivered"] is False
    deliver(client, Package.objects.get(pk=sent["id"]))
    listed = client.get(f"{URL}?document={doc.pk}", headers=bearer(net.clerk)).json()
    mine = [p for p in listed if p["direction"] == "out"]
    assert mine[0]["last_status"] == "01"
    assert mine[0]["delivered"] is True
    # The receiving agency's officers see what came to them, not the sender's packages.
    theirs = client.get(f"{URL}?document={doc.pk}", headers=bearer(net.receiver_leader)).json()
    assert theirs
    assert all(p["direction"] == "in" and p["kind"] == "document" for p in theirs)


def test_a_different_package_reusing_a_message_id_is_refused(client, net):
    pkg = send(net)
    assert post(client, bytes(pkg.raw)).status_code == 200
    msg = edxml.parse(bytes(pkg.raw))
    other = edxml.DocumentMessage(**{**msg.__dict__, "subject": "Một văn bản khác"})
    response = post(client, xml_sign(edxml.build(other), certificate=net.pki.organization))
    assert response.status_code == 409
    assert response.json()["code"] == "replayed_id"


def test_a_receiver_that_cannot_sign_its_answer_makes_the_sender_retry(client, net):
    pkg = send(net)
    from tinhso.signing.models import Certificate

    Certificate.objects.filter(pk=net.receiver_cert.pk).update(
        not_after=timezone.now() - dt.timedelta(days=1))
    response = post(client, bytes(pkg.raw))
    assert response.status_code == 503
    assert not Package.objects.filter(direction=Direction.IN).exists()
