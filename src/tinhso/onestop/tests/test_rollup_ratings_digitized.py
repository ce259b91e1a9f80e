"""The rollup's satisfaction and digitization counters (`rated`, `rating_points`,
`digitized`): bumped by the rating and by an officer marking a component digitized, in the same
transaction, and equal to the recomputation (`tinhso stats verify`)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from tinhso.onestop import services as s
from tinhso.onestop.models import DossierFile, DossierStat, DossierStatAgencyDay, DossierStatMonth
from tinhso.onestop.rollups import (
    rollups_agency_days_diff,
    rollups_aggregate,
    rollups_diff,
    rollups_months_diff,
    rollups_rebuild,
    rollups_stored,
)
from tinhso.onestop.tests.world import PDF, make_world, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _returned(w, submitted: dt.datetime):
    d = w.submit_online(submitted)
    at = submitted + dt.timedelta(hours=12)
    d = s.dossier_receive(dossier=d, actor=w.desk, at=at)
    d = s.dossier_forward(dossier=d, actor=w.desk, at=at + dt.timedelta(minutes=10))
    d = s.dossier_forward(dossier=d, actor=w.specialist, at=at + dt.timedelta(minutes=20))
    d = s.dossier_approve(
        dossier=d, actor=w.leader, at=at + dt.timedelta(minutes=30), result=("kq.pdf", PDF)
    )
    return s.dossier_return_result(dossier=d, actor=w.desk, at=at + dt.timedelta(hours=1))


def _sums(model, *names):
    return model.objects.aggregate(**{n: Sum(n) for n in names})


def _agrees():
    assert rollups_stored() == rollups_aggregate()
    assert rollups_diff() == []
    assert rollups_months_diff() == []
    assert rollups_agency_days_diff() == []
    call_command("stats", "verify")


def test_ratings_are_counted_with_their_points_on_the_rating_day(capsys):
    w = make_world()
    one = _returned(w, vn(2025, 3, 3, 8, 0))
    two = _returned(w, vn(2025, 3, 28, 8, 0))
    s.dossier_rate(
        dossier=one,
        actor=w.citizen,
        scores=dict.fromkeys(s.RATING_INDICATORS, 2),
        at=vn(2025, 3, 5, 9, 0),
    )
    scores = dict.fromkeys(s.RATING_INDICATORS, 1) | {"attitude": 0}
    s.dossier_rate(dossier=two, actor=w.citizen, scores=scores, at=vn(2025, 4, 1, 9, 0))
    _agrees()
    march = DossierStatMonth.objects.filter(month=dt.date(2025, 3, 1))
    assert march.aggregate(n=Sum("rated"), p=Sum("rating_points")) == {"n": 1, "p": 18}
    april = DossierStatMonth.objects.filter(month=dt.date(2025, 4, 1))
    assert april.aggregate(n=Sum("rated"), p=Sum("rating_points")) == {"n": 1, "p": 8}
    assert DossierStat.objects.get(day=dt.date(2025, 4, 1), rated=1).rating_points == 8
    assert "khớp" in capsys.readouterr().out

    # A rating the rollup missed is caught, and a rebuild counts it again.
    DossierStat.objects.filter(rated=1, day=dt.date(2025, 4, 1)).update(rated=0)
    with pytest.raises(CommandError):
        call_command("stats", "verify")
    assert "rated: stored" in capsys.readouterr().err
    rollups_rebuild()
    _agrees()
    assert _sums(DossierStatAgencyDay, "rated", "rating_points") == {
        "rated": 2,
        "rating_points": 26,
    }


def test_a_dossier_counts_once_as_digitized_on_its_submission_day():
    w = make_world()
    first = w.submit_online(vn(2025, 3, 3, 8, 0))
    a, b = DossierFile.objects.filter(dossier=first, kind=DossierFile.Kind.COMPONENT)
    # Marked before the dossier is received: it counts on the submission day all the same.
    s.dossier_file_mark_digitized(file=a, actor=w.desk, at=vn(2025, 4, 2, 9, 0))
    s.dossier_file_mark_digitized(file=a, actor=w.desk, at=vn(2025, 4, 2, 9, 5))  # again
    s.dossier_file_mark_digitized(file=b, actor=w.desk, at=vn(2025, 4, 2, 9, 10))  # a second
    _agrees()
    assert DossierStat.objects.get(day=dt.date(2025, 3, 3)).digitized == 1
    assert _sums(DossierStatMonth, "digitized") == {"digitized": 1}

    # A component reused from the first dossier is digitized already, not by this dossier's
    # officers: the second dossier is not counted for it...
    second = w.submit_online(
        vn(2025, 3, 10, 8, 0), files=w.files()[1:], reuse=[(w.documents[0].pk, a)]
    )
    reused = DossierFile.objects.get(dossier=second, reused_from=a)
    s.dossier_file_mark_digitized(file=reused, actor=w.desk, at=vn(2025, 3, 10, 9, 0))
    _agrees()
    assert _sums(DossierStat, "digitized") == {"digitized": 1}
    # ...until one of its own components is digitized; a digitized result does not count.
    own = DossierFile.objects.filter(
        dossier=second, kind=DossierFile.Kind.COMPONENT, reused_from__isnull=True
    ).first()
    third = _returned(w, vn(2025, 3, 12, 8, 0))
    result = DossierFile.objects.get(dossier=third, kind=DossierFile.Kind.RESULT)
    s.dossier_file_mark_digitized(file=result, actor=w.desk, at=vn(2025, 3, 13, 9, 0))
    _agrees()
    assert _sums(DossierStat, "digitized") == {"digitized": 1}
    s.dossier_file_mark_digitized(file=own, actor=w.desk, at=vn(2025, 3, 11, 9, 0))
    _agrees()
    assert DossierStat.objects.get(day=dt.date(2025, 3, 10)).digitized == 1
    assert _sums(DossierStatAgencyDay, "digitized") == {"digitized": 2}


def test_marking_a_file_digitized_costs_a_bounded_number_of_queries(django_assert_max_num_queries):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    component = DossierFile.objects.filter(dossier=d).first()
    with django_assert_max_num_queries(12):
        s.dossier_file_mark_digitized(file=component, actor=w.desk, at=vn(2025, 3, 3, 9, 0))


def test_the_migration_counts_what_was_recorded_before_the_counters():
    from django.apps import apps

    backfill = importlib.import_module(
        "tinhso.onestop.migrations.0008_rollup_digitized_and_ratings"
    ).backfill
    w = make_world()
    d = _returned(w, vn(2025, 3, 3, 8, 0))
    s.dossier_rate(
        dossier=d,
        actor=w.citizen,
        scores=dict.fromkeys(s.RATING_INDICATORS, 2),
        at=vn(2025, 3, 31, 23, 30),
    )  # 31/3 in Vietnam, 31/3 16:30 UTC
    s.dossier_file_mark_digitized(
        file=DossierFile.objects.filter(dossier=d).first(), actor=w.desk, at=vn(2025, 4, 2, 9, 0)
    )
    other = w.submit_online(vn(2025, 4, 1, 1, 0))  # 31/3 18:00 UTC: a day of its own
    s.dossier_file_mark_digitized(
        file=DossierFile.objects.filter(dossier=other).first(),
        actor=w.desk,
        at=vn(2025, 4, 2, 9, 0),
    )
    for model in (DossierStat, DossierStatMonth, DossierStatAgencyDay):
        model.objects.update(digitized=0, rated=0, rating_points=0)
    assert rollups_diff() != []
    backfill(apps, None)
    _agrees()
    assert _sums(DossierStatMonth, "digitized", "rated", "rating_points") == {
        "digitized": 2,
        "rated": 1,
        "rating_points": 18,
    }
