"""Indicators computed from a module's counters (the one-stop system's, the documents'): each
formula turns the period's counters into a value; the counters come from the module's rollup
(`read`, `read_many` for many scopes in one query) or, for `tinhso indicators verify`, from its
raw records (`recount`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Group, Indicator, Pillar, Scope, Text, Value, register
from tinhso.onestop.stats import rate

Counters = dict[str, int]
Formula = Callable[[Counters], Value]
Read = Callable[[Scope, Period], Counters]
ReadMany = Callable[[list[Scope], Period], dict[Scope, Counters]]


def count_of(name: str) -> Formula:
    """A count: the counter `name` itself."""
    return lambda c: Value(c[name], None, c[name])


def rate_of(num: str, den: str) -> Formula:
    """A rate: counter `num` over counter `den`, in percent with two decimals (none when the
    denominator is zero), rounded as the one-stop statistics round."""
    return lambda c: Value(c[num], c[den], rate(c[num], c[den]))


@dataclass(frozen=True)
class Counted:
    """One indicator of a module's counters: its code and names, its formula as code and in
    words (`what`: what a count counts, or a rate's numerator; `of`: a rate's denominator),
    and its group in the legal framework, if any."""

    code: str
    name_vi: str
    name_en: str
    kind: Literal["rate", "count"]
    formula: Formula
    what: Text
    of: Text | None = None
    group: Group | None = None


def register_counted(formulas: list[Counted], *, source: str, regulation: str, read: Read,
                     read_many: ReadMany, recount: Read,
                     pillar: Pillar = Pillar.GOVERNMENT) -> None:
    """Register each of `formulas` as a public indicator read from `read`/`read_many` and
    recomputed from `recount`."""
    for c in formulas:
        rate_ = c.kind == "rate"
        register(Indicator(
            code=c.code, name_vi=c.name_vi, name_en=c.name_en, pillar=pillar,
            unit="%" if rate_ else "count", kind=c.kind, source=source,
            regulation=regulation, public=True,
            compute=_each(read, c.formula), recompute=_each(recount, c.formula),
            compute_many=_many(read_many, c.formula),
            formula=None if rate_ else c.what, numerator=c.what if rate_ else None,
            denominator=c.of if rate_ else None, group=c.group,
        ))


# Several indicators share one module's counters (the one-stop rate, the online rate and the
# received count all come from the same monthly sums). Inside `shared_reads()` each read is
# made once per scope and period; outside it nothing is kept (figures change as dossiers move).
_reads: ContextVar[dict[Hashable, Any] | None] = ContextVar("indicator_reads", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    """Within the block (one page, one report, one export), each module's counters for a
    scope and period are read from the database once and shared by the indicators they feed."""
    if _reads.get() is not None:  # already inside one: share it
        yield
        return
    token = _reads.set({})
    try:
        yield
    finally:
        _reads.reset(token)


def shared(key: Hashable, read: Callable[[], Any]) -> Any:
    """`read()`, made once per `key` inside `shared_reads()`, every time outside it."""
    memo = _reads.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def _each(read: Read, formula: Formula) -> Callable[[Scope, Period], Value]:
    return lambda scope, period: formula(
        shared((read, scope, period), lambda: read(scope, period)))


def _many(read_many: ReadMany, formula: Formula
          ) -> Callable[[list[Scope], Period], dict[Scope, Value]]:
    def compute(scopes: list[Scope], period: Period) -> dict[Scope, Value]:
        counted = shared((read_many, tuple(scopes), period), lambda: read_many(scopes, period))
        return {s: formula(c) for s, c in counted.items()}
    return compute
