"""The rollup's component-reuse counter (`reused`): a dossier submitted with a component reused
from an earlier dossier of the same applicant counts once, on its submission day, whether the
component came with the submission or was attached later; bumped in the same transaction and
equal to the recomputation (`tinhso stats verify`), and counted by the migration for the
dossiers recorded before it."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from tinhso.core.errors import NotAllowed
from tinhso.onestop import services as s
from tinhso.onestop.files import file_reuse
from tinhso.onestop.models import DossierFile, DossierStat, DossierStatAgencyDay, DossierStatMonth
from tinhso.onestop.rollups import (
    rollups_agency_days_diff,
    rollups_diff,
    rollups_months_diff,
    rollups_rebuild,
)
from tinhso.onestop.selectors import dossiers_counted
from tinhso.onestop.tests.world import make_world, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _agrees() -> None:
    assert rollups_diff() == []
    assert rollups_months_diff() == []
    assert rollups_agency_days_diff() == []
    call_command("stats", "verify")


def _reused(model=DossierStat) -> int:
    return model.objects.aggregate(n=Sum("reused"))["n"] or 0


def _digitized_component(w, at):
    d = w.submit_online(at)
    component = DossierFile.objects.filter(dossier=d, kind=DossierFile.Kind.COMPONENT).first()
    s.dossier_file_mark_digitized(file=component, actor=w.desk, at=at + dt.timedelta(hours=1))
    component.refresh_from_db()
    return d, component


def test_a_submission_reusing_a_component_counts_once_on_its_submission_day():
    w = make_world()
    first, component = _digitized_component(w, vn(2025, 3, 3, 8, 0))
    assert _reused() == 0  # digitizing is not reusing
    # The applicant's next dossier hands in one component and reuses the digitized one.
    second = w.submit_online(vn(2025, 3, 31, 23, 30), files=w.files()[1:],
                             reuse=[(w.documents[0].pk, component)])
    _agrees()
    assert DossierStat.objects.get(day=dt.date(2025, 3, 31), reused=1).submitted == 1
    assert DossierStatMonth.objects.get(month=dt.date(2025, 3, 1)).reused == 1
    assert _reused(DossierStatAgencyDay) == 1
    # The same component attached once more, later, in April: the dossier was counted already.
    file_reuse(dossier=second, source_file=component, actor=w.citizen, at=vn(2025, 4, 2, 9, 0))
    _agrees()
    assert _reused() == 1
    # The drill-down lists the dossiers the counter counts.
    listed = dossiers_counted(second.__class__.objects.all(), "reused",
                              day_from=dt.date(2025, 3, 1), day_to=dt.date(2025, 3, 31))
    assert list(listed) == [second]
    assert first not in listed


def test_a_component_reused_after_submission_counts_the_dossier_on_its_submission_day():
    w = make_world()
    _first, component = _digitized_component(w, vn(2025, 3, 3, 8, 0))
    later = w.submit_online(vn(2025, 3, 10, 8, 0))
    assert _reused() == 0
    file_reuse(dossier=later, source_file=component, actor=w.citizen, at=vn(2025, 4, 5, 9, 0))
    _agrees()
    assert DossierStat.objects.get(day=dt.date(2025, 3, 10)).reused == 1
    file_reuse(dossier=later, source_file=component, actor=w.citizen, at=vn(2025, 4, 6, 9, 0))
    _agrees()
    assert _reused(DossierStatMonth) == 1


def test_a_refused_reuse_counts_nothing():
    w = make_world()
    _first, component = _digitized_component(w, vn(2025, 3, 3, 8, 0))
    stranger = w.submit_in_person(vn(2025, 3, 4, 8, 0))  # another applicant
    with pytest.raises(NotAllowed):
        file_reuse(dossier=stranger, source_file=component, actor=w.desk,
                   at=vn(2025, 3, 4, 9, 0))
    _agrees()
    assert _reused() == 0


def test_verify_catches_a_lost_reuse_and_a_rebuild_counts_it_again(capsys):
    w = make_world()
    _first, component = _digitized_component(w, vn(2025, 3, 3, 8, 0))
    w.submit_online(vn(2025, 3, 12, 8, 0), files=w.files()[1:],
                    reuse=[(w.documents[0].pk, component)])
    DossierStat.objects.filter(reused=1).update(reused=0)
    with pytest.raises(CommandError):
        call_command("stats", "verify")
    assert "reused: stored" in capsys.readouterr().err
    rollups_rebuild()
    _agrees()
    assert _reused(DossierStatMonth) == 1


def test_the_migration_counts_the_reuses_recorded_before_the_counter():
    from django.apps import apps

    backfill = importlib.import_module(
        "tinhso.onestop.migrations.0009_rollup_reused_and_result_file_index").backfill
    w = make_world()
    _first, component = _digitized_component(w, vn(2025, 3, 3, 8, 0))
    w.submit_online(vn(2025, 4, 1, 1, 0), files=w.files()[1:],  # 31/3 18:00 UTC
                    reuse=[(w.documents[0].pk, component)])
    for model in (DossierStat, DossierStatMonth, DossierStatAgencyDay):
        model.objects.update(reused=0)
    backfill(apps, None)
    _agrees()
    assert DossierStat.objects.get(day=dt.date(2025, 4, 1)).reused == 1
