"""The demo province's agencies: Thanh Hóa's provincial bodies and its 166 commune committees.

The electronic identifier codes (mã định danh điện tử) are GENERATED, systematically, in the
shape the national standard uses; they are not the codes Thanh Hóa was actually assigned (see
docs/directory.md for the scheme). Loading again changes nothing; an agency is known by its code.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError
from tinhso.core.text import fold
from tinhso.directory.models import AdminUnit, Agency, UnitSuccession

# The province's letter code in identifier codes (the fourth group).
PROVINCE_LETTERS = {"38": "H56"}

A = Agency.Kind


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    short_name: str
    kind: str
    parent_code: str | None
    unit: AdminUnit


# (third group, name, short name used in document notations, kind). The provincial departments
# after the 2025 restructuring (Decree 45/2025/NĐ-CP), as Thanh Hóa has them.
PROVINCIAL_BODIES = [
    ("01", "Văn phòng Ủy ban nhân dân tỉnh", "VP", A.UNIT),
    ("02", "Sở Nội vụ", "SNV", A.DEPARTMENT),
    ("03", "Sở Tư pháp", "STP", A.DEPARTMENT),
    ("04", "Sở Tài chính", "STC", A.DEPARTMENT),
    ("05", "Sở Xây dựng", "SXD", A.DEPARTMENT),
    ("06", "Sở Nông nghiệp và Môi trường", "SNNMT", A.DEPARTMENT),
    ("07", "Sở Công Thương", "SCT", A.DEPARTMENT),
    ("08", "Sở Y tế", "SYT", A.DEPARTMENT),
    ("09", "Sở Giáo dục và Đào tạo", "SGDĐT", A.DEPARTMENT),
    ("10", "Sở Khoa học và Công nghệ", "SKHCN", A.DEPARTMENT),
    ("11", "Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL", A.DEPARTMENT),
    ("12", "Sở Dân tộc và Tôn giáo", "SDTTG", A.DEPARTMENT),
    ("13", "Thanh tra tỉnh", "TTr", A.DEPARTMENT),
    ("14", "Ban Quản lý Khu kinh tế Nghi Sơn và các khu công nghiệp", "BQLKKTNS", A.DEPARTMENT),
]
# Commune committees sit in groups from this third group on: one group per pre-2025 district,
# as commune codes sat under their district's code before the reform.
COMMUNE_GROUP_START = 30


def _code(second: int | str, third: int | str, letters: str) -> str:
    return f"000.{int(second):02d}.{int(third):02d}.{letters}"


def _commune_groups(communes: list[AdminUnit]) -> dict[int, tuple[int, int]]:
    """commune pk -> (group, sequence): grouped by the old district most of it came from."""
    weight: dict[int, Counter[str]] = defaultdict(Counter)
    edges = UnitSuccession.objects.filter(
        successor__in=communes, predecessor__level=AdminUnit.Level.COMMUNE
    ).values_list("successor_id", "predecessor__parent__code", "is_primary")
    for succ, district, primary in edges:
        if district:
            weight[succ][district] += 2 if primary else 1
    home = {
        c.pk: min(weight[c.pk], key=lambda d: (-weight[c.pk][d], d)) if weight[c.pk] else None
        for c in communes
    }
    districts = sorted({d for d in home.values() if d})
    out: dict[int, tuple[int, int]] = {}
    if districts and all(home.values()):
        seq: Counter[str] = Counter()
        for c in communes:  # sorted by code
            district = home[c.pk] or ""  # never empty: checked by all() above
            seq[district] += 1
            out[c.pk] = (COMMUNE_GROUP_START + districts.index(district), seq[district])
    else:  # no pre-2025 data loaded: groups of 99 in code order
        for i, c in enumerate(communes):
            out[c.pk] = (COMMUNE_GROUP_START + i // 99, i % 99 + 1)
    return out


def _specs(province_code: str) -> list[Spec]:
    letters = PROVINCE_LETTERS.get(province_code)
    if letters is None:
        raise DomainError.for_field("province_code", f"Chưa có mã chữ cho tỉnh {province_code}.")
    today = timezone.localdate()
    units = AdminUnit.objects.filter(province_code=province_code).filter(
        level__in=[AdminUnit.Level.PROVINCE, AdminUnit.Level.COMMUNE]
    )
    current = [u for u in units if u.valid_on(today)]
    province = next((u for u in current if u.level == AdminUnit.Level.PROVINCE), None)
    if province is None:
        from tinhso.directory.services import units_import

        units_import(province_codes=[province_code])
        return _specs(province_code)
    communes = sorted((u for u in current if u.level == AdminUnit.Level.COMMUNE),
                      key=lambda u: u.code)
    root = _code(0, 0, letters)
    office = _code(0, 1, letters)
    specs = [Spec(root, f"Ủy ban nhân dân tỉnh {province.name}", "UBND", A.PEOPLES_COMMITTEE,
                  None, province)]
    for third, name, short, kind in PROVINCIAL_BODIES:
        specs.append(Spec(_code(0, third, letters), name, short, kind, root, province))
    specs.append(Spec(_code(1, 1, letters), "Trung tâm Phục vụ hành chính công tỉnh",
                      "TTPVHCC", A.SERVICE_CENTRE, office, province))
    groups = _commune_groups(communes)
    for c in communes:
        group, seq = groups[c.pk]
        name = c.name[:1].lower() + c.name[1:]
        specs.append(Spec(_code(seq, group, letters), f"Ủy ban nhân dân {name}", "UBND",
                          A.COMMUNE, root, c))
    return specs


@transaction.atomic
def load_agencies(province_code: str = "38") -> list[Agency]:
    """Create or bring up to date the demo province's agencies; returns them, parents first.

    Imports the province's administrative units first if they are not there yet."""
    specs = _specs(province_code)
    existing = {a.code: a for a in Agency.objects.filter(code__in=[s.code for s in specs])}
    created = updated = 0
    # Parents before children: a spec's parent is always earlier in the list, so go tier by tier.
    tiers: list[list[Spec]] = []
    placed: set[str] = set()
    remaining = list(specs)
    while remaining:
        tier = [s for s in remaining if s.parent_code is None or s.parent_code in placed]
        if not tier:
            raise RuntimeError("agency parents form a cycle")  # our own table is wrong
        tiers.append(tier)
        placed |= {s.code for s in tier}
        remaining = [s for s in remaining if s.code not in placed]
    fields = ["name", "short_name", "kind", "parent", "unit", "province_code", "is_active"]
    for tier in tiers:
        create, update = [], []
        for s in tier:
            values = {
                "name": s.name, "short_name": s.short_name, "kind": s.kind,
                "parent_id": existing[s.parent_code].pk if s.parent_code else None,
                "unit_id": s.unit.pk, "province_code": province_code, "is_active": True,
            }
            have = existing.get(s.code)
            if have is None:
                agency = Agency(code=s.code, **values)
                agency.full_clean(validate_unique=False, validate_constraints=False)
                create.append(agency)
                existing[s.code] = agency
            elif any(getattr(have, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(have, k, v)
                update.append(have)
        Agency.objects.bulk_create(create)
        Agency.objects.bulk_update(update, fields)
        created, updated = created + len(create), updated + len(update)
    if created or updated:
        audit_record(actor=None, action="agencies_load", object_type="directory.agency",
                     object_id=f"demo-{province_code}",
                     data={"created": created, "updated": updated})
    return [existing[s.code] for s in specs]


def find_agency(province_code: str, name: str) -> Agency | None:
    """An agency of the province by (diacritics-insensitive) name: for demo scripts."""
    key = fold(name)
    for agency in Agency.objects.filter(province_code=province_code):
        if fold(agency.name) == key:
            return agency
    return None


def demo_agency_roles(province_code: str = "38") -> dict[str, Agency]:
    """The agencies the demo accounts and procedures are attached to, by what they do:
    `province` (the provincial People's Committee), `office` (its Office), `service_centre`,
    `justice` (Department of Justice), `construction`, `agriculture`, `finance`, and
    `commune` (the committee of the province's first ward, Phường Hạc Thành for Thanh Hóa)."""
    letters = PROVINCE_LETTERS[province_code]
    by_code = {a.code: a for a in Agency.objects.filter(province_code=province_code)
               .exclude(kind=A.COMMUNE)}
    thirds = {short: third for third, _, short, _ in PROVINCIAL_BODIES}
    roles = {
        "province": by_code[_code(0, 0, letters)],
        "office": by_code[_code(0, thirds["VP"], letters)],
        "service_centre": by_code[_code(1, 1, letters)],
        "justice": by_code[_code(0, thirds["STP"], letters)],
        "construction": by_code[_code(0, thirds["SXD"], letters)],
        "agriculture": by_code[_code(0, thirds["SNNMT"], letters)],
        "finance": by_code[_code(0, thirds["STC"], letters)],
    }
    communes = Agency.objects.filter(province_code=province_code, kind=A.COMMUNE)
    commune = (communes.filter(unit__name="Phường Hạc Thành").first()
               or communes.order_by("code").first())
    if commune is None:
        raise DomainError.for_field("province_code", "Tỉnh chưa có UBND cấp xã nào.")
    roles["commune"] = commune
    return roles
