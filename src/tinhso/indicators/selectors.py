"""Reads of entered figures, targets and attainment, scoped to what the user may see.

Attainment of a target compares the target with the actual value of its indicator for its
unit and year: the verified entry for an entered indicator, the computed value for the others
(a commune's or district's value is that of its People's Committee agency). Targets reach the
unit asked about through the map of units: a province sees every target of its units; a
commune sees its own, and those of the units it took over (an abolished district's 2024
target, with the district's 2024 value, appears under each of its successor communes,
marked `via` the district)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Count, F, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, NotAllowed, NotFound
from tinhso.directory.models import AdminUnit, Agency, UnitSuccession
from tinhso.directory.selectors import unit_successor_map
from tinhso.indicators import access, registry
from tinhso.indicators.attainment import DEFAULT_MARGIN, Attainment, Rag, assess
from tinhso.indicators.inputs import code_text
from tinhso.indicators.models import (
    DxAnswer,
    DxAssessment,
    DxCriterion,
    DxFramework,
    DxLock,
    Entry,
    EntryRevision,
    Evidence,
    Target,
)
from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Scope, Value
from tinhso.indicators.sources.entered import UNIT_AGENCY_KINDS, revision_value
from tinhso.onestop.stats import rate

MAX_PAGE_SIZE = 100
M = TypeVar("M", bound=Model)


def page_of(qs: QuerySet[M], *, page: int, page_size: int) -> tuple[int, list[M]]:
    """(count of all matches, the rows of page `page`): two queries whatever the size."""
    size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    count = qs.count()
    start = (max(1, int(page)) - 1) * size
    return count, list(qs[start:start + size]) if start < count else []


# --- entries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryFilters:
    indicator: str = ""
    period: str = ""
    year: int | None = None
    status: str = ""
    agency: str = ""


ENTRY_RELATED = ("unit", "agency", "latest", "verified")


def entries_for(user: Any, filters: EntryFilters | None = None) -> QuerySet[Entry]:
    """The entries the user may see: those of the agencies they enter for, and all of the
    province they review; newest change first."""
    scope = access.entry_scope(user)
    qs = Entry.objects.filter(scope.q("agency")).select_related(*ENTRY_RELATED)
    f = filters or EntryFilters()
    if f.indicator:
        qs = qs.filter(indicator_code=f.indicator)
    if f.period:
        qs = qs.filter(period=f.period)
    if f.year is not None:
        qs = qs.filter(year=f.year)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.agency:
        qs = qs.filter(agency__code=f.agency)
    return qs.order_by("-updated_at", "-pk")


def entry_for(user: Any, pk: int) -> Entry:
    """One entry, or 404 for an entry the user may not see (its existence is not told)."""
    entry = entries_for(user).filter(pk=pk).first()
    if entry is None:
        raise NotFound(_("Không tìm thấy số liệu."))
    return entry


def entry_history(entry: Entry) -> list[EntryRevision]:
    return list(EntryRevision.objects.filter(entry=entry)
                .select_related("created_by", "reviewed_by").order_by("number"))


def entry_evidence(entry: Entry) -> list[Evidence]:
    return list(Evidence.objects.filter(entry=entry).select_related("revision").order_by("pk"))


def evidence_for(user: Any, entry_pk: int, pk: int) -> Evidence:
    entry = entry_for(user, entry_pk)
    found = Evidence.objects.filter(entry=entry, pk=pk).first()
    if found is None:
        raise NotFound(_("Không tìm thấy tệp minh chứng."))
    return found


# --- targets and attainment -----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    target: Target
    via: AdminUnit | None  # the former unit whose target this is, when reached by succession
    value: Value | None
    attainment: Attainment
    merged: tuple[AdminUnit, ...] = ()  # the merged units whose figures count in `value`


def amber_margin() -> Decimal:
    return Decimal(str(getattr(settings, "TINHSO_TARGET_AMBER_MARGIN", DEFAULT_MARGIN)))


def year_elapsed(year: int, today: dt.date) -> Decimal:
    """The share of `year` gone by `today` (0 before it starts, 1 once it is over)."""
    if today.year > year:
        return Decimal(1)
    if today.year < year:
        return Decimal(0)
    first = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - first).days
    return Decimal((today - first).days + 1) / Decimal(days)


def _viewer_provinces(user: Any) -> set[str]:
    scope = access.view_scope(user)
    provinces = set(scope.provinces) | access.review_provinces(user)
    if scope.agency_ids:
        provinces |= set(Agency.objects.filter(pk__in=scope.agency_ids)
                         .values_list("province_code", flat=True))
    return provinces


def unit_for_view(user: Any, code: str, year: int, field: str = "unit") -> AdminUnit:
    """The unit asked about (the province by default), if the user may see its targets: the
    one of that code in force during the year, else its latest era (today's commune asked about
    the years before the merger, whose targets it inherited)."""
    provinces = _viewer_provinces(user)
    if not provinces:
        raise NotAllowed()
    code = code_text(code, field, max_length=16) or settings.TINHSO_PROVINCE_CODE
    first, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    # The unit in force during the year; else (a unit created later, asked about the years
    # before it, under today's map) its latest era.
    candidates = list(AdminUnit.objects.filter(code=code, province_code__in=provinces)
                      .order_by(F("valid_from").desc(nulls_last=True), "level")[:20])
    during = [u for u in candidates
              if (u.valid_from is None or u.valid_from < end)
              and (u.valid_to is None or u.valid_to > first)]
    unit = (during or candidates)[0] if candidates else None
    if unit is None:
        raise DomainError.for_field(field, _("Không có đơn vị với mã này trong năm đã chọn."))
    return unit


def _reference_day(unit: AdminUnit, today: dt.date) -> dt.date:
    """A day on which `unit` is in force: today, or its last day."""
    if unit.valid_on(today):
        return today
    if unit.valid_to is not None and unit.valid_to <= today:
        return unit.valid_to - dt.timedelta(days=1)
    return unit.valid_from or today


def _applies(targets: list[Target], unit: AdminUnit, today: dt.date
             ) -> list[tuple[Target, AdminUnit | None]]:
    """The targets about `unit`: its own, its sub-units', and those of the units it took over
    (with that former unit as `via`). For the province, all of them."""
    if unit.level == AdminUnit.Level.PROVINCE:
        return [(t, None) for t in targets]
    out: list[tuple[Target, AdminUnit | None]] = []
    other: list[Target] = []
    for t in targets:
        if t.unit_id == unit.pk or t.unit.parent_id == unit.pk:
            out.append((t, None))
        else:
            other.append(t)
    day = _reference_day(unit, today)
    gone = {t.unit.pk: t.unit for t in other if not t.unit.valid_on(day)}
    heirs = unit_successor_map(list(gone.values()), on=day) if gone else {}
    for t in other:
        successors = heirs.get(t.unit_id, [])
        if any(s.pk == unit.pk or s.parent_id == unit.pk for s in successors):
            out.append((t, t.unit))
    return out


def targets_for(user: Any, *, year: int, unit: AdminUnit,
                indicator: str = "") -> list[tuple[Target, AdminUnit | None]]:
    """The year's targets about `unit`, ordered by indicator, then unit level and code."""
    qs = Target.objects.filter(province_code=unit.province_code, year=year).select_related(
        "unit", "decision", "decision__agency")
    if indicator:
        qs = qs.filter(indicator_code=indicator)
    rows = _applies(list(qs), unit, timezone.localdate())
    return sorted(rows, key=lambda r: (r[0].indicator_code, r[0].unit.level, r[0].unit.code,
                                       r[0].decision.date, r[0].pk))


