"""A document sent to recipients of which some live in another installation: the local ones get
an incoming record here, the others do not (they are reached by a signed package)."""

from __future__ import annotations

import pytest

from tinhso.documents import services as s
from tinhso.documents.models import DocumentEvent, IncomingRecord
from tinhso.documents.tests.test_signing_flow import flow, issued  # noqa: F401 - fixture
from tinhso.documents.tests.world import office
from tinhso.exchange.models import Peer

pytestmark = pytest.mark.django_db


def test_recipients_under_a_peer_get_no_local_record(flow):  # noqa: F811 - the fixture
    doc = issued(flow)
    elsewhere = office("BTC", "Bộ Tài chính")  # another installation's agency, known here
    doc.recipients.add(elsewhere.agency)
    Peer.objects.create(organ_prefix=elsewhere.agency.code, name="Bộ Tài chính",
                        base_url="http://127.0.0.1:9", trusted=True)
    doc = s.document_send(document=doc, actor=flow["clerk"])
    arrived = set(IncomingRecord.objects.filter(document=doc).values_list("agency_id", flat=True))
    assert arrived == {flow["stc"].agency.pk}
    send = DocumentEvent.objects.get(document=doc, action="send")
    assert send.data["to"] == [flow["stc"].agency.code]
    assert send.data["elsewhere"] == [elsewhere.agency.code]
