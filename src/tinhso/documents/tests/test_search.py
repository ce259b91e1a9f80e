"""The registers' search (issue 4): a document's type is searched with its text; on PostgreSQL
the full-text vector led by the agency (migration 0008) finds what the LIKE search finds; any
text typed in the search box is answered, never a server error."""

from __future__ import annotations

import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinhso.accounts.tokens import token_create
from tinhso.documents import selectors
from tinhso.documents.kinds import DocType
from tinhso.documents.models import Document, IncomingRecord, search_text
from tinhso.documents.selectors import (
    MAX_WORD,
    RegisterFilters,
    incoming_register,
    outgoing_register,
    page_of,
    search_tsquery,
    search_words,
    workspace_queue,
)
from tinhso.documents.tests.world import make_world

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="the search vector is PostgreSQL's")


def test_a_search_is_its_folded_words_the_last_one_a_prefix_each_the_agencies_own():
    assert search_words("Quyết định 15/QĐ-UBND, kế hoạch!") == [
        "quyet", "dinh", "15", "qd", "ubnd", "ke", "hoach"]
    assert search_words(unicodedata.normalize("NFD", "Kế Hoạch")) == ["ke", "hoach"]
    assert search_tsquery("Quyết định", [12]) == "'x12xquyet' & 'x12xdinh':*"
    assert search_tsquery("ke hoach", [3, 1]) == (
        "('x1xke' | 'x3xke') & ('x1xhoach':* | 'x3xhoach':*)")
    assert search_tsquery("ke hoach") == "'ke' & 'hoach':*"  # no agency named: plain words
    assert search_tsquery("ke", range(selectors.MAX_AGENCY_TERMS + 1)) == "'ke':*"
    # tsquery syntax is never passed through: only letters and digits make words
    assert search_tsquery("&|!:*()'\\ <-> \"") == ""
    assert search_tsquery("a&b | !c:* 'd'") == "'a' & 'b' & 'c' & 'd':*"
    long = "x" * 300
    assert search_tsquery(f"{long} y") == f"'{'x' * MAX_WORD}':* & 'y':*"  # cut: a prefix
    assert len(search_words("a " * 50)) == selectors.MAX_QUERY_WORDS


def test_a_type_value_is_its_folded_vietnamese_name():
    from django.utils import translation

    from tinhso.core.text import fold

    with translation.override(None):
        for t in DocType:
            assert t.value.replace("_", " ") == fold(str(t.label))
    assert search_text(DocType.CONG_VAN, "12/SNN-VP", "Về việc Chuyển đổi số", "") == (
        "cong van 12/snn-vp ve viec chuyen doi so")


def test_a_documents_type_is_searched_with_its_text():
    w = make_world()
    w.sent(doc_type=DocType.CONG_VAN, subject="Về việc đẩy mạnh chuyển đổi số")
    w.sent(doc_type=DocType.QUYET_DINH, subject="Về việc phê duyệt đề án chuyển đổi số")
    out = outgoing_register(w.snn.clerk, RegisterFilters(q="cong van ve chuyen doi so"))
    assert [d.doc_type for d in out] == [DocType.CONG_VAN]
    arrived = incoming_register(w.stc.clerk, RegisterFilters(q="Công văn về chuyển đổi số"))
    assert [r.document.doc_type for r in arrived] == [DocType.CONG_VAN]
    both = outgoing_register(w.snn.clerk, RegisterFilters(q="chuyen doi so"))
    assert both.count() == 2


QUERIES = [
    "Quyết định phê duyệt",
    "QUYẾT ĐỊNH",
    "quyet dinh phe duyet ke hoach",
    "kế hoạch,",
    "Kế hoạch; chuyển đổi số!",
    unicodedata.normalize("NFD", "Kế hoạch chuyển đổi"),
    "công văn về chuyển đổi số",
    "cong van",
    "Báo cáo tình hình",
    "nông nghiệp",
    "ngan sach nam 2026",
    "dieu 1",
    "lũ lụt",
    "",
]


def _searchable_world():
    w = make_world()
    w.sent(doc_type=DocType.QUYET_DINH, subject="Về việc phê duyệt Kế hoạch chuyển đổi số năm 2026")
    w.sent(doc_type=DocType.QUYET_DINH, subject="Về việc phê duyệt dự toán ngân sách năm 2026",
           body="Điều 1. Giao dự toán ngân sách nhà nước.")
    w.sent(doc_type=DocType.CONG_VAN, subject="Về việc đôn đốc triển khai chuyển đổi số")
    w.sent(doc_type=DocType.KE_HOACH, subject="Kế hoạch phát triển nông nghiệp hữu cơ")
    w.registered(doc_type=DocType.BAO_CAO, subject="Báo cáo tình hình kinh tế - xã hội quý I")
    w.sent(w.stc, doc_type=DocType.QUYET_DINH, subject="Về việc phê duyệt kế hoạch kiểm tra",
           recipients=[w.snn.agency, w.ubnd.agency])
    w.draft(subject="Dự thảo quyết định phê duyệt kế hoạch")
    return w


