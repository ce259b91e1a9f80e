"""The administrative map as the two installed packages ship it, read into plain records.

- `vietnam-provinces`: the current map (34 provinces, 3321 communes) with official GSO codes.
- `vietnamadminunits`: the pre-2025 map (63 provinces, districts, ~10040 communes) and the
  converter that says which old commune went into which new one.

`vietnamadminunits` is built to convert address strings, so its public API hands out parsed
addresses, not the tables behind them. We read its data files (`dataset.db`,
`converter_2025.json`) read-only, through the installed package's folder. Nothing here writes.

Where the two packages disagree on a current commune's code (about 110 cases: codes that were
reassigned in later official lists), `vietnam-provinces` wins; the two are joined on the
province and the commune's name, the code only breaking ties.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources

from tinhso.core.text import fold, nfc


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    kind: str
    parent_code: str  # "" for a province


@dataclass
class CurrentMap:
    provinces: list[Division]
    communes: list[Division]  # parent_code = province code


@dataclass
class LegacyMap:
    provinces: list[Division]
    districts: list[Division]
    communes: list[Division]  # parent_code = district code
    province_by_key: dict[str, str]  # 'tinhthanhhoa' -> '38'


@dataclass
class Converter:
    """How the old map became the new one, in codes."""

    # new province code -> old province codes
    provinces: dict[str, list[str]]
    # old commune code -> [(new commune code, is_primary)]; one entry for a whole commune
    communes: dict[str, list[tuple[str, bool]]]
    # old district code -> new commune codes of districts that had no commune (island districts)
    district_only: dict[str, list[str]] = field(default_factory=dict)
    # new commune codes that could not be matched between the packages (should stay empty)
    unmatched: list[str] = field(default_factory=list)


def _name_key(name: str) -> str:
    """Compare names across the packages: no tone marks, one kind of apostrophe and dash."""
    return fold(name.replace("’", "'").replace("–", "-").replace("‘", "'"))


def load_current() -> CurrentMap:
    import vietnam_provinces

    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as fh:
        data = json.load(fh)
    provinces, communes = [], []
    for p in data:
        pcode = f"{int(p['code']):02d}"
        provinces.append(Division(pcode, nfc(p["name"]), nfc(p["division_type"]), ""))
        for w in p["wards"]:
            communes.append(
                Division(f"{int(w['code']):05d}", nfc(w["name"]), nfc(w["division_type"]), pcode)
            )
    return CurrentMap(provinces, communes)


def _vau_file(name: str):  # type: ignore[no-untyped-def]
    return resources.files("vietnamadminunits").joinpath("data", name)


def _dataset() -> sqlite3.Connection:
    path = _vau_file("dataset.db")
    # Read-only URI: never create or touch a journal inside site-packages.
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


def load_legacy() -> LegacyMap:
    con = _dataset()
    try:
        rows = con.execute(
            "SELECT province, district, ward, districtType, wardType, provinceCode,"
            " districtCode, wardCode, provinceKey FROM admin_units_legacy"
        ).fetchall()
    finally:
        con.close()
    provinces: dict[str, Division] = {}
    districts: dict[str, Division] = {}
    communes: dict[str, Division] = {}
    by_key: dict[str, str] = {}
    for prov, dist, ward, dtype, wtype, pcode, dcode, wcode, pkey in rows:
        by_key[pkey] = pcode
        if pcode not in provinces:
            kind = "thành phố trung ương" if prov.startswith("Thành phố") else "tỉnh"
            # vietnam-provinces writes "Thanh Hóa" but "Thành phố Hà Nội": do the same.
            provinces[pcode] = Division(pcode, nfc(prov.removeprefix("Tỉnh ")), kind, "")
        if dcode not in districts:
            districts[dcode] = Division(dcode, nfc(dist), nfc(dtype or "").lower(), pcode)
        if ward and wcode:
            communes[wcode] = Division(wcode, nfc(ward), nfc(wtype or "").lower(), dcode)
    return LegacyMap(
        sorted(provinces.values(), key=lambda d: d.code),
        sorted(districts.values(), key=lambda d: d.code),
        sorted(communes.values(), key=lambda d: d.code),
        by_key,
    )


def load_converter(current: CurrentMap) -> Converter:
    with _vau_file("converter_2025.json").open(encoding="utf-8") as fh:
        conv = json.load(fh)
    con = _dataset()
    try:
        new_rows = con.execute(
            "SELECT provinceKey, wardKey, wardCode, ward, provinceCode FROM admin_units"
        ).fetchall()
        old_rows = con.execute(
            "SELECT provinceKey, districtKey, wardKey, provinceCode, districtCode, wardCode"
            " FROM admin_units_legacy"
        ).fetchall()
    finally:
        con.close()

    # Current communes of vietnam-provinces, by province and name.
    by_name: dict[tuple[str, str], list[Division]] = defaultdict(list)
    codes = {c.code: c for c in current.communes}
    for c in current.communes:
        by_name[(c.parent_code, _name_key(c.name))].append(c)

    new_code: dict[tuple[str, str], str] = {}  # (new province key, ward key) -> code
    prov_code_by_key: dict[str, str] = {}
    unmatched: list[str] = []
    for pkey, wkey, wcode, wname, pcode in new_rows:
        prov_code_by_key[pkey] = pcode
        same = by_name.get((pcode, _name_key(wname)), [])
        if len(same) == 1:
            new_code[(pkey, wkey)] = same[0].code
        elif wcode in codes and codes[wcode].parent_code == pcode and (
            not same or codes[wcode] in same
        ):
            new_code[(pkey, wkey)] = wcode
        else:
            unmatched.append(f"{pcode}/{wcode} {wname}")

    old_code: dict[str, str] = {}  # 'prov_district_ward' -> old commune code
    old_district: dict[str, str] = {}  # 'prov_district_' -> old district code
    old_prov_by_key: dict[str, str] = {}
    for pkey, dkey, wkey, pcode, dcode, wcode in old_rows:
        old_prov_by_key[pkey] = pcode
        if wkey:
            old_code[f"{pkey}_{dkey}_{wkey}"] = wcode
        else:
            old_district[f"{pkey}_{dkey}_"] = dcode

    provinces = {
        prov_code_by_key[new]: [old_prov_by_key[o] for o in olds]
        for new, olds in conv["DICT_PROVINCE"].items()
    }
    communes: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    district_only: dict[str, list[str]] = defaultdict(list)

    def link(old_key: str, target: str, primary: bool) -> None:
        if old_key in old_code:
            communes[old_code[old_key]].append((target, primary))
        elif old_key in old_district or old_key.endswith("_"):
            dcode = old_district.get(old_key) or old_district.get(old_key.rstrip("_") + "_")
            if dcode:
                district_only[dcode].append(target)

    for pkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wkey, olds in wards.items():
            target = new_code.get((pkey, wkey))
            if target is None:
                continue
            for old_key in olds:
                link(old_key, target, True)
    for pkey, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in olds.items():
            for part in parts:
                target = new_code.get((pkey, part["newWardKey"]))
                if target is not None:
                    link(old_key, target, bool(part["isDefaultNewWard"]))
    return Converter(provinces, dict(communes), dict(district_only), unmatched)
