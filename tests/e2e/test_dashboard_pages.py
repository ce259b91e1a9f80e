"""The digital-transformation dashboard in a real browser: open it, switch the period, drill
down from a figure to the communes and agencies, download the Steering Committee report;
axe-core clean at 1280 and 360 px. The one-stop rollup rows are written directly (the figures
of a whole year) and the target through the real service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from .support import DESKTOP, PHONE, assert_accessible, click_and_wait, page_width, snap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def province(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    from tinhso.indicators import services
    from tinhso.indicators.tests.province import AT, make_province
    from tinhso.onestop.models import DossierStatMonth

    p = make_province()
    for agency, day, counts in [
        (p.tax, dt.date(2022, 3, 1), {"received": 600_000, "resolved_early": 500_000,
                                      "resolved_on_time": 100_000, "resolved_late": 10_000}),
        (p.commune_committee, dt.date(2022, 11, 1),
         {"received": 386_337, "resolved_early": 300_000, "resolved_on_time": 30_614,
          "resolved_late": 6_455}),
        (p.tax, dt.date(2021, 5, 1), {"received": 800_000, "resolved_early": 700_000}),
    ]:
        DossierStatMonth.objects.create(month=day, province_code="38", agency=agency, channel=1,
                                        online_level="full", **counts)
    services.target_decision_create(
        actor=p.reviewer, agency=p.science, number="969/QĐ-UBND", date=dt.date(2022, 1, 10),
        title="Giao chỉ tiêu", at=AT, targets=[
            {"indicator": "onestop.on_time_rate", "unit": "38", "year": 2022,
             "comparator": "gte", "value": 99.5}])
    return p


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_dashboard_switches_period_drills_down_and_downloads_the_report(
        open_page: Any, province: Any, screenshot_dir: Any, viewport: dict[str, int],
        tmp_path: Any) -> None:
    page = open_page("/chi-so/?period=2022", viewport=viewport)
    assert page.get_by_role("heading", level=1).inner_text().endswith("kỳ 2022")
    assert page.locator(".figure .big", has_text="986.337").first.is_visible()
    assert page.get_by_text("Gần đạt chỉ tiêu").first.is_visible()  # status in words
    assert_accessible(page)
    if viewport is PHONE:
        assert page_width(page) <= PHONE["width"], "sideways scroll on the phone"
    snap(page, screenshot_dir, "dashboard")

    # Switch the period: 2021's figures.
    page.get_by_label("Kỳ báo cáo").fill("2021")
    click_and_wait(page, page.get_by_role("button", name="Xem"))
    assert "period=2021" in page.url
    assert page.locator(".figure .big", has_text="800.000").first.is_visible()
    assert_accessible(page)

    # A bad period is said next to the field.
    page.get_by_label("Kỳ báo cáo").fill("2021-Q9")
    click_and_wait(page, page.get_by_role("button", name="Xem"))
    assert page.title().startswith("Lỗi:")
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page)

    # Drill down from a figure to the communes and agencies.
    page.goto(page.url.split("/chi-so/")[0] + "/chi-so/?period=2022")
    click_and_wait(page, page.get_by_role("link",
                                          name="Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn"))
    assert page.get_by_role("heading", name="Theo xã, phường").is_visible()
    assert page.get_by_role("cell", name="98,08%").first.is_visible()
    assert_accessible(page)
    if viewport is PHONE:
        assert page_width(page) <= PHONE["width"], "sideways scroll on the drill-down"
    snap(page, screenshot_dir, "dashboard-indicator")

    # Download the report of the period.
    click_and_wait(page, page.get_by_role("link", name="← Bảng chỉ số chuyển đổi số"))
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải báo cáo DOCX").click()
    download = info.value
    assert download.suggested_filename == "bao-cao-chuyen-doi-so-2022.docx"
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    from docx import Document

    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert ("đã tiếp nhận 986.337 hồ sơ; đã xử lý 947.069 hồ sơ; tỷ lệ hồ sơ được giải quyết "
            "đúng và trước hạn đạt 98,26%") in text


def test_the_dashboard_in_english(open_page: Any, province: Any) -> None:
    page = open_page("/chi-so/?period=2022", lang="en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".figure h3", has_text="Online dossier rate").is_visible()
    assert_accessible(page)
