"""A dossier's life through the real services: online and in person, supplements that pause
the clock (around Tết 2025 and the 30/4-1/5/2025 holidays with the swapped Saturday 26/4),
payment, an inter-agency step, lateness with an apology, withdrawal, stop and refusal."""

from __future__ import annotations

import pytest

from tinhso.core.models import AuditEvent
from tinhso.onestop import services as s
from tinhso.onestop.models import (
    DossierEvent,
    DossierFile,
    Handover,
    OutboxMessage,
    Payment,
    Rating,
)
from tinhso.onestop.rollups import rollups_diff, rollups_months_diff
from tinhso.onestop.status import Channel, Status, Timeliness
from tinhso.onestop.tests.world import PDF, make_world, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _through_processing(w, d, at):
    d = s.dossier_forward(dossier=d, actor=w.desk, at=at)
    d = s.dossier_forward(dossier=d, actor=w.specialist, at=at.replace(hour=10))
    return d


def test_an_online_dossier_goes_from_submission_to_returned_result():
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    assert d.status == Status.SUBMITTED
    assert d.code == f"{w.centre.code}-250303-0001"
    assert d.receiving_agency == w.centre and d.agency == w.dept
    assert d.fee_total == 50_000
    assert d.applicant == w.citizen and d.applicant_name == "Nguyễn Văn Công"
    assert DossierFile.objects.filter(dossier=d).count() == 2

    d = s.dossier_receive(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 0))
    assert d.status == Status.RECEIVED
    assert d.due_at == vn(2025, 3, 6, 9, 0)  # three working days
    d = s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 30))
    assert d.status == Status.PROCESSING and d.current_role == "specialist"
    d = s.dossier_forward(dossier=d, actor=w.specialist, at=vn(2025, 3, 4, 10, 0))
    assert d.current_role == "leader" and d.current_agency == w.dept
    d = s.dossier_approve(dossier=d, actor=w.leader, result=("ket-qua.pdf", PDF),
                          at=vn(2025, 3, 5, 8, 0))
    assert d.status == Status.RESULT_READY
    assert d.timeliness == Timeliness.EARLY
    assert d.result_file.kind == DossierFile.Kind.RESULT
    assert d.current_role == "onestop" and d.current_agency == w.centre
    d = s.dossier_return_result(dossier=d, actor=w.desk, at=vn(2025, 3, 5, 14, 0))
    assert d.status == Status.RETURNED and d.returned_at == vn(2025, 3, 5, 14, 0)

    events = list(DossierEvent.objects.filter(dossier=d).values_list("action", "to_status"))
    assert events == [("submit", 1), ("receive", 2), ("forward", 4), ("forward", 4),
                      ("approve", 9), ("return_result", 10)]
    # Every status change goes to the national portal, with the portal's own strings.
    sent = [m.payload["dvcqg_status"] for m in OutboxMessage.objects.filter(dossier=d)
            .order_by("pk")]
    assert sent == ["receiving", "new", "processing", "releasing", "done"]
    # The control slip: desk, specialist, leader, desk; every finished row judged.
    rows = list(Handover.objects.filter(dossier=d).order_by("pk"))
    assert [r.to_role for r in rows] == ["onestop", "specialist", "leader", "onestop"]
    assert all(r.done_at for r in rows)
    assert all(r.timeliness in ("early", "on_time") for r in rows)
    assert AuditEvent.objects.filter(object_type="onestop.dossier", object_id=str(d.pk)).count() \
        >= 6
    assert rollups_diff() == []
    assert rollups_months_diff() == []

    rating = s.dossier_rate(dossier=d, actor=w.citizen,
                            scores=dict.fromkeys(s.RATING_INDICATORS, 2))
    assert rating.total == 18
    assert Rating.objects.filter(dossier=d).exists()


def test_an_in_person_dossier_is_received_at_once_with_two_events():
    w = make_world()
    d = w.submit_in_person(vn(2025, 3, 3, 8, 0))
    assert d.status == Status.RECEIVED
    assert d.channel == Channel.IN_PERSON
    assert d.received_at == vn(2025, 3, 3, 8, 0)
    assert list(DossierEvent.objects.filter(dossier=d).values_list("action", flat=True)) == [
        "submit", "receive"]
    assert rollups_diff() == []
    assert rollups_months_diff() == []


def test_a_dossier_received_before_tet_is_due_after_it():
    w = make_world()
    d = w.submit_in_person(vn(2025, 1, 24, 9, 0))
    # Friday 24/1/2025 + 3 working days: 27/1-31/1 are Tết holidays, so Wednesday 5/2.
    assert d.due_at == vn(2025, 2, 5, 9, 0)
    d = _through_processing(w, d, vn(2025, 2, 4, 8, 0))
    d = s.dossier_approve(dossier=d, actor=w.leader, at=vn(2025, 2, 5, 8, 30))
    assert d.timeliness == Timeliness.ON_TIME  # same day, before the due moment


