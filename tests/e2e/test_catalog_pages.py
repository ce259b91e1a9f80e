"""The procedure search and detail pages in a real browser, with a procedure seeded through
the catalog's own services."""

from __future__ import annotations

from typing import Any

import pytest

from .support import (
    DESKTOP,
    PHONE,
    assert_accessible,
    click_and_wait,
    page_width,
    small_tap_targets,
    snap,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = "1.001193.000.00.00.H56"
NAME = "Đăng ký khai sinh"


@pytest.fixture
def birth_registration() -> Any:
    """A commune, its People's Committee and one procedure with documents and a fee."""
    from tinhso.catalog.services import procedure_create
    from tinhso.directory.models import AdminUnit, Agency

    ward = AdminUnit.objects.create(
        code="14755", name="Phường Hạc Thành", kind="phường", level=AdminUnit.Level.COMMUNE,
        province_code="38",
    )
    agency = Agency.objects.create(
        code="000.00.31.H56", name="Ủy ban nhân dân phường Hạc Thành", short_name="UBND Hạc Thành",
        kind=Agency.Kind.COMMUNE, unit=ward, province_code="38",
    )
    return procedure_create(actor=None, data={
        "code": CODE,
        "name": NAME,
        "field": "Hộ tịch",
        "agency_code": agency.code,
        "online_level": "full",
        "government_level": "commune",
        "deadline_value": 1,
        "deadline_unit": "day",
        "deadline_note": "Trường hợp cần xác minh thì không quá 03 ngày làm việc.",
        "result_type": "Giấy khai sinh (bản chính)",
        "legal_basis": "Luật Hộ tịch số 60/2014/QH13.\nNghị định số 123/2015/NĐ-CP.",
        "required_documents": [
            {"name": "Tờ khai đăng ký khai sinh theo mẫu", "mandatory": True,
             "file_types": ["pdf", "docx"]},
            {"name": "Giấy chứng sinh hoặc văn bản của người làm chứng xác nhận việc sinh",
             "mandatory": True, "file_types": ["pdf", "jpg", "png"]},
            {"name": "Văn bản ủy quyền (khi nộp thay)", "mandatory": False},
        ],
        "fees": [{"amount": 8000, "description": "Lệ phí đăng ký khai sinh quá hạn"}],
    })


SEARCH = "/thu-tuc/?q=khai+sinh"
DETAIL = f"/thu-tuc/{CODE}/"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path", ["/thu-tuc/", SEARCH, DETAIL], ids=["search", "results", "detail"])
def test_catalog_pages_have_no_serious_accessibility_violations(
    open_page: Any, birth_registration: Any, path: str, lang: str, viewport: dict[str, int],
    screenshot_dir: Any, request: pytest.FixtureRequest,
) -> None:
    page = open_page(path, lang=lang, viewport=viewport)
    assert page.locator("html").get_attribute("lang") == lang
    snap(page, screenshot_dir, request.node.callspec.id.split("-")[0])
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/thu-tuc/", SEARCH, DETAIL], ids=["search", "results", "detail"])
def test_catalog_pages_fit_a_360_pixel_phone_without_sideways_scrolling(
    open_page: Any, birth_registration: Any, path: str, screenshot_dir: Any
) -> None:
    page = open_page(path, viewport=PHONE)
    assert page_width(page) <= PHONE["width"]
    assert small_tap_targets(page) == []


def test_search_without_diacritics_finds_the_procedure_and_opens_it(
    open_page: Any, birth_registration: Any
) -> None:
    page = open_page("/")
    page.get_by_label("Tìm thủ tục").fill("dang ky khai sinh")
    click_and_wait(page, page.get_by_role("button", name="Tìm kiếm"))
    assert "Tìm thấy 1 thủ tục." in page.get_by_role("status").inner_text()
    click_and_wait(page, page.get_by_role("link", name=NAME))
    assert page.get_by_role("heading", level=1).inner_text() == NAME
    assert CODE in page.locator("main").inner_text()
    assert "Tờ khai đăng ký khai sinh theo mẫu" in page.get_by_role("table").inner_text()


def test_procedure_detail_reads_in_english_after_the_switch(
    open_page: Any, birth_registration: Any
) -> None:
    page = open_page(DETAIL)
    click_and_wait(page, page.get_by_role("button", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith(DETAIL)
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    assert "Required documents" in headings


def test_unknown_procedure_code_shows_the_not_found_page(
    open_page: Any, birth_registration: Any
) -> None:
    page = open_page("/thu-tuc/1.999999/")
    assert page.get_by_role("heading", level=1).inner_text() == "Không tìm thấy trang"
