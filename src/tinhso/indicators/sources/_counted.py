"""Indicators computed from a module's counters (the one-stop system's, the documents'): each
formula turns the period's counters into a value; the counters come from the module's rollup
(`read`, `read_many` for many scopes in one query) or, for `tinhso indicators verify`, from its
raw records (`recount`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Indicator, Pillar, Scope, Value, register

Counters = dict[str, int]
Formula = Callable[[Counters], Value]
Read = Callable[[Scope, Period], Counters]
ReadMany = Callable[[list[Scope], Period], dict[Scope, Counters]]


def register_counted(formulas: list[tuple[str, str, str, Literal["rate", "count"], Formula]], *,
                     source: str, regulation: str, read: Read, read_many: ReadMany,
                     recount: Read, pillar: Pillar = Pillar.GOVERNMENT) -> None:
    """Register each (code, Vietnamese name, English name, kind, formula) as a public
    indicator read from `read`/`read_many` and recomputed from `recount`."""
    for code, name_vi, name_en, kind, formula in formulas:
        register(Indicator(
            code=code, name_vi=name_vi, name_en=name_en, pillar=pillar,
            unit="%" if kind == "rate" else "count", kind=kind, source=source,
            regulation=regulation, public=True,
            compute=_each(read, formula), recompute=_each(recount, formula),
            compute_many=_many(read_many, formula),
        ))


def _each(read: Read, formula: Formula) -> Callable[[Scope, Period], Value]:
    return lambda scope, period: formula(read(scope, period))


def _many(read_many: ReadMany, formula: Formula
          ) -> Callable[[list[Scope], Period], dict[Scope, Value]]:
    return lambda scopes, period: {s: formula(c) for s, c in read_many(scopes, period).items()}
