from __future__ import annotations

import datetime as dt

import pytest

from tinhso.core.errors import DomainError
from tinhso.directory.models import REFORM_DATE, AdminUnit, UnitSuccession
from tinhso.directory.selectors import (
    unit_predecessors,
    unit_successor_map,
    unit_successors,
    units_valid_on,
    units_without_heir,
)
from tinhso.directory.services import units_import

L = AdminUnit.Level
BEFORE = dt.date(2025, 6, 30)
AFTER = dt.date(2025, 7, 1)


def old(name: str, level: int = L.COMMUNE, province: str = "38") -> AdminUnit:
    return AdminUnit.objects.get(
        name=name, level=level, valid_to=REFORM_DATE, province_code=province
    )


def new(name: str, level: int = L.COMMUNE) -> AdminUnit:
    return AdminUnit.objects.get(name=name, level=level, valid_to__isnull=True)


def snapshot() -> tuple[list, list]:
    units = list(AdminUnit.objects.order_by("pk").values_list(
        "pk", "code", "name", "kind", "level", "parent_id", "province_code", "valid_from",
        "valid_to"))
    links = list(UnitSuccession.objects.order_by("pk").values_list(
        "pk", "predecessor_id", "successor_id", "kind", "date", "is_primary", "note"))
    return units, links


@pytest.mark.django_db
def test_whole_country_imports_and_every_unit_ends_valid_today_or_with_a_successor():
    stats = units_import()

    assert stats.provinces == 34
    assert stats.seconds < 20
    assert units_valid_on(AFTER, level=L.PROVINCE).count() == 34
    assert units_valid_on(AFTER, level=L.COMMUNE).count() == 3321
    assert units_valid_on(AFTER, level=L.DISTRICT).count() == 0
    assert units_valid_on(BEFORE, level=L.PROVINCE).count() == 63
    assert units_valid_on(BEFORE, level=L.DISTRICT).count() == 696
    assert units_valid_on(BEFORE, level=L.COMMUNE).count() == 10035
    # Directly: nothing ended without a successor...
    assert list(units_without_heir()) == []
    # ...and transitively: every ended unit leads to units in force today.
    ended = list(AdminUnit.objects.filter(valid_to__isnull=False))
    heirs = unit_successor_map(ended)
    assert [u.code for u in ended if not heirs[u.pk]] == []
    assert all(h.valid_to is None for found in heirs.values() for h in found)


@pytest.mark.django_db
def test_thanh_hoa_went_on_as_one_unit_with_166_communes(thanh_hoa):
    province = AdminUnit.objects.get(code="38", level=L.PROVINCE)  # one era only

    assert province.valid_from is None
    assert province.valid_to is None
    assert units_valid_on(AFTER, level=L.COMMUNE, province_code="38").count() == 166
    assert province.children.filter(level=L.COMMUNE, valid_to__isnull=True).count() == 166
    assert units_valid_on(BEFORE, level=L.DISTRICT, province_code="38").count() == 26
    assert units_valid_on(BEFORE, level=L.COMMUNE, province_code="38").count() == 547
    assert list(units_without_heir()) == []


@pytest.mark.django_db
def test_an_old_thanh_hoa_city_ward_maps_to_hac_thanh(thanh_hoa):
    dien_bien = old("Phường Điện Biên")

    assert dien_bien.parent.name == "Thành phố Thanh Hóa"
    assert [u.name for u in unit_successors(dien_bien, on=AFTER)] == ["Phường Hạc Thành"]
    link = dien_bien.successions.get()
    assert link.kind == UnitSuccession.Kind.MERGE
    assert link.date == REFORM_DATE
    # Before the reform the old ward is its own answer.
    assert unit_successors(dien_bien, on=BEFORE) == [dien_bien]


@pytest.mark.django_db
def test_a_split_commune_has_several_successors_and_one_primary(thanh_hoa):
    dong_tho = old("Phường Đông Thọ")

    links = list(dong_tho.successions.select_related("successor"))
    assert {ln.successor.name for ln in links} == {"Phường Hạc Thành", "Phường Hàm Rồng"}
    assert {ln.kind for ln in links} == {UnitSuccession.Kind.SPLIT}
    assert [ln.successor.name for ln in links if ln.is_primary] == ["Phường Hạc Thành"]
    assert [u.name for u in unit_successors(dong_tho, primary_only=True)] == ["Phường Hạc Thành"]


