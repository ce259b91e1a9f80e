"""Whether a figure meets its target: a pure calculation, no database.

- attained: the actual value satisfies the comparator (≥, ≤, =) against the target;
- gap: how far the actual value is from attaining, never negative (0 when attained);
- status: green when attained; amber when the gap is within the margin (a share of the
  target, e.g. 5 %) or, for a cumulative figure (a count) whose year is not over, when the
  count so far is on track pro rata (at least the target × the share of the year elapsed);
  red otherwise; "none" when there is no figure yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

DEFAULT_MARGIN = Decimal("0.05")
CENT = Decimal("0.01")


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"  # no figure to compare


@dataclass(frozen=True)
class Attainment:
    actual: Decimal | None
    attained: bool | None
    gap: Decimal | None
    status: Rag
    on_track: bool | None  # pro rata, for a cumulative figure of a year not yet over


def _decimal(x: Decimal | float | int) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def assess(*, comparator: str, target: Decimal | float | int,
           actual: Decimal | float | int | None, margin: Decimal | float = DEFAULT_MARGIN,
           elapsed: Decimal | float = 1, cumulative: bool = False) -> Attainment:
    """comparator is "gte", "lte" or "eq"; margin a share of the target (0.05 = 5 %);
    elapsed the share of the year gone (0 to 1; 1 once the year is over)."""
    if comparator not in ("gte", "lte", "eq"):
        raise ValueError(comparator)
    target_d = _decimal(target)
    margin_d = max(Decimal(0), _decimal(margin))
    elapsed_d = min(Decimal(1), max(Decimal(0), _decimal(elapsed)))
    if actual is None:
        return Attainment(None, None, None, Rag.NONE, None)
    value = _decimal(actual)
    if comparator == "gte":
        gap = max(Decimal(0), target_d - value)
    elif comparator == "lte":
        gap = max(Decimal(0), value - target_d)
    else:
        gap = abs(value - target_d)
    attained = gap == 0
    on_track: bool | None = None
    if cumulative and elapsed_d < 1 and comparator == "gte":
        on_track = value >= target_d * elapsed_d
    if attained:
        status = Rag.GREEN
    elif gap <= abs(target_d) * margin_d or on_track:
        status = Rag.AMBER
    else:
        status = Rag.RED
    return Attainment(value, attained, gap, status, on_track)
