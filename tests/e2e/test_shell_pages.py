"""The site's shell in a real browser: home, login and the error pages, in Vietnamese and
English, on a desktop and on a 360-pixel phone."""

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

VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
LANGS = pytest.mark.parametrize("lang", ["vi", "en"])


@VIEWPORTS
@LANGS
@pytest.mark.parametrize("path", ["/", "/dang-nhap/", "/khong-co-trang-nay/"],
                         ids=["home", "login", "404"])
def test_shell_pages_have_no_serious_accessibility_violations(
    open_page: Any, path: str, lang: str, viewport: dict[str, int], screenshot_dir: Any,
    request: pytest.FixtureRequest,
) -> None:
    page = open_page(path, lang=lang, viewport=viewport)
    assert page.locator("html").get_attribute("lang") == lang
    snap(page, screenshot_dir, request.node.callspec.id.split("-")[0])
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/", "/dang-nhap/", "/khong-co-trang-nay/"],
                         ids=["home", "login", "404"])
def test_shell_pages_fit_a_360_pixel_phone_without_sideways_scrolling(
    open_page: Any, path: str
) -> None:
    page = open_page(path, viewport=PHONE)
    assert page_width(page) <= PHONE["width"]
    assert small_tap_targets(page) == []
    font_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_size >= 16


def test_home_page_is_in_vietnamese_by_default(open_page: Any) -> None:
    page = open_page("/")
    assert page.locator("h1").inner_text() == "Cổng dịch vụ công của tỉnh"
    assert "Trang chủ" in page.title()


def test_language_switch_turns_the_page_english_and_back(open_page: Any) -> None:
    page = open_page("/dang-nhap/")
    click_and_wait(page, page.get_by_role("button", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith("/dang-nhap/"), "the switch keeps you on the same page"
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
    assert page.get_by_label("Password").is_visible()

    click_and_wait(page, page.get_by_role("button", name="Tiếng Việt"))
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", level=1).inner_text() == "Đăng nhập"


def test_language_choice_is_remembered_on_the_next_page(open_page: Any) -> None:
    page = open_page("/")
    click_and_wait(page, page.get_by_role("button", name="English"))
    click_and_wait(page, page.get_by_role("navigation").get_by_role("link", name="Log in"))
    assert page.locator("html").get_attribute("lang") == "en"


def test_tab_from_the_top_focuses_the_skip_link_first_and_it_moves_focus_to_main(
    open_page: Any,
) -> None:
    page = open_page("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skip-link" in focused
    skip = page.locator(".skip-link")
    assert skip.is_visible(), "the skip link appears when focused"
    assert skip.inner_text() == "Bỏ qua đến nội dung chính"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_keyboard_focus_is_visible_on_links_and_buttons(open_page: Any) -> None:
    page = open_page("/")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # brand
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; })()"
    )
    assert style[0] == "solid"
    assert float(style[1].removesuffix("px")) >= 2
    assert style[2] != "none"


def test_home_search_box_takes_you_to_the_procedure_search(open_page: Any) -> None:
    page = open_page("/")
    page.get_by_label("Tìm thủ tục").fill("khai sinh")
    click_and_wait(page, page.get_by_role("button", name="Tìm kiếm"))
    assert "/thu-tuc/" in page.url
    assert "q=khai+sinh" in page.url


def test_login_with_a_wrong_password_shows_a_vietnamese_error(
    open_page: Any, django_user_model: Any
) -> None:
    django_user_model.objects.create_user(username="canbo", password="mat-khau-dung-1")
    page = open_page("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("canbo")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    click_and_wait(page, page.get_by_role("button", name="Đăng nhập"))
    alert = page.get_by_role("alert")
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in alert.inner_text()
    assert page.title().startswith("Lỗi")
    assert page.get_by_label("Tên đăng nhập").input_value() == "canbo"
    assert_accessible(page)


def test_login_with_empty_fields_names_each_missing_field(open_page: Any) -> None:
    page = open_page("/dang-nhap/")
    click_and_wait(page, page.get_by_role("button", name="Đăng nhập"))
    username = page.get_by_label("Tên đăng nhập")
    assert username.get_attribute("aria-invalid") == "true"
    assert page.locator("#id_username-error").is_visible()
    assert page.locator("#id_password-error").is_visible()
    assert_accessible(page)


def test_login_with_the_right_password_signs_you_in_and_out(
    open_page: Any, django_user_model: Any
) -> None:
    django_user_model.objects.create_user(username="canbo", password="mat-khau-dung-1")
    page = open_page("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("canbo")
    page.get_by_label("Mật khẩu").fill("mat-khau-dung-1")
    click_and_wait(page, page.get_by_role("button", name="Đăng nhập"))
    logout = page.get_by_role("button", name="Đăng xuất (canbo)")
    assert logout.is_visible()
    click_and_wait(page, logout)
    assert page.get_by_role("link", name="Đăng nhập").first.is_visible()


def test_unknown_address_shows_the_vietnamese_not_found_page(open_page: Any) -> None:
    page = open_page("/khong-co-trang-nay/")
    assert page.get_by_role("heading", level=1).inner_text() == "Không tìm thấy trang"
    assert page.get_by_role("link", name="Về trang chủ").is_visible()


def test_pages_load_without_failed_requests_not_even_a_favicon(
    browser: Any, live_server: Any
) -> None:
    context = browser.new_context(locale="vi-VN")
    failures: list[str] = []
    context.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    context.on("requestfailed", lambda r: failures.append(f"failed {r.url}"))
    try:
        page = context.new_page()
        for path in ["/", "/dang-nhap/", "/thu-tuc/"]:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert failures == []