@pytest.mark.django_db
def test_a_commune_that_kept_its_code_is_the_same_code_in_a_new_era(thanh_hoa):
    # Phường Hàm Rồng took the code of Phường Đông Thọ (14758): two rows, one per era.
    eras = sorted(AdminUnit.objects.filter(code="14758", level=L.COMMUNE),
                  key=lambda u: u.valid_to is None)

    assert [(u.name, u.valid_from, u.valid_to) for u in eras] == [
        ("Phường Đông Thọ", None, REFORM_DATE),
        ("Phường Hàm Rồng", REFORM_DATE, None),
    ]


@pytest.mark.django_db
def test_a_district_is_abolished_into_the_communes_that_took_its_territory(thanh_hoa):
    city = old("Thành phố Thanh Hóa", level=L.DISTRICT)

    links = list(city.successions.select_related("successor"))
    assert {ln.kind for ln in links} == {UnitSuccession.Kind.ABOLISH}
    assert "Phường Hạc Thành" in {ln.successor.name for ln in links}
    assert sum(ln.is_primary for ln in links) == 1
    assert all(u.level == L.COMMUNE for u in unit_successors(city))


@pytest.mark.django_db
def test_hac_thanh_reports_the_history_of_its_old_wards_and_district(thanh_hoa):
    hac_thanh = new("Phường Hạc Thành")

    history = unit_predecessors(hac_thanh)
    names = {u.name for u in history}
    assert {"Phường Điện Biên", "Phường Đông Thọ", "Thành phố Thanh Hóa"} <= names
    assert all(u.valid_to == REFORM_DATE for u in history)
    assert {u.level for u in unit_predecessors(hac_thanh, level=L.COMMUNE)} == {L.COMMUNE}


@pytest.mark.django_db
def test_merged_provinces_end_with_a_merge_into_the_new_one():
    units_import(province_codes=["08"])  # Tuyên Quang took in Hà Giang
    ha_giang = old("Hà Giang", level=L.PROVINCE, province="02")
    tuyen_quang_eras = AdminUnit.objects.filter(code="08", level=L.PROVINCE)

    assert tuyen_quang_eras.count() == 2
    assert [(u.name, u.valid_from) for u in unit_successors(ha_giang)] == [
        ("Tuyên Quang", REFORM_DATE)
    ]
    assert ha_giang.successions.get().kind == UnitSuccession.Kind.MERGE
    assert list(units_without_heir()) == []


@pytest.mark.django_db
def test_importing_again_changes_nothing(thanh_hoa):
    before = snapshot()

    stats = units_import(province_codes=["38"])

    assert stats.changed == 0
    assert snapshot() == before


@pytest.mark.django_db
def test_import_puts_back_a_unit_renamed_by_hand(thanh_hoa):
    AdminUnit.objects.filter(name="Phường Hạc Thành").update(name="Sai tên")

    stats = units_import(province_codes=["38"])

    assert stats.units_updated == 1
    assert new("Phường Hạc Thành").name_folded == "phuong hac thanh"


@pytest.mark.django_db
def test_an_unknown_province_is_refused_with_the_field_named():
    with pytest.raises(DomainError) as exc:
        units_import(province_codes=["99"])

    assert exc.value.status == 422
    assert exc.value.errors[0].field == "province_codes"
    assert AdminUnit.objects.count() == 0


@pytest.mark.django_db
def test_succession_walks_do_not_query_per_unit(thanh_hoa, django_assert_max_num_queries):
    old_communes = list(units_valid_on(BEFORE, level=L.COMMUNE, province_code="38"))
    hac_thanh = new("Phường Hạc Thành")
    city = old("Thành phố Thanh Hóa", level=L.DISTRICT)

    with django_assert_max_num_queries(3):
        heirs = unit_successor_map(old_communes, on=AFTER)
    with django_assert_max_num_queries(3):
        unit_predecessors(hac_thanh)
    with django_assert_max_num_queries(3):
        unit_successors(city, on=AFTER)
    assert len(heirs) == 547
    assert all(heirs.values())
