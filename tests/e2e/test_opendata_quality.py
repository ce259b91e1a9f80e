"""A publisher signs in and finds the datasets of their agency that are overdue for an update,
at /du-lieu/quan-ly/qua-han/: axe-core clean, no sideways scroll at 1280 and 360 px; another
agency's overdue dataset is not there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)

from .support import DESKTOP, PHONE, assert_accessible, click_and_wait, page_width, snap

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("quiet_usage"),
]

PASSWORD = "mat-khau-rat-dai-2026"  # the factories' password


@pytest.fixture
def world() -> Any:
    from django.utils import timezone

    from tinhso.accounts.tests.factories import AgencyFactory
    from tinhso.opendata.models import Resource
    from tinhso.opendata.quality_store import quality_refresh
    from tinhso.opendata.tests.world import dataset, publisher

    own, other = AgencyFactory(name="Sở Y tế"), AgencyFactory(name="Sở Tài chính")
    author = publisher(own)
    dataset(
        author,
        own,
        "co-so-y-te",
        title="Danh sách cơ sở khám chữa bệnh",
        frequency="monthly",
        resources=[{"url": "https://x.vn/cs.csv", "format": "CSV"}],
    )
    dataset(
        publisher(other),
        other,
        "ngan-sach",
        title="Dự toán ngân sách",
        frequency="monthly",
        resources=[{"url": "https://x.vn/ns.csv", "format": "CSV"}],
    )
    Resource.objects.update(last_modified=timezone.now() - dt.timedelta(days=80))
    quality_refresh()
    return {"author": author}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_publisher_sees_their_stale_datasets(open_page, world, viewport, screenshot_dir):
    page = open_page("/dang-nhap/?next=/du-lieu/quan-ly/qua-han/", viewport=viewport)
    page.get_by_label("Tên đăng nhập").fill(world["author"].username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    click_and_wait(page, page.get_by_role("main").get_by_role("button", name="Đăng nhập"))
    assert page.url.endswith("/du-lieu/quan-ly/qua-han/")
    assert page.get_by_role("heading", name="Bộ dữ liệu quá hạn cập nhật").is_visible()
    table = page.get_by_role("table")
    assert table.get_by_role("link", name="Danh sách cơ sở khám chữa bệnh").is_visible()
    assert "Dự toán ngân sách" not in page.content()
    assert_accessible(page)
    assert page_width(page) <= viewport["width"]
    snap(page, screenshot_dir, "opendata-stale")
