"""Codes typed by callers (units, agencies, indicators, frameworks), cleaned before they reach
a query: control characters (PostgreSQL refuses NUL in text) and over-long codes are a 422
naming the field, never a database error."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.text import UnsafeText, clean_text


def code_text(value: Any, field: str, *, max_length: int = 64) -> str:
    try:
        cleaned = clean_text(str(value or ""))
    except UnsafeText:
        raise DomainError.for_field(field, _("Có ký tự điều khiển hoặc ký tự ẩn không hợp lệ.")) \
            from None
    if len(cleaned) > max_length:
        raise DomainError.for_field(field, _("Mã không hợp lệ."), code="too_long")
    return cleaned
