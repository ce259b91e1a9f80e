"""An indicator's value for an administrative unit (a commune, a merged commune, a former
district, the province), in the values API and the one-unit table: the unit's People's
Committee's figure, through the succession table for the periods before 1 July 2025 (the same
rule as the targets' actual values), from the monthly rollup, in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.directory.models import REFORM_DATE, AdminUnit, Agency, UnitSuccession
from tinhso.indicators import registry
from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Indicator, Pillar, Value
from tinhso.indicators.report.data import UnitFigure
from tinhso.indicators.tests.province import Province, make_province
from tinhso.indicators.values import indicator_read, unit_resolve
from tinhso.onestop.models import DossierStatMonth

pytestmark = pytest.mark.django_db

VALUES = "/api/v1/indicators/{}/values"


def _month(agency: Agency, year: int, month: int, **counts: int) -> None:
    DossierStatMonth.objects.create(
        month=dt.date(year, month, 1),
        province_code="38",
        agency=agency,
        channel=1,
        online_level="",
        **counts,
    )


@pytest.fixture
def p() -> Province:
    """The district (abolished 1 July 2025) and its communes A and B had committees that
    received dossiers before the merger; the new commune's committee receives them after."""
    p = make_province()
    district = AgencyFactory(
        name="UBND Huyện Cũ", unit=p.district, is_active=False, kind=Agency.Kind.PEOPLES_COMMITTEE
    )
    a = AgencyFactory(name="UBND Xã Cũ A", unit=p.old_a, kind=Agency.Kind.COMMUNE, is_active=False)
    b = AgencyFactory(name="UBND Xã Cũ B", unit=p.old_b, kind=Agency.Kind.COMMUNE, is_active=False)
    _month(a, 2025, 3, received=3, resolved_on_time=2, resolved_late=1)
    _month(b, 2025, 3, received=2, resolved_on_time=2)
    _month(a, 2025, 4, received=1)
    _month(district, 2025, 5, received=4)
    _month(p.commune_committee, 2025, 8, received=5, resolved_on_time=1, resolved_late=1)
    _month(p.commune_committee, 2025, 9, received=1)
    return p


def _get(client, code: str, unit: str, period: str):
    return client.get(VALUES.format(code), {"unit": unit, "period": period})


def test_a_commune_after_the_merger_is_its_committee(client, p):
    body = _get(client, "onestop.received", "16100", "2025-Q3").json()
    assert (body["unit"], body["value"], body["merged"]) == ("16100", 6, [])
    # the previous quarter, before the commune existed, through the communes merged into it
    assert (body["previous_period"], body["previous_value"]) == ("2025-Q2", 1)
    rate = _get(client, "onestop.on_time_rate", "16100", "2025-08").json()
    assert (rate["value"], rate["numerator"], rate["denominator"]) == (50.0, 1, 2)


def test_a_merged_commune_before_the_merger_answers_through_its_predecessors(client, p):
    body = _get(client, "onestop.received", "16100", "2025-03").json()
    assert (body["value"], body["merged"]) == (5, ["16001", "16002"])
    rate = _get(client, "onestop.on_time_rate", "16100", "2025-03").json()
    # a rate is the sum of the numerators over the sum of the denominators: (2 + 2) / (3 + 2)
    assert (rate["value"], rate["numerator"], rate["denominator"]) == (80.0, 4, 5)
    # the year of the merger: its own months and its predecessors' (not the district's)
    year = _get(client, "onestop.received", "16100", "2025").json()
    assert (year["value"], year["merged"]) == (12, ["16001", "16002"])
    # an old commune is read for the periods it was in force
    assert _get(client, "onestop.received", "16001", "2025-Q1").json()["value"] == 3


def test_a_former_district_before_the_reform(client, p):
    body = _get(client, "onestop.received", "380", "2025-05").json()
    assert (body["value"], body["previous_value"], body["merged"]) == (4, 0, [])
    assert _get(client, "onestop.received", "380", "2025").json()["value"] == 4


