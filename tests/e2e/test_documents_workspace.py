"""The documents workspace in a real browser: a specialist drafts a decision, the leader
approves it and signs it with a personal signature, the clerk registers it (number and
notation), issues it with the agency's signature and sends it, and the recipient agency's
clerk finds it among the incoming documents, sees both signatures valid and registers it.
Every page is checked by axe-core; signing is real (the signing tests' session PKI)."""

from __future__ import annotations

from typing import Any

import pytest

from tinhso.signing.tests.conftest import (  # noqa: F401 - fixtures pytest finds by name
    pki,
    pki_session,
)

from .support import PHONE, assert_accessible, click_and_wait, page_width, snap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mat-khau-rat-dai-2026"
SLOW = 60_000  # ms


@pytest.fixture
def people(pki: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:  # noqa: F811
    from tinhso.accounts.tests.factories import officer
    from tinhso.directory.models import Role
    from tinhso.documents.tests.world import office

    settings.MEDIA_ROOT = tmp_path / "media"
    leader = pki.signer  # holds a personal certificate; the agency an organization one
    leader.set_password(PASSWORD)  # made before the tests' fast hasher was set
    leader.save(update_fields=["password"])
    return {
        "specialist": officer(Role.SPECIALIST, pki.agency, full_name="Chuyên viên Hà"),
        "leader": leader,
        "clerk": officer(Role.CLERK, pki.agency, full_name="Văn thư Lan"),
        "stc": office("STC", "Sở Tài chính"),
    }


def login(open_page: Any, user: Any, **kw: Any) -> Any:
    page = open_page("/dang-nhap/", **kw)
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    click_and_wait(page, page.get_by_role("main").get_by_role("button", name="Đăng nhập"))
    return page


def open_tab(page: Any, tab: str, subject: str) -> None:
    click_and_wait(page, page.get_by_role("link", name="Văn bản", exact=True))
    click_and_wait(page, page.get_by_role("link", name=tab))
    assert_accessible(page)
    width = page.viewport_size["width"]
    assert page_width(page) <= width, f"sideways scroll on {page.url} at {width} px"
    click_and_wait(page, page.get_by_role("link", name=subject))


def step(page: Any, title: str, comment: str = "", done: str = "") -> None:
    form = page.locator("form.action-form", has=page.get_by_role("heading", name=title))
    if comment:
        form.locator("textarea").fill(comment)
    # Signing renders the PDF and signs it in the request: slow on a busy machine.
    with page.expect_navigation(timeout=SLOW):
        form.get_by_role("button", name=title).click(timeout=SLOW)
    expected = done or f"Đã thực hiện: {title}."
    assert page.get_by_text(expected).is_visible(), page.content()[:3000]
    assert_accessible(page)


def test_a_decision_goes_from_draft_to_the_recipients_incoming_register(
    open_page: Any, people: Any, screenshot_dir: Any
) -> None:
    from tinhso.documents.kinds import DocStatus
    from tinhso.documents.models import Document, IncomingRecord

    subject = "Về việc phê duyệt kế hoạch chuyển đổi số năm 2027"

    # The specialist drafts; a missing subject first comes back as a Vietnamese error.
    page = login(open_page, people["specialist"])
    click_and_wait(page, page.get_by_role("link", name="Văn bản", exact=True))
    assert_accessible(page)
    click_and_wait(page, page.get_by_role("link", name="Soạn văn bản mới"))
    assert_accessible(page)
    page.get_by_label("Loại văn bản").select_option(label="Quyết định")
    page.get_by_label("Nội dung").fill("Điều 1. Phê duyệt kế hoạch.\nĐiều 2. Giao Sở Tài chính.")
    page.get_by_label("Cơ quan nhận").select_option(label="Sở Tài chính")
    page.get_by_label("Người ký").select_option(label="Nguyễn Văn An")
    page.get_by_label("Nơi nhận khác").fill("Như Điều 2;\nLưu: VT, VP.")
    click_and_wait(page, page.get_by_role("button", name="Lưu dự thảo"))
    assert page.title().startswith("Lỗi:")
    assert page.get_by_role("alert").is_visible()
    assert page.locator(".field-error", has_text="Cần nhập nội dung này.").count() == 1
    assert_accessible(page)
    page.get_by_label("Trích yếu").fill(subject)
    click_and_wait(page, page.get_by_role("button", name="Lưu dự thảo"))
    assert page.get_by_text("Đã lưu dự thảo.").is_visible()
    assert_accessible(page)
    step(page, "Trình duyệt", "Kính trình lãnh đạo xem xét")
    doc = Document.objects.get()
    assert doc.status == DocStatus.IN_REVIEW

    # The leader approves and signs.
    page = login(open_page, people["leader"])
    open_tab(page, "Chờ duyệt", subject)
    assert_accessible(page)
    step(page, "Duyệt dự thảo", "Đồng ý")
    step(page, "Ký số cá nhân")
    assert page.get_by_role("cell", name="Nguyễn Văn An").first.is_visible()
    assert page.get_by_text("Hợp lệ", exact=True).count() == 1

    # The clerk registers, issues and sends.
    page = login(open_page, people["clerk"])
    open_tab(page, "Vào sổ, ban hành, gửi", subject)
    step(page, "Vào sổ, cấp số", done="Đã vào sổ: số, ký hiệu 01/QĐ-UBND")
    step(page, "Ký số cơ quan, ban hành")
    assert page.get_by_text("Hợp lệ", exact=True).count() == 2
    step(page, "Gửi văn bản")
    snap(page, screenshot_dir, "document-sent")
    doc.refresh_from_db()
    assert doc.status == DocStatus.SENT and doc.notation == "01/QĐ-UBND"

    # The recipient's clerk, on a phone, finds it incoming and registers it.
    page = login(open_page, people["stc"].clerk, viewport=PHONE)
    open_tab(page, "Văn bản đến chờ vào sổ", subject)
    assert_accessible(page)
    assert page_width(page) <= PHONE["width"], "sideways scroll on the incoming page"
    assert page.get_by_text("Hợp lệ", exact=True).count() == 2
    step(
        page, "Vào sổ văn bản đến", "Đã kiểm tra chữ ký số", done="Đã vào sổ văn bản đến, số đến 1/"
    )
    snap(page, screenshot_dir, "incoming-registered")
    rec = IncomingRecord.objects.get(document=doc)
    assert rec.agency == people["stc"].agency and rec.number == 1
