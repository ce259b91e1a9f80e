"""Officers are warned once before a dossier in their hands misses its due date."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.onestop import services as s
from tinhso.onestop.models import DossierEvent
from tinhso.onestop.tests.world import make_world, vn
from tinhso.onestop.warnings import dossiers_warn_due_soon

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _at_specialist(w):
    w.specialist.email = "tham@example.vn"
    w.specialist.save()
    d = w.submit_in_person(vn(2025, 3, 3, 9, 0))  # 3 working days: due Thu 6/3 09:00
    return s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 10, 0))


def test_the_specialist_holding_the_dossier_is_warned_once_a_day_before(
        django_capture_on_commit_callbacks):
    w = make_world(deadline_days=3)
    d = _at_specialist(w)
    assert dossiers_warn_due_soon(now=vn(2025, 3, 4, 9, 0)) == 0  # two working days left
    with django_capture_on_commit_callbacks(execute=True):
        assert dossiers_warn_due_soon(now=vn(2025, 3, 5, 10, 0)) == 1
    assert [m.to for m in mail.outbox if "sắp đến hạn" in m.subject] == [["tham@example.vn"]]
    assert dossiers_warn_due_soon(now=vn(2025, 3, 5, 11, 0)) == 0  # once per due moment
    assert DossierEvent.objects.filter(dossier=d, action="due_warning").count() == 1


def test_a_due_date_moved_by_a_pause_earns_a_new_warning():
    w = make_world(deadline_days=3)
    d = _at_specialist(w)
    assert dossiers_warn_due_soon(now=vn(2025, 3, 5, 10, 0)) == 1
    d = s.dossier_request_supplement(dossier=d, actor=w.specialist, reason="Thiếu bản sao",
                                     at=vn(2025, 3, 5, 11, 0))
    assert dossiers_warn_due_soon(now=vn(2025, 3, 5, 12, 0)) == 0  # paused: no clock running
    d = s.dossier_supply(dossier=d, actor=w.desk, files=[], comment="Đã bổ sung",
                         at=vn(2025, 3, 10, 9, 0))
    assert d.due_at > vn(2025, 3, 6, 9, 0)
    assert dossiers_warn_due_soon(now=d.due_at - dt.timedelta(hours=2)) == 1


def test_resolved_and_overdue_dossiers_are_not_warned():
    w = make_world(deadline_days=3)
    d = _at_specialist(w)
    assert dossiers_warn_due_soon(now=vn(2025, 3, 7, 9, 0)) == 0  # already past due
    d = s.dossier_forward(dossier=d, actor=w.specialist, at=vn(2025, 3, 4, 9, 0))
    s.dossier_approve(dossier=d, actor=w.leader, at=vn(2025, 3, 4, 10, 0))
    assert dossiers_warn_due_soon(now=vn(2025, 3, 5, 10, 0)) == 0


def test_a_sweep_reads_the_officers_of_a_step_once_however_many_dossiers_wait_there():
    w = make_world(deadline_days=3)
    dossiers = [_at_specialist(w) for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        assert dossiers_warn_due_soon(now=vn(2025, 3, 5, 10, 0)) == len(dossiers)
    officer_reads = [q for q in queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(officer_reads) == 1