def test_a_former_district_after_the_reform_is_a_422_naming_unit(client, p):
    response = _get(client, "onestop.received", "380", "2025-Q3")
    assert response.status_code == 422
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["unit"]
    message = body["errors"][0]["message"]
    assert "01/07/2025" in message and "Xã Mới (16100)" in message
    # the table says the same
    table = client.get(
        "/api/v1/indicators/table", {"unit": "380", "period": "2026", "format": "json"}
    )
    assert table.status_code == 422


def test_a_commune_created_from_nothing_before_the_reform_is_a_422_naming_period(client, p):
    response = _get(client, "onestop.received", "16200", "2025-Q2")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["period"]
    # its first quarter has no previous value (not a zero)
    body = _get(client, "onestop.received", "16200", "2025-Q3").json()
    assert (body["value"], body["previous_value"]) == (None, None)


def test_the_province_and_agencies_still_read(client, p):
    body = _get(client, "onestop.received", "38", "2025").json()
    assert (body["unit"], body["value"], body["merged"]) == ("38", 16, [])
    by_agency = _get(client, "onestop.received", p.commune_committee.code, "2025-Q3").json()
    assert by_agency["value"] == 6


def test_an_unknown_unit_is_a_422_naming_unit(client, p):
    response = _get(client, "onestop.received", "99999", "2025")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["unit"]


def test_a_unit_of_another_province_is_unknown(client, p):
    AdminUnit.objects.create(code="27001", name="Xã Xa", kind="", level=3, province_code="27")
    response = _get(client, "onestop.received", "27001", "2025")
    assert response.status_code == 422


def test_an_indicator_that_is_not_public_is_not_found(client, p):
    hidden = Indicator(
        code="test.hidden",
        name_vi="Ẩn",
        name_en="Hidden",
        pillar=Pillar.GOVERNMENT,
        unit="count",
        kind="count",
        source="test",
        regulation="",
        public=False,
        compute=lambda s, q: Value(1, None, 1),
    )
    registry.register(hidden)
    try:
        assert _get(client, "test.hidden", "16100", "2025").status_code == 404
        table = client.get(
            "/api/v1/indicators/table", {"unit": "16100", "period": "2025", "format": "json"}
        ).json()
        assert "test.hidden" not in {r["ma_chi_so"] for r in table["records"]}
    finally:
        registry._REGISTRY.pop("test.hidden", None)


def test_the_table_for_one_unit(client, p):
    response = client.get(
        "/api/v1/indicators/table", {"unit": "16100", "period": "2025-03", "format": "json"}
    )
    assert response.status_code == 200
    rows = {r["ma_chi_so"]: r for r in response.json()["records"]}
    received = rows["onestop.received"]
    assert (received["ma_don_vi"], received["ten_don_vi"], received["gia_tri"]) == (
        "16100",
        "Xã Mới",
        5,
    )
    assert (received["ky_truoc"], received["gia_tri_ky_truoc"]) == ("2025-02", 0)
    assert received["don_vi_sap_nhap"] == "16001 16002"
    assert {r["ma_don_vi"] for r in rows.values()} == {"16100"}
    csv = client.get("/api/v1/indicators/table", {"unit": "16100", "period": "2025-03"})
    assert csv.status_code == 200 and b"don_vi_sap_nhap" in csv.content


def _queries(code: str, unit: str, period: str) -> int:
    indicator = registry.get(code)
    assert indicator is not None
    with CaptureQueriesContext(connection) as ctx:
        indicator_read(indicator, unit_resolve(unit), Period.parse(period))
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert 'onestop_dossier"' not in sql and "onestop_dossier " not in sql  # rollups only
    return len(ctx.captured_queries)