def test_supplement_pause_moves_the_due_date_across_the_april_holidays():
    w = make_world()
    d = w.submit_in_person(vn(2025, 4, 24, 9, 0))
    # Thursday 24/4 + 3 working days, counting Saturday 26/4 (worked in exchange for 2/5).
    assert d.due_at == vn(2025, 4, 28, 9, 0)
    d = s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 4, 24, 10, 0))
    d = s.dossier_request_supplement(dossier=d, actor=w.specialist, reason="Thiếu bản chụp rõ",
                                     at=vn(2025, 4, 25, 9, 0))
    assert d.status == Status.SUPPLEMENT and d.paused_at == vn(2025, 4, 25, 9, 0)
    d = s.dossier_supply(dossier=d, actor=w.desk, files=[(None, "bo-sung.pdf", PDF)],
                         at=vn(2025, 5, 6, 9, 0))
    assert d.status == Status.PROCESSING and d.paused_at is None
    # 16 working hours were left at the pause; 30/4, 1/5 and 2/5 are days off: Thursday 8/5.
    assert d.due_at == vn(2025, 5, 8, 9, 0)
    assert DossierFile.objects.filter(dossier=d, kind="supplement").count() == 1
    assert rollups_diff() == []
    assert rollups_months_diff() == []


def test_a_procedure_that_restarts_the_clock_gives_the_full_time_again():
    w = make_world()
    w.version.supplement_restarts_clock = True
    w.version.save(update_fields=["supplement_restarts_clock"])
    d = w.submit_in_person(vn(2025, 3, 3, 9, 0))
    d = s.dossier_request_supplement(dossier=d, actor=w.desk, reason="Thiếu tờ khai",
                                     at=vn(2025, 3, 4, 9, 0))
    d = s.dossier_supply(dossier=d, actor=w.desk, comment="Đã nộp bản giấy",
                         at=vn(2025, 3, 10, 9, 0))
    assert d.due_at == vn(2025, 3, 13, 9, 0)


def test_a_supplement_asked_at_intake_keeps_the_clock_stopped_and_may_end_in_refusal():
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    d = s.dossier_request_supplement(dossier=d, actor=w.desk, reason="Ảnh mờ",
                                     at=vn(2025, 3, 3, 9, 0))
    assert d.resumed_status == Status.SUBMITTED and d.paused_at is None
    d = s.dossier_refuse(dossier=d, actor=w.desk, reason="Không bổ sung đúng hạn",
                         at=vn(2025, 3, 20, 9, 0))
    assert d.status == Status.REFUSED and d.ended_at == vn(2025, 3, 20, 9, 0)
    assert d.end_reason == "Không bổ sung đúng hạn"
    assert rollups_diff() == []
    assert rollups_months_diff() == []


def test_payment_pauses_the_clock_and_resumes_it_when_paid_online():
    w = make_world()
    d = w.submit_in_person(vn(2025, 3, 3, 9, 0))
    due = d.due_at
    d = s.dossier_request_payment(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 10, 0))
    assert d.status == Status.PAYING
    payment = Payment.objects.get(dossier=d)
    assert payment.amount == 50_000 and payment.state == Payment.State.PENDING
    d = s.dossier_confirm_payment(dossier=d, actor=None, reference=payment.reference,
                                  online=True, gateway_transaction="GW123",
                                  at=vn(2025, 3, 3, 11, 0))
    assert d.status == Status.RECEIVED
    assert d.due_at == vn(2025, 3, 6, 10, 0) and d.due_at > due  # one working hour later
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID and payment.online
    assert rollups_diff() == []
    assert rollups_months_diff() == []


def test_an_inter_agency_step_hands_the_dossier_to_the_partner_agency():
    w = make_world(inter_agency=True)
    d = w.submit_in_person(vn(2025, 3, 3, 9, 0))
    d = s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 30))
    d = s.dossier_forward(dossier=d, actor=w.specialist, at=vn(2025, 3, 4, 9, 0))
    assert d.current_agency == w.partner and d.current_role == "specialist"
    # The dept's specialist no longer holds it; the partner's does.
    with pytest.raises(s.NotAllowed):
        s.dossier_forward(dossier=d, actor=w.specialist, at=vn(2025, 3, 4, 10, 0))
    d = s.dossier_forward(dossier=d, actor=w.partner_specialist, at=vn(2025, 3, 4, 15, 0))
    assert d.current_agency == w.dept and d.current_role == "leader"
    d = s.dossier_send_back(dossier=d, actor=w.leader, comment="Bổ sung xác nhận",
                            at=vn(2025, 3, 5, 8, 0))
    assert d.current_agency == w.partner
    d = s.dossier_forward(dossier=d, actor=w.partner_specialist, at=vn(2025, 3, 5, 9, 0))
    d = s.dossier_approve(dossier=d, actor=w.leader, at=vn(2025, 3, 5, 10, 0))
    assert d.status == Status.RESULT_READY
    handovers = Handover.objects.filter(dossier=d).order_by("pk")
    assert [h.to_agency_id for h in handovers] == [
        w.centre.pk, w.dept.pk, w.partner.pk, w.dept.pk, w.partner.pk, w.dept.pk, w.centre.pk]
    # Step dues follow the shares: the partner's step ends at 70% of 24 working hours.
    partner_row = handovers[2]
    assert partner_row.step_due_at == vn(2025, 3, 5, 9, 48)


