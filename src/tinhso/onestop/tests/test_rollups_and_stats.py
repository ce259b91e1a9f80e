"""The rollup agrees exactly with a recomputation after a mixed lifecycle (`tinhso stats
verify`), and the figures read from it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.core.errors import NotAllowed
from tinhso.directory.models import Role
from tinhso.onestop import services as s
from tinhso.onestop.models import DossierStat
from tinhso.onestop.rollups import rollups_aggregate, rollups_diff, rollups_rebuild, rollups_stored
from tinhso.onestop.stats import dossier_stats
from tinhso.onestop.status import Channel
from tinhso.onestop.tests.world import PDF, make_world, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _resolve(w, d, at: dt.datetime, *, result: bool = True):
    d = s.dossier_forward(dossier=d, actor=w.desk, at=at)
    d = s.dossier_forward(dossier=d, actor=w.specialist, at=at + dt.timedelta(minutes=30))
    return s.dossier_approve(dossier=d, actor=w.leader, at=at + dt.timedelta(hours=1),
                             result=("kq.pdf", PDF) if result else None)


def mixed_month(w):
    """March 2025: early, on time, late, withdrawn, stopped, refused, paid, supplemented, open."""
    early = _resolve(w, w.submit_in_person(vn(2025, 3, 3, 8, 0)), vn(2025, 3, 4, 8, 0))
    s.dossier_return_result(dossier=early, actor=w.desk, at=vn(2025, 3, 4, 15, 0))
    # Received Mon 3/3 09:00, due Thu 6/3 09:00; resolved Thu 6/3 08:00: on time.
    _resolve(w, w.submit_in_person(vn(2025, 3, 3, 9, 0)), vn(2025, 3, 6, 7, 0), result=False)
    late = w.submit_in_person(vn(2025, 3, 3, 9, 0))
    late = _resolve(w, late, vn(2025, 3, 10, 8, 0))
    online = w.submit_online(vn(2025, 3, 5, 20, 0))
    online = s.dossier_receive(dossier=online, actor=w.desk, at=vn(2025, 3, 6, 8, 0))
    online = s.dossier_request_payment(dossier=online, actor=w.desk, at=vn(2025, 3, 6, 8, 30))
    online = s.dossier_confirm_payment(dossier=online, actor=None, online=True,
                                       at=vn(2025, 3, 6, 9, 0))
    online = s.dossier_request_supplement(dossier=online, actor=w.desk, reason="Thiếu",
                                          at=vn(2025, 3, 6, 10, 0))
    s.dossier_supply(dossier=online, actor=w.citizen, files=[(None, "b.pdf", PDF)],
                     at=vn(2025, 3, 7, 10, 0))  # stays open
    withdrawn = w.submit_in_person(vn(2025, 3, 11, 9, 0))
    s.dossier_withdraw(dossier=withdrawn, actor=w.desk, reason="Rút", at=vn(2025, 3, 12, 9, 0))
    stopped = w.submit_in_person(vn(2025, 3, 11, 9, 0))
    s.dossier_stop(dossier=stopped, actor=w.leader, reason="Dừng", at=vn(2025, 3, 12, 10, 0))
    refused = w.submit_online(vn(2025, 3, 11, 9, 0))
    s.dossier_refuse(dossier=refused, actor=w.desk, reason="Sai thủ tục",
                     at=vn(2025, 3, 11, 10, 0))
    never_received = w.submit_online(vn(2025, 3, 12, 9, 0))
    s.dossier_withdraw(dossier=never_received, actor=w.citizen, reason="Nộp nhầm",
                       at=vn(2025, 3, 12, 11, 0))


def test_the_rollup_agrees_with_the_recomputation_and_verify_catches_a_corruption(capsys):
    w = make_world()
    mixed_month(w)
    assert rollups_stored() == rollups_aggregate()
    call_command("stats", "verify")
    assert "khớp" in capsys.readouterr().out
    call_command("stats", "verify", "--province", "38", "--from", "2025-03-01", "--to",
                 "2025-03-31")

    row = DossierStat.objects.filter(received__gt=0).first()
    row.received += 1
    row.save()
    with pytest.raises(CommandError) as err:
        call_command("stats", "verify")
    assert err.value.returncode == 1
    assert "received: stored" in capsys.readouterr().err

    rollups_rebuild()
    assert rollups_diff() == []


def test_rebuilding_a_range_leaves_the_rest_untouched():
    w = make_world()
    mixed_month(w)
    before = rollups_stored()
    DossierStat.objects.filter(day=dt.date(2025, 3, 11)).delete()
    rollups_rebuild(day_from=dt.date(2025, 3, 11), day_to=dt.date(2025, 3, 11))
    assert rollups_stored() == before


def test_the_figures_come_from_the_rollup_with_the_on_time_rate():
    w = make_world()
    mixed_month(w)
    stats = dossier_stats(user=w.leader, date_from=dt.date(2025, 3, 1),
                          date_to=dt.date(2025, 3, 31), now=vn(2025, 3, 31, 17, 0))
    assert stats["submitted"] == 8
    assert stats["received"] == 6  # refused and the never-received withdrawal are not
    assert (stats["early"], stats["on_time"], stats["late"]) == (1, 1, 1)
    assert stats["resolved"] == 3
    assert stats["withdrawn"] == 2 and stats["stopped"] == 1 and stats["refused"] == 1
    assert stats["in_progress"] == 1  # the online one, supplied and back in processing
    assert stats["on_time_rate"] == 66.67
    assert stats["overdue"] == 1  # its due date (shifted by the pause) has passed by 31/3
    assert stats["by_channel"]["1"]["resolved"] == 3
    assert stats["by_channel"]["2"]["received"] == 1
    assert stats["by_online_level"]["full"]["received"] == 6
    # In progress at the end of an earlier day: 3 received on 3/3, none resolved yet.
    first_day = dossier_stats(user=w.leader, date_from=dt.date(2025, 3, 3),
                              date_to=dt.date(2025, 3, 3), now=vn(2025, 3, 3, 17, 0))
    assert first_day["received"] == 3 and first_day["in_progress"] == 3
    assert first_day["on_time_rate"] is None


def test_figures_are_scoped_to_the_users_agencies():
    w = make_world()
    mixed_month(w)
    elsewhere = officer(Role.LEADER, AgencyFactory())
    stats = dossier_stats(user=elsewhere, date_from=dt.date(2025, 3, 1),
                          date_to=dt.date(2025, 3, 31))
    assert stats["received"] == 0
    with pytest.raises(NotAllowed):
        dossier_stats(user=elsewhere, date_from=dt.date(2025, 3, 1),
                      date_to=dt.date(2025, 3, 31), agency=w.dept)
    with pytest.raises(NotAllowed):
        dossier_stats(user=UserFactory(kind="citizen"), date_from=dt.date(2025, 3, 1),
                      date_to=dt.date(2025, 3, 31))
    observer = officer(Role.OBSERVER, None)
    assert dossier_stats(user=observer, date_from=dt.date(2025, 3, 1),
                         date_to=dt.date(2025, 3, 31))["received"] == 6


def test_stats_take_a_constant_number_of_queries(django_assert_max_num_queries):
    w = make_world()
    mixed_month(w)
    w.leader = type(w.leader).objects.get(pk=w.leader.pk)
    with django_assert_max_num_queries(12):
        dossier_stats(user=w.leader, date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 31))


def test_submitted_counts_by_channel_in_the_rollup():
    w = make_world()
    w.submit_online(vn(2025, 3, 3, 8, 0))
    w.submit_in_person(vn(2025, 3, 3, 8, 0))
    rows = {r.channel: r for r in DossierStat.objects.all()}
    assert rows[Channel.ONLINE].submitted == 1 and rows[Channel.ONLINE].received == 0
    assert rows[Channel.IN_PERSON].submitted == 1 and rows[Channel.IN_PERSON].received == 1


def _oracle(date_from: dt.date, date_to: dt.date) -> dict[str, int]:
    """The figures counted straight from the dossiers, for comparison."""
    from tinhso.onestop.models import Dossier
    from tinhso.onestop.rollups import TZ

    def within(at):
        return at is not None and date_from <= at.astimezone(TZ).date() <= date_to

    end = date_to
    received = resolved = in_progress = 0
    for d in Dossier.objects.all():
        received += within(d.received_at)
        resolved += within(d.resolved_at)
        got = d.received_at is not None and d.received_at.astimezone(TZ).date() <= end
        left = (d.resolved_at or (d.ended_at if d.received_at else None))
        gone = left is not None and left.astimezone(TZ).date() <= end
        in_progress += got and not gone
    return {"received": received, "resolved": resolved, "in_progress": in_progress}


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [(dt.date(2025, 1, 15), dt.date(2025, 3, 10)),  # partial months at both ends
     (dt.date(2025, 2, 1), dt.date(2025, 2, 28)),  # one whole month
     (dt.date(2025, 2, 10), dt.date(2025, 2, 12)),  # days inside one month
     (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),  # a calendar year: months only
     (dt.date(2025, 3, 1), dt.date(2025, 3, 3))],
)
def test_figures_across_month_edges_equal_a_count_of_the_dossiers(date_from, date_to):
    w = make_world()
    jan = _resolve(w, w.submit_in_person(vn(2025, 1, 30, 9, 0)), vn(2025, 2, 3, 8, 0))
    s.dossier_return_result(dossier=jan, actor=w.desk, at=vn(2025, 2, 3, 15, 0))
    w.submit_in_person(vn(2025, 2, 11, 9, 0))  # stays open
    _resolve(w, w.submit_in_person(vn(2025, 2, 27, 9, 0)), vn(2025, 3, 3, 8, 0))
    s.dossier_withdraw(dossier=w.submit_in_person(vn(2025, 3, 3, 9, 0)), actor=w.desk,
                       reason="Rút", at=vn(2025, 3, 4, 9, 0))
    got = dossier_stats(user=w.leader, date_from=date_from, date_to=date_to)
    assert {k: got[k] for k in ("received", "resolved", "in_progress")} == _oracle(date_from,
                                                                                   date_to)


def test_verify_catches_a_monthly_row_that_drifted(capsys):
    from tinhso.onestop.models import DossierStatMonth

    w = make_world()
    mixed_month(w)
    call_command("stats", "verify")
    row = DossierStatMonth.objects.first()
    DossierStatMonth.objects.filter(pk=row.pk).update(received=row.received + 1)
    with pytest.raises(CommandError):
        call_command("stats", "verify")
