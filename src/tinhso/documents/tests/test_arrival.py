"""Incoming documents are verified first: the signatures of a document sent inside the
installation are checked on arrival and the verdict is kept on each incoming record, then
shown to the receiving clerk."""

from __future__ import annotations

import pytest

from tinhso.accounts.tests.factories import officer
from tinhso.directory.models import Role
from tinhso.documents import services as s
from tinhso.documents.models import IncomingRecord
from tinhso.documents.tests.test_signing_flow import flow, issued  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_a_sent_document_arrives_with_its_signatures_checked_and_kept(
        flow, client):  # noqa: F811 - the signing flow's fixture
    doc = s.document_send(document=issued(flow), actor=flow["clerk"])
    rec = IncomingRecord.objects.get(document=doc, agency=flow["stc"].agency)
    kept = rec.verification
    assert kept["ok"] is True and kept["status"] == "valid"
    assert kept["checked_at"] == doc.sent_at.isoformat()
    assert [sig["ok"] for sig in kept["signatures"]] == [True, True]
    assert {sig["kind"] for sig in kept["signatures"]} == {"personal", "organization"}
    assert all(sig["intact"] and sig["trusted"] and sig["timestamp"] for sig in kept["signatures"])
    # The receiving clerk sees it on the record's page.
    clerk = officer(Role.CLERK, flow["stc"].agency)
    client.force_login(clerk)
    page = client.get(f"/van-ban/den/{rec.pk}/")
    assert page.status_code == 200
    assert "Kiểm tra chữ ký khi văn bản đến" in page.content.decode()


def test_the_kept_verdict_is_in_vietnamese_whatever_the_sender_s_language(
        flow):  # noqa: F811 - the signing flow's fixture
    from django.utils import translation

    with translation.override("en"):
        doc = s.document_send(document=issued(flow), actor=flow["clerk"])
    rec = IncomingRecord.objects.get(document=doc, agency=flow["stc"].agency)
    with translation.override("vi"):
        from tinhso.documents.arrival import arrival_check

        expected = arrival_check(doc, doc.sent_at)["summary"]
    assert rec.verification["summary"] == expected
    with translation.override("en"):
        assert arrival_check(doc, doc.sent_at)["summary"] == expected