def test_a_late_dossier_gets_an_apology_and_is_still_counted_late():
    w = make_world()
    d = w.submit_in_person(vn(2025, 3, 3, 9, 0))
    d = _through_processing(w, d, vn(2025, 3, 4, 9, 0))
    apology = s.dossier_apology_draft(dossier=d, actor=w.specialist, reason="Chờ xác minh",
                                      new_due_at=vn(2025, 3, 10, 17, 0),
                                      at=vn(2025, 3, 5, 9, 0))
    assert apology.approved_at is None
    with pytest.raises(s.NotAllowed):
        s.dossier_apology_approve(apology=apology, actor=w.specialist)
    apology = s.dossier_apology_approve(apology=apology, actor=w.leader,
                                        at=vn(2025, 3, 5, 10, 0))
    assert apology.sent_at == vn(2025, 3, 5, 10, 0)
    d.refresh_from_db()
    assert d.promised_at == vn(2025, 3, 10, 17, 0)
    with pytest.raises(s.Conflict):
        s.dossier_apology_approve(apology=apology, actor=w.leader)
    d = s.dossier_approve(dossier=d, actor=w.leader, at=vn(2025, 3, 7, 9, 0))
    assert d.timeliness == Timeliness.LATE
    assert rollups_diff() == []
    assert rollups_months_diff() == []


def test_the_applicant_withdraws_and_a_leader_stops_another():
    w = make_world()
    a = w.submit_online(vn(2025, 3, 3, 8, 0))
    a = s.dossier_receive(dossier=a, actor=w.desk, at=vn(2025, 3, 3, 9, 0))
    a = s.dossier_withdraw(dossier=a, actor=w.citizen, reason="Không còn nhu cầu",
                           at=vn(2025, 3, 4, 9, 0))
    assert a.status == Status.WITHDRAWN and a.ended_at == vn(2025, 3, 4, 9, 0)

    b = w.submit_in_person(vn(2025, 3, 3, 9, 0))
    b = s.dossier_request_payment(dossier=b, actor=w.desk, at=vn(2025, 3, 3, 10, 0))
    with pytest.raises(s.NotAllowed):
        s.dossier_stop(dossier=b, actor=w.specialist, reason="x")
    b = s.dossier_stop(dossier=b, actor=w.leader, reason="Vi phạm quy định",
                       at=vn(2025, 3, 4, 9, 0))
    assert b.status == Status.STOPPED
    assert Payment.objects.get(dossier=b).state == Payment.State.FAILED
    assert rollups_diff() == []
    assert rollups_months_diff() == []


def test_a_reason_is_required_to_refuse_withdraw_stop_or_ask_for_supplements():
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    for call in (
        lambda: s.dossier_refuse(dossier=d, actor=w.desk, reason="  "),
        lambda: s.dossier_request_supplement(dossier=d, actor=w.desk, reason=""),
        lambda: s.dossier_withdraw(dossier=d, actor=w.citizen, reason=""),
    ):
        with pytest.raises(s.DomainError) as err:
            call()
        assert err.value.status == 422 and err.value.errors[0].field == "reason"
    d.refresh_from_db()
    assert d.status == Status.SUBMITTED and d.revision == 1


def test_the_applicant_is_emailed_after_commit(django_capture_on_commit_callbacks, mailoutbox):
    w = make_world()
    with django_capture_on_commit_callbacks(execute=True):
        d = w.submit_online(vn(2025, 3, 3, 8, 0))
    with django_capture_on_commit_callbacks(execute=True):
        s.dossier_receive(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 0))
    assert [m.to for m in mailoutbox] == [["cong@example.vn"], ["cong@example.vn"]]
    assert d.code in mailoutbox[1].subject and "tiếp nhận" in mailoutbox[1].subject
    outbox = OutboxMessage.objects.filter(dossier=d).order_by("pk").last()
    assert outbox.payload == {
        "code": d.code, "status": 2, "dvcqg_status": "new",
        "at": vn(2025, 3, 3, 9, 0).isoformat(), "agency": w.dept.code,
        "procedure": w.version.procedure.code,
    }
