from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_anyone_lists_the_public_indicators(client):
    response = client.get("/api/v1/indicators")
    assert response.status_code == 200
    by_code = {i["code"]: i for i in response.json()}
    rate = by_code["onestop.on_time_rate"]
    assert rate == {
        "code": "onestop.on_time_rate",
        "name_vi": "Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn",
        "name_en": "On-time resolution rate", "pillar": "digital_government", "unit": "%",
        "kind": "rate", "source": "onestop", "regulation": rate["regulation"],
        "formula": rate["formula"],
        "numerator": {"vi": "Số hồ sơ giải quyết đúng hạn và trước hạn",
                      "en": "Dossiers resolved on time or early"},
        "denominator": {"vi": "Tổng số hồ sơ đã giải quyết", "en": "Dossiers resolved"},
        "group": {"code": "TDGQ", "name_vi": "Tiến độ giải quyết",
                  "name_en": "Resolution progress", "regulation": rate["group"]["regulation"]},
    }
    assert "766" in rate["regulation"] and "766" in rate["group"]["regulation"]


def test_anyone_reads_a_value_with_the_previous_period(client, world):
    response = client.get("/api/v1/indicators/onestop.on_time_rate/values",
                          {"unit": "38", "period": "2025-04"})
    assert response.status_code == 200
    assert response.json() == {
        "code": "onestop.on_time_rate", "unit": "38", "period": "2025-04", "value": 100.0,
        "numerator": 1, "denominator": 1, "previous_period": "2025-03",
        "previous_value": 66.67, "merged": [],
    }
    by_agency = client.get("/api/v1/indicators/onestop.received/values",
                           {"unit": world.dept.code, "period": "2025-Q1"}).json()
    assert (by_agency["unit"], by_agency["value"], by_agency["previous_value"]) == (
        world.dept.code, 6, 0)
    assert by_agency["denominator"] is None


def test_an_unknown_indicator_is_not_found(client):
    response = client.get("/api/v1/indicators/no.such/values", {"period": "2025"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("query", "field"), [
    ({"period": "2025-13"}, "period"),
    ({"period": "Q3-2025"}, "period"),
    ({"period": "2025", "unit": "000.00.00.X99"}, "unit"),
    ({"period": "2025", "unit": "01"}, "unit"),  # another province
])
def test_a_bad_period_or_unit_names_the_field(client, query, field):
    response = client.get("/api/v1/indicators/onestop.received/values", query)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_period_is_required(client):
    response = client.get("/api/v1/indicators/onestop.received/values")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["period"]


def test_the_public_table_has_each_public_indicator_for_the_province_and_its_agencies(
        client, world):
    """The table the open data portal links to: the same values as the values API, for the
    province and each agency; no indicator that is not public."""
    import csv
    import io

    from tinhso.indicators.registry import all_indicators

    response = client.get("/api/v1/indicators/table", {"period": "2025-03"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    codes = {r["ma_chi_so"] for r in rows}
    assert codes == {i.code for i in all_indicators(public_only=True)}
    assert not codes & {i.code for i in all_indicators() if not i.public}
    by_key = {(r["ma_chi_so"], r["ma_don_vi"]): r for r in rows}
    province = by_key[("onestop.on_time_rate", "38")]
    assert (province["ky"], float(province["gia_tri"]), province["tu_so"],
            province["mau_so"]) == ("2025-03", 66.67, "2", "3")
    dept = by_key[("onestop.received", world.dept.code)]
    api = client.get("/api/v1/indicators/onestop.received/values",
                     {"unit": world.dept.code, "period": "2025-03"}).json()
    assert int(dept["gia_tri"]) == api["value"] == 6
    assert dept["ten_don_vi"] == world.dept.name

    data = client.get("/api/v1/indicators/table", {"period": "2025", "format": "json"}).json()
    assert data["fields"][:2] == ["ky", "ma_chi_so"]
    assert {r["ky"] for r in data["records"]} == {"2025"}


@pytest.mark.parametrize("query", [{"period": "2025-13"}, {"period": "Q1"},
                                   {"period": "2025", "format": "x"}])
def test_a_bad_table_request_names_the_field(client, query):
    response = client.get("/api/v1/indicators/table", query)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} <= {"period", "format"}
