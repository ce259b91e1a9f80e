"""Targets by decision and their attainment, across the 1 July 2025 merger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tinhso.core.errors import DomainError, NotAllowed
from tinhso.indicators import selectors, services
from tinhso.indicators.attainment import Rag
from tinhso.indicators.models import Target
from tinhso.indicators.tests.province import AT, Province, enter, make_province

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def p(db, media):
    return make_province()


def _decide(p: Province, targets, number="969/QĐ-UBND"):
    return services.target_decision_create(
        actor=p.reviewer, agency=p.science, number=number, date=dt.date(2025, 1, 10),
        title="Giao chỉ tiêu chuyển đổi số", targets=targets, at=AT)


def _verified(p: Province, **kw):
    entry = enter(p, **kw)
    return services.entry_verify(actor=p.reviewer, entry=entry, revision=1, at=AT)


def _rows(p: Province, year: int, unit: str):
    where = selectors.unit_for_view(p.observer, unit, year)
    return selectors.attainment_rows(selectors.targets_for(p.observer, year=year, unit=where),
                                     today=TODAY)


def test_a_decision_sets_targets_for_the_province_and_each_commune(p):
    decision = _decide(p, [
        {"indicator": "onestop.online_rate", "unit": "38", "year": 2026, "comparator": "≥",
         "value": "90"},
        {"indicator": "onestop.online_rate", "unit": "communes", "year": 2026,
         "comparator": "gte", "value": 70},
    ])
    targets = sorted(decision.targets.values_list("unit__code", "comparator", "value"))
    assert targets == [("16100", "gte", Decimal("70.00")), ("16200", "gte", Decimal("70.00")),
                       ("38", "gte", Decimal("90.00"))]


def test_an_aggregate_target_on_an_entered_count(p):
    _decide(p, [{"indicator": "entered.qr_merchants", "unit": "38", "year": 2025,
                 "comparator": "gte", "value": 5000}])
    [row] = _rows(p, 2025, "38")
    assert row.attainment.status is Rag.NONE  # nothing verified yet
    _verified(p, officer=p.science_officer, agency=p.science, indicator="entered.qr_merchants",
              value=5200)
    [row] = _rows(p, 2025, "38")
    assert (row.attainment.actual, row.attainment.attained, row.attainment.status) == (
        Decimal(5200), True, Rag.GREEN)


def test_a_computed_indicator_is_compared_with_its_target(p, world):
    """The one-stop fixture received 7 dossiers in 2025 (6 in March, 1 in April)."""
    _decide(p, [{"indicator": "onestop.received", "unit": "38", "year": 2025,
                 "comparator": "gte", "value": 10}])
    [row] = _rows(p, 2025, "38")
    assert (row.attainment.actual, row.attainment.gap, row.attainment.status) == (
        Decimal(7), Decimal(3), Rag.RED)


def test_a_districts_target_follows_its_territory_to_the_successor_commune(p):
    _decide(p, [
        {"indicator": "entered.einvoice_rate", "unit": "380", "year": 2024, "comparator": "gte",
         "value": 80},
        {"indicator": "entered.einvoice_rate", "unit": "16001", "year": 2024,
         "comparator": "gte", "value": 90},
    ])
    _verified(p, unit="380", period="2024", numerator=85, denominator=100)
    _verified(p, unit="16001", period="2024", numerator=87, denominator=100)
    by_via = {r.via.code if r.via else None: r for r in _rows(p, 2024, "16100")}
    assert set(by_via) == {"380", "16001"}
    assert by_via["380"].attainment.status is Rag.GREEN
    assert (by_via["16001"].attainment.status, by_via["16001"].attainment.gap) == (
        Rag.AMBER, Decimal(3))
    assert _rows(p, 2024, "16200") == []  # the other new commune took none of it
    # The province sees both, and so does the district itself.
    assert len(_rows(p, 2024, "38")) == 2
    assert {r.target.unit.code for r in _rows(p, 2024, "380")} == {"380", "16001"}


def test_the_province_summary_rolls_up_by_level(p):
    _decide(p, [
        {"indicator": "entered.einvoice_rate", "unit": "38", "year": 2025, "comparator": "gte",
         "value": 80},
        {"indicator": "entered.einvoice_rate", "unit": "380", "year": 2025, "comparator": "gte",
         "value": 80},
        {"indicator": "entered.einvoice_rate", "unit": "16001", "year": 2025,
         "comparator": "gte", "value": 90},
    ])
    _verified(p, unit="38", numerator=85, denominator=100)
    _verified(p, unit="16001", numerator=50, denominator=100)
    summary = selectors.attainment_summary(_rows(p, 2025, "38"))
    assert summary["total"] == {"total": 3, "green": 1, "amber": 0, "red": 1, "none": 1}
    assert summary["by_level"]["commune"] == {"total": 1, "green": 0, "amber": 0, "red": 1,
                                              "none": 0}


@pytest.mark.parametrize(("spec", "field"), [
    ({"indicator": "no.such"}, "targets.0.indicator"),
    ({"unit": "99999"}, "targets.0.unit"),
    ({"unit": "16100", "year": 2024}, "targets.0.unit"),  # not yet created in 2024
    ({"comparator": ">"}, "targets.0.comparator"),
    ({"value": "101"}, "targets.0.value"),
    ({"value": "-1"}, "targets.0.value"),
    ({"value": "abc"}, "targets.0.value"),
    ({"value": "1.234"}, "targets.0.value"),
    ({"year": 1800}, "targets.0.year"),
])
def test_bad_targets_name_the_field_and_write_nothing(p, spec, field):
    base = {"indicator": "onestop.online_rate", "unit": "38", "year": 2026, "comparator": "gte",
            "value": 90}
    with pytest.raises(DomainError) as exc:
        _decide(p, [base, {**base, "unit": "communes", **spec}])
    assert [e.field for e in exc.value.errors] == [field.replace(".0.", ".1.")]
    assert not Target.objects.exists()


def test_the_same_target_twice_or_the_same_number_is_refused(p):
    target = {"indicator": "onestop.online_rate", "unit": "38", "year": 2026,
              "comparator": "gte", "value": 90}
    with pytest.raises(DomainError) as exc:
        _decide(p, [target, target])
    assert exc.value.errors[0].field == "targets"
    _decide(p, [target])
    with pytest.raises(DomainError) as exc:
        _decide(p, [target])
    assert exc.value.errors[0].field == "number"


@pytest.mark.parametrize("who", ["tax_officer", "observer", "commune_officer"])
def test_only_the_province_issues_targets(p, who):
    with pytest.raises(NotAllowed):
        services.target_decision_create(
            actor=getattr(p, who), agency=p.science, number="1/QĐ", date=dt.date(2025, 1, 1),
            title="x", targets=[{"indicator": "onestop.online_rate", "unit": "38",
                                 "year": 2026, "comparator": "gte", "value": 90}])


def test_the_elapsed_share_of_a_year():
    assert selectors.year_elapsed(2025, TODAY) == 1
    assert selectors.year_elapsed(2027, TODAY) == 0
    assert selectors.year_elapsed(2026, dt.date(2026, 12, 31)) == 1
    assert 0 < selectors.year_elapsed(2026, dt.date(2026, 7, 2)) < 1


def test_many_units_computed_at_once_equal_each_computed_alone(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tinhso.indicators.periods import Period
    from tinhso.indicators.registry import all_indicators
    from tinhso.indicators.values import scope_resolve

    scopes = [scope_resolve(u) for u in ("38", world.dept.code, world.partner.code,
                                         world.centre.code)]
    for indicator in all_indicators():
        if indicator.source != "onestop":
            continue
        for period in ("2025-03", "2025"):
            when = Period.parse(period)
            with CaptureQueriesContext(connection) as ctx:
                together = indicator.compute_for(scopes, when)
            assert len(ctx.captured_queries) == 2  # the province, then every agency
            assert together == {s: indicator.compute(s, when) for s in scopes}, indicator.code


def test_computed_targets_for_every_commune_cost_the_same_queries(p, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tinhso.accounts.tests.factories import AgencyFactory, UnitFactory
    from tinhso.directory.models import Agency

    def queries() -> int:
        client.force_login(p.observer)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/indicators/targets/summary", {"year": 2026})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    def decide(number: str) -> None:
        _decide(p, [{"indicator": code, "unit": "communes", "year": 2026, "comparator": "gte",
                     "value": 70} for code in ("onestop.online_rate", "onestop.on_time_rate")],
                number=number)

    decide("1/QĐ-UBND")
    few = queries()
    for _ in range(4):
        AgencyFactory(unit=UnitFactory(valid_from=dt.date(2025, 7, 1)),
                      kind=Agency.Kind.COMMUNE)
    decide("2/QĐ-UBND")
    assert Target.objects.count() > 8
    assert queries() == few


def test_a_merged_communes_entered_figure_is_its_old_communes_together(p):
    _decide(p, [{"indicator": "entered.einvoice_rate", "unit": "16100", "year": 2025,
                 "comparator": "gte", "value": 50}])
    _verified(p, unit="16001", numerator=30, denominator=100)
    [row] = _rows(p, 2025, "16100")
    assert row.value is None  # one old commune has no figure: no partial sum
    _verified(p, unit="16002", numerator=50, denominator=100)
    [row] = _rows(p, 2025, "16100")
    assert (row.value.numerator, row.value.denominator, row.value.value) == (80, 200, 40.0)
    assert {u.code for u in row.merged} == {"16001", "16002"}  # not the abolished district
    assert (row.attainment.gap, row.attainment.status) == (Decimal(10), Rag.RED)
    _verified(p, unit="16100", numerator=60, denominator=100)  # the new commune's own report
    [row] = _rows(p, 2025, "16100")
    assert (row.value.value, row.attainment.status) == (60.0, Rag.GREEN)


def test_a_merged_communes_computed_figure_adds_its_old_communes_dossiers(p):
    """The rollup the one-stop indicators read, for the old communes' committees (January to
    June) and the new commune's (from July)."""
    from tinhso.accounts.tests.factories import AgencyFactory
    from tinhso.directory.models import Agency
    from tinhso.onestop.models import DossierStatMonth
    from tinhso.onestop.status import Channel

    def month(agency, day, received, online):
        for channel, n in ((Channel.ONLINE, online), (Channel.IN_PERSON, received - online)):
            DossierStatMonth.objects.create(month=day, province_code="38", agency=agency,
                                            channel=channel, online_level="full", received=n)

    old_a = AgencyFactory(unit=p.old_a, kind=Agency.Kind.COMMUNE, is_active=False)
    old_b = AgencyFactory(unit=p.old_b, kind=Agency.Kind.COMMUNE, is_active=False)
    month(old_a, dt.date(2025, 3, 1), 10, 5)
    month(old_b, dt.date(2025, 4, 1), 30, 3)
    month(p.commune_committee, dt.date(2025, 9, 1), 60, 52)
    _decide(p, [{"indicator": "onestop.online_rate", "unit": "16100", "year": 2025,
                 "comparator": "gte", "value": 70},
                {"indicator": "onestop.received", "unit": "16100", "year": 2025,
                 "comparator": "gte", "value": 100}])
    by_code = {r.target.indicator_code: r for r in _rows(p, 2025, "16100")}
    online = by_code["onestop.online_rate"]
    assert (online.value.numerator, online.value.denominator, online.value.value) == (
        60, 100, 60.0)
    assert by_code["onestop.received"].attainment.status is Rag.GREEN  # 100 received in all
