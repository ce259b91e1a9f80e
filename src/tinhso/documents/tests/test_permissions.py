"""Who may do what to a document: each step by its role, in its own agency only."""

from __future__ import annotations

import pytest

from tinhso.accounts.tests.factories import UserFactory, officer
from tinhso.core.errors import NotAllowed, NotFound
from tinhso.directory.models import Role
from tinhso.documents import services as s
from tinhso.documents.kinds import DocStatus
from tinhso.documents.models import Document, IncomingRecord
from tinhso.documents.selectors import (
    RegisterFilters,
    document_for,
    documents_visible_to,
    incoming_register,
    outgoing_register,
)
from tinhso.documents.tests.world import make_world, mark

pytestmark = pytest.mark.django_db


def test_each_step_belongs_to_its_role():
    w = make_world()
    with pytest.raises(NotAllowed):
        w.draft(actor=w.snn.clerk)
    doc = w.draft()
    with pytest.raises(NotAllowed):
        s.document_submit_for_review(document=doc, actor=w.snn.clerk)
    doc = s.document_submit_for_review(document=doc, actor=w.snn.specialist)
    for who in (w.snn.specialist, w.snn.clerk):
        with pytest.raises(NotAllowed):
            s.document_approve(document=doc, actor=who)
        with pytest.raises(NotAllowed):
            s.document_revise(document=doc, actor=who, subject="Sửa khi đang duyệt")
    doc = mark(s.document_approve(document=doc, actor=w.snn.leader), DocStatus.SIGNED)
    for who in (w.snn.specialist, w.snn.leader):
        with pytest.raises(NotAllowed):
            s.document_register(document=doc, actor=who)
    doc = mark(s.document_register(document=doc, actor=w.snn.clerk), DocStatus.ISSUED)
    with pytest.raises(NotAllowed):
        s.document_send(document=doc, actor=w.snn.leader)
    assert Document.objects.get(pk=doc.pk).status == DocStatus.ISSUED


def test_another_agencys_officers_can_neither_act_on_nor_see_a_draft():
    w = make_world()
    doc = w.draft()
    with pytest.raises(NotAllowed):
        s.document_revise(document=doc, actor=w.stc.specialist, subject="Chen ngang")
    doc = s.document_submit_for_review(document=doc, actor=w.snn.specialist)
    with pytest.raises(NotAllowed):
        s.document_approve(document=doc, actor=w.stc.leader)
    doc = mark(s.document_approve(document=doc, actor=w.snn.leader), DocStatus.SIGNED)
    with pytest.raises(NotAllowed):
        s.document_register(document=doc, actor=w.stc.clerk)
    for who in (w.stc.specialist, w.stc.leader, w.stc.clerk, w.ubnd.leader):
        assert list(documents_visible_to(who)) == []
        assert list(outgoing_register(who, RegisterFilters())) == []
        with pytest.raises(NotFound):
            document_for(who, doc.pk)


def test_a_recipient_sees_what_arrived_and_only_the_other_agencys_public_steps():
    w = make_world()
    doc = w.sent()
    assert document_for(w.stc.specialist, doc.pk) == doc
    assert list(incoming_register(w.stc.clerk, RegisterFilters())) == [IncomingRecord.objects.get()]
    assert list(outgoing_register(w.stc.clerk, RegisterFilters())) == []
    # The issuer does not see the recipient's register, and a third agency sees nothing.
    assert list(incoming_register(w.snn.clerk, RegisterFilters())) == []
    with pytest.raises(NotFound):
        document_for(w.ubnd.clerk, doc.pk)
    rec = IncomingRecord.objects.get()
    with pytest.raises(NotAllowed):
        s.incoming_direct(record=rec, actor=w.snn.leader, direction="Không phải việc của tôi")
    with pytest.raises(NotAllowed):
        s.incoming_direct(record=rec, actor=w.stc.clerk, direction="Văn thư không chỉ đạo")


def test_applicants_province_wide_roles_and_anonymous_visitors_see_no_documents():
    from django.contrib.auth.models import AnonymousUser

    w = make_world()
    w.sent()
    for who in (UserFactory(kind="citizen"), officer(Role.PROVINCE_ADMIN, None),
                officer(Role.OBSERVER, None), officer(Role.AGENCY_ADMIN, w.snn.agency),
                AnonymousUser()):
        assert list(documents_visible_to(who)) == []
        assert list(incoming_register(who, RegisterFilters())) == []


def test_a_refused_step_is_written_to_the_audit_log_and_changes_nothing():
    from tinhso.core.models import AuditEvent

    w = make_world()
    doc = w.draft()
    with pytest.raises(NotAllowed):
        s.document_submit_for_review(document=doc, actor=w.stc.specialist)
    with pytest.raises(s.Conflict):
        s.document_register(document=doc, actor=w.snn.clerk)
    refused = AuditEvent.objects.filter(object_type="documents.document", object_id=str(doc.pk),
                                        action="document.refused_action").order_by("seq")
    assert [(e.data["action"], e.data["status"]) for e in refused] == [
        ("document.submit_for_review", 403), ("document.register", 409)]
    assert Document.objects.get(pk=doc.pk).revision == doc.revision
