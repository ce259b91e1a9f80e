"""The public signature check (/xac-thuc-chu-ky/) in a real browser: an applicant uploads the
signed PDF they received and reads the verdict, on a desktop and on a 360-pixel phone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tinhso.signing.pades import Placement, pdf_sign_agency, pdf_sign_personal, seal_placement
from tinhso.signing.tests.conftest import pki, pki_session, two_page_pdf  # noqa: F401 (fixtures)

from .support import DESKTOP, PHONE, assert_accessible, click_and_wait, page_width, snap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
BLOCK = Placement(page=1, box=(330.0, 420.0, 510.0, 520.0))
PAGE = "/xac-thuc-chu-ky/"


@pytest.fixture
def signed_pdf(pki: Any, two_page_pdf: bytes, tmp_path: Any) -> Any:  # noqa: F811
    """Signed in a worker thread: pyHanko runs its own event loop, and Playwright's sync API
    already runs one in the test's thread."""

    def sign() -> bytes:
        personal = pdf_sign_personal(two_page_pdf, certificate=pki.personal, placement=BLOCK)
        return pdf_sign_agency(personal, certificate=pki.organization,
                               placement=seal_placement(BLOCK))

    path = tmp_path / "quyet-dinh.pdf"
    with ThreadPoolExecutor(max_workers=1) as pool:
        path.write_bytes(pool.submit(sign).result())
    return path


def _upload(page: Any, path: Any) -> None:
    page.get_by_label("Tệp PDF").set_input_files(str(path))
    click_and_wait(page, page.get_by_role("button", name="Kiểm tra"))


@VIEWPORTS
def test_uploading_a_signed_pdf_shows_a_valid_verdict_and_the_signers(
    open_page: Any, signed_pdf: Any, viewport: dict[str, int], screenshot_dir: Any,
) -> None:
    page = open_page(PAGE, viewport=viewport)
    assert page.get_by_role("heading", level=1).inner_text() == "Kiểm tra chữ ký số"
    assert_accessible(page)
    _upload(page, signed_pdf)
    verdict = page.get_by_role("status")
    assert "Văn bản còn nguyên vẹn, chữ ký hợp lệ." in verdict.inner_text()
    assert page.get_by_role("heading", name="Chữ ký 1: Nguyễn Văn An").is_visible()
    assert page.get_by_role("heading", name="Chữ ký 2: UBND tỉnh Thanh Hóa").is_visible()
    assert page_width(page) <= viewport["width"]
    snap(page, screenshot_dir, "verify-result")
    assert_accessible(page)


@VIEWPORTS
def test_uploading_something_that_is_not_a_pdf_shows_an_error_on_the_field(
    open_page: Any, tmp_path: Any, viewport: dict[str, int], db: Any,
) -> None:
    path = tmp_path / "anh.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n not a pdf")
    page = open_page(PAGE, viewport=viewport)
    _upload(page, path)
    assert "Tệp đã chọn không phải là tệp PDF." in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Tệp PDF").get_attribute("aria-invalid") == "true"
    assert page.title().startswith("Lỗi")
    assert page_width(page) <= viewport["width"]
    assert_accessible(page)


def test_the_home_page_leads_to_the_check(open_page: Any, db: Any) -> None:
    page = open_page("/")
    click_and_wait(page, page.get_by_role("link", name="Kiểm tra chữ ký số"))
    assert page.url.endswith(PAGE)
