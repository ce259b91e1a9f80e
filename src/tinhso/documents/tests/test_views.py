"""The documents workspace pages: who sees what (another agency's documents are 404), each step
through its button with refusals shown as Vietnamese form errors (never a 500) and conflicts
as a 409 message, the incoming steps, and a constant number of queries per list page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tinhso.documents import services as s
from tinhso.documents.files import pdf_write
from tinhso.documents.kinds import DocStatus, DocType, IncomingStatus, Urgency
from tinhso.documents.models import (
    Document,
    DocumentEvent,
    DocumentFile,
    DocumentVersion,
    IncomingRecord,
)
from tinhso.documents.tests.world import World, make_world, mark

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "vi"
    return make_world()


def as_user(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def page(doc: Document) -> str:
    return reverse("documents:document", args=[doc.pk])


def act(
    client: Any, doc: Document, action: str, text: str = "", revision: int | None = None
) -> Any:
    doc.refresh_from_db()
    return client.post(
        reverse("documents:action", args=[doc.pk]),
        {
            "action": action,
            "text": text,
            "revision": doc.revision if revision is None else revision,
        },
    )


def act_in(client: Any, rec: IncomingRecord, action: str, **data: Any) -> Any:
    rec.refresh_from_db()
    data.setdefault("revision", rec.revision)
    return client.post(
        reverse("documents:incoming_action", args=[rec.pk]), {"action": action, **data}
    )


# --- the workspace ----------------------------------------------------------------------------


def test_each_officer_sees_the_tabs_of_their_work_with_counts(client, world):
    world.draft(subject="Kế hoạch chuyển đổi số")
    world.draft(subject="Báo cáo tình hình hạn hán")
    r = as_user(client, world.snn.specialist).get(reverse("documents:workspace"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Dự thảo của tôi" in html and "Chờ ký" not in html
    assert "Kế hoạch chuyển đổi số" in html and "Báo cáo tình hình hạn hán" in html

    r = as_user(client, world.snn.clerk).get(reverse("documents:workspace"))
    html = r.content.decode()
    assert "Vào sổ, ban hành, gửi" in html and "Văn bản đến chờ vào sổ" in html
    assert "Dự thảo của tôi" not in html


def test_search_ignores_diacritics_and_case(client, world):
    world.draft(subject="Về việc phòng chống hạn hán")
    world.draft(subject="Về việc tuyển dụng công chức")
    c = as_user(client, world.snn.specialist)
    r = c.get(reverse("documents:tab", args=["du-thao"]), {"q": "HAN han"})
    html = r.content.decode()
    assert "phòng chống hạn hán" in html and "tuyển dụng" not in html


def test_a_tab_the_user_has_no_business_with_is_404(client, world):
    c = as_user(client, world.snn.specialist)
    assert c.get(reverse("documents:tab", args=["cho-ky"])).status_code == 404
    assert c.get(reverse("documents:tab", args=["khong-co"])).status_code == 404


def test_someone_without_a_documents_role_is_refused(client, world):
    from tinhso.accounts.tests.factories import officer
    from tinhso.directory.models import Role

    admin = officer(Role.PROVINCE_ADMIN, None)
    r = as_user(client, admin).get(reverse("documents:workspace"))
    assert r.status_code == 403


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("slug", ["du-thao", "da-gui"])
def test_a_list_page_costs_the_same_queries_for_2_or_20_documents(client, world, slug):
    c = as_user(client, world.snn.clerk if slug == "da-gui" else world.snn.specialist)
    make = world.sent if slug == "da-gui" else world.draft
    for _i in range(2):
        make()
    url = reverse("documents:tab", args=[slug])
    few = _queries(c, url)
    for _i in range(18):
        make()
    assert _queries(c, url) == few
    assert _queries(c, url + "?q=ke+hoach") <= few + 1  # a search counts its own matches


def test_the_incoming_list_costs_the_same_queries_for_2_or_12_records(client, world):
    c = as_user(client, world.stc.clerk)
    for _i in range(2):
        world.sent()
    url = reverse("documents:tab", args=["den-cho-vao-so"])
    few = _queries(c, url)
    for _i in range(10):
        world.sent()
    assert _queries(c, url) == few


# --- who sees what ------------------------------------------------------------------------------


def test_another_agencys_document_is_404_on_every_page_and_action(client, world):
    doc = world.draft()
    c = as_user(client, world.ubnd.leader)
    assert c.get(page(doc)).status_code == 404
    assert c.get(reverse("documents:edit", args=[doc.pk])).status_code == 404
    assert act(c, doc, "submit").status_code == 404
    doc.refresh_from_db()
    assert doc.status == DocStatus.DRAFT


def test_a_recipient_sees_the_sent_document_but_not_its_drafting(client, world):
    doc = world.sent(subject="Về việc kiểm tra tài chính", comment="ghi chú nội bộ")
    rec = IncomingRecord.objects.get(document=doc)
    r = as_user(client, world.stc.clerk).get(page(doc))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Các phiên bản dự thảo" not in html and "ghi chú nội bộ" not in html
    # Another agency, neither issuer nor recipient: 404 for the document and the record.
    other = as_user(client, world.ubnd.clerk)
    assert other.get(page(doc)).status_code == 404
    assert other.get(reverse("documents:incoming", args=[rec.pk])).status_code == 404
    assert act_in(other, rec, "register").status_code == 404


def test_the_signed_file_goes_to_those_who_may_see_it_only(client, world):
    doc = world.sent()
    at = timezone.now()
    rows = {}
    for kind in (DocumentFile.Kind.PERSONAL, DocumentFile.Kind.AGENCY):
        stored = pdf_write(b"%PDF-1.4\n%%EOF\n" + kind.encode(), at=at)
        rows[kind] = DocumentFile.objects.create(
            document=doc,
            kind=kind,
            storage_path=stored.storage_path,
            sha256=stored.sha256,
            size=stored.size,
            created_at=at,
            created_by=world.snn.clerk,
        )
    url = lambda kind: reverse("documents:file", args=[doc.pk, rows[kind].pk])  # noqa: E731
    issuer = as_user(client, world.snn.specialist)
    assert issuer.get(url(DocumentFile.Kind.PERSONAL)).status_code == 200
    r = issuer.get(page(doc))
    assert "Không kiểm tra được chữ ký của tệp." in r.content.decode()  # not a real signature
    recipient = as_user(client, world.stc.clerk)
    r = recipient.get(url(DocumentFile.Kind.AGENCY))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert recipient.get(url(DocumentFile.Kind.PERSONAL)).status_code == 404
    assert as_user(client, world.ubnd.clerk).get(url(DocumentFile.Kind.AGENCY)).status_code == 404


# --- drafting -----------------------------------------------------------------------------------


def _draft_data(world: World, **kw: Any) -> dict[str, Any]:
    data = {
        "agency": world.snn.agency.pk,
        "doc_type": DocType.QUYET_DINH,
        "subject": "Về việc phê duyệt kế hoạch",
        "body": "Điều 1. Phê duyệt.",
        "urgency": Urgency.NORMAL,
        "confidentiality": "normal",
        "recipients": [world.stc.agency.pk],
        "recipient_lines": "Như trên;\nLưu: VT, VP.",
        "signer": world.snn.leader.pk,
        "comment": "",
    }
    data.update(kw)
    return data


def test_a_specialist_drafts_from_the_form(client, world):
    c = as_user(client, world.snn.specialist)
    assert c.get(reverse("documents:new")).status_code == 200
    r = c.post(reverse("documents:new"), _draft_data(world))
    doc = Document.objects.get()
    assert r.status_code == 302 and r["Location"] == page(doc)
    assert doc.signer == world.snn.leader and doc.recipient_lines == ["Như trên;", "Lưu: VT, VP."]
    assert list(doc.recipients.all()) == [world.stc.agency]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"subject": ""}, "subject", "Cần nhập nội dung này."),
        ({"doc_type": "khong_co"}, "doc_type", "Lựa chọn không hợp lệ."),
        (
            {"doc_type": DocType.CONG_VAN},
            "unit_abbr",
            "Công văn cần chữ viết tắt của đơn vị soạn thảo (ví dụ: VP).",
        ),
        (
            {"subject": "Có ký tự ẩn\u202e"},
            "subject",
            "Có ký tự điều khiển hoặc ký tự ẩn không hợp lệ.",
        ),
        ({"recipients": ["999999"]}, "recipients", "Lựa chọn không hợp lệ."),
    ],
)
def test_bad_input_comes_back_as_a_vietnamese_error_on_its_field(
    client, world, change, field, message
):
    r = as_user(client, world.snn.specialist).post(
        reverse("documents:new"), _draft_data(world, **change)
    )
    assert r.status_code == 422
    assert message in r.context["form"].errors[field]
    assert message in r.content.decode()
    assert not Document.objects.exists()


def test_revising_keeps_a_version_and_a_stale_form_is_a_conflict(client, world):
    doc = world.draft()
    c = as_user(client, world.snn.specialist)
    url = reverse("documents:edit", args=[doc.pk])
    assert c.get(url).status_code == 200
    data = _draft_data(world, subject="Tiêu đề mới", revision=doc.revision, comment="sửa")
    r = c.post(url, data)
    assert r.status_code == 302
    assert DocumentVersion.objects.filter(document=doc).count() == 2
    r = c.post(url, {**data, "subject": "Tiêu đề khác"})  # the same, now old, revision
    assert r.status_code == 409
    assert "đã được người khác xử lý" in r.content.decode()
    doc.refresh_from_db()
    assert doc.subject == "Tiêu đề mới"


# --- the steps ----------------------------------------------------------------------------------


def test_submit_approve_and_the_leaders_buttons(client, world):
    doc = world.draft(signer=world.snn.leader)
    c = as_user(client, world.snn.specialist)
    assert "Trình duyệt" in c.get(page(doc)).content.decode()
    r = act(c, doc, "submit", "Kính trình")
    assert r.status_code == 302
    leader = as_user(client, world.snn.leader)
    html = leader.get(page(doc)).content.decode()
    assert "Duyệt dự thảo" in html and "Trả lại để sửa" in html
    assert act(leader, doc, "approve").status_code == 302
    doc.refresh_from_db()
    assert doc.status == DocStatus.APPROVED
    assert "Ký số cá nhân" in leader.get(page(doc)).content.decode()


def test_sending_back_without_a_reason_is_a_form_error(client, world):
    doc = s.document_submit_for_review(document=world.draft(), actor=world.snn.specialist)
    r = act(as_user(client, world.snn.leader), doc, "send_back", "")
    assert r.status_code == 422
    assert "Cần nhập nội dung này." in r.content.decode()
    doc.refresh_from_db()
    assert doc.status == DocStatus.IN_REVIEW


def test_a_step_on_an_old_revision_is_a_conflict_message(client, world):
    doc = world.draft()
    c = as_user(client, world.snn.specialist)
    r = act(c, doc, "submit", revision=doc.revision + 5)
    assert r.status_code == 409
    assert "đã được người khác xử lý" in r.content.decode()
    doc.refresh_from_db()
    assert doc.status == DocStatus.DRAFT


def test_a_step_someone_may_not_take_is_403(client, world):
    doc = s.document_submit_for_review(document=world.draft(), actor=world.snn.specialist)
    r = act(as_user(client, world.snn.specialist), doc, "approve")
    assert r.status_code == 403


def test_signing_without_a_certificate_is_a_message_not_a_500(client, world):
    doc = world.approved()
    r = act(as_user(client, world.snn.leader), doc, "sign")
    assert r.status_code == 409
    assert "Chưa thực hiện được: Ký số cá nhân" in r.content.decode()
    doc.refresh_from_db()
    assert doc.status == DocStatus.APPROVED


def test_the_clerk_registers_and_sees_the_number_and_notation(client, world):
    doc = world.signed()
    c = as_user(client, world.snn.clerk)
    assert "Vào sổ, cấp số" in c.get(page(doc)).content.decode()
    r = act(c, doc, "register")
    assert r.status_code == 302
    html = c.get(page(doc)).content.decode()
    assert "Đã vào sổ: số, ký hiệu 01/QĐ-SNN" in html


def test_the_clerk_sends_an_issued_document(client, world):
    doc = mark(world.registered(), DocStatus.ISSUED)
    c = as_user(client, world.snn.clerk)
    assert act(c, doc, "send").status_code == 302
    doc.refresh_from_db()
    assert doc.status == DocStatus.SENT
    assert IncomingRecord.objects.filter(document=doc, agency=world.stc.agency).exists()


def test_an_unknown_action_is_400(client, world):
    doc = world.draft()
    r = act(as_user(client, world.snn.specialist), doc, "delete")
    assert r.status_code == 400


# --- incoming -----------------------------------------------------------------------------------


def test_the_recipient_registers_directs_assigns_and_handles(client, world):
    doc = world.sent(subject="Về việc kiểm tra quyết toán")
    rec = IncomingRecord.objects.get(document=doc)
    clerk = as_user(client, world.stc.clerk)
    html = clerk.get(reverse("documents:tab", args=["den-cho-vao-so"])).content.decode()
    assert "kiểm tra quyết toán" in html
    assert act_in(clerk, rec, "register", text="Đã kiểm tra chữ ký").status_code == 302
    assert (
        "kiểm tra quyết toán"
        not in clerk.get(reverse("documents:tab", args=["den-cho-vao-so"])).content.decode()
    )
    assert act_in(clerk, rec, "register").status_code == 409  # registered already

    leader = as_user(client, world.stc.leader)
    assert (
        "kiểm tra quyết toán"
        in leader.get(reverse("documents:tab", args=["den-cho-chi-dao"])).content.decode()
    )
    r = act_in(leader, rec, "direct", text="")
    assert r.status_code == 422 and "Cần nhập nội dung này." in r.content.decode()
    assert act_in(leader, rec, "direct", text="Giao phòng Ngân sách").status_code == 302
    r = act_in(
        leader,
        rec,
        "assign",
        assignee=world.stc.specialist.pk,
        deadline=(rec.arrived_at - dt.timedelta(days=3)).date().isoformat(),
    )
    assert r.status_code == 422
    assert "Hạn xử lý không được trước ngày văn bản đến." in r.content.decode()
    r = act_in(leader, rec, "assign", assignee=world.stc.specialist.pk, deadline="")
    assert r.status_code == 422 and "Cần hạn xử lý (ngày)." in r.content.decode()
    r = act_in(leader, rec, "assign", assignee=world.snn.specialist.pk, deadline="2026-12-31")
    assert r.status_code == 422  # someone of another agency
    assert (
        act_in(
            leader, rec, "assign", assignee=world.stc.specialist.pk, deadline="2026-12-31"
        ).status_code
        == 302
    )

    me = as_user(client, world.stc.specialist)
    assert (
        "kiểm tra quyết toán"
        in me.get(reverse("documents:tab", args=["den-duoc-giao"])).content.decode()
    )
    assert act_in(me, rec, "start").status_code == 302
    assert act_in(me, rec, "done", text="Đã kiểm tra xong").status_code == 302
    rec.refresh_from_db()
    assert rec.status == IncomingStatus.DONE and rec.result == "Đã kiểm tra xong"
    # The sender sees how far the recipient got.
    html = as_user(client, world.snn.clerk).get(page(doc)).content.decode()
    assert "Đã xử lý xong" in html and "Vào sổ văn bản đến" in html


def test_an_unregistered_incoming_document_late_in_the_day_shows_a_warning(client, world):
    from tinhso.documents.tests.world import vn

    doc = world.sent(at=vn(2026, 3, 2, 10, 0))  # a Monday; long past by now
    rec = IncomingRecord.objects.get(document=doc)
    c = as_user(client, world.stc.clerk)
    html = c.get(reverse("documents:tab", args=["den-cho-vao-so"])).content.decode()
    assert "Quá hạn vào sổ trong ngày" in html
    html = c.get(reverse("documents:incoming", args=[rec.pk])).content.decode()
    assert "Quá hạn vào sổ trong ngày" in html
    s.incoming_register(record=rec, actor=world.stc.clerk)
    html = c.get(reverse("documents:incoming", args=[rec.pk])).content.decode()
    assert "Quá hạn vào sổ" not in html


def test_only_the_recipients_clerk_registers_an_incoming_document(client, world):
    doc = world.sent()
    rec = IncomingRecord.objects.get(document=doc)
    specialist = as_user(client, world.stc.specialist)
    assert (
        "Vào sổ văn bản đến"
        not in specialist.get(reverse("documents:incoming", args=[rec.pk])).content.decode()
    )
    assert act_in(specialist, rec, "register").status_code == 403
    assert not DocumentEvent.objects.filter(action="incoming.register").exists()
    assert act_in(as_user(client, world.stc.clerk), rec, "register").status_code == 302
    event = DocumentEvent.objects.get(action="incoming.register")
    assert event.agency == world.stc.agency and event.actor == world.stc.clerk


def test_a_number_too_large_for_an_id_is_404_not_an_error(client, world):
    c = as_user(client, world.snn.clerk)
    huge = 10**30
    assert c.get(f"/van-ban/{huge}/").status_code == 404
    assert c.get(f"/van-ban/den/{huge}/").status_code == 404
    assert c.get(f"/van-ban/1/tep/{huge}/").status_code == 404
