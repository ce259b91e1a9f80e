"""The 404 and 500 pages: in Vietnamese, inside the site's shell, and the 500 page renders with
no request at all (Django's server_error view gives it an empty context)."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation


@pytest.mark.django_db
def test_unknown_address_answers_404_with_the_vietnamese_page() -> None:
    response = Client().get("/khong-co-trang-nay/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy trang" in body
    assert '<html lang="vi">' in body
    assert 'href="#main"' in body, "the shell's skip link is there"


def test_server_error_page_renders_without_a_request() -> None:
    with translation.override("vi"):
        html = render_to_string("500.html")
    assert "Hệ thống đang gặp sự cố" in html
    assert 'href="/"' in html
    assert "csrfmiddlewaretoken" not in html, "no form that would need a CSRF token"


def test_server_error_page_follows_the_active_language() -> None:
    with translation.override("en"):
        html = render_to_string("500.html")
    assert '<html lang="en">' in html
    assert "Sorry, there is a problem with the service" in html


@pytest.mark.django_db
def test_pages_carry_an_inline_icon_so_browsers_do_not_ask_for_favicon_ico() -> None:
    body = Client().get("/").content.decode()
    assert '<link rel="icon" href="data:image/svg+xml,' in body


def test_djangos_server_error_view_serves_our_500_page() -> None:
    from django.test import RequestFactory
    from django.views.defaults import server_error

    with translation.override("vi"):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Hệ thống đang gặp sự cố" in response.content.decode()
