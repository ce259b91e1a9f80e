from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tinhso.catalog.services import procedure_update
from tinhso.catalog.tests.factories import make_agency, make_procedure, record

pytestmark = pytest.mark.django_db


def test_search_page_has_a_labelled_box_and_filters_and_finds_without_diacritics(
        client: Client) -> None:
    make_procedure(make_agency("UBND phường Hạc Thành"))
    html = client.get(reverse("catalog:search"), {"q": "dang ky khai sinh"}).content.decode()
    for control in ("q", "field", "agency", "level", "government_level"):
        assert f'<label for="{control}">' in html
        assert f'id="{control}"' in html
    assert "Đăng ký khai sinh" in html and "1.001193" in html
    assert "UBND phường Hạc Thành" in html and "Toàn trình" in html and "1 ngày làm việc" in html
    headings = re.findall(r"<h([1-6])", html)
    assert headings[0] == "1" and all(int(b) - int(a) <= 1 for a, b in zip(headings, headings[1:], strict=False))


def test_search_page_paginates_and_keeps_the_query_in_links(client: Client) -> None:
    agency = make_agency()
    for i in range(25):
        make_procedure(agency, code=f"1.{100000 + i:06d}", name=f"Thủ tục khai sinh {i:02d}")
    html = client.get(reverse("catalog:search"), {"q": "khai sinh"}).content.decode()
    assert html.count('class="tag"') == 20
    assert "?q=khai+sinh&amp;page=2" in html
    page2 = client.get(reverse("catalog:search"), {"q": "khai sinh", "page": 2}).content.decode()
    assert page2.count('class="tag"') == 5


def test_detail_page_shows_facts_documents_fees_and_history(client: Client) -> None:
    agency = make_agency()
    make_procedure(agency, effective_from="2025-01-01")
    procedure_update(actor=None, code="1.001193", data=record(
        agency, deadline_value=2, effective_from="2025-07-01", change_note="Rút ngắn"))
    html = client.get(reverse("catalog:detail", args=["1.001193"])).content.decode()
    assert '<dl class="facts">' in html
    assert "<table>" in html and "Tờ khai đăng ký khai sinh" in html and "PDF, DOCX" in html
    assert "8.000 đồng" in html and "Luật Hộ tịch" in html
    assert reverse("catalog:version", args=["1.001193", 1]) in html
    assert "2 ngày làm việc" in html

    old = client.get(reverse("catalog:version", args=["1.001193", 1])).content.decode()
    assert "Đây là phiên bản cũ." in old and "1 ngày làm việc" in old


def test_hostile_text_stays_escaped_on_the_page(client: Client) -> None:
    agency = make_agency()
    make_procedure(agency, name="<script>alert(1)</script> khai sinh",
                   legal_basis="<img src=x onerror=alert(1)>",
                   required_documents=[{"name": "<b>Tờ khai</b>"}])
    for url in (reverse("catalog:detail", args=["1.001193"]),
                reverse("catalog:search") + "?q=khai"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Tờ khai&lt;/b&gt;" in client.get(
        reverse("catalog:detail", args=["1.001193"])).content.decode()


def test_unknown_or_malformed_codes_and_versions_are_404_pages(client: Client) -> None:
    make_procedure(make_agency())
    assert client.get("/thu-tuc/1.999999/").status_code == 404
    assert client.get("/thu-tuc/abc/").status_code == 404
    assert client.get("/thu-tuc/1.001193/phien-ban/7/").status_code == 404


def test_search_page_and_api_list_use_a_constant_number_of_queries(
        client: Client, django_assert_max_num_queries) -> None:
    agency = make_agency()
    for i in range(30):
        make_procedure(agency, code=f"1.{200000 + i:06d}", name=f"Cấp giấy phép {i}")
    with django_assert_max_num_queries(5):
        assert client.get(reverse("catalog:search"), {"q": "cap giay"}).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/procedures", {"q": "cap giay", "page_size": 100}
                          ).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("catalog:detail", args=["1.200001"])).status_code == 200
