"""An outgoing document from draft to sending, and its arrival at the recipient."""

from __future__ import annotations

import pytest

from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.models import AuditEvent
from tinhso.documents import services as s
from tinhso.documents.kinds import Confidentiality, DocStatus, DocType, IncomingStatus
from tinhso.documents.models import Document, DocumentEvent, DocumentVersion, IncomingRecord
from tinhso.documents.tests.world import make_world, mark, vn

pytestmark = pytest.mark.django_db


def test_a_decision_goes_from_draft_to_the_recipients_register():
    w = make_world()
    doc = w.draft(at=vn(2026, 3, 2, 8, 0))
    assert doc.status == DocStatus.DRAFT and doc.notation == "" and doc.number is None
    doc = s.document_revise(document=doc, actor=w.snn.specialist, body="Điều 1. Sửa lại.",
                            comment="Sửa theo góp ý", expected_revision=doc.revision,
                            at=vn(2026, 3, 2, 8, 30))
    doc = s.document_submit_for_review(document=doc, actor=w.snn.specialist,
                                       at=vn(2026, 3, 2, 9, 0))
    doc = s.document_approve(document=doc, actor=w.snn.leader, comment="Đồng ý",
                             at=vn(2026, 3, 2, 10, 0))
    assert doc.status == DocStatus.APPROVED and doc.signer == w.snn.leader
    doc = s.document_register(document=mark(doc, DocStatus.SIGNED), actor=w.snn.clerk,
                             at=vn(2026, 3, 2, 11, 0))
    assert (doc.number, doc.notation, doc.year) == (1, "01/QĐ-SNN", 2026)
    assert doc.issued_on.isoformat() == "2026-03-02"
    doc = s.document_send(document=mark(doc, DocStatus.ISSUED), actor=w.snn.clerk,
                         at=vn(2026, 3, 2, 11, 5))
    assert doc.status == DocStatus.SENT

    arrived = IncomingRecord.objects.get(document=doc)
    assert (arrived.agency, arrived.number, arrived.year) == (w.stc.agency, 1, 2026)
    assert arrived.status == IncomingStatus.REGISTERED
    arrived = s.incoming_direct(record=arrived, actor=w.stc.leader,
                                direction="Giao Phòng Ngân sách tham mưu")
    arrived = s.incoming_assign(record=arrived, actor=w.stc.leader, assignee=w.stc.specialist,
                                assigned_unit="Phòng Ngân sách", deadline=vn(2026, 3, 9).date())
    arrived = s.incoming_start(record=arrived, actor=w.stc.specialist)
    arrived = s.incoming_done(record=arrived, actor=w.stc.specialist, result="Đã tham mưu")
    assert arrived.status == IncomingStatus.DONE

    actions = list(DocumentEvent.objects.filter(document=doc).order_by("at", "pk")
                   .values_list("action", flat=True))
    assert actions == ["draft", "revise", "submit", "approve", "register", "send",
                       "incoming.receive", "incoming.direct", "incoming.assign",
                       "incoming.start", "incoming.done"]
    assert AuditEvent.objects.filter(object_type="documents.document",
                                     object_id=str(doc.pk)).count() == 6
    assert AuditEvent.objects.filter(object_type="documents.incomingrecord").count() >= 5


def test_every_revision_of_the_text_is_kept():
    w = make_world()
    doc = w.draft(at=vn(2026, 3, 2, 8, 0))
    doc = s.document_revise(document=doc, actor=w.snn.specialist, subject="Về việc mới",
                            comment="Đổi trích yếu")
    doc = s.document_revise(document=doc, actor=w.snn.specialist, urgency="urgent")
    doc = s.document_submit_for_review(document=doc, actor=w.snn.specialist)
    doc = s.document_revise(document=doc, actor=w.snn.leader, body="Nội dung lãnh đạo sửa")
    versions = list(DocumentVersion.objects.filter(document=doc).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]  # changing urgency alone is no new text
    assert versions[1].subject == "Về việc mới" and versions[1].comment == "Đổi trích yếu"
    assert versions[2].author == w.snn.leader and versions[2].body == "Nội dung lãnh đạo sửa"
    assert versions[0].body.startswith("Điều 1.")
    assert doc.version == 3


def test_a_leader_sends_a_draft_back_with_a_reason_and_it_can_be_submitted_again():
    w = make_world()
    doc = w.draft()
    doc = s.document_submit_for_review(document=doc, actor=w.snn.specialist)
    with pytest.raises(DomainError) as exc:
        s.document_send_back(document=doc, actor=w.snn.leader, comment="  ")
    assert exc.value.errors[0].field == "comment"
    doc = s.document_send_back(document=doc, actor=w.snn.leader, comment="Bổ sung căn cứ")
    assert doc.status == DocStatus.DRAFT
    doc = s.document_submit_for_review(document=doc, actor=w.snn.specialist)
    assert doc.status == DocStatus.IN_REVIEW


