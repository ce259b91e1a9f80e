"""The indicator registry: every indicator defined once (code, names, pillar, unit, formula,
source, legal basis), registered by its source module at start-up. The formula is both code
(`compute`) and words (`formula`, and for a rate its `numerator` and `denominator`), so the
API and the pages can say what a figure counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from tinhso.indicators.periods import Period


class Pillar(StrEnum):
    GOVERNMENT = "digital_government"
    ECONOMY = "digital_economy"
    SOCIETY = "digital_society"
    INFRASTRUCTURE = "infrastructure"


@dataclass(frozen=True)
class Scope:
    """Whom a value is about: the whole province, or one agency of it."""

    province_code: str
    agency_id: int | None = None
    code: str = ""


@dataclass(frozen=True)
class Value:
    numerator: int
    denominator: int | None
    value: float | int | None


@dataclass(frozen=True)
class Text:
    """Words in Vietnamese and in English."""

    vi: str
    en: str


@dataclass(frozen=True)
class Group:
    """A group of indicators in a legal framework (Decision 766/QĐ-TTg's six groups of the
    service-quality index): a short code and its names."""

    code: str
    name_vi: str
    name_en: str
    regulation: str = ""


Compute = Callable[[Scope, Period], Value]
# The same values for many scopes of one province at once (one query, for lists of units).
ComputeMany = Callable[[list[Scope], Period], dict[Scope, Value]]

# The source of indicators that no module measures: the responsible agency enters them, with
# evidence, and a reviewer verifies them (models.Entry).
ENTERED = "entered"


@dataclass(frozen=True)
class Indicator:
    code: str
    name_vi: str
    name_en: str
    pillar: Pillar
    unit: Literal["%", "count"]
    kind: Literal["rate", "count"]
    source: str
    regulation: str
    public: bool
    compute: Compute
    recompute: Compute | None = None  # the same value from the raw records, for `verify`
    # Entered indicators (source ENTERED): who enters them, and the range an entry must keep
    # (a rate's value in %, a count's value).
    responsible: str = ""
    minimum: float | None = None
    maximum: float | None = None
    compute_many: ComputeMany | None = None
    # The formula in words: what a count counts; for a rate, its numerator and denominator
    # (then `formula` defaults to "numerator / denominator × 100").
    formula: Text | None = None
    numerator: Text | None = None
    denominator: Text | None = None
    group: Group | None = None

    def __post_init__(self) -> None:
        if self.formula is None and self.numerator is not None and self.denominator is not None:
            object.__setattr__(self, "formula", Text(
                f"({self.numerator.vi}) / ({self.denominator.vi}) × 100",
                f"({self.numerator.en}) / ({self.denominator.en}) × 100"))

    def compute_for(self, scopes: list[Scope], period: Period) -> dict[Scope, Value]:
        """`compute` for each scope; in one query when the source can."""
        if self.compute_many is not None:
            return self.compute_many(scopes, period)
        return {scope: self.compute(scope, period) for scope in scopes}

    @property
    def entered(self) -> bool:
        return self.source == ENTERED


_REGISTRY: dict[str, Indicator] = {}


class DuplicateIndicator(ValueError):
    pass


def register(indicator: Indicator) -> Indicator:
    known = _REGISTRY.get(indicator.code)
    if known is not None and known.source != indicator.source:
        raise DuplicateIndicator(indicator.code)
    _REGISTRY[indicator.code] = indicator
    return indicator


def get(code: str) -> Indicator | None:
    return _REGISTRY.get(code)


def all_indicators(*, public_only: bool = False) -> list[Indicator]:
    return [i for _code, i in sorted(_REGISTRY.items()) if i.public or not public_only]
