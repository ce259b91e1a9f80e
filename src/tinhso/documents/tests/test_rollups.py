"""The documents' monthly rollup and the indicators read from it (issue 6: documents issued,
with personal and agency signatures, sent and received electronically): kept with each step,
equal to the recount from the documents' history, and what the indicators API shows."""

from __future__ import annotations

import datetime as dt

import pytest

from tinhso.documents import services as s
from tinhso.documents.models import DocumentStatMonth
from tinhso.documents.rollups import doc_stats_recount, month_of
from tinhso.documents.tests.test_signing_flow import flow, issued  # noqa: F401 - fixture
from tinhso.indicators.registry import Scope, get
from tinhso.indicators.values import period_parse

pytestmark = pytest.mark.django_db


def _rows() -> dict[tuple[dt.date, int], dict[str, int]]:
    names = ("issued", "personal_signed", "agency_signed", "sent_online", "received_online")
    return {(r.month, r.agency_id): {n: getattr(r, n) for n in names if getattr(r, n)}
            for r in DocumentStatMonth.objects.all()}


def test_issuing_sending_and_receiving_are_counted_once_and_agree_with_the_history(
        flow):  # noqa: F811 - the signing flow's fixture
    doc = issued(flow)
    doc = s.document_send(document=doc, actor=flow["clerk"])
    month = month_of(doc.sent_at)
    issuer, recipient = flow["pki"].agency, flow["stc"].agency
    assert _rows() == {
        (month, issuer.pk): {"issued": 1, "personal_signed": 1, "agency_signed": 1,
                             "sent_online": 1},
        (month, recipient.pk): {"received_online": 1},
    }
    end = (month + dt.timedelta(days=32)).replace(day=1)
    assert doc_stats_recount(province_code=issuer.province_code, first=month, end=end) == _rows()


def _indicator(code: str):
    indicator = get(code)
    assert indicator is not None, code
    return indicator


def test_the_indicators_read_the_rollup(flow, client):  # noqa: F811 - the fixture
    doc = s.document_send(document=issued(flow), actor=flow["clerk"])
    issuer = flow["pki"].agency
    period = period_parse(f"{doc.sent_at:%Y}")
    province = Scope(issuer.province_code)
    issued_indicator = get("documents.issued")
    assert issued_indicator is not None
    assert issued_indicator.compute(province, period).value == 1
    personal = _indicator("documents.personal_signature_rate").compute(province, period)
    assert (personal.numerator, personal.denominator, personal.value) == (1, 1, 100.0)
    assert _indicator("documents.sent_online").compute(Scope(issuer.province_code, issuer.pk),
                                                period).value == 1
    # `tinhso indicators verify`: the recount from the documents' history gives the same.
    for code in ("documents.issued", "documents.agency_signature_rate",
                 "documents.sent_online", "documents.received_online"):
        indicator = _indicator(code)
        assert indicator.recompute is not None
        assert indicator.recompute(province, period) == indicator.compute(province, period)
    answer = client.get("/api/v1/indicators/documents.issued/values",
                        {"unit": issuer.province_code, "period": f"{doc.sent_at:%Y}"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["value"] == 1
