"""The open data portal in a real browser: search without tone marks, narrow by a facet, open
a dataset, open its resource's preview with a chart and the table, filter the table; axe-core
clean and no sideways scroll at 1280 and 360 px. Data made through the real services (the CSV
is loaded into the datastore as an upload is)."""

from __future__ import annotations

from typing import Any

import pytest

from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)

from .support import (
    DESKTOP,
    PHONE,
    assert_accessible,
    click_and_wait,
    page_width,
    small_tap_targets,
    snap,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("quiet_usage"),
]

MONTHS = "thang,ho_so,dung_han\n" + "".join(
    f"2024-{m:02d}-01,{1000 + 37 * m},{900 + 30 * m}\n" for m in range(1, 13)
)


@pytest.fixture
def portal(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TINHSO_DATASTORE_DIR = tmp_path / "datastore"
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tinhso.accounts.tests.factories import AgencyFactory
    from tinhso.opendata import services
    from tinhso.opendata.tests.world import dataset, publisher, theme

    office = AgencyFactory(name="Văn phòng UBND tỉnh")
    author = publisher(office)
    theme("hanh-chinh", "Hành chính công")
    ds = dataset(
        author,
        office,
        "ho-so-theo-thang",
        title="Hồ sơ thủ tục hành chính theo tháng",
        notes="Số hồ sơ tiếp nhận và giải quyết đúng hạn theo tháng.",
        license_id="cc-by-4.0",
        tags=[{"name": "một cửa"}],
        groups=[{"name": "hanh-chinh"}],
        frequency="monthly",
    )
    dataset(
        author,
        office,
        "don-vi-hanh-chinh",
        title="Danh mục đơn vị hành chính",
        groups=[{"name": "hanh-chinh"}],
        resources=[{"url": "https://example.gov.vn/dvhc.csv", "format": "CSV"}],
    )
    res = services.resource_add(
        actor=author,
        data={
            "package_id": str(ds.pk),
            "name": "Thống kê hồ sơ 2024",
            "upload": SimpleUploadedFile("ho-so-2024.csv", MONTHS.encode()),
        },
    )
    return {"ds": ds, "res": res, "author": author}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_search_then_a_dataset_then_its_preview(
    open_page: Any, portal: Any, screenshot_dir: Any, viewport: dict[str, int]
) -> None:
    phone = viewport is PHONE
    page = open_page("/du-lieu/", viewport=viewport)
    assert page.get_by_role("heading", level=1).inner_text() == "Cổng dữ liệu mở"
    assert page.get_by_role("link", name="Hành chính công").is_visible()
    assert_accessible(page)
    if phone:
        assert page_width(page) <= PHONE["width"], "sideways scroll on the phone"
    snap(page, screenshot_dir, "opendata-home")

    # Search without tone marks.
    page.get_by_label("Tìm bộ dữ liệu (không cần gõ dấu)").fill("ho so thu tuc")
    click_and_wait(page, page.get_by_role("button", name="Tìm kiếm"))
    assert "q=ho+so+thu+tuc" in page.url
    assert page.get_by_role("heading", name="1 bộ dữ liệu").is_visible()
    assert_accessible(page)
    assert small_tap_targets(page) == []
    if phone:
        assert page_width(page) <= PHONE["width"], "sideways scroll on the results"
    snap(page, screenshot_dir, "opendata-search")

    # Narrow by a facet, then take the filter off again.
    page.goto(page.url.split("/du-lieu/")[0] + "/du-lieu/bo-du-lieu/")
    assert page.get_by_role("heading", name="2 bộ dữ liệu").is_visible()
    page.locator("summary", has_text="Định dạng").click()
    click_and_wait(page, page.locator(".od-facet a", has_text="CSV"))
    assert "res_format=CSV" in page.url
    assert page.get_by_role("heading", name="2 bộ dữ liệu").is_visible()
    page.locator("summary", has_text="Từ khóa").click()
    click_and_wait(page, page.locator(".od-facet a", has_text="một cửa"))
    assert page.get_by_role("heading", name="1 bộ dữ liệu").is_visible()
    assert_accessible(page)

    # The dataset's page.
    click_and_wait(page, page.get_by_role("link", name="Hồ sơ thủ tục hành chính theo tháng"))
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Hồ sơ thủ tục hành chính theo tháng"
    )
    assert page.get_by_text("Hằng tháng").first.is_visible()
    assert page.locator('link[rel="alternate"][type="text/turtle"]').get_attribute("href") == (
        "/dataset/ho-so-theo-thang.ttl"
    )
    assert_accessible(page)
    if phone:
        assert page_width(page) <= PHONE["width"], "sideways scroll on the dataset"
    snap(page, screenshot_dir, "opendata-dataset")

    # The resource's preview: a chart of the months and the table.
    click_and_wait(page, page.get_by_role("link", name="Thống kê hồ sơ 2024", exact=True))
    assert page.get_by_role("heading", name="Xem trước dữ liệu").is_visible()
    assert page.get_by_role("img", name="ho_so theo thang").is_visible()
    assert page.get_by_role("cell", name="2024-03-01").first.is_visible()
    assert page.get_by_text("12 dòng").first.is_visible()
    assert_accessible(page)
    if phone:
        assert page_width(page) <= PHONE["width"], "sideways scroll on the preview"
    snap(page, screenshot_dir, "opendata-preview")

    # Filter the table on a column.
    page.get_by_label("Cột", exact=True).select_option("ho_so")
    page.get_by_label("bằng giá trị").fill("1111")
    click_and_wait(page, page.get_by_role("button", name="Lọc", exact=True))
    assert page.get_by_text("1 dòng khớp bộ lọc").is_visible()
    assert page.get_by_role("cell", name="2024-03-01").first.is_visible()
    assert_accessible(page)


