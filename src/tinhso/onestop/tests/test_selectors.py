"""Who sees which dossiers, officers' queues (ordered by due time, constant queries) and the
public tracking view without personal data."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tinhso.accounts.models import User
from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.core.errors import DomainError, NotFound
from tinhso.directory.models import Role
from tinhso.onestop import services as s
from tinhso.onestop.selectors import (
    QUEUES,
    dossier_for,
    dossiers_visible_to,
    my_dossiers,
    queue,
    queue_counts,
    queue_page,
    tracking,
)
from tinhso.onestop.tests.world import make_world, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def fresh(user):
    return User.objects.get(pk=user.pk)


def test_officers_see_their_agencies_dossiers_applicants_their_own_anonymous_none():
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    other_citizen = UserFactory(kind="citizen")
    stranger = officer(Role.SPECIALIST, AgencyFactory())
    assert list(dossiers_visible_to(w.desk)) == [d]  # receiving agency
    assert list(dossiers_visible_to(w.specialist)) == [d]  # responsible agency
    assert list(dossiers_visible_to(w.citizen)) == [d]
    assert list(dossiers_visible_to(other_citizen)) == []
    assert list(dossiers_visible_to(stranger)) == []
    assert list(dossiers_visible_to(AnonymousUser())) == []
    assert list(dossiers_visible_to(officer(Role.OBSERVER, None))) == [d]
    assert dossier_for(w.citizen, d.code.lower()) == d
    with pytest.raises(NotFound):
        dossier_for(other_citizen, d.code)
    assert list(my_dossiers(w.citizen)) == [d]


def test_queues_follow_the_dossier_through_its_workflow():
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    now = vn(2025, 3, 3, 8, 30)
    assert list(queue(w.desk, "to_receive", now=now)) == [d]
    assert list(queue(w.specialist, "to_receive", now=now)) == []
    d = s.dossier_receive(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 0))
    assert list(queue(fresh(w.desk), "to_process", now=now)) == [d]
    d = s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 30))
    assert list(queue(fresh(w.desk), "to_process", now=now)) == []
    assert list(queue(w.specialist, "to_process", now=now)) == [d]
    assert list(queue(w.leader, "to_approve", now=now)) == []
    d = s.dossier_forward(dossier=d, actor=w.specialist, at=vn(2025, 3, 4, 9, 0))
    assert list(queue(fresh(w.leader), "to_approve", now=now)) == [d]
    # Due Thursday 6/3 09:00: due soon on Wednesday afternoon, overdue on Thursday at 10:00.
    assert list(queue(w.leader, "due_soon", now=vn(2025, 3, 5, 14, 0))) == [d]
    assert list(queue(w.leader, "due_soon", now=vn(2025, 3, 3, 14, 0))) == []
    assert list(queue(w.leader, "overdue", now=vn(2025, 3, 6, 10, 0))) == [d]
    d = s.dossier_approve(dossier=d, actor=w.leader, at=vn(2025, 3, 6, 10, 0))
    s.dossier_return_result(dossier=d, actor=w.desk, at=vn(2025, 3, 6, 15, 0))
    assert list(queue(w.desk, "returned_today", now=vn(2025, 3, 6, 16, 0))) == [d]
    assert list(queue(w.desk, "returned_today", now=vn(2025, 3, 7, 8, 0))) == []
    with pytest.raises(DomainError):
        queue(w.desk, "everything")


def test_a_dossier_paused_in_time_is_not_overdue_while_it_waits():
    w = make_world()
    d = w.submit_in_person(vn(2025, 3, 3, 9, 0))
    s.dossier_request_supplement(dossier=d, actor=w.desk, reason="Thiếu",
                                 at=vn(2025, 3, 4, 9, 0))
    assert list(queue(w.desk, "overdue", now=vn(2025, 3, 20, 9, 0))) == []


def test_queues_are_ordered_by_due_time_and_cost_constant_queries(django_assert_max_num_queries):
    w = make_world()
    made = [w.submit_in_person(vn(2025, 3, day, 9, 0)) for day in (5, 3, 4)]
    for d in made:
        s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 3, 5, 10, 0))
    specialist = fresh(w.specialist)
    with django_assert_max_num_queries(2):
        rows = list(queue(specialist, "to_process", now=vn(2025, 3, 5, 11, 0)))
        names = [(r.code, r.procedure.code, r.version.name, r.agency.name,
                  r.current_agency.name, r.receiving_agency.name) for r in rows]
    assert [r.due_at for r in rows] == sorted(r.due_at for r in rows)
    assert len(names) == 3
    more = [w.submit_in_person(vn(2025, 3, 6, 9, 0)) for _ in range(5)]
    for d in more:
        s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 3, 6, 10, 0))
    specialist = fresh(w.specialist)
    with django_assert_max_num_queries(2):
        rows = list(queue(specialist, "to_process", now=vn(2025, 3, 6, 11, 0)))
        [(r.version.name, r.agency.name, r.current_agency.name) for r in rows]
    assert len(rows) == 8


def test_a_queue_page_is_the_queue_cut_in_order_in_one_query(django_assert_num_queries):
    w = make_world()
    for hour in (15, 9, 11, 8, 14, 10, 16):
        d = w.submit_in_person(vn(2025, 3, 3, hour, 0))
        s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 17, 0))
    specialist = fresh(w.specialist)
    now = vn(2025, 3, 4, 9, 0)
    qs = queue(specialist, "to_process", now=now)
    whole = list(qs)
    assert [d.due_at for d in whole] == sorted(d.due_at for d in whole)
    with django_assert_num_queries(1):
        part = queue_page(qs, 2, 5)
        [(r.procedure.code, r.version.name, r.agency.name, r.receiving_agency.name,
          r.current_agency.name) for r in part]
    assert part == whole[2:5]
    assert queue_page(qs, 5, 50) == whole[5:]
    with django_assert_num_queries(0):
        assert queue_page(qs, 0, 0) == []


def test_queue_counts_stop_one_past_the_cap():
    w = make_world()
    for minute in range(4):
        w.submit_online(vn(2025, 3, 3, 8, minute))
    now = vn(2025, 3, 3, 9, 0)
    assert queue_counts(w.desk, now=now)["to_receive"] == 4
    assert queue_counts(w.desk, now=now, cap=2)["to_receive"] == 3
    assert queue_counts(w.specialist, now=now) == dict.fromkeys(
        ("to_receive", "to_process", "to_approve", "due_soon", "overdue", "returned_today"), 0)


def test_every_queue_stays_within_what_the_officer_may_see():
    w = make_world()
    w.submit_online(vn(2025, 3, 3, 8, 0))
    d = w.submit_in_person(vn(2025, 3, 3, 9, 0))
    d = s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 10, 0))
    s.dossier_forward(dossier=d, actor=w.specialist, at=vn(2025, 3, 3, 11, 0))
    w.submit_in_person(vn(2025, 3, 3, 12, 0))
    elsewhere = officer(Role.LEADER, AgencyFactory())
    for user in (w.desk, w.specialist, w.leader, elsewhere, w.citizen):
        user = fresh(user)
        visible = set(dossiers_visible_to(user))
        for name in QUEUES:
            for now in (vn(2025, 3, 4, 9, 0), vn(2025, 4, 1, 9, 0)):
                assert set(queue(user, name, now=now)) <= visible, (user, name)


def test_public_tracking_shows_progress_without_personal_data():
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0), applicant_phone="0912345678")
    d = s.dossier_receive(dossier=d, actor=w.desk, comment="Ông Công gọi điện",
                          at=vn(2025, 3, 3, 9, 0))
    d = s.dossier_request_supplement(dossier=d, actor=w.desk, reason="Thiếu chữ ký bà Hằng",
                                     at=vn(2025, 3, 3, 10, 0))
    view = tracking(f"  {d.code.lower()} ")
    data = view.as_dict()
    assert data["code"] == d.code
    assert data["status"] == 5 and data["status_label"] == "Chờ bổ sung hồ sơ"
    assert data["procedure_name"] == w.version.name
    assert [step["status"] for step in data["timeline"]] == [1, 2, 5]
    text = repr(data)
    for secret in ("Nguyễn Văn Công", w.citizen.citizen_id, "0912345678", "cong@example.vn",
                   "Ông Công", "Hằng", "Lê Văn Tiếp"):
        assert secret not in text
    with pytest.raises(NotFound):
        tracking("không phải mã")
    with pytest.raises(NotFound):
        tracking(d.code[:-4] + "9999")


def test_tracking_times_are_the_dossiers_own_moments_on_every_database():
    from tinhso.onestop import services as s
    from tinhso.onestop.selectors import tracking
    from tinhso.onestop.tests.world import make_world, vn

    w = make_world()
    d = w.submit_online(vn(2025, 4, 25, 16, 30))
    d = s.dossier_receive(dossier=d, actor=w.desk, at=vn(2025, 4, 25, 16, 45))
    t = tracking(d.code)
    assert t.submitted_at == vn(2025, 4, 25, 16, 30)
    assert t.received_at == vn(2025, 4, 25, 16, 45)
    assert t.due_at == d.due_at
    assert [(step.at, step.status) for step in t.timeline] == [
        (vn(2025, 4, 25, 16, 30), 1), (vn(2025, 4, 25, 16, 45), 2)]