def test_a_constant_number_of_queries_whatever_the_unit(p):
    code = "onestop.received"
    merged = _queries(code, "16100", "2025-03")  # two predecessors
    # resolving the unit (at most 4: the unit, its merged predecessors (2, one when it has
    # none), the committees) and one rollup query per period (2), never the dossiers
    assert merged == 6
    assert _queries(code, "16100", "2025-Q3") == merged
    assert _queries(code, "380", "2025-05") <= merged
    assert _queries(code, "16001", "2025") <= merged
    assert _queries(code, "38", "2025") == 2
    # more merged communes, more dossiers: the same count
    for n in range(3, 8):
        old = AdminUnit.objects.create(
            code=f"1600{n}",
            name=f"Xã Cũ {n}",
            kind="",
            level=3,
            parent=p.district,
            province_code="38",
            valid_to=REFORM_DATE,
        )
        UnitSuccession.objects.create(
            predecessor=old, successor=p.commune, date=REFORM_DATE, kind=UnitSuccession.Kind.MERGE
        )
        committee = AgencyFactory(name=f"UBND Xã Cũ {n}", unit=old, kind=Agency.Kind.COMMUNE)
        _month(committee, 2025, 3, received=n)
    assert _queries(code, "16100", "2025-03") == merged
    assert indicator_read(
        registry.get(code),
        unit_resolve("16100"),  # type: ignore[arg-type]
        Period.parse("2025-03"),
    ).value.value == 5 + sum(range(3, 8))


def test_the_dashboard_drills_down_to_a_unit(client, p):
    html = client.get("/chi-so/onestop.received/?period=2025-03&unit=16100").content.decode()
    assert "Xã Mới" in html and "Xã Cũ A" in html  # the merged communes are named
    assert 'name="unit" value="16100"' in html  # changing the period keeps the unit
    ranking = client.get("/chi-so/onestop.received/?period=2025-Q3").content.decode()
    assert "?period=2025-Q3&amp;unit=16100" in ranking  # the commune links to its drill-down
    ended = client.get("/chi-so/onestop.received/?period=2025-Q3&unit=380")
    assert ended.status_code == 400
    assert "01/07/2025" in ended.content.decode()
    unknown = client.get("/chi-so/onestop.received/?period=2025&unit=99999")
    assert unknown.status_code == 400


# --- the lists (ranking, lagging, report, table) agree with the values API -------------------


def _listed(code: str, period: str) -> dict[str, UnitFigure]:
    from tinhso.indicators.report.data import units_read

    indicator = registry.get(code)
    assert indicator is not None
    return {f.unit_code or f.code: f for f in units_read(indicator, Period.parse(period))}


def test_the_ranking_lists_the_units_of_the_period_as_the_values_api_reads_them(client, p):
    from tinhso.indicators.report.data import report_build

    # March 2025: the communes and the district of that time, each its committee's figure
    march = _listed("onestop.received", "2025-03")
    assert {k: f.value.value for k, f in march.items() if k in ("16001", "16002", "380")} == {
        "16001": 3, "16002": 2, "380": 0}
    assert "16100" not in march  # not yet created; its figure is its predecessors', listed
    for unit in ("16001", "16002"):
        assert march[unit].commune
        assert _get(client, "onestop.received", unit, "2025-03").json()["value"] == \
            march[unit].value.value
    assert not march["380"].commune  # the district's committee is listed with the agencies
    assert _listed("onestop.received", "2025-05")["380"].value.value == 4
    # the year of the merger: the new commune with its predecessors' months (not listed again)
    year = _listed("onestop.received", "2025")
    assert (year["16100"].value.value, year["16100"].merged) == (12, ("16001", "16002"))
    assert "16001" not in year and "16002" not in year
    api = _get(client, "onestop.received", "16100", "2025").json()
    assert (api["value"], api["merged"]) == (12, ["16001", "16002"])
    assert year["380"].value.value == 4  # the district, abolished that year: its own months
    # the province's total is in the rows: nothing is dropped
    assert sum(f.value.value for f in year.values()) == _get(
        client, "onestop.received", "38", "2025").json()["value"]
    # the lagging communes of March 2025 include the old commune with the lower on-time rate
    report = report_build(Period.parse("2025-03"), public_only=False)
    lagging = [(f.unit_code, f.value.value) for f in report.lagging_communes]
    assert lagging[0] == ("16001", _get(client, "onestop.on_time_rate", "16001",
                                        "2025-03").json()["value"])
    assert {u for u, _v in lagging} == {"16001", "16002"}
    # the year's lagging list and the values API agree on the merged commune
    year_report = report_build(Period.parse("2025"), public_only=False)
    merged = next(f for f in year_report.lagging_communes if f.unit_code == "16100")
    api_rate = _get(client, "onestop.on_time_rate", "16100", "2025").json()
    assert (merged.value.numerator, merged.value.denominator) == (
        api_rate["numerator"], api_rate["denominator"])


