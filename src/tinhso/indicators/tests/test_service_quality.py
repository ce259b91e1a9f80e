"""The rest of Decision 766's one-stop groups: procedures by online level (the catalogue),
digitization and satisfaction (the monthly rollup's `digitized`, `rated` and `rating_points`),
each on the small province of conftest.py."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tinhso.catalog.tests.factories import make_procedure
from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Value, get
from tinhso.indicators.values import scope_resolve
from tinhso.onestop import services as s
from tinhso.onestop.models import Dossier, DossierFile, DossierStatMonth
from tinhso.onestop.rollups import rollups_diff
from tinhso.onestop.status import Status
from tinhso.onestop.tests.world import vn

pytestmark = pytest.mark.django_db

NEW = (
    "catalog.procedures",
    "catalog.procedures_full_online",
    "catalog.procedures_partial_online",
    "catalog.full_online_rate",
    "catalog.online_procedure_rate",
    "onestop.digitized_rate",
    "onestop.ratings",
    "onestop.satisfaction_rate",
)


def _value(code: str, unit: str, period: str) -> Value:
    indicator = get(code)
    assert indicator is not None
    return indicator.compute(scope_resolve(unit), Period.parse(period))


def test_they_are_declared_with_their_basis():
    for code in NEW:
        indicator = get(code)
        assert indicator is not None and indicator.public, code
        assert "766/QĐ-TTg" in indicator.regulation
        assert indicator.unit == ("%" if indicator.kind == "rate" else "count")
        assert indicator.recompute is not None and indicator.compute_many is not None


def _components(d: Dossier) -> list[DossierFile]:
    return list(DossierFile.objects.filter(dossier=d, kind=DossierFile.Kind.COMPONENT))


def test_the_digitized_rate_counts_dossiers_by_their_submission_month(world):
    march = Dossier.objects.filter(submitted_at__lt=vn(2025, 4, 1, 0, 0)).order_by("pk")
    assert march.count() == 7
    first = march.first()
    for f in _components(first):  # two components, one dossier
        s.dossier_file_mark_digitized(file=f, actor=world.desk, at=vn(2025, 4, 3, 9, 0))
    april = Dossier.objects.get(submitted_at__gte=vn(2025, 4, 1, 0, 0))
    s.dossier_file_mark_digitized(
        file=_components(april)[0], actor=world.desk, at=vn(2025, 4, 3, 9, 0)
    )
    assert _value("onestop.digitized_rate", "38", "2025-03") == Value(1, 7, 14.29)
    assert _value("onestop.digitized_rate", "38", "2025-Q2") == Value(1, 1, 100.0)
    assert _value("onestop.digitized_rate", "38", "2025") == Value(2, 8, 25.0)
    assert _value("onestop.digitized_rate", world.dept.code, "2025") == Value(2, 8, 25.0)
    assert _value("onestop.digitized_rate", world.partner.code, "2025") == Value(0, 0, None)
    call_command("indicators", "verify", "--period", "2025")


def test_satisfaction_is_the_share_of_the_ratings_maximum_points(world):
    assert _value("onestop.satisfaction_rate", "38", "2025") == Value(0, 0, None)
    assert _value("onestop.ratings", "38", "2025") == Value(0, None, 0)
    april = Dossier.objects.get(submitted_at__gte=vn(2025, 4, 1, 0, 0))
    april = s.dossier_return_result(dossier=april, actor=world.desk, at=vn(2025, 4, 2, 15, 0))
    assert april.status == Status.RETURNED
    scores = dict.fromkeys(s.RATING_INDICATORS, 1) | {"attitude": 0}
    s.dossier_rate(dossier=april, actor=world.citizen, scores=scores, at=vn(2025, 5, 1, 9, 0))
    # 9 criteria scored 0-2: a rating's maximum is 18 points; this one has 8.
    assert _value("onestop.satisfaction_rate", "38", "2025-05") == Value(8, 18, 44.44)
    assert _value("onestop.satisfaction_rate", world.dept.code, "2025") == Value(8, 18, 44.44)
    assert _value("onestop.satisfaction_rate", "38", "2025-04") == Value(0, 0, None)
    assert _value("onestop.ratings", "38", "2025-Q2") == Value(1, None, 1)
    assert rollups_diff() == []
    call_command("indicators", "verify", "--period", "2025-05")

    # A rating the monthly rollup lost is caught by verify.
    DossierStatMonth.objects.filter(rated=1).update(rating_points=18)
    with pytest.raises(CommandError):
        call_command("indicators", "verify", "--period", "2025")


def test_procedures_by_online_level_as_they_stand_at_the_period_end(world):
    make_procedure(world.dept, code="1.009801", online_level="partial", effective_from="2024-01-01")
    make_procedure(
        world.dept,
        code="1.009802",
        online_level="none",
        legacy_level=2,
        effective_from="2024-01-01",
    )
    make_procedure(
        world.partner, code="1.009803", online_level="full", effective_from="2025-06-01"
    )  # not yet in force in the first quarter
    dept, q1 = world.dept.code, "2025-Q1"
    assert _value("catalog.procedures", dept, q1) == Value(3, None, 3)
    assert _value("catalog.procedures_full_online", dept, q1) == Value(1, None, 1)
    assert _value("catalog.procedures_partial_online", dept, q1) == Value(1, None, 1)
    assert _value("catalog.full_online_rate", dept, q1) == Value(1, 3, 33.33)
    assert _value("catalog.online_procedure_rate", dept, q1) == Value(2, 3, 66.67)
    assert _value("catalog.full_online_rate", "38", q1) == Value(1, 3, 33.33)
    assert _value("catalog.full_online_rate", "38", "2025") == Value(2, 4, 50.0)
    assert _value("catalog.procedures", world.partner.code, q1) == Value(0, None, 0)
    assert _value("catalog.full_online_rate", world.partner.code, q1) == Value(0, 0, None)

    # Many units at once (the ranked table): one query, the same values.
    indicator = get("catalog.full_online_rate")
    assert indicator is not None
    scopes = [scope_resolve(u) for u in ("38", dept, world.partner.code)]
    period = Period.parse("2025")
    many = indicator.compute_for(scopes, period)
    assert many == {scope: indicator.compute(scope, period) for scope in scopes}
    call_command("indicators", "verify", "--period", "2025")