def _entered_values(pairs: Iterable[tuple[str, int, int]]) -> dict[tuple[str, int, int], Value]:
    """Verified yearly entries for (indicator, unit, year) triples: one query."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = Entry.objects.filter(
        indicator_code__in={c for c, _u, _y in wanted}, unit_id__in={u for _c, u, _y in wanted},
        year__in={y for _c, _u, y in wanted}, verified__isnull=False,
    ).values_list("indicator_code", "unit_id", "period", "verified__value",
                  "verified__numerator", "verified__denominator")
    out = {}
    for c, u, period, v, n, d in rows:
        key = (c, u, int(period)) if period.isdigit() else None
        if key in wanted:
            out[key] = revision_value(v, n, d)
    return out


def _scopes(units: Iterable[AdminUnit]) -> dict[int, Scope | None]:
    """The scope whose computed value is a unit's: the province, or the unit's People's
    Committee agency (none: no computed value). One query for all the units."""
    units = list(units)
    out: dict[int, Scope | None] = {}
    local = [u for u in units if u.level != AdminUnit.Level.PROVINCE]
    for u in units:
        if u.level == AdminUnit.Level.PROVINCE:
            out[u.pk] = Scope(province_code=u.province_code, code=u.province_code)
        else:
            out[u.pk] = None
    if local:
        for a in Agency.objects.filter(unit__in=local, kind__in=UNIT_AGENCY_KINDS).order_by(
                "-is_active", "code"):
            if out.get(a.unit_id) is None:
                out[a.unit_id] = Scope(province_code=a.province_code, agency_id=a.pk, code=a.code)
    return out


def merged_predecessors(units: Iterable[AdminUnit]) -> dict[int, list[AdminUnit]]:
    """For each unit, the units of its level whose whole territory went into it (communes
    merged into a new commune): their figures before the merger are the new unit's. A unit
    split between several successors is left out (its figures cannot be divided). Two
    queries for all the units."""
    units = [u for u in units if u.level != AdminUnit.Level.PROVINCE]
    if not units:
        return {}
    level = {u.pk: u.level for u in units}
    edges = list(UnitSuccession.objects.filter(successor_id__in=level)
                 .select_related("predecessor"))
    heirs = dict(UnitSuccession.objects.filter(predecessor_id__in={e.predecessor_id
                                                                   for e in edges})
                 .values("predecessor_id").annotate(n=Count("successor_id"))
                 .values_list("predecessor_id", "n"))
    out: dict[int, list[AdminUnit]] = {}
    for e in edges:
        if e.predecessor.level == level[e.successor_id] and heirs.get(e.predecessor_id) == 1:
            out.setdefault(e.successor_id, []).append(e.predecessor)
    return out


def _in_year(unit: AdminUnit, year: int) -> bool:
    return ((unit.valid_from is None or unit.valid_from < dt.date(year + 1, 1, 1))
            and (unit.valid_to is None or unit.valid_to > dt.date(year, 1, 1)))


def combine(values: list[Value], kind: str) -> Value:
    """Figures of several units as one: counts add up; a rate is the sum of the numerators
    over the sum of the denominators (never an average of rates)."""
    if kind == "rate":
        n = sum(v.numerator for v in values)
        d = sum(v.denominator or 0 for v in values)
        return Value(n, d, rate(n, d))
    total = sum(v.numerator for v in values)
    return Value(total, None, total)


def attainment_rows(rows: list[tuple[Target, AdminUnit | None]], *, today: dt.date,
                    margin: Decimal | None = None) -> list[Row]:
    """Each target with its actual value and attainment.

    The value for a unit and a year is the unit's own figure, joined (for a unit created by
    merging others, e.g. on 1 July 2025) by the figures of the merged units in force that
    year: a computed figure always (the dossiers before the merger were the old communes'),
    an entered one only when the unit has no entry of its own and every merged unit has one
    (otherwise none rather than a partial sum).

    Entered values: one query for all; computed values: one per indicator and year
    (`Indicator.compute_for`, for the sources that compute many units at once)."""
    margin = amber_margin() if margin is None else margin
    if not rows:
        return []
    units = {t.unit_id: t.unit for t, _v in rows}
    merged = merged_predecessors(units.values())
    parts: dict[tuple[int, int], list[AdminUnit]] = {}  # (unit, year) -> merged units that year
    for t, _v in rows:
        parts[(t.unit_id, t.year)] = [m for m in merged.get(t.unit_id, []) if _in_year(m, t.year)]
    every = dict(units)
    for ms in parts.values():
        every.update({m.pk: m for m in ms})

    entered = _entered_values(
        (t.indicator_code, u, t.year) for t, _v in rows if _is_entered(t.indicator_code)
        for u in (t.unit_id, *(m.pk for m in parts[(t.unit_id, t.year)])))
    scopes = _scopes(u for u in every.values())
    wanted: dict[tuple[str, int], set[Scope]] = {}
    for t, _v in rows:
        if _is_entered(t.indicator_code) or registry.get(t.indicator_code) is None:
            continue
        for u in (t.unit_id, *(m.pk for m in parts[(t.unit_id, t.year)])):
            scope = scopes.get(u)
            if scope is not None:
                wanted.setdefault((t.indicator_code, t.year), set()).add(scope)
    computed: dict[tuple[str, int, Scope], Value] = {}
    for (code, year), wanted_scopes in wanted.items():
        indicator = registry.get(code)
        if indicator is None:
            continue
        ordered = sorted(wanted_scopes, key=lambda s: (s.agency_id or 0, s.code))
        for scope, got in indicator.compute_for(ordered, Period("year", year, 1)).items():
            computed[(code, year, scope)] = got

    out = []
    for t, via in rows:
        indicator = registry.get(t.indicator_code)
        members = [t.unit_id, *(m.pk for m in parts[(t.unit_id, t.year)])]
        value: Value | None = None
        if indicator is None:
            pass
        elif indicator.entered:
            own = entered.get((t.indicator_code, t.unit_id, t.year))
            found = [entered.get((t.indicator_code, u, t.year)) for u in members[1:]]
            if own is not None:
                value = own
            elif found and all(f is not None for f in found):
                value = combine([f for f in found if f is not None], indicator.kind)
        else:
            got_values = [computed[(t.indicator_code, t.year, sc)] for u in members
                          if (sc := scopes.get(u)) is not None
                          and (t.indicator_code, t.year, sc) in computed]
            if got_values:
                value = (got_values[0] if len(got_values) == 1
                         else combine(got_values, indicator.kind))
        actual = None if value is None or value.value is None else value.value
        result = assess(comparator=t.comparator, target=t.value, actual=actual, margin=margin,
                        elapsed=year_elapsed(t.year, today),
                        cumulative=indicator is not None and indicator.kind == "count")
        out.append(Row(t, via, value, result, tuple(every[u] for u in members[1:])))
    return out


def _is_entered(code: str) -> bool:
    indicator = registry.get(code)
    return indicator is not None and indicator.entered


def attainment_summary(rows: list[Row]) -> dict[str, Any]:
    """Counts by status, overall and per level of the target's unit (the roll-up)."""
    levels: dict[int, str] = {AdminUnit.Level.PROVINCE: "province",
                              AdminUnit.Level.DISTRICT: "district",
                              AdminUnit.Level.COMMUNE: "commune"}

    def empty() -> dict[str, int]:
        return {"total": 0, **{r.value: 0 for r in Rag}}

    total = empty()
    by_level: dict[str, dict[str, int]] = {}
    for r in rows:
        for bucket in (total, by_level.setdefault(levels.get(r.target.unit.level, "other"),
                                                  empty())):
            bucket["total"] += 1
            bucket[r.attainment.status.value] += 1
    return {"total": total, "by_level": by_level}


# --- commune digital-transformation criteria -------------------------------------------------


def _dx_provinces(user: Any) -> set[str]:
    return _viewer_provinces(user)


def dx_framework_for(user: Any, code: str, field: str = "framework") -> DxFramework:
    """A framework of the province of someone who may see or answer it."""
    provinces = _dx_provinces(user) | set(
        Agency.objects.filter(pk__in=access.entering_agencies(user))
        .values_list("province_code", flat=True))
    found = DxFramework.objects.filter(province_code__in=provinces,
                                       code=code_text(code, field)).first()
    if found is None:
        raise DomainError.for_field(field, _("Không có bộ tiêu chí này."))
    return found


def dx_frameworks_for(user: Any) -> QuerySet[DxFramework]:
    return DxFramework.objects.filter(province_code__in=_dx_provinces(user)).order_by("-pk")


def dx_criteria(framework: DxFramework) -> list[DxCriterion]:
    return list(DxCriterion.objects.filter(framework=framework).select_related("pillar")
                .order_by("position"))


def dx_assessments_for(user: Any, framework: DxFramework, year: int) -> QuerySet[DxAssessment]:
    """The year's assessments, best score first: all of them for those who see the province's
    figures, a commune's own for its committee's officers."""
    qs = DxAssessment.objects.filter(framework=framework, year=year).select_related("unit")
    if framework.province_code not in _dx_provinces(user):
        units = Agency.objects.filter(pk__in=access.entering_agencies(user)).values("unit_id")
        qs = qs.filter(unit_id__in=units)
    return qs.order_by("-score", "unit__code")


def dx_locked(framework: DxFramework, year: int) -> bool:
    return DxLock.objects.filter(framework=framework, year=year).exists()


def dx_answers(assessment: DxAssessment) -> list[DxAnswer]:
    return list(DxAnswer.objects.filter(assessment=assessment).select_related("criterion")
                .order_by("criterion__position"))
