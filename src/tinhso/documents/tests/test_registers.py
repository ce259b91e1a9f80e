"""Registers per agency and year with filters and diacritics-insensitive search, the inbox by
deadline, and a constant number of queries per page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.models import User
from tinhso.core.errors import DomainError
from tinhso.documents import services as s
from tinhso.documents.kinds import DocStatus, DocType
from tinhso.documents.models import IncomingRecord
from tinhso.documents.selectors import (
    RegisterFilters,
    inbox,
    incoming_register,
    outgoing_register,
    page_of,
)
from tinhso.documents.tests.world import make_world, vn

pytestmark = pytest.mark.django_db


def notations(qs):
    return [d.notation for d in qs]


def test_the_register_finds_documents_without_diacritics():
    w = make_world()
    w.registered(subject="Về việc phòng chống hạn hán vụ Đông Xuân",
                 body="Các xã chủ động nguồn nước tưới.")
    w.registered(subject="Về việc tổ chức Hội nghị tổng kết năm",
                 body="Đại biểu dự họp đúng giờ.")
    clerk = w.snn.clerk
    assert notations(outgoing_register(clerk, RegisterFilters(q="han han dong xuan"))) == [
        "01/QĐ-SNN"]
    assert notations(outgoing_register(clerk, RegisterFilters(q="HỘI NGHỊ"))) == ["02/QĐ-SNN"]
    assert notations(outgoing_register(clerk, RegisterFilters(q="nguon nuoc"))) == ["01/QĐ-SNN"]
    assert notations(outgoing_register(clerk, RegisterFilters(q="dai bieu"))) == ["02/QĐ-SNN"]
    assert notations(outgoing_register(clerk, RegisterFilters(q="02/QĐ-SNN"))) == ["02/QĐ-SNN"]
    assert notations(outgoing_register(clerk, RegisterFilters(q="lũ lụt"))) == []


def test_the_incoming_register_searches_the_arrived_documents_text():
    w = make_world()
    w.sent(subject="Về việc quyết toán ngân sách", body="Gửi Sở Tài chính thẩm định.")
    w.sent(subject="Về việc khen thưởng", body="Tập thể lao động xuất sắc.")
    found = incoming_register(w.stc.clerk, RegisterFilters(q="quyet toan ngan sach"))
    assert [r.number for r in found] == [1]
    assert [r.number for r in incoming_register(w.stc.clerk, RegisterFilters(q="xuat sac"))] == [2]


def test_registers_filter_by_year_type_status_and_agency():
    w = make_world()
    w.registered(at=vn(2025, 12, 30, 9, 0))
    w.registered(doc_type=DocType.CONG_VAN, at=vn(2026, 1, 5, 9, 0))
    w.registered(doc_type=DocType.KE_HOACH, at=vn(2026, 1, 6, 9, 0))
    w.draft(subject="Dự thảo chưa số")
    clerk = w.snn.clerk
    assert notations(outgoing_register(clerk, RegisterFilters(year=2026))) == [
        "02/KH-SNN", "01/SNN-VP"]
    assert notations(outgoing_register(clerk, RegisterFilters(year=2025))) == ["01/QĐ-SNN"]
    assert notations(outgoing_register(clerk, RegisterFilters(doc_type="cong_van"))) == [
        "01/SNN-VP"]
    drafts = outgoing_register(clerk, RegisterFilters(status=DocStatus.DRAFT))
    assert [d.subject for d in drafts] == ["Dự thảo chưa số"]
    assert outgoing_register(clerk, RegisterFilters(agency=w.snn.agency.code)).count() == 4
    assert outgoing_register(clerk, RegisterFilters(agency=w.stc.agency.code)).count() == 0
    with pytest.raises(DomainError) as exc:
        outgoing_register(clerk, RegisterFilters(doc_type="quyet-dinh"))
    assert exc.value.errors[0].field == "type"


def test_the_inbox_lists_ones_own_work_by_deadline_and_flags_the_overdue():
    w = make_world()
    for _ in range(3):
        w.sent(at=vn(2026, 3, 2, 10, 0))
    first, second, third = IncomingRecord.objects.order_by("number")
    me, colleague = w.stc.specialist, w.stc.leader
    s.incoming_assign(record=first, actor=w.stc.leader, assignee=me, deadline=vn(2026, 3, 20).date())
    s.incoming_assign(record=second, actor=w.stc.leader, assignee=me, deadline=vn(2026, 3, 5).date())
    s.incoming_assign(record=third, actor=w.stc.leader, assignee=colleague,
                      deadline=vn(2026, 3, 3).date())
    mine = list(inbox(me, today=vn(2026, 3, 10).date()))
    assert [(r.number, r.overdue) for r in mine] == [(2, True), (1, False)]
    s.incoming_done(record=second, actor=me, result="Đã xử lý")
    assert [r.number for r in inbox(me, today=vn(2026, 3, 10).date())] == [1]


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def _bulk(w, n):
    for i in range(n):
        w.sent(subject=f"Về việc số {i} về nông nghiệp", at=vn(2026, 4, 1, 9, 0))


def test_a_register_page_costs_the_same_queries_for_n_and_10n_documents():
    w = make_world()

    def read_pages():
        for who, register in ((w.snn.clerk, outgoing_register), (w.stc.clerk, incoming_register)):
            user = User.objects.get(pk=who.pk)  # grants not yet cached, as in a request
            count, rows = page_of(register(user, RegisterFilters(q="nong nghiep", year=2026)),
                                  page=1, page_size=100)
            for row in rows:
                doc = getattr(row, "document", row)
                (doc.agency.short_name, doc.signer and doc.signer.full_name,
                 getattr(row, "assignee", None))

    _bulk(w, 3)
    small = _queries(read_pages)
    _bulk(w, 27)
    large = _queries(read_pages)
    assert small == large
