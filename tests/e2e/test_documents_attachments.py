"""Attachments in a real browser: a specialist drafts a decision with its first attachment
(phụ lục) on the new draft's form, adds a second on the edit page, meets a refused upload in
Vietnamese, removes one; the document's page lists and links them. Every page is checked by
axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from tinhso.signing.tests.conftest import (  # noqa: F401 - fixtures pytest finds by name
    pki,
    pki_session,
    two_page_pdf,
)

from .support import PHONE, assert_accessible, click_and_wait, page_width, snap
from .test_documents_workspace import login, people  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_specialist_adds_lists_and_removes_attachments(
    open_page: Any, people: Any, two_page_pdf: bytes, screenshot_dir: Any, tmp_path: Any  # noqa: F811
) -> None:
    from tinhso.documents.models import Document, DocumentAttachment

    annex = tmp_path / "phu-luc-1.pdf"
    annex.write_bytes(two_page_pdf)
    bad = tmp_path / "bang-tinh.pdf"
    bad.write_bytes(b"PK\x03\x04 a spreadsheet, not a PDF")

    page = login(open_page, people["specialist"])
    click_and_wait(page, page.get_by_role("link", name="Văn bản", exact=True))
    click_and_wait(page, page.get_by_role("link", name="Soạn văn bản mới"))
    page.get_by_label("Loại văn bản").select_option(label="Quyết định")
    page.get_by_label("Trích yếu").fill("Về việc hỗ trợ các xã chuyển đổi số")
    page.get_by_label("Tên phụ lục").fill("Phụ lục I. Danh mục các xã")
    page.get_by_label("Tệp PDF của phụ lục").set_input_files(str(annex))
    assert_accessible(page)
    click_and_wait(page, page.get_by_role("button", name="Lưu dự thảo"))
    assert page.get_by_text("Đã lưu dự thảo.").is_visible()
    assert page.get_by_role("link", name="Phụ lục I. Danh mục các xã").is_visible()
    doc = Document.objects.get()

    click_and_wait(page, page.get_by_role("link", name="Sửa dự thảo, thêm phụ lục"))
    assert_accessible(page)
    form = page.locator("#attach-form")
    form.get_by_label("Tên phụ lục").fill("Phụ lục II. Bảng tính")
    form.get_by_label("Tệp PDF của phụ lục").set_input_files(str(bad))
    click_and_wait(page, form.get_by_role("button", name="Thêm phụ lục"))
    assert page.get_by_role("alert").first.is_visible()
    assert page.get_by_text("không phải tệp PDF").first.is_visible()
    assert_accessible(page)
    form = page.locator("#attach-form")
    form.get_by_label("Tên phụ lục").fill("Phụ lục II. Kinh phí")
    form.get_by_label("Tệp PDF của phụ lục").set_input_files(str(annex))
    click_and_wait(page, form.get_by_role("button", name="Thêm phụ lục"))
    assert page.get_by_text("Đã thêm phụ lục “Phụ lục II. Kinh phí”.").is_visible()
    snap(page, screenshot_dir, "draft-attachments")
    click_and_wait(page, page.get_by_role("button", name="Bỏ phụ lục “Phụ lục I. Danh mục các xã”"))
    assert page.get_by_text("Đã bỏ phụ lục.").is_visible()
    assert [a.title for a in DocumentAttachment.objects.filter(
        document=doc, removed_in__isnull=True)] == ["Phụ lục II. Kinh phí"]

    # On a phone, the document's page lists the attachment without sideways scrolling.
    page = login(open_page, people["specialist"], viewport=PHONE)
    page.goto(page.url.split("/dang-nhap")[0] + f"/van-ban/{doc.pk}/")
    assert page.get_by_role("link", name="Phụ lục II. Kinh phí").is_visible()
    assert page_width(page) <= PHONE["width"]
    assert_accessible(page)
    snap(page, screenshot_dir, "document-attachments")
