"""Every indicator says its formula in words (a rate names its numerator and denominator, in
Vietnamese and English); the one-stop and catalogue indicators carry Decision 766's group;
the API returns both, in the list and for one indicator."""

from __future__ import annotations

import pytest

from tinhso.indicators import registry
from tinhso.indicators.registry import Indicator, Pillar, Value, all_indicators
from tinhso.indicators.sources._decision766 import GROUPS


def _said(text: registry.Text | None) -> bool:
    return text is not None and bool(text.vi.strip()) and bool(text.en.strip())


def test_every_rate_names_its_numerator_and_denominator_in_both_languages():
    rates = [i for i in all_indicators() if i.kind == "rate"]
    assert len(rates) >= 15
    missing = [i.code for i in rates if not (_said(i.numerator) and _said(i.denominator))]
    assert missing == []
    for i in rates:  # the formula reads "numerator / denominator × 100"
        assert i.formula is not None
        assert i.numerator is not None and i.denominator is not None
        assert i.numerator.vi in i.formula.vi and i.denominator.vi in i.formula.vi
        assert i.numerator.en in i.formula.en and i.denominator.en in i.formula.en


def test_every_indicator_says_its_formula_and_a_count_has_no_denominator():
    assert [i.code for i in all_indicators() if not _said(i.formula)] == []
    counts = [i for i in all_indicators() if i.kind == "count"]
    assert counts and all(i.numerator is None and i.denominator is None for i in counts)


def test_the_on_time_rate_is_worded_as_the_decision_counts_it():
    i = registry.get("onestop.on_time_rate")
    assert i is not None and i.numerator is not None and i.denominator is not None
    assert i.numerator.vi == "Số hồ sơ giải quyết đúng hạn và trước hạn"
    assert i.denominator.vi == "Tổng số hồ sơ đã giải quyết"


def test_the_one_stop_and_catalogue_indicators_carry_decision_766s_group():
    for i in all_indicators():
        if i.source in ("onestop", "catalog"):
            assert i.group in GROUPS, i.code
            assert "766" in i.group.regulation
        else:
            assert i.group is None, i.code
    group = {i.code: i.group.code for i in all_indicators() if i.group is not None}
    assert group["onestop.on_time_rate"] == "TDGQ"
    assert group["onestop.online_rate"] == "CLGQ"
    assert group["catalog.full_online_rate"] == "CLGQ"
    assert group["onestop.online_payment_rate"] == "TTTT"
    assert group["onestop.digitized_rate"] == group["onestop.electronic_result_rate"] == "MDSH"
    assert group["onestop.satisfaction_rate"] == "MDHL"
    assert len({g.code for g in GROUPS}) == 6


@pytest.mark.django_db
def test_the_list_returns_each_indicators_formula_and_group(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        listed = client.get("/api/v1/indicators").json()
    assert {i["code"] for i in listed} == {i.code for i in all_indicators(public_only=True)}
    for item in listed:
        assert item["formula"]["vi"] and item["formula"]["en"]
        if item["kind"] == "rate":
            assert item["numerator"]["vi"] and item["numerator"]["en"]
            assert item["denominator"]["vi"] and item["denominator"]["en"]
        else:
            assert item["numerator"] is None and item["denominator"] is None
    payment = next(i for i in listed if i["code"] == "onestop.online_payment_rate")
    assert payment["group"]["code"] == "TTTT"
    assert payment["group"]["name_vi"] == "Thanh toán trực tuyến"
    assert next(i for i in listed if i["code"] == "documents.issued")["group"] is None


@pytest.mark.django_db
def test_one_indicator_is_read_with_its_formula(client):
    response = client.get("/api/v1/indicators/onestop.online_rate")
    assert response.status_code == 200
    got = response.json()
    assert got["numerator"] == {"vi": "Số hồ sơ tiếp nhận trực tuyến",
                                "en": "Dossiers received online"}
    assert got["denominator"]["vi"] == "Tổng số hồ sơ tiếp nhận"
    assert got["group"]["code"] == "CLGQ"
    assert got == next(i for i in client.get("/api/v1/indicators").json()
                       if i["code"] == "onestop.online_rate")


@pytest.mark.django_db
def test_an_unknown_or_hidden_indicator_has_no_definition_page(client):
    hidden = Indicator(code="test.hidden_formula", name_vi="Ẩn", name_en="Hidden",
                       pillar=Pillar.GOVERNMENT, unit="count", kind="count", source="test",
                       regulation="", public=False, compute=lambda s, q: Value(1, None, 1))
    registry.register(hidden)
    try:
        for code in ("no.such", "test.hidden_formula"):
            response = client.get(f"/api/v1/indicators/{code}")
            assert response.status_code == 404
            assert response["Content-Type"] == "application/problem+json"
            assert "Không có chỉ số này" in response.json()["detail"]
    finally:
        registry._REGISTRY.pop("test.hidden_formula", None)


@pytest.mark.django_db
def test_the_fixed_paths_are_not_taken_for_an_indicator_code(client):
    response = client.get("/api/v1/indicators/table", {"period": "2025", "format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert client.get("/api/v1/indicators/entries").status_code in (401, 403)
