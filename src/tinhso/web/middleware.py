"""Pages start in Vietnamese whatever language the browser prefers: many Vietnamese users run
English-language browsers. English is shown when the visitor chooses it (the language switch
sets Django's language cookie). Put before LocaleMiddleware."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class VietnameseFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
