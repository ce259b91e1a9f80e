"""Login with throttling: after too many failures for one username or one address in the
window, the backend refuses to check passwords at all until the window passes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from tinhso.accounts.models import LoginFailure
from tinhso.core.audit import client_ip


class LoginThrottled(PermissionDenied):
    pass


def login_is_throttled(username: str, ip: str | None) -> bool:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
    who = Q(username=username.lower())
    if ip:
        who |= Q(ip=ip)
    recent = LoginFailure.objects.filter(who, at__gte=since)
    limit = settings.LOGIN_MAX_FAILURES
    by_user = recent.filter(username=username.lower()).count()
    # An address may try more usernames (a shared office NAT), but not without bound.
    by_ip = recent.filter(ip=ip).count() if ip else 0
    return by_user >= limit or by_ip >= limit * 4


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> Any:
        if username is None:
            username = kwargs.get("username", "")
        ip = client_ip(request)
        if login_is_throttled(username or "", ip):
            # PermissionDenied stops Django trying other backends and signals a failure.
            raise LoginThrottled
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            LoginFailure.objects.create(username=(username or "").lower()[:150], ip=ip,
                                        at=timezone.now())
        return user
