from __future__ import annotations

import pytest

from tinhso.catalog.selectors import SearchFilters, paginate, search_procedures
from tinhso.catalog.tests.factories import make_agency, make_procedure

pytestmark = pytest.mark.django_db


def _names(**filters: str) -> list[str]:
    return [v.name for v in search_procedures(SearchFilters(**filters))]


@pytest.fixture
def catalog() -> dict:
    justice = make_agency("Sở Tư pháp")
    commune = make_agency("UBND phường Hạc Thành")
    make_procedure(commune, code="1.001193", name="Đăng ký khai sinh")
    make_procedure(commune, code="1.000689", name="Đăng ký khai sinh kết hợp nhận cha, mẹ, con",
                   online_level="partial")
    make_procedure(commune, code="1.004884", name="Đăng ký lại khai sinh", online_level="partial")
    make_procedure(justice, code="2.000884", name="Chứng thực chữ ký", field="Chứng thực",
                   government_level="province")
    return {"justice": justice, "commune": commune}


def test_search_without_diacritics_finds_the_vietnamese_name(catalog: dict) -> None:
    assert "Đăng ký khai sinh" in _names(q="dang ky khai sinh")


def test_search_in_capitals_with_diacritics_finds_it_too(catalog: dict) -> None:
    assert "Đăng ký khai sinh" in _names(q="ĐĂNG KÝ")
    assert "Đăng ký khai sinh" in _names(q="  đăng   KÝ  khai sinh ")


def test_every_word_must_match_in_any_order(catalog: dict) -> None:
    assert _names(q="sinh lai") == ["Đăng ký lại khai sinh"]
    assert _names(q="khai sinh chung") == []


def test_names_starting_with_the_query_come_first(catalog: dict) -> None:
    names = _names(q="khai sinh")
    assert names[-1] == "Đăng ký lại khai sinh"  # matches, but does not start with it
    names = _names(q="dang ky khai sinh")
    assert names[0].startswith("Đăng ký khai sinh")


def test_search_finds_by_code_and_field(catalog: dict) -> None:
    assert _names(q="2.000884") == ["Chứng thực chữ ký"]
    assert _names(q="chung thuc") == ["Chứng thực chữ ký"]


def test_filters_narrow_the_results(catalog: dict) -> None:
    assert _names(field="Chứng thực") == ["Chứng thực chữ ký"]
    assert len(_names(agency=catalog["commune"].code)) == 3
    assert sorted(_names(level="partial")) == ["Đăng ký khai sinh kết hợp nhận cha, mẹ, con",
                                               "Đăng ký lại khai sinh"]
    assert _names(government_level="province") == ["Chứng thực chữ ký"]


def test_pages_hold_at_most_a_hundred_rows(catalog: dict) -> None:
    qs = search_procedures(SearchFilters())
    assert paginate(qs, page=1, page_size=1000).paginator.per_page == 100
    assert paginate(qs, page=1).paginator.per_page == 20
    assert len(paginate(qs, page=2, page_size=3).object_list) == 1
    assert paginate(qs, page="x", page_size=3).number == 1