@postgres_only
def test_the_vector_finds_what_the_like_search_finds(monkeypatch):
    w = _searchable_world()
    assert Document.objects.count() == 7 and IncomingRecord.objects.count() > 0
    people = [w.snn.clerk, w.stc.clerk, w.snn.specialist, w.ubnd.clerk]

    def results(like: bool = False) -> list[list[int]]:
        found = []
        for q in QUERIES:
            if like:  # punctuation separates words now ("kế hoạch," found nothing by LIKE)
                q = " ".join(search_words(q))
            for user in people:
                found.append(sorted(d.pk for d in outgoing_register(user, RegisterFilters(q=q))))
                found.append(sorted(r.pk for r in incoming_register(user, RegisterFilters(q=q))))
            found.append(sorted(d.pk for d in workspace_queue(w.snn.specialist, "drafts", q=q)))
        return found

    by_vector = results()
    monkeypatch.setattr(selectors, "uses_search_vector", lambda: False)
    by_like = results(like=True)
    assert by_vector == by_like
    assert sum(1 for pks in by_vector if pks) > 40  # the queries do find documents
    # Words are whole words (the last a prefix), not parts of words: LIKE found "02" in "2026".
    notation = Document.objects.get(notation="02/QĐ-SNN")
    monkeypatch.undo()
    assert [d.pk for d in outgoing_register(w.snn.clerk, RegisterFilters(q="02/QĐ-SNN"))] == [
        notation.pk]


@postgres_only
def test_every_write_keeps_the_vector():
    w = make_world()
    doc = w.sent(subject="Về việc phòng chống hạn hán")
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM documents_document WHERE id = %s",
                       [doc.pk])
        assert f"'x{w.snn.agency.pk}xhan'" in cursor.fetchone()[0]
        cursor.execute("SELECT agency_id, search_vector::text FROM documents_incomingrecord "
                       "WHERE document_id = %s", [doc.pk])
        for agency_id, vector in cursor.fetchall():  # the receiving agency's words
            assert f"'x{agency_id}xhan'" in vector and "'han'" in vector
    doc.subject = "Về việc phòng chống lũ lụt"
    doc.refresh_search()
    doc.save()
    found = outgoing_register(w.snn.clerk, RegisterFilters(q="lu lut"))
    assert [d.pk for d in found] == [doc.pk]
    assert not outgoing_register(w.snn.clerk, RegisterFilters(q="han han")).exists()
    # another agency's clerk does not find it, even though the words match
    assert not outgoing_register(w.stc.clerk, RegisterFilters(q="lu lut")).exists()


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=st.text(max_size=250))
def test_any_search_text_is_answered(client, text):
    w = _any_text_world()
    for register in (outgoing_register, incoming_register):
        count, rows = page_of(register(w.snn.clerk, RegisterFilters(q=text)), page=1,
                              page_size=20)
        assert count == len(rows)
    list(workspace_queue(w.snn.specialist, "drafts", q=text))
    response = client.get("/api/v1/documents", {"q": text, "direction": "incoming"},
                          headers=_ANY_TEXT["headers"])
    assert response.status_code == (200 if len(text) <= 200 else 422)


_ANY_TEXT: dict = {}


def _any_text_world():
    """One small world for all of hypothesis's examples (each example runs in the test's
    transaction; the world is made at its first)."""
    if Document.objects.exists() and "world" in _ANY_TEXT:
        return _ANY_TEXT["world"]
    w = make_world()
    w.sent(subject="Về việc phê duyệt kế hoạch: 50% (dự kiến) & 'ưu tiên' \\ *")
    _token, raw = token_create(user=w.snn.clerk)
    _ANY_TEXT.update(world=w, headers={"Authorization": f"Bearer {raw}"})
    return w


@postgres_only
def test_a_search_with_many_matches_pages_by_walking_the_register(monkeypatch):
    w = _searchable_world()
    for register in (outgoing_register, incoming_register):
        qs = register(w.snn.clerk, RegisterFilters(q="phe duyet"))
        everything = list(qs)
        assert everything
        monkeypatch.setattr(selectors, "WALK_FROM", 1)
        for page in range(1, len(everything) + 1):
            with CaptureQueriesContext(connection) as ctx:
                count, rows = page_of(qs, page=page, page_size=1)
            assert count == len(everything) and rows == everything[page - 1:page]
            assert "COALESCE" in ctx.captured_queries[1]["sql"]  # the register's order
        monkeypatch.undo()
