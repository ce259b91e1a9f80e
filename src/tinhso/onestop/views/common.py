"""Helpers shared by the one-stop pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError


def forbidden(request: HttpRequest, exc: DomainError | None = None) -> HttpResponse:
    """The 403 page, in the site's shell."""
    return render(request, "onestop/403.html",
                  {"reason": exc.message if exc is not None else ""}, status=403)


def time_left(due: dt.datetime | None, now: dt.datetime | None = None) -> tuple[str, bool]:
    """("Còn 2 ngày 3 giờ", False) or ("Quá hạn 5 giờ", True); wall-clock time."""
    if due is None:
        return "", False
    now = now or timezone.now()
    delta = due - now
    overdue = delta.total_seconds() < 0
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        span = _("%(d)d ngày %(h)d giờ") % {"d": days, "h": hours}
    elif hours:
        span = _("%(h)d giờ %(m)d phút") % {"h": hours, "m": minutes}
    else:
        span = _("%(m)d phút") % {"m": max(minutes, 1)}
    if overdue:
        return _("Quá hạn %(span)s") % {"span": span}, True
    return _("Còn %(span)s") % {"span": span}, False


def revision_of(data: Any) -> int | None:
    try:
        value = int(data.get("revision", ""))
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None
