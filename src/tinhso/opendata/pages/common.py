"""What the portal's pages share: reading a page number, building the links that keep the
other parameters, a page of results counted by the selector, and the error page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

MAX_PAGE = 10_000  # deeper than anyone reads; keeps OFFSET small


class BadPage(ValueError):
    """A `page` parameter that is not a page number."""


def page_number(request: HttpRequest, key: str = "page") -> int:
    """The page asked for (1 when absent); BadPage for anything but 1..MAX_PAGE."""
    raw = request.GET.get(key, "").replace("\x00", "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadPage(_("Số trang không hợp lệ: %(page)s.") % {"page": raw[:20]})
    return int(raw)


@dataclass(frozen=True)
class Pages:
    """A page of `count` results, `per_page` a page: what the pagination partial reads (the
    same names as Django's Page, so `_pagination.html` serves both)."""

    number: int
    count: int
    per_page: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def start(self) -> int:
        return (self.number - 1) * self.per_page

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def paginator(self) -> Pages:  # `page.paginator.num_pages` in templates
        return self


def query_url(params: list[tuple[str, str]], **changes: Any) -> str:
    """`?a=1&b=2` from the current parameters with some replaced (None removes a key)."""
    out = [(k, v) for k, v in params if k not in changes]
    for k, v in changes.items():
        if v is not None and v != "":
            out.append((k, str(v)))
    return "?" + urlencode(out) if out else "?"


def error_page(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "opendata/pages/error.html", {"message": message}, status=status)


def arg(request: HttpRequest, key: str, limit: int = 200) -> str:
    """A query-string value, trimmed, without NUL characters (PostgreSQL text cannot hold
    them), at most `limit` characters."""
    return request.GET.get(key, "").replace("\x00", "").strip()[:limit]


def args(request: HttpRequest, key: str, limit: int = 200) -> list[str]:
    values = (v.replace("\x00", "").strip()[:limit] for v in request.GET.getlist(key))
    return [v for v in values if v]


def odd_name(name: str) -> bool:
    """A name in a path that no dataset or agency can have (looked up, it would only fail)."""
    return "\x00" in name or len(name) > 200
