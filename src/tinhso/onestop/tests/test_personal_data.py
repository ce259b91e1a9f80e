"""Personal data on the dossier page: shown to the applicant and the officers who handle the
dossier, every officer's read logged; hidden from everyone else who may see the dossier."""

import pytest

from tinhso.accounts.tests.factories import officer
from tinhso.core.models import AuditEvent
from tinhso.directory.models import Role
from tinhso.onestop.tests.world import make_world, vn

pytestmark = pytest.mark.django_db


def _page(client, user, code):
    client.force_login(user)
    return client.get(f"/ho-so/{code}/").content.decode()


def test_the_handling_officer_sees_the_id_number_and_the_read_is_logged(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    assert d.applicant_id_number in _page(client, w.desk, d.code)
    logged = AuditEvent.objects.filter(action="personal_data.view", actor=w.desk,
                                       object_id=str(d.pk))
    assert logged.count() == 1
    assert logged.get().data["purpose"] == "dossier.page"


def test_an_observer_sees_the_dossier_but_not_the_personal_data(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    observer = officer(Role.OBSERVER, None, province_code=d.province_code)
    page = _page(client, observer, d.code)
    assert d.code in page
    assert d.applicant_id_number not in page
    assert "chỉ hiển thị cho cán bộ trực tiếp giải quyết" in page
    assert not AuditEvent.objects.filter(action="personal_data.view", actor=observer).exists()


def test_the_applicant_sees_their_own_data_without_an_audit_entry(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    assert d.applicant_id_number in _page(client, w.citizen, d.code)
    assert not AuditEvent.objects.filter(action="personal_data.view").exists()


def test_a_clerk_of_the_agency_cannot_print_a_slip_with_personal_data(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    clerk = officer(Role.CLERK, w.centre)
    client.force_login(clerk)
    assert client.get(f"/ho-so/{d.code}/phieu/receipt/").status_code in (403, 404)
