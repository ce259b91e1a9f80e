from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def vnd(amount: Any) -> str:
    """50000 -> "50.000" (Vietnamese groups thousands with dots)."""
    try:
        return f"{int(amount):,}".replace(",", ".")
    except (TypeError, ValueError):
        return ""
