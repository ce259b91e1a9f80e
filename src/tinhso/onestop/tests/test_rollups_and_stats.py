"""The rollup agrees exactly with a recomputation after a mixed lifecycle (`tinhso stats
verify`), its summaries (by month; by day and agency) with the rollup, and the figures read from
them with a count of the dossiers for any period."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.models import User
from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.catalog.demo import load_catalog
from tinhso.core.errors import NotAllowed
from tinhso.directory.demo import demo_agency_roles, load_agencies
from tinhso.directory.models import Role
from tinhso.directory.services import units_import
from tinhso.onestop import services as s
from tinhso.onestop.demo import load_dossiers
from tinhso.onestop.models import Dossier, DossierStat, DossierStatAgencyDay
from tinhso.onestop.rollups import (
    COUNTERS,
    TZ,
    rollups_agency_days_diff,
    rollups_agency_days_rebuild,
    rollups_aggregate,
    rollups_diff,
    rollups_months_diff,
    rollups_rebuild,
    rollups_stored,
)
from tinhso.onestop.stats import dossier_stats
from tinhso.onestop.status import Channel, Status
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


FIGURES = ("submitted", "received", "resolved", "early", "on_time", "late", "withdrawn",
           "stopped", "refused", "returned", "in_progress")
ENDINGS = {Status.WITHDRAWN: "withdrawn", Status.STOPPED: "stopped", Status.REFUSED: "refused"}


def _oracle(date_from: dt.date, date_to: dt.date, channel: int | None = None) -> dict[str, int]:
    """The figures counted straight from the dossiers, for comparison."""

    def day(at: dt.datetime | None) -> dt.date | None:
        return at.astimezone(TZ).date() if at is not None else None

    def within(at: dt.datetime | None) -> bool:
        return at is not None and date_from <= day(at) <= date_to

    out: Counter[str] = Counter()
    dossiers = Dossier.objects.all()
    if channel is not None:
        dossiers = dossiers.filter(channel=channel)
    for d in dossiers:
        out["submitted"] += within(d.submitted_at)
        out["received"] += within(d.received_at)
        out["returned"] += within(d.returned_at)
        if within(d.resolved_at):
            out["resolved"] += 1
            out[d.timeliness] += 1
        if d.status in ENDINGS and within(d.ended_at):
            out[ENDINGS[d.status]] += 1
        left = d.resolved_at or (d.ended_at if d.received_at else None)
        out["in_progress"] += (d.received_at is not None and day(d.received_at) <= date_to
                               and (left is None or day(left) > date_to))
    return {k: out[k] for k in FIGURES}


def _figures(got: dict, channel: int | None = None) -> dict[str, int]:
    part = got if channel is None else got["by_channel"].get(str(channel), {})
    return {k: part.get(k, 0) for k in FIGURES}


def edges_world():
    """Dossiers whose moments fall on either side of month and year ends, and March's mix."""
    w = make_world()
    _resolve(w, w.submit_in_person(vn(2024, 12, 30, 9, 0)), vn(2025, 1, 2, 8, 0))
    jan = _resolve(w, w.submit_in_person(vn(2025, 1, 30, 9, 0)), vn(2025, 2, 3, 8, 0))
    s.dossier_return_result(dossier=jan, actor=w.desk, at=vn(2025, 2, 3, 15, 0))
    w.submit_in_person(vn(2025, 2, 11, 9, 0))  # stays open
    _resolve(w, w.submit_in_person(vn(2025, 2, 27, 9, 0)), vn(2025, 3, 3, 8, 0))
    s.dossier_withdraw(dossier=w.submit_in_person(vn(2025, 3, 3, 9, 0)), actor=w.desk,
                       reason="Rút", at=vn(2025, 3, 4, 9, 0))
    mixed_month(w)
    return w


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [(dt.date(2025, 1, 15), dt.date(2025, 3, 10)),  # partial months at both ends
     (dt.date(2024, 12, 15), dt.date(2025, 3, 11)),  # the same across a year's end
     (dt.date(2025, 2, 1), dt.date(2025, 2, 28)),  # one whole month
     (dt.date(2025, 2, 10), dt.date(2025, 2, 12)),  # days inside one month
     (dt.date(2025, 3, 12), dt.date(2025, 3, 31)),  # inside one month, up to its end
     (dt.date(2025, 3, 4), dt.date(2025, 3, 28)),  # most of one month: the month minus days
     (dt.date(2025, 2, 2), dt.date(2025, 3, 30)),  # most of two months
     (dt.date(2025, 1, 31), dt.date(2025, 2, 3)),  # two partial months, no whole one
     (dt.date(2025, 3, 3), dt.date(2025, 3, 3)),  # one busy day
     (dt.date(2025, 2, 11), dt.date(2025, 2, 11)),  # one day
     (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),  # a calendar year: months only
     (dt.date(2025, 3, 1), dt.date(2025, 3, 6))],  # from a month's first day
)
def test_figures_for_any_period_equal_a_count_of_the_dossiers(date_from, date_to):
    w = edges_world()
    got = dossier_stats(user=w.leader, date_from=date_from, date_to=date_to)
    assert _figures(got) == _oracle(date_from, date_to)
    for channel in (Channel.IN_PERSON, Channel.ONLINE):
        assert _figures(got, channel) == _oracle(date_from, date_to, channel)


