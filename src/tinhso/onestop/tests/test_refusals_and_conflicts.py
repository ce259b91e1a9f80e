"""Actions refused for the wrong role, agency or status are refused and logged; two officers
acting on the same dossier: exactly one wins, the other gets a conflict (409)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.core.models import AuditEvent
from tinhso.directory.models import Role
from tinhso.onestop import services as s
from tinhso.onestop.models import Dossier, DossierEvent
from tinhso.onestop.status import Channel, Status
from tinhso.onestop.tests.world import PDF, make_world, vn

pytestmark = pytest.mark.usefixtures("media")


def _refusals(d):
    return AuditEvent.objects.filter(object_type="onestop.dossier", object_id=str(d.pk),
                                     action="dossier.refused_action")


@pytest.mark.django_db
def test_an_officer_of_another_agency_cannot_receive_and_the_refusal_is_logged():
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    stranger = officer(Role.ONESTOP_OFFICER, AgencyFactory())
    with pytest.raises(s.NotAllowed) as err:
        s.dossier_receive(dossier=d, actor=stranger)
    assert err.value.status == 403
    d.refresh_from_db()
    assert d.status == Status.SUBMITTED and d.revision == 1
    logged = _refusals(d).get()
    assert logged.actor == stranger and logged.data["action"] == "receive"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["specialist", "leader", "citizen"])
def test_only_the_desk_receives(who):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    with pytest.raises(s.NotAllowed):
        s.dossier_receive(dossier=d, actor=getattr(w, who))
    assert _refusals(d).count() == 1


@pytest.mark.django_db
def test_an_action_the_status_does_not_allow_is_a_conflict_and_logged():
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    with pytest.raises(s.Conflict) as err:
        s.dossier_approve(dossier=d, actor=w.leader)
    assert err.value.status == 409 and err.value.code == "conflict"
    with pytest.raises(s.Conflict):
        s.dossier_return_result(dossier=d, actor=w.desk)
    assert _refusals(d).count() == 2


@pytest.mark.django_db
def test_the_specialist_cannot_approve_and_the_leader_cannot_skip_the_specialist():
    w = make_world()
    d = w.submit_in_person(vn(2025, 3, 3, 9, 0))
    d = s.dossier_forward(dossier=d, actor=w.desk)
    with pytest.raises(s.NotAllowed):
        s.dossier_forward(dossier=d, actor=w.leader)
    d = s.dossier_forward(dossier=d, actor=w.specialist)
    with pytest.raises(s.NotAllowed):
        s.dossier_approve(dossier=d, actor=w.specialist)
    with pytest.raises(s.Conflict):  # the leader approves; there is no step to forward to
        s.dossier_forward(dossier=d, actor=w.leader)


@pytest.mark.django_db
def test_another_applicant_cannot_withdraw_supply_or_rate():
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    other = UserFactory(kind="citizen")
    with pytest.raises(s.NotAllowed):
        s.dossier_withdraw(dossier=d, actor=other, reason="x")
    d = s.dossier_request_supplement(dossier=d, actor=w.desk, reason="Thiếu")
    with pytest.raises(s.NotAllowed):
        s.dossier_supply(dossier=d, actor=other, files=[(None, "a.pdf", PDF)])
    d = s.dossier_supply(dossier=d, actor=w.citizen, files=[(None, "a.pdf", PDF)])
    assert d.status == Status.SUBMITTED


@pytest.mark.django_db
def test_a_stale_revision_gets_a_conflict_and_changes_nothing():
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    seen = d.revision
    other_desk = officer(Role.ONESTOP_OFFICER, w.centre)
    s.dossier_receive(dossier=Dossier.objects.get(pk=d.pk), actor=w.desk,
                      expected_revision=seen)
    with pytest.raises(s.Conflict):
        s.dossier_request_supplement(dossier=d, actor=other_desk, reason="Thiếu",
                                     expected_revision=seen)
    d.refresh_from_db()
    assert d.status == Status.RECEIVED and d.revision == seen + 1
    assert DossierEvent.objects.filter(dossier=d, action="request_supplement").count() == 0
    assert _refusals(d).count() == 1


@pytest.mark.django_db
def test_two_desks_receiving_the_same_dossier_one_after_the_other():
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    first, second = Dossier.objects.get(pk=d.pk), Dossier.objects.get(pk=d.pk)
    other_desk = officer(Role.ONESTOP_OFFICER, w.centre)
    s.dossier_receive(dossier=first, actor=w.desk)
    with pytest.raises(s.Conflict):
        s.dossier_receive(dossier=second, actor=other_desk)
    assert DossierEvent.objects.filter(dossier=d, action="receive").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_two_officers_at_the_same_moment_exactly_one_wins():
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    desks = [w.desk, officer(Role.ONESTOP_OFFICER, w.centre)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user):
        try:
            barrier.wait()
            s.dossier_receive(dossier=Dossier.objects.get(pk=d.pk), actor=user,
                              expected_revision=1)
            outcomes.append("ok")
        except s.Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(u,)) for u in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert DossierEvent.objects.filter(dossier=d, action="receive").count() == 1


@pytest.mark.django_db
def test_anonymous_cannot_submit_and_an_officer_cannot_receive_in_person_elsewhere():
    from django.contrib.auth.models import AnonymousUser

    w = make_world()
    with pytest.raises(s.NotAllowed):
        s.dossier_submit(actor=AnonymousUser(), procedure_code=w.version.procedure.code,
                         channel=Channel.ONLINE, files=w.files())
    stranger = officer(Role.ONESTOP_OFFICER, AgencyFactory())
    with pytest.raises(s.NotAllowed):
        s.dossier_submit(actor=stranger, procedure_code=w.version.procedure.code,
                         channel=Channel.IN_PERSON, applicant_name="Lê Văn A",
                         applicant_id_number="038190012345", files=w.files(),
                         receiving_agency=w.centre)
    assert Dossier.objects.count() == 0
    assert AuditEvent.objects.filter(action="dossier.refused_action").count() == 2
