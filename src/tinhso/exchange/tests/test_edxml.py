"""The edXML package: what is built is read back the same, and what is malformed or hostile
is refused with the element named."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinhso.exchange import edxml
from tinhso.exchange.edxml import (
    Attachment,
    Business,
    DocumentMessage,
    EdxmlError,
    Organ,
    Signer,
    StatusCode,
    StatusMessage,
    Trace,
)

TZ = dt.timezone(dt.timedelta(hours=7))
# XML 1.0 text: no control characters, no surrogates; carriage returns are normalised by
# XML parsers, so they are left out as well.
xml_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r"),
    max_size=80)
nonblank = xml_text.filter(lambda s: s.strip() != "")
organ_ids = st.from_regex(r"\A[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-H][0-9]{2}\Z")
# hypothesis takes naive bounds and attaches the time zone itself.
when = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
                    timezones=st.just(TZ))
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1))
organs = st.builds(Organ, organ_id=organ_ids, name=xml_text)


def document(**kw) -> DocumentMessage:
    base = dict(
        message_id=edxml.new_message_id(), sender=Organ("000.00.01.H56", "UBND tỉnh"),
        recipients=(Organ("000.00.02.H57", "Sở Tài chính"),), code_number="123",
        code_notation="123/QĐ-UBND", place="Thanh Hóa", promulgation_date=dt.date(2026, 3, 2),
        doc_type="quyet_dinh", doc_type_name="Quyết định", subject="Về việc phê duyệt kế hoạch",
        signer=Signer("Nguyễn Văn An", "Chủ tịch"), sent_at=dt.datetime(2026, 3, 2, 9, tzinfo=TZ),
        attachments=(Attachment("123.pdf", "application/pdf", b"%PDF-1.7 ..."),))
    base.update(kw)
    return DocumentMessage(**base)


@settings(max_examples=60, deadline=None)
@given(sender=organs, recipients=st.lists(organs, min_size=1, max_size=3).map(tuple),
       number=st.integers(1, 10**6).map(str), notation=nonblank.map(lambda s: s[:60]),
       place=xml_text, day=days, subject=nonblank, signer=st.builds(Signer, xml_text, xml_text,
                                                                     xml_text),
       sent_at=when, priority=st.integers(0, 4), due=st.none() | days,
       business=st.sampled_from(list(Business)),
       traces=st.lists(st.builds(Trace, organ_ids, when), max_size=3).map(tuple),
       attachments=st.lists(st.builds(Attachment, nonblank.map(lambda s: s[:200]),
                                      st.sampled_from(["application/pdf", "text/plain"]),
                                      st.binary(max_size=300), xml_text),
                            max_size=3).map(tuple))
def test_a_document_package_reads_back_as_it_was_built(sender, recipients, number, notation,
                                                        place, day, subject, signer, sent_at,
                                                        priority, due, business, traces,
                                                        attachments):
    msg = document(sender=sender, recipients=recipients, code_number=number,
                   code_notation=notation, place=place, promulgation_date=day, subject=subject,
                   signer=signer, sent_at=sent_at, priority=priority, due_date=due,
                   business=business, traces=traces, attachments=attachments)
    assert edxml.parse(edxml.build(msg)) == msg


@settings(max_examples=60, deadline=None)
@given(code=st.sampled_from(list(StatusCode)), sender=organs, to=organs, at=when,
       description=xml_text, staff=xml_text,
       traces=st.lists(st.builds(Trace, organ_ids, when), max_size=3).map(tuple))
def test_a_status_message_reads_back_as_it_was_built(code, sender, to, at, description, staff,
                                                     traces):
    msg = StatusMessage(message_id=edxml.new_message_id(), response_for=edxml.new_message_id(),
                        response_for_organ=to.organ_id, response_for_code="1/QĐ-UBND",
                        sender=sender, to=to, code=code, at=at, description=description,
                        staff=staff, traces=traces)
    assert edxml.parse(edxml.build(msg)) == msg


def test_status_codes_are_the_national_exchange_codes():
    assert [c.value for c in StatusCode] == ["01", "02", "03", "04", "05", "06"]


def _replace(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


@pytest.mark.parametrize(("mutate", "element"), [
    (lambda d: d[: len(d) // 2], "edXML"),
    (lambda d: b"", "edXML"),
    (lambda d: _replace(d, b"<CodeNumber>123</CodeNumber>", b""), "CodeNumber"),
    (lambda d: _replace(d, b"<PromulgationDate>2026-03-02", b"<PromulgationDate>2-3-2026"),
     "PromulgationDate"),
    (lambda d: _replace(d, b"<OrganId>000.00.01.H56", b"<OrganId>x y"), "From/OrganId"),
    (lambda d: _replace(d, b"<Priority>0", b"<Priority>9"), "Priority"),
    (lambda d: _replace(d, b"<ContentTransferEncoded>", b"<ContentTransferEncoded>!!"),
     "ContentTransferEncoded"),
    (lambda d: _replace(d, b"<Subject>", b"<Subject><b>x</b>"), "Subject"),
    (lambda d: _replace(d, b"<SentAt>2026-03-02T09:00:00+07:00",
                        b"<SentAt>2026-03-02T09:00:00"), "SentAt"),
    (lambda d: _replace(d, b"<edXML ", b"<Other "), "edXML"),
])
def test_a_malformed_package_is_refused_naming_the_element(mutate, element):
    data = mutate(edxml.build(document()))
    with pytest.raises(EdxmlError) as exc:
        edxml.parse(data)
    assert exc.value.element == element


def test_a_package_with_a_dtd_or_entities_is_refused():
    billion_laughs = (b'<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY a "aaaaaaaaaa">'
                      b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                      b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&b;</edXML>')
    with pytest.raises(EdxmlError) as exc:
        edxml.parse(billion_laughs)
    assert exc.value.element in ("DOCTYPE", "edXML")
    external = (b'<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&x;</edXML>')
    with pytest.raises(EdxmlError):
        edxml.parse(external)


def test_a_header_with_both_a_document_and_a_status_is_refused():
    data = edxml.build(document())
    status = b"<Status><StatusCode>01</StatusCode></Status></edXMLHeader>"
    with pytest.raises(EdxmlError) as exc:
        edxml.parse(data.replace(b"</edXMLHeader>", status, 1))
    assert exc.value.element == "edXMLHeader"


def test_an_oversize_package_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(edxml, "MAX_PACKAGE_BYTES", 100)
    with pytest.raises(EdxmlError, match="larger than"):
        edxml.parse(edxml.build(document()))
