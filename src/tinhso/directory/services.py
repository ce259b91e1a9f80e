"""Every write to the directory: the administrative map import, and agencies."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError
from tinhso.core.text import UnsafeText, clean_text, fold
from tinhso.directory import sources
from tinhso.directory.models import (
    REFORM_DATE,
    AdminUnit,
    Agency,
    UnitSuccession,
    validate_agency_code,
)
from tinhso.directory.permissions import ensure_can

# progress(stage, done, total): called as the import goes, for a progress bar.
Progress = Callable[[str, int, int], None]
UnitKey = tuple[str, int, dt.date | None]  # (code, level, valid_from): the unit_code_era key

L = AdminUnit.Level
K = UnitSuccession.Kind
BATCH = 1000


@dataclass
class UnitImportStats:
    units_created: int = 0
    units_updated: int = 0
    successions_created: int = 0
    successions_updated: int = 0
    successions_deleted: int = 0
    provinces: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        return (self.units_created + self.units_updated + self.successions_created
                + self.successions_updated + self.successions_deleted)


@dataclass
class _Unit:
    name: str
    kind: str
    level: int
    province_code: str
    parent: UnitKey | None
    valid_to: dt.date | None


@dataclass(frozen=True)
class _Link:
    kind: str
    is_primary: bool
    note: str = ""


def _plan(
    province_codes: Iterable[str] | None,
) -> tuple[dict[UnitKey, _Unit], dict[tuple[UnitKey, UnitKey], _Link], set[str]]:
    """What the database should hold for these (current) provinces, in keys and values."""
    current = sources.load_current()
    legacy = sources.load_legacy()
    conv = sources.load_converter(current)

    known = {p.code for p in current.provinces}
    wanted = set(province_codes) if province_codes else known
    unknown = sorted(wanted - known)
    if unknown:
        raise DomainError.for_field(
            "province_codes", _("Không có tỉnh/thành phố mã %(codes)s.") % {"codes": ", ".join(unknown)}
        )

    units: dict[UnitKey, _Unit] = {}
    links: dict[tuple[UnitKey, UnitKey], _Link] = {}
    old_province_key: dict[str, UnitKey] = {}
    new_province_key: dict[str, UnitKey] = {}
    legacy_provinces = {p.code: p for p in legacy.provinces}
    touched: set[str] = set()

    for p in current.provinces:
        if p.code not in wanted:
            continue
        olds = conv.provinces.get(p.code, [p.code])
        touched |= {p.code, *olds}
        if olds == [p.code]:  # went on unchanged: one unit, no era boundary
            key: UnitKey = (p.code, L.PROVINCE, None)
            units[key] = _Unit(p.name, p.kind, L.PROVINCE, p.code, None, None)
            new_province_key[p.code] = old_province_key[p.code] = key
            continue
        key = (p.code, L.PROVINCE, REFORM_DATE)
        units[key] = _Unit(p.name, p.kind, L.PROVINCE, p.code, None, None)
        new_province_key[p.code] = key
        for o in olds:
            old = legacy_provinces[o]
            okey: UnitKey = (o, L.PROVINCE, None)
            units[okey] = _Unit(old.name, old.kind, L.PROVINCE, o, None, REFORM_DATE)
            old_province_key[o] = okey
            links[(okey, key)] = _Link(K.MERGE, True)

    for c in current.communes:
        if c.parent_code in new_province_key:
            units[(c.code, L.COMMUNE, REFORM_DATE)] = _Unit(
                c.name, c.kind, L.COMMUNE, c.parent_code, new_province_key[c.parent_code], None
            )

    district_key: dict[str, UnitKey] = {}
    district_province: dict[str, str] = {}
    for d in legacy.districts:
        if d.parent_code in old_province_key:
            key = (d.code, L.DISTRICT, None)
            units[key] = _Unit(
                d.name, d.kind, L.DISTRICT, d.parent_code, old_province_key[d.parent_code],
                REFORM_DATE,
            )
            district_key[d.code] = key
            district_province[d.code] = d.parent_code

    # How many old communes (whole or part) each new commune received: one means a rename.
    fed: Counter[str] = Counter(t for targets in conv.communes.values() for t, _p in targets)
    names = {c.code: c.name for c in current.communes}
    district_targets: dict[str, Counter[str]] = {}
    for c in legacy.communes:
        if c.parent_code not in district_key:
            continue
        key = (c.code, L.COMMUNE, None)
        units[key] = _Unit(
            c.name, c.kind, L.COMMUNE, district_province[c.parent_code],
            district_key[c.parent_code], REFORM_DATE,
        )
        targets = conv.communes.get(c.code, [])
        for target, primary in targets:
            if len(targets) > 1:
                link = _Link(K.SPLIT, primary)
            elif fed[target] == 1:
                same = names[target] == c.name
                link = _Link(K.RENAME, True, "giữ nguyên tên" if same else "")
            else:
                link = _Link(K.MERGE, True)
            links[(key, (target, L.COMMUNE, REFORM_DATE))] = link
            # A district's territory went where its communes went; its main heir is the
            # commune that took most of them.
            district_targets.setdefault(c.parent_code, Counter())[target] += 2 if primary else 1
    for dcode, heirs in conv.district_only.items():
        for target in heirs:
            district_targets.setdefault(dcode, Counter())[target] += 2
    for dcode, counts in district_targets.items():
        if dcode not in district_key:
            continue
        best = min(counts, key=lambda t: (-counts[t], t))
        for target in counts:
            links[(district_key[dcode], (target, L.COMMUNE, REFORM_DATE))] = _Link(
                K.ABOLISH, target == best
            )
    return units, links, touched


@transaction.atomic
def units_import(
    *, province_codes: Iterable[str] | None = None, progress: Progress | None = None
) -> UnitImportStats:
    """Load the current map and the pre-2025 map with the successions between them.

    `province_codes` are current province codes ("38"); None loads the whole country. Running it
    again changes nothing; a corrected package version updates what differs."""
    import time

    started = time.monotonic()
    report = progress or (lambda stage, done, total: None)
    report("read", 0, 1)
    units, links, touched = _plan(province_codes)
    report("read", 1, 1)
    stats = UnitImportStats(provinces=len({u.province_code for u in units.values()
                                           if u.level == L.PROVINCE and u.valid_to is None}))

    existing: dict[UnitKey, AdminUnit] = {
        (u.code, u.level, u.valid_from): u
        for u in AdminUnit.objects.filter(province_code__in=touched)
    }
    for level in (L.PROVINCE, L.DISTRICT, L.COMMUNE):
        todo = [(k, v) for k, v in units.items() if v.level == level]
        create: list[AdminUnit] = []
        update: list[AdminUnit] = []
        for (code, lvl, valid_from), want in todo:
            parent_id = existing[want.parent].pk if want.parent else None
            values: dict[str, Any] = {
                "name": want.name, "name_folded": fold(want.name), "kind": want.kind,
                "province_code": want.province_code, "parent_id": parent_id,
                "valid_to": want.valid_to,
            }
            have = existing.get((code, lvl, valid_from))
            if have is None:
                unit = AdminUnit(code=code, level=lvl, valid_from=valid_from, **values)
                create.append(unit)
                existing[(code, lvl, valid_from)] = unit
            elif any(getattr(have, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(have, f, v)
                update.append(have)
        AdminUnit.objects.bulk_create(create, batch_size=BATCH)
        AdminUnit.objects.bulk_update(
            update, ["name", "name_folded", "kind", "province_code", "parent", "valid_to"],
            batch_size=BATCH,
        )
        stats.units_created += len(create)
        stats.units_updated += len(update)
        report(str(L(level).label), len(todo), len(todo))

    stats_links = _apply_links(links, existing, touched)
    stats.successions_created, stats.successions_updated, stats.successions_deleted = stats_links
    report("succession", len(links), len(links))
    stats.seconds = round(time.monotonic() - started, 2)
    if stats.changed:
        audit_record(
            actor=None, action="units_import", object_type="directory.adminunit",
            object_id="import", data={k: v for k, v in asdict(stats).items() if k != "seconds"},
        )
    return stats


def _apply_links(
    links: dict[tuple[UnitKey, UnitKey], _Link],
    units: dict[UnitKey, AdminUnit],
    touched: set[str],
) -> tuple[int, int, int]:
    wanted = {(units[p].pk, units[s].pk): link for (p, s), link in links.items()}
    ours = {u.pk for u in units.values()}
    create, update, delete = [], [], []
    seen = set()
    for row in UnitSuccession.objects.filter(predecessor__province_code__in=touched):
        pair = (row.predecessor_id, row.successor_id)
        link = wanted.get(pair)
        if link is None:
            if row.predecessor_id in ours:
                delete.append(row.pk)
            continue
        seen.add(pair)
        if (row.kind, row.is_primary, row.note, row.date) != (
            link.kind, link.is_primary, link.note, REFORM_DATE
        ):
            row.kind, row.is_primary, row.note, row.date = (
                link.kind, link.is_primary, link.note, REFORM_DATE
            )
            update.append(row)
    for (pred, succ), link in wanted.items():
        if (pred, succ) not in seen:
            create.append(UnitSuccession(
                predecessor_id=pred, successor_id=succ, kind=link.kind, date=REFORM_DATE,
                is_primary=link.is_primary, note=link.note,
            ))
    if delete:
        UnitSuccession.objects.filter(pk__in=delete).delete()
    UnitSuccession.objects.bulk_create(create, batch_size=BATCH)
    UnitSuccession.objects.bulk_update(
        update, ["kind", "is_primary", "note", "date"], batch_size=BATCH
    )
    return len(create), len(update), len(delete)


# ---------------------------------------------------------------------------------------------
# Agencies

AGENCY_FIELDS = ("code", "name", "short_name", "kind", "parent", "unit", "is_active")


def _clean_agency(agency: Agency) -> None:
    """Field checks with the field named, so the API answers 422 on the right input."""
    for name in ("code", "name", "short_name"):
        try:
            setattr(agency, name, clean_text(getattr(agency, name) or ""))
        except UnsafeText as exc:
            raise DomainError.for_field(name, _("Văn bản chứa ký tự không hợp lệ.")) from exc
    try:
        validate_agency_code(agency.code)
    except ValidationError as exc:
        raise DomainError.for_field("code", str(exc.messages[0]), code="agency_code") from exc
    clash = Agency.objects.filter(code=agency.code).exclude(pk=agency.pk).exists()
    if clash:
        raise DomainError.for_field(
            "code", _("Mã định danh %(code)s đã được dùng.") % {"code": agency.code},
            code="duplicate",
        )
    if not agency.name:
        raise DomainError.for_field("name", _("Cần nhập tên cơ quan."), code="required")
    if len(agency.name) > 255 or len(agency.short_name) > 32:
        raise DomainError.for_field("name", _("Tên quá dài."), code="too_long")
    if agency.kind not in Agency.Kind.values:
        raise DomainError.for_field("kind", _("Loại cơ quan không hợp lệ."))
    if agency.unit_id is None:
        raise DomainError.for_field("unit", _("Cần chọn đơn vị hành chính."), code="required")
    if agency.parent is not None:
        if agency.parent.province_code != agency.province_code:
            raise DomainError.for_field("parent", _("Cơ quan cấp trên phải cùng tỉnh."))
        node: Agency | None = agency.parent
        hops = 0
        while node is not None and hops < 50:  # no cycles: the hierarchy is a tree
            if agency.pk and node.pk == agency.pk:
                raise DomainError.for_field("parent", _("Cơ quan không thể trực thuộc chính nó."))
            node = node.parent
            hops += 1


def _province_of(unit: AdminUnit) -> str:
    return unit.province_code


@transaction.atomic
def agency_create(
    *, actor: Any, code: str, name: str, kind: str, unit: AdminUnit, short_name: str = "",
    parent: Agency | None = None, is_active: bool = True, ip: str | None = None,
) -> Agency:
    agency = Agency(
        code=code, name=name, short_name=short_name, kind=kind, unit=unit, parent=parent,
        province_code=_province_of(unit), is_active=is_active,
    )
    ensure_can(actor, "directory.agency.manage", agency)
    _clean_agency(agency)
    agency.save()
    audit_record(actor=actor, action="agency_create", obj=agency, ip=ip,
                 data={"code": agency.code, "name": agency.name})
    return agency


@transaction.atomic
def agency_update(*, actor: Any, agency: Agency, ip: str | None = None, **changes: Any) -> Agency:
    """Change some of code, name, short_name, kind, parent, unit, is_active."""
    unknown = set(changes) - set(AGENCY_FIELDS)
    if unknown:
        raise DomainError.for_field(sorted(unknown)[0], _("Trường không được phép sửa."))
    ensure_can(actor, "directory.agency.manage", agency)
    before = {f: str(getattr(agency, f)) for f in changes}
    for f, v in changes.items():
        setattr(agency, f, v)
    if "unit" in changes:
        agency.province_code = _province_of(agency.unit)
        ensure_can(actor, "directory.agency.manage", agency)  # may not move it out of reach
    _clean_agency(agency)
    agency.save()
    after = {f: str(getattr(agency, f)) for f in changes}
    audit_record(actor=actor, action="agency_update", obj=agency, ip=ip,
                 data={"before": before, "after": after})
    return agency
