"""Vietnamese number formatting, the one function every output of the report and the
dashboard uses: thousands grouped with ".", decimals after ",", rates to two decimals
(986.337 hồ sơ; 98,26 %)."""

from __future__ import annotations

from decimal import Decimal

from tinhso.core.numbers import DASH, vn_number

__all__ = ["DASH", "vn_number", "vn_rate", "vn_value"]


def vn_rate(value: Decimal | float | int | None) -> str:
    """A rate in %, to two decimals, with the sign: "98,26%"; "–" for none."""
    text = vn_number(value, 2)
    return text if text == DASH else f"{text}%"


def vn_value(value: Decimal | float | int | None, kind: str) -> str:
    """A figure of an indicator: a rate with two decimals and "%", a count whole."""
    return vn_rate(value) if kind == "rate" else vn_number(value)