def test_the_portal_in_english(open_page: Any, portal: Any) -> None:
    page = open_page("/du-lieu/bo-du-lieu/ho-so-theo-thang/", lang="en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page)


def test_a_publisher_creates_a_dataset_on_a_phone(open_page: Any, portal: Any) -> None:
    from tinhso.opendata.models import Dataset

    author = portal["author"]
    page = open_page("/dang-nhap/", viewport=PHONE)
    page.get_by_label("Tên đăng nhập").fill(author.username)
    page.get_by_label("Mật khẩu").fill("mat-khau-rat-dai-2026")
    click_and_wait(page, page.get_by_role("main").get_by_role("button", name="Đăng nhập"))
    page.goto(page.url.split("/dang-nhap/")[0] + "/du-lieu/")
    click_and_wait(page, page.get_by_role("link", name="Dữ liệu của cơ quan tôi"))
    click_and_wait(page, page.get_by_role("link", name="Thêm bộ dữ liệu"))
    assert_accessible(page)
    assert page_width(page) <= PHONE["width"], "sideways scroll on the form"
    page.get_by_label("Tiêu đề").fill("Trường học theo xã")
    page.get_by_label("Tên định danh (dùng trong đường dẫn)").fill("Trường Học")
    click_and_wait(page, page.get_by_role("button", name="Công bố ngay"))
    assert page.get_by_role("alert").is_visible()  # the service's words, on the field
    assert page.get_by_text("Chỉ gồm chữ thường không dấu").first.is_visible()
    assert_accessible(page)
    page.get_by_label("Tên định danh (dùng trong đường dẫn)").fill("truong-hoc-theo-xa")
    page.get_by_label("Hành chính công").check()
    click_and_wait(page, page.get_by_role("button", name="Công bố ngay"))
    assert page.get_by_role("heading", level=1).inner_text() == "Trường học theo xã"
    assert Dataset.objects.get(name="truong-hoc-theo-xa").state == "active"
    assert_accessible(page)
    # A resource added, then edited on the phone: kept for agencies only.
    from tinhso.opendata.models import Resource

    click_and_wait(page, page.get_by_role("link", name="Thêm tài nguyên"))
    page.get_by_label("Tên tài nguyên").fill("Danh sách trường")
    page.get_by_label("Hoặc đường dẫn tới dữ liệu").fill("https://example.vn/truong.csv")
    click_and_wait(page, page.get_by_role("button", name="Thêm tài nguyên"))
    click_and_wait(page, page.get_by_role("link", name="Sửa Danh sách trường"))
    assert_accessible(page)
    assert page_width(page) <= PHONE["width"], "sideways scroll on the resource form"
    page.get_by_label("Mức truy cập của tài nguyên").select_option(
        label="Ai cũng xem được, chỉ cơ quan nhà nước được tải")
    click_and_wait(page, page.get_by_role("button", name="Lưu thay đổi"))
    assert Resource.objects.get(name="Danh sách trường").access_level == "agencies"
    assert_accessible(page)