def test_the_public_table_lists_the_communes_of_the_period(client, p):
    body = client.get("/api/v1/indicators/table", {"period": "2025-03", "format": "json"}).json()
    received = {r["ten_don_vi"]: r["gia_tri"] for r in body["records"]
                if r["ma_chi_so"] == "onestop.received"}
    assert (received["UBND Xã Cũ A"], received["UBND Xã Cũ B"]) == (3, 2)


def test_the_ranking_reads_in_a_constant_number_of_queries(p):
    from tinhso.indicators.report.data import units_read

    indicator = registry.get("onestop.received")
    assert indicator is not None

    def count(period: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            units_read(indicator, Period.parse(period))
        return len(ctx.captured_queries)

    before = count("2025")
    for n in range(3, 9):  # more communes merged into the new one, each with its committee
        old = AdminUnit.objects.create(code=f"1600{n}", name=f"Xã Cũ {n}", kind="", level=3,
                                       parent=p.district, province_code="38",
                                       valid_to=REFORM_DATE)
        UnitSuccession.objects.create(predecessor=old, successor=p.commune, date=REFORM_DATE,
                                      kind=UnitSuccession.Kind.MERGE)
        committee = AgencyFactory(name=f"UBND Xã Cũ {n}", unit=old, kind=Agency.Kind.COMMUNE,
                                  is_active=False)
        _month(committee, 2025, 3, received=n)
    assert count("2025") == before <= 5  # agencies, units, successions (2), the rollup
    assert count("2025-03") == before
    year = _listed("onestop.received", "2025")
    assert year["16100"].value.value == 12 + sum(range(3, 9))


# --- `tinhso indicators verify --unit` takes an administrative unit ---------------------------


def test_verify_reads_a_merged_commune_through_its_predecessors(p, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    # The fixture's rollups have no dossiers behind them: the predecessors' differ.
    with pytest.raises(CommandError) as err:
        call_command("indicators", "verify", "--period", "2025-03", "--unit", "16100")
    assert err.value.returncode == 1
    said = capsys.readouterr().err
    a, b = (Agency.objects.get(unit=u) for u in (p.old_a, p.old_b))
    assert f"onestop.received 2025-03 {a.code}: rollups" in said
    assert f"onestop.received 2025-03 {b.code}: rollups" in said
    # a period with nothing in the rollups nor the dossiers agrees
    call_command("indicators", "verify", "--period", "2026-01", "--unit", "16100")
    assert "chỉ số khớp (2026-01, 16100)" in capsys.readouterr().out


@pytest.mark.parametrize(("unit", "period", "message"), [
    ("380", "2025-Q3", "01/07/2025"),  # the district after the reform, as the API says
    ("16200", "2025-Q2", "không do các đơn vị cũ sáp nhập"),  # not yet created
    ("99999", "2025", "Không có đơn vị với mã này."),
])
def test_verify_refuses_a_unit_the_api_refuses(p, unit, period, message):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("indicators", "verify", "--period", period, "--unit", unit)
