"""Reads of the directory: units as they were on a day, successions, agencies a user may see.

Succession walks are set-based: one query per generation of the map (a unit created in 2025
from a 2020 commune is two generations), never one per unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.directory.models import AdminUnit, Agency, UnitSuccession

MAX_GENERATIONS = 20  # a guard against a cycle in hand-edited data


def valid_on_q(day: dt.date, prefix: str = "") -> Q:
    p = f"{prefix}__" if prefix else ""
    return (Q(**{f"{p}valid_from__isnull": True}) | Q(**{f"{p}valid_from__lte": day})) & (
        Q(**{f"{p}valid_to__isnull": True}) | Q(**{f"{p}valid_to__gt": day})
    )


def units_valid_on(
    day: dt.date | None = None, level: int | None = None, province_code: str | None = None
) -> QuerySet[AdminUnit]:
    """Units in force on `day` (today if None), optionally of one level and province."""
    qs = AdminUnit.objects.filter(valid_on_q(day or timezone.localdate()))
    if level is not None:
        qs = qs.filter(level=level)
    if province_code is not None:
        qs = qs.filter(province_code=province_code)
    return qs.order_by("level", "code")


def unit_successors(
    unit: AdminUnit, on: dt.date | None = None, *, primary_only: bool = False
) -> list[AdminUnit]:
    """The units valid on `on` (today if None) that took over `unit`'s territory, following
    successions as far as needed. A unit still valid on that day is its own successor.
    With primary_only, only the main heir is followed (the one that takes the records)."""
    day = on or timezone.localdate()
    if unit.valid_on(day):
        return [unit]
    found: dict[int, AdminUnit] = {}
    frontier, seen = {unit.pk}, {unit.pk}
    for _ in range(MAX_GENERATIONS):
        if not frontier:
            break
        edges = UnitSuccession.objects.filter(predecessor_id__in=frontier)
        if primary_only:
            edges = edges.filter(is_primary=True)
        frontier = set()
        for edge in edges.select_related("successor"):
            succ = edge.successor
            if succ.pk in seen:
                continue
            seen.add(succ.pk)
            if succ.valid_on(day):
                found[succ.pk] = succ
            elif succ.valid_from is None or succ.valid_from <= day:
                frontier.add(succ.pk)  # ended before `day`: its own successors are wanted
    return sorted(found.values(), key=lambda u: (u.level, u.code))


def unit_predecessors(unit: AdminUnit, *, level: int | None = None) -> list[AdminUnit]:
    """Every unit whose territory went, directly or through others, into `unit`: the history
    to report on under the current map. Optionally only those of one level."""
    found: dict[int, AdminUnit] = {}
    frontier, seen = {unit.pk}, {unit.pk}
    for _ in range(MAX_GENERATIONS):
        if not frontier:
            break
        edges = UnitSuccession.objects.filter(successor_id__in=frontier).select_related(
            "predecessor"
        )
        frontier = set()
        for edge in edges:
            pred = edge.predecessor
            if pred.pk not in seen:
                seen.add(pred.pk)
                found[pred.pk] = pred
                frontier.add(pred.pk)
    units = [u for u in found.values() if level is None or u.level == level]
    return sorted(units, key=lambda u: (u.level, u.code))


def unit_successor_map(
    units: list[AdminUnit], on: dt.date | None = None
) -> dict[int, list[AdminUnit]]:
    """unit_successors for many units at once (e.g. to regroup old records under the new map):
    unit pk -> successors valid on `on`, in one query per generation for all of them."""
    day = on or timezone.localdate()
    result: dict[int, dict[int, AdminUnit]] = {u.pk: {} for u in units}
    # origin pk -> set of frontier pks still to follow
    frontier: dict[int, set[int]] = {}
    for u in units:
        if u.valid_on(day):
            result[u.pk][u.pk] = u
        else:
            frontier[u.pk] = {u.pk}
    for _ in range(MAX_GENERATIONS):
        pending = set().union(*frontier.values()) if frontier else set()
        if not pending:
            break
        nexts: dict[int, list[AdminUnit]] = {}
        for edge in UnitSuccession.objects.filter(predecessor_id__in=pending).select_related(
            "successor"
        ):
            nexts.setdefault(edge.predecessor_id, []).append(edge.successor)
        new_frontier: dict[int, set[int]] = {}
        for origin, pks in frontier.items():
            for pk in pks:
                for succ in nexts.get(pk, []):
                    if succ.valid_on(day):
                        result[origin][succ.pk] = succ
                    elif succ.valid_from is None or succ.valid_from <= day:
                        new_frontier.setdefault(origin, set()).add(succ.pk)
        frontier = new_frontier
    return {
        pk: sorted(found.values(), key=lambda u: (u.level, u.code)) for pk, found in result.items()
    }


def agencies_for(user: Any) -> QuerySet[Agency]:
    """Agencies the user works in: those of the user's grants, and for a province-wide grant
    every agency of the province. (For the agencies where a user holds one permission, use
    `tinhso.directory.permissions.agency_scope(user, perm).q()`.)"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Agency.objects.none()
    grants = list(user.grants.all())
    cond = Q(pk__in=[])
    agency_ids = [g.agency_id for g in grants if g.agency_id is not None]
    provinces = [g.province_code for g in grants if g.agency_id is None]
    if agency_ids:
        cond |= Q(pk__in=agency_ids)
    if provinces:
        cond |= Q(province_code__in=provinces)
    return Agency.objects.filter(cond).select_related("unit", "parent")


def agency_tree(province_code: str) -> list[Agency]:
    """A province's active agencies, parents before their children (public directory)."""
    return list(
        Agency.objects.filter(province_code=province_code, is_active=True)
        .select_related("unit", "parent")
        .order_by("code")
    )


def units_without_heir(day: dt.date | None = None) -> QuerySet[AdminUnit]:
    """Units that ended on or before `day` (today if None) and have no successor: gaps in the
    map's history. The import leaves none."""
    day = day or timezone.localdate()
    return AdminUnit.objects.filter(valid_to__isnull=False, valid_to__lte=day).exclude(
        pk__in=UnitSuccession.objects.values("predecessor_id")
    ).order_by("level", "code")


UNIT_COLUMNS = ("ma", "ten", "loai", "cap", "ma_don_vi_cap_tren", "hieu_luc_tu", "hieu_luc_den",
                "ma_don_vi_ke_thua")


def unit_table(province_code: str) -> list[dict[str, Any]]:
    """A province's administrative units, every era (before and after the 1 July 2025
    reorganisation), each with its parent and the units that took its territory: the public
    table the open data portal links to. Two queries whatever the number of units."""
    units = list(AdminUnit.objects.filter(province_code=province_code)
                 .select_related("parent").order_by("level", "code", "valid_from"))
    heirs: dict[int, list[str]] = {}
    for pred, code in (UnitSuccession.objects.filter(predecessor__province_code=province_code)
                       .order_by("successor__code").values_list("predecessor_id",
                                                                "successor__code")):
        heirs.setdefault(pred, []).append(code)
    return [{
        "ma": u.code, "ten": u.name, "loai": u.kind, "cap": u.level,
        "ma_don_vi_cap_tren": u.parent.code if u.parent else "",
        "hieu_luc_tu": u.valid_from.isoformat() if u.valid_from else "",
        "hieu_luc_den": u.valid_to.isoformat() if u.valid_to else "",
        "ma_don_vi_ke_thua": " ".join(dict.fromkeys(heirs.get(u.pk, []))),
    } for u in units]