def test_the_number_of_queries_does_not_grow_with_the_period():
    w = edges_world()
    counts = []
    for date_from, date_to in [(dt.date(2025, 3, 3), dt.date(2025, 3, 3)),
                               (dt.date(2025, 1, 15), dt.date(2025, 3, 10)),
                               (dt.date(2021, 3, 15), dt.date(2026, 3, 10))]:
        leader = User.objects.get(pk=w.leader.pk)
        with CaptureQueriesContext(connection) as queries:
            dossier_stats(user=leader, date_from=date_from, date_to=date_to)
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2] <= 5


def _summed_without_procedure(rows: dict) -> dict:
    out: dict = defaultdict(Counter)
    for (day, agency, _procedure, channel, level), counts in rows.items():
        out[(day, agency, channel, level)].update(counts)
    return dict(out)


def _agency_days() -> dict:
    return {(r["day"], r["agency_id"], r["channel"], r["online_level"]):
            Counter({c: r[c] for c in COUNTERS if r[c]})
            for r in DossierStatAgencyDay.objects.values()}


def test_the_rollup_by_day_and_agency_agrees_with_the_dossiers_after_a_lifecycle():
    edges_world()
    assert _agency_days() == _summed_without_procedure(rollups_aggregate())
    assert rollups_agency_days_diff() == []
    assert rollups_months_diff() == []


def test_verify_catches_a_drifted_day_and_agency_row_and_rebuild_repairs_it(capsys):
    w = edges_world()
    late_day = dt.date(2025, 3, 10)
    before = dossier_stats(user=w.leader, date_from=late_day, date_to=late_day)
    assert before["late"] == 1
    DossierStatAgencyDay.objects.filter(day=late_day).update(resolved_late=0)
    assert dossier_stats(user=w.leader, date_from=late_day, date_to=late_day)["late"] == 0
    with pytest.raises(CommandError) as err:
        call_command("stats", "verify")
    assert err.value.returncode == 1
    assert "2025-03-10" in capsys.readouterr().err

    call_command("stats", "rebuild")
    call_command("stats", "verify")
    assert dossier_stats(user=w.leader, date_from=late_day, date_to=late_day) == before


def test_rebuilding_the_rollup_by_day_and_agency_for_a_range_leaves_the_rest_untouched():
    edges_world()
    before = _agency_days()
    DossierStatAgencyDay.objects.filter(day=dt.date(2025, 3, 3)).delete()
    DossierStatAgencyDay.objects.filter(day=dt.date(2025, 3, 4)).update(received=7)
    written = rollups_agency_days_rebuild(day_from=dt.date(2025, 3, 3),
                                          day_to=dt.date(2025, 3, 4))
    assert written == sum(1 for k in before if k[0] in (dt.date(2025, 3, 3),
                                                         dt.date(2025, 3, 4)))
    assert _agency_days() == before


def test_a_demo_year_has_its_rollup_by_day_and_agency_and_any_period_adds_up(db):
    units_import(province_codes=["38"])
    load_agencies("38")
    load_catalog(agencies=demo_agency_roles("38"))
    load_dossiers(province_code="38", scale=0.001, now=vn(2026, 11, 27, 10, 30))
    assert rollups_agency_days_diff(province_code="38") == []
    observer = officer(Role.OBSERVER, None)
    date_from, date_to = dt.date(2025, 12, 17), dt.date(2026, 10, 9)
    got = dossier_stats(user=observer, date_from=date_from, date_to=date_to)
    assert got["received"] > 500
    assert _figures(got) == _oracle(date_from, date_to)


def test_verify_catches_a_monthly_row_that_drifted(capsys):
    from tinhso.onestop.models import DossierStatMonth

    w = make_world()
    mixed_month(w)
    call_command("stats", "verify")
    row = DossierStatMonth.objects.first()
    DossierStatMonth.objects.filter(pk=row.pk).update(received=row.received + 1)
    with pytest.raises(CommandError):
        call_command("stats", "verify")
