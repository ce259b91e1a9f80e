"""A procedure whose fees are due before the result: the result waits for the payment."""

import pytest

from tinhso.catalog.models import ProcedureVersion
from tinhso.onestop import services as s
from tinhso.onestop.status import Status
from tinhso.onestop.tests.world import make_world, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _resolved(w):
    ProcedureVersion.objects.filter(pk=w.version.pk).update(fee_stage="before_result")
    d = w.submit_in_person(vn(2025, 3, 3, 9, 0))
    d = s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 10, 0))
    d = s.dossier_forward(dossier=d, actor=w.specialist, at=vn(2025, 3, 4, 10, 0))
    return s.dossier_approve(dossier=d, actor=w.leader, at=vn(2025, 3, 5, 10, 0))


def test_the_result_is_not_handed_over_until_the_fee_is_paid():
    w = make_world(fee=50_000)
    d = _resolved(w)
    assert s.fees_outstanding(d) == 50_000
    with pytest.raises(s.Conflict):
        s.dossier_return_result(dossier=d, actor=w.desk, at=vn(2025, 3, 5, 14, 0))
    d = s.dossier_request_payment(dossier=d, actor=w.desk, at=vn(2025, 3, 5, 14, 0))
    assert d.status == Status.PAYING
    due = d.due_at
    d = s.dossier_confirm_payment(dossier=d, actor=w.desk, at=vn(2025, 3, 6, 9, 0))
    assert d.status == Status.RESULT_READY
    assert d.due_at == due  # the clock had stopped at the result: nothing to shift
    assert s.fees_outstanding(d) == 0
    d = s.dossier_return_result(dossier=d, actor=w.desk, at=vn(2025, 3, 6, 9, 30))
    assert d.status == Status.RETURNED


def test_fees_due_before_processing_are_not_asked_for_at_the_result():
    w = make_world(fee=50_000)
    d = w.submit_in_person(vn(2025, 3, 3, 9, 0))
    d = s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 10, 0))
    d = s.dossier_forward(dossier=d, actor=w.specialist, at=vn(2025, 3, 4, 10, 0))
    d = s.dossier_approve(dossier=d, actor=w.leader, at=vn(2025, 3, 5, 10, 0))
    with pytest.raises(s.Conflict):
        s.dossier_request_payment(dossier=d, actor=w.desk, at=vn(2025, 3, 5, 14, 0))
    assert s.dossier_return_result(dossier=d, actor=w.desk).status == Status.RETURNED


def test_a_payment_pause_shifts_the_due_date_even_where_supplements_restart_it():
    w = make_world(fee=50_000)
    ProcedureVersion.objects.filter(pk=w.version.pk).update(supplement_restarts_clock=True)
    d = w.submit_in_person(vn(2025, 3, 3, 9, 0))  # due Thu 6/3 09:00
    due = d.due_at
    d = s.dossier_request_payment(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 10, 0))
    d = s.dossier_confirm_payment(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 11, 0))
    assert d.due_at == due + (vn(2025, 3, 3, 11, 0) - vn(2025, 3, 3, 10, 0))


def test_no_sms_is_recorded_while_no_sms_provider_is_configured():
    from tinhso.notifications.models import Notification

    w = make_world(fee=0)
    w.submit_online(vn(2025, 3, 3, 8, 0), applicant_phone="0912345678")
    assert set(Notification.objects.values_list("channel", flat=True)) == {"email"}
