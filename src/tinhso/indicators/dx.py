"""Scoring a commune's digital-transformation criteria: a pure calculation, no database.

A criterion has a rule, its maximum points and the rule's parameters (Decision 2361/QĐ-BTTTT
describes criteria with a numerator and denominator, a unit and a target):

- ratio: `{"target": 80}`: full points when numerator / denominator reaches the target (in %),
  in proportion below it; no denominator (0) scores 0, never a division by zero;
- count: `{"target": 5}`: full points at the target count, in proportion below;
- yes_no: `{}`: full points for yes, 0 for no;
- tiered: `{"basis": "ratio" | "count", "tiers": [[threshold, points], ...]}`: the points of
  the highest threshold reached (thresholds ascending, points not above the maximum).

A commune attains the standard when its total reaches the framework's pass score and every
mandatory criterion has its full points.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

RULES = ("ratio", "count", "yes_no", "tiered")
CENT = Decimal("0.01")


class RuleError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Answer:
    numerator: int | None = None
    denominator: int | None = None
    count: int | None = None
    yes: bool | None = None


def _number(raw: Any, field: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except ArithmeticError:
        raise RuleError(field, "not a number") from None
    if not value.is_finite() or value < 0:
        raise RuleError(field, "must be a number ≥ 0")
    return value


def rule_check(rule: str, params: dict[str, Any], max_points: Decimal) -> dict[str, Any]:
    """The parameters, cleaned; RuleError naming the parameter when they do not fit the rule."""
    if rule not in RULES:
        raise RuleError("rule", "unknown rule")
    if rule in ("ratio", "count"):
        target = _number(params.get("target"), "params.target")
        if rule == "ratio" and target > 100:
            raise RuleError("params.target", "a ratio target is at most 100")
        return {"target": str(target)}
    if rule == "yes_no":
        return {}
    basis = params.get("basis")
    if basis not in ("ratio", "count"):
        raise RuleError("params.basis", "basis must be ratio or count")
    tiers_raw = params.get("tiers")
    if not isinstance(tiers_raw, list) or not tiers_raw:
        raise RuleError("params.tiers", "at least one tier [threshold, points]")
    tiers: list[list[str]] = []
    previous: Decimal | None = None
    for i, tier in enumerate(tiers_raw):
        if not isinstance(tier, list | tuple) or len(tier) != 2:
            raise RuleError(f"params.tiers.{i}", "a tier is [threshold, points]")
        threshold = _number(tier[0], f"params.tiers.{i}")
        points = _number(tier[1], f"params.tiers.{i}")
        if previous is not None and threshold <= previous:
            raise RuleError(f"params.tiers.{i}", "thresholds must increase")
        if points > max_points:
            raise RuleError(f"params.tiers.{i}", "points above the criterion's maximum")
        previous = threshold
        tiers.append([str(threshold), str(points)])
    return {"basis": basis, "tiers": tiers}


def _ratio(answer: Answer) -> Decimal | None:
    if answer.numerator is None or not answer.denominator:
        return None
    return Decimal(answer.numerator * 100) / Decimal(answer.denominator)


def points(rule: str, params: dict[str, Any], max_points: Decimal, answer: Answer) -> Decimal:
    """The criterion's points for the answer, between 0 and max_points, to two decimals."""
    top = Decimal(max_points)
    if rule == "yes_no":
        return top if answer.yes else Decimal(0)
    if rule == "tiered":
        measure = _ratio(answer) if params["basis"] == "ratio" else (
            Decimal(answer.count) if answer.count is not None else None)
        if measure is None:
            return Decimal(0)
        reached = [Decimal(p) for t, p in params["tiers"] if measure >= Decimal(t)]
        return min(top, reached[-1]) if reached else Decimal(0)
    measure = _ratio(answer) if rule == "ratio" else (
        Decimal(answer.count) if answer.count is not None else None)
    if measure is None:
        return Decimal(0)
    target = Decimal(params["target"])
    share = Decimal(1) if target == 0 else min(Decimal(1), measure / target)
    return min(top, (top * share).quantize(CENT, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Score:
    total: Decimal
    maximum: Decimal
    attained: bool


def total(scored: Iterable[tuple[Decimal, Decimal, bool]], pass_score: Decimal) -> Score:
    """(points, max points, mandatory) per criterion → the total and whether the standard is
    attained (total ≥ pass score, every mandatory criterion at full points)."""
    got, top, mandatory_ok = Decimal(0), Decimal(0), True
    for p, m, mandatory in scored:
        got += p
        top += m
        if mandatory and p < m:
            mandatory_ok = False
    return Score(got, top, mandatory_ok and got >= pass_score)