def test_an_official_letter_carries_the_drafting_unit_in_its_notation():
    w = make_world()
    with pytest.raises(DomainError) as exc:
        w.draft(doc_type=DocType.CONG_VAN, unit_abbr="")
    assert exc.value.errors[0].field == "unit_abbr"
    doc = w.registered(doc_type=DocType.CONG_VAN, unit_abbr="VP")
    assert doc.notation == "01/SNN-VP"


def test_a_stale_revision_is_a_conflict_and_changes_nothing():
    w = make_world()
    doc = w.draft()
    seen = doc.revision
    s.document_revise(document=doc, actor=w.snn.specialist, subject="Bản của người thứ nhất",
                      expected_revision=seen)
    with pytest.raises(s.Conflict):
        s.document_revise(document=doc, actor=w.snn.leader, subject="Bản ghi đè",
                          expected_revision=seen)
    assert Document.objects.get(pk=doc.pk).subject == "Bản của người thứ nhất"


def test_steps_out_of_order_are_conflicts():
    w = make_world()
    doc = w.draft()
    with pytest.raises(s.Conflict):
        s.document_register(document=doc, actor=w.snn.clerk)
    with pytest.raises(s.Conflict):
        s.document_approve(document=doc, actor=w.snn.leader)
    with pytest.raises(s.Conflict):
        s.document_send(document=doc, actor=w.snn.clerk)
    doc = w.registered()
    with pytest.raises(s.Conflict):
        s.document_revise(document=doc, actor=w.snn.specialist, subject="Sửa sau khi cấp số")


def test_a_confidential_document_is_refused_for_electronic_sending():
    w = make_world()
    doc = mark(w.registered(confidentiality=Confidentiality.CONFIDENTIAL), DocStatus.ISSUED)
    with pytest.raises(DomainError) as exc:
        s.document_send(document=doc, actor=w.snn.clerk)
    assert exc.value.errors[0].field == "confidentiality"
    assert "mật" in exc.value.message
    assert Document.objects.get(pk=doc.pk).status == DocStatus.ISSUED
    assert not IncomingRecord.objects.exists()


def test_a_named_signer_alone_approves():
    w = make_world()
    from tinhso.accounts.tests.factories import officer
    from tinhso.directory.models import Role

    deputy = officer(Role.LEADER, w.snn.agency, full_name="Phó Giám đốc")
    doc = w.draft(signer=deputy)
    doc = s.document_submit_for_review(document=doc, actor=w.snn.specialist)
    with pytest.raises(NotAllowed):
        s.document_approve(document=doc, actor=w.snn.leader)
    assert s.document_approve(document=doc, actor=deputy).signer == deputy


def test_a_signer_must_be_a_leader_of_the_issuing_agency():
    w = make_world()
    with pytest.raises(DomainError) as exc:
        w.draft(signer=w.stc.leader)
    assert exc.value.errors[0].field == "signer"
    assert not Document.objects.exists()


def test_registering_needs_the_agencys_abbreviation():
    w = make_world()
    doc = w.signed()
    w.snn.agency.short_name = ""
    w.snn.agency.save()
    with pytest.raises(DomainError) as exc:
        s.document_register(document=doc, actor=w.snn.clerk)
    assert exc.value.errors[0].field == "agency"
    assert Document.objects.get(pk=doc.pk).number is None


def test_the_incoming_deadline_and_assignee_are_checked():
    w = make_world()
    w.sent(at=vn(2026, 3, 2, 10, 0))
    rec = IncomingRecord.objects.get()
    with pytest.raises(DomainError) as exc:
        s.incoming_assign(record=rec, actor=w.stc.leader, assignee=w.snn.specialist,
                          deadline=vn(2026, 3, 9).date())
    assert exc.value.errors[0].field == "assignee"
    with pytest.raises(DomainError) as exc:
        s.incoming_assign(record=rec, actor=w.stc.leader, assignee=w.stc.specialist,
                          deadline=vn(2026, 3, 1).date())
    assert exc.value.errors[0].field == "deadline"
    rec = s.incoming_assign(record=rec, actor=w.stc.leader, assignee=w.stc.specialist,
                            deadline=vn(2026, 3, 9).date())
    with pytest.raises(NotAllowed):
        s.incoming_done(record=rec, actor=w.stc.leader)


def test_receiving_the_same_document_twice_gives_back_the_first_record():
    w = make_world()
    doc = w.sent()
    first = IncomingRecord.objects.get()
    again = s.incoming_receive(document=doc, agency=w.stc.agency, actor=w.snn.clerk)
    assert again.pk == first.pk and IncomingRecord.objects.count() == 1
    with pytest.raises(NotAllowed):
        s.incoming_receive(document=doc, agency=w.ubnd.agency, actor=w.snn.clerk)
