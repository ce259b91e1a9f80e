"""The one-stop system in a real browser: a citizen from procedure search to submission and
tracking, officers through receive -> forward -> approve -> return, and the citizen downloading
the result and rating the service, with every queue page checked by axe-core at 1280 and
360 px. Data is made through the real services."""

from __future__ import annotations

from typing import Any

import pytest

from tinhso.signing.tests.crafted import clean_raw

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

PASSWORD = "mat-khau-rat-dai-2026"
# A real one-page PDF: a result is checked in full before it is signed (signing.pdfcheck).
PDF = clean_raw()


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    from tinhso.onestop.tests.world import make_world

    return make_world()


def login(page: Any, user: Any, base: str) -> None:
    page.goto(base + "/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    click_and_wait(page, page.get_by_role("main").get_by_role("button", name="Đăng nhập"))


def check_layout(page: Any, width: int) -> None:
    assert_accessible(page)
    if width == PHONE["width"]:
        assert page_width(page) <= PHONE["width"], f"sideways scroll on {page.url}"
        assert not small_tap_targets(page), small_tap_targets(page)


def test_a_citizen_finds_a_procedure_submits_online_and_tracks_the_dossier(
        open_page: Any, world: Any, screenshot_dir: Any, live_server: Any) -> None:
    from tinhso.onestop.models import Dossier

    page = open_page("/")
    login(page, world.citizen, live_server.url)
    click_and_wait(page, page.get_by_role("link", name="Thủ tục hành chính", exact=True))
    page.get_by_label("Tên hoặc mã thủ tục").fill("ly lich tu phap")
    click_and_wait(page, page.get_by_role("button", name="Tìm kiếm"))
    click_and_wait(page, page.get_by_role("link", name=world.version.name))
    click_and_wait(page, page.get_by_role("link", name="Nộp hồ sơ trực tuyến"))
    assert page.get_by_label("Họ và tên người nộp").input_value() == "Nguyễn Văn Công"
    assert_accessible(page)

    # Submitting without the documents: errors in Vietnamese, next to each field.
    page.get_by_label("Nội dung yêu cầu").fill("Cấp phiếu lý lịch tư pháp số 1 để đi làm")
    click_and_wait(page, page.get_by_role("button", name="Nộp hồ sơ"))
    assert page.title().startswith("Lỗi:")
    assert page.get_by_role("alert").is_visible()
    assert page.locator(".field-error", has_text="Cần đính kèm giấy tờ bắt buộc này.").count() == 2
    assert_accessible(page)

    for doc in world.documents:
        if doc.is_mandatory:
            page.locator(f"#id_doc_{doc.pk}").set_input_files(
                {"name": f"giay-to-{doc.position}.pdf", "mimeType": "application/pdf",
                 "buffer": PDF})
    click_and_wait(page, page.get_by_role("button", name="Nộp hồ sơ"))
    d = Dossier.objects.get()
    assert page.url.endswith(f"/ho-so/{d.code}/")
    assert page.get_by_text(f"Mã hồ sơ của bạn: {d.code}").is_visible()
    assert_accessible(page)

    click_and_wait(page, page.get_by_role("link", name="Hồ sơ của tôi").first)
    assert page.get_by_role("link", name=d.code).is_visible()
    assert_accessible(page)

    # Tracking by code, without logging in.
    anon = open_page("/tra-cuu/", viewport=PHONE)
    check_layout(anon, PHONE["width"])
    anon.get_by_label("Mã hồ sơ").fill("sai-ma")
    click_and_wait(anon, anon.get_by_role("button", name="Tra cứu"))
    assert anon.get_by_role("alert").is_visible()
    assert anon.get_by_label("Mã hồ sơ").get_attribute("aria-invalid") == "true"
    check_layout(anon, PHONE["width"])
    anon.get_by_label("Mã hồ sơ").fill(d.code.lower())
    click_and_wait(anon, anon.get_by_role("button", name="Tra cứu"))
    assert anon.get_by_text("Mới nộp, chờ tiếp nhận").first.is_visible()
    assert "Nguyễn Văn Công" not in anon.content()
    check_layout(anon, PHONE["width"])
    snap(anon, screenshot_dir, "tracking")


def _act(page: Any, title: str, comment: str = "") -> None:
    form = page.locator("form.action-form", has=page.get_by_role("heading", name=title))
    if comment:
        form.locator("textarea").fill(comment)
    click_and_wait(page, form.get_by_role("button", name=title))
    assert page.get_by_text(f"Đã thực hiện: {title}.").is_visible(), page.content()[:3000]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "360"])
