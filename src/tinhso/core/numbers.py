"""Vietnamese number formatting: thousands grouped with ".", decimals after ","
(986.337; 98,26). One function for every page, chart and report (`indicators.report.numbers`
adds rates and indicator values on top of it)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

DASH = "–"  # no figure


def vn_number(value: Decimal | float | int | None, decimals: int = 0) -> str:
    """`value` rounded half-up to `decimals` places, in Vietnamese notation; "–" for no value
    (None, NaN, infinity). `vn_number(986337) == "986.337"`, `vn_number(98.256, 2) == "98,26"`."""
    if value is None or isinstance(value, bool):
        return DASH
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return DASH
    if not d.is_finite():
        return DASH
    places = max(0, int(decimals))
    with localcontext() as ctx:  # enough digits for any magnitude (1e28 and beyond)
        ctx.prec = max(28, d.adjusted() + places + 2)
        q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    text = f"{abs(q):f}"
    whole, _, frac = text.partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = ".".join(groups)
    if places:
        out += "," + frac.ljust(places, "0")[:places]
    if sign and set(out) <= {"0", ".", ","}:
        sign = ""  # no "-0,00"
    return sign + out
