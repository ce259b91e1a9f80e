"""Charts drawn on the server as SVG (no JavaScript, nothing loaded from elsewhere): a line
chart for a trend and a horizontal bar chart for a ranking. Each has a <title> and <desc>
(`role="img"`, `aria-labelledby`) so a screen reader announces it; the page always shows the
same numbers in a table as well. Any series is drawn, including an empty one, zeros, a single
point, gaps (None) and huge or negative numbers; the output is always well-formed XML."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape as _escape

from tinhso.core.numbers import vn_number

Number = float | int | None
Format = Callable[[Number], str]

INK = "#1b1b1b"
GRID = "#c9c9c9"
SERIES = "#1d4f91"
FONT = "font-family=\"'Noto Sans','DejaVu Sans',Arial,sans-serif\""


# Characters XML 1.0 does not allow (control characters, surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text: str) -> str:
    """Text made safe for SVG: XML-escaped, with the characters XML cannot hold removed."""
    return _escape(_NOT_XML.sub("", text))


def _finite(values: Sequence[Number]) -> list[float]:
    out = []
    for v in values:
        if v is None or isinstance(v, bool):
            continue
        try:
            f = float(v)
        except (OverflowError, TypeError, ValueError):
            continue
        if math.isfinite(f):
            out.append(f)
    return out


def _as_float(v: Number) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (OverflowError, TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _range(values: list[float]) -> tuple[float, float]:
    """The value axis: from min(0, lowest) to max(0, highest); never zero-width."""
    low = min([0.0, *values])
    high = max([0.0, *values])
    if high - low <= 0 or not math.isfinite(high - low):
        high = low + 1.0
    return low, high


def _coord(x: float) -> str:
    return f"{x:.1f}"


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" class="chart">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def _default_format(v: Number) -> str:
    return vn_number(v, 2 if v is not None and float(v) % 1 else 0)


def describe(labels: Sequence[str], values: Sequence[Number], fmt: Format) -> str:
    """The series in words, for <desc>: "2021: 12; 2022: 15"."""
    if not labels:
        return "Không có số liệu."
    return "; ".join(
        f"{label}: {fmt(v) if _as_float(v) is not None else '–'}"
        for label, v in zip(labels, values, strict=False)
    )


def line_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[Number],
    fmt: Format | None = None,
    width: int = 640,
    height: int = 260,
) -> str:
    """A trend: one point per period, joined where consecutive points have values."""
    fmt = fmt or _default_format
    labels = [str(x) for x in labels]
    values = list(values)[: len(labels)] + [None] * max(0, len(labels) - len(values))
    parts = _open(chart_id, title, describe(labels, values, fmt), width, height)
    left, right, top, bottom = 90, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    finite = _finite(values)
    low, high = _range(finite)

    def y(v: float) -> float:
        return top + plot_h - (v - low) / (high - low) * plot_h

    parts.append(f'<g {FONT} font-size="12" fill="{INK}">')
    for tick in (low, (low + high) / 2, high):
        ty = y(tick)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_coord(ty)}" '
            f'y2="{_coord(ty)}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{_coord(ty + 4)}" text-anchor="end">'
            f"{escape(fmt(tick))}</text>"
        )
    n = len(labels)
    if not finite:
        parts.append(
            f'<text x="{_coord(left + plot_w / 2)}" y="{_coord(top + plot_h / 2)}" '
            f'text-anchor="middle">Không có số liệu</text>'
        )

    def x(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else i * plot_w / (n - 1))

    step = max(1, math.ceil(n / 8))  # at most ~8 labels under the axis
    for i, label in enumerate(labels):
        if i % step == 0 or i == n - 1:
            parts.append(
                f'<text x="{_coord(x(i))}" y="{height - bottom + 18}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    run: list[str] = []
    runs: list[list[str]] = []
    for i, v in enumerate(values):
        f = _as_float(v)
        if f is None:
            if run:
                runs.append(run)
            run = []
            continue
        run.append(f"{_coord(x(i))},{_coord(y(f))}")
    if run:
        runs.append(run)
    parts.append("</g>")
    for r in runs:
        if len(r) > 1:
            parts.append(
                f'<polyline points="{" ".join(r)}" fill="none" stroke="{SERIES}" '
                f'stroke-width="2.5"/>'
            )
    for i, v in enumerate(values):
        f = _as_float(v)
        if f is not None:
            parts.append(
                f'<circle cx="{_coord(x(i))}" cy="{_coord(y(f))}" r="4" '
                f'fill="{SERIES}"><title>{escape(labels[i])}: {escape(fmt(f))}'
                f"</title></circle>"
            )
    parts.append("</svg>")
    return "\n".join(parts)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[Number],
    fmt: Format | None = None,
    width: int = 640,
    bar: int = 22,
) -> str:
    """A ranking: one horizontal bar per label, the value written at its end."""
    fmt = fmt or _default_format
    labels = [str(x) for x in labels]
    values = list(values)[: len(labels)] + [None] * max(0, len(labels) - len(values))
    height = max(60, 16 + len(labels) * (bar + 8) + 8)
    parts = _open(chart_id, title, describe(labels, values, fmt), width, height)
    left, right = 200, 110
    plot_w = width - left - right
    low, high = _range(_finite(values))

    def x(v: float) -> float:
        return left + (v - low) / (high - low) * plot_w

    zero = x(0.0)
    parts.append(f'<g {FONT} font-size="12" fill="{INK}">')
    if not labels:
        parts.append(f'<text x="{width // 2}" y="36" text-anchor="middle">Không có số liệu</text>')
    for i, (label, v) in enumerate(zip(labels, values, strict=False)):
        top = 16 + i * (bar + 8)
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(
            f'<text x="{left - 6}" y="{top + bar * 0.7:.1f}" text-anchor="end">'
            f"{escape(short)}</text>"
        )
        f = _as_float(v)
        if f is None:
            parts.append(f'<text x="{_coord(zero + 4)}" y="{top + bar * 0.7:.1f}">–</text>')
            continue
        x0, x1 = sorted((zero, x(f)))
        parts.append(
            f'<rect x="{_coord(x0)}" y="{top}" width="{_coord(max(x1 - x0, 1.0))}" '
            f'height="{bar}" fill="{SERIES}"/>'
        )
        parts.append(
            f'<text x="{_coord(max(x1, zero) + 4)}" y="{top + bar * 0.7:.1f}">'
            f"{escape(fmt(f))}</text>"
        )
    parts.append(
        f'<line x1="{_coord(zero)}" x2="{_coord(zero)}" y1="10" y2="{height - 4}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    parts.append("</g></svg>")
    return "\n".join(parts)