def test_officers_take_a_dossier_from_receipt_to_returned_result(
        open_page: Any, world: Any, viewport: dict[str, int], screenshot_dir: Any,
        live_server: Any) -> None:
    from tinhso.onestop.models import Dossier
    from tinhso.onestop.status import Status
    from tinhso.onestop.tests.world import vn

    d = world.submit_online(vn(2025, 3, 3, 8, 0))
    for i in range(3):
        world.submit_online(vn(2025, 3, 3, 9, i))
    width = viewport["width"]

    desk = open_page("/", viewport=viewport)
    login(desk, world.desk, live_server.url)
    click_and_wait(desk, desk.get_by_role("link", name="Xử lý hồ sơ"))
    tabs = desk.get_by_role("navigation", name="Hàng đợi hồ sơ").get_by_role("link")
    assert tabs.count() == 6
    for i in range(6):
        click_and_wait(desk, tabs.nth(i))
        check_layout(desk, width)
    click_and_wait(desk, tabs.first)
    snap(desk, screenshot_dir, "officer-queue")
    click_and_wait(desk, desk.get_by_role("link", name=d.code))
    check_layout(desk, width)
    snap(desk, screenshot_dir, "dossier-to-receive")
    _act(desk, "Tiếp nhận hồ sơ", "Đủ thành phần hồ sơ")
    _act(desk, "Chuyển bước tiếp theo", "Chuyển phòng chuyên môn")

    specialist = open_page("/", viewport=viewport)
    login(specialist, world.specialist, live_server.url)
    click_and_wait(specialist, specialist.get_by_role("link", name="Xử lý hồ sơ"))
    check_layout(specialist, width)
    click_and_wait(specialist, specialist.get_by_role("link", name=d.code))
    _act(specialist, "Chuyển bước tiếp theo", "Đủ điều kiện cấp")

    leader = open_page("/", viewport=viewport)
    login(leader, world.leader, live_server.url)
    click_and_wait(leader, leader.get_by_role("link", name="Xử lý hồ sơ"))
    check_layout(leader, width)
    click_and_wait(leader, leader.get_by_role("link", name=d.code))
    leader.get_by_label("Kết quả điện tử (PDF, không bắt buộc)").set_input_files(
        {"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": PDF})
    _act(leader, "Phê duyệt kết quả", "Đồng ý")

    desk.reload()
    snap(desk, screenshot_dir, "dossier-result-ready")
    check_layout(desk, width)
    _act(desk, "Trả kết quả")
    assert Dossier.objects.get(pk=d.pk).status == Status.RETURNED
    assert desk.get_by_role("heading", name="Phiếu kiểm soát quá trình giải quyết").is_visible()
    check_layout(desk, width)
    snap(desk, screenshot_dir, "dossier-returned")

    if width != DESKTOP["width"]:
        return
    # The citizen downloads the result and rates the service.
    citizen = open_page("/", viewport=viewport)
    login(citizen, world.citizen, live_server.url)
    click_and_wait(citizen, citizen.get_by_role("link", name="Hồ sơ của tôi").first)
    click_and_wait(citizen, citizen.get_by_role("link", name=d.code))
    assert citizen.get_by_text("Trả kết quả").first.is_visible()
    result = citizen.get_by_role("link", name="ket-qua.pdf")
    download = citizen.request.get(live_server.url + result.get_attribute("href"))
    assert download.status == 200 and download.body().startswith(b"%PDF")
    check_layout(citizen, width)
    form = citizen.locator("form.action-form", has=citizen.get_by_role("heading",
                                                                         name="Gửi đánh giá"))
    form.locator("textarea").fill("Cán bộ hướng dẫn tận tình")
    click_and_wait(citizen, form.get_by_role("button", name="Gửi đánh giá"))
    assert citizen.get_by_text("Đã thực hiện: Gửi đánh giá.").is_visible()
    assert citizen.get_by_role("heading", name="Đánh giá của người nộp").is_visible()
    check_layout(citizen, width)
    snap(citizen, screenshot_dir, "dossier-rated")
