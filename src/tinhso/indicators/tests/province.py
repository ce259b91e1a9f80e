"""A small province for the entry and target tests, built with the real services: the
province unit, a district abolished on 1 July 2025 with its two communes, the commune that
succeeded them, a second new commune, the tax office and the science department (which enter
figures), the new commune's People's Committee, a reviewer (province administrator), a second
reviewer, an observer, and officers of each entering agency."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tinhso.accounts.models import User
from tinhso.accounts.tests.factories import AgencyFactory, officer
from tinhso.directory.models import REFORM_DATE, AdminUnit, Agency, Role, UnitSuccession
from tinhso.indicators import services
from tinhso.onestop.tests.world import PDF, vn

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Province:
    province: AdminUnit
    district: AdminUnit
    old_a: AdminUnit
    old_b: AdminUnit
    commune: AdminUnit  # successor of the district and its two communes
    other: AdminUnit  # another new commune
    tax: Agency
    science: Agency
    commune_committee: Agency
    tax_officer: User
    science_officer: User
    commune_officer: User
    reviewer: User
    reviewer_2: User
    observer: User


def _unit(code: str, name: str, level: int, parent: AdminUnit | None = None,
          valid_from: dt.date | None = None, valid_to: dt.date | None = None) -> AdminUnit:
    return AdminUnit.objects.create(code=code, name=name, kind="", level=level, parent=parent,
                                    province_code="38", valid_from=valid_from,
                                    valid_to=valid_to)


def make_province() -> Province:
    province = _unit("38", "Thanh Hóa", AdminUnit.Level.PROVINCE)
    district = _unit("380", "Huyện Cũ", AdminUnit.Level.DISTRICT, province, valid_to=REFORM_DATE)
    old_a = _unit("16001", "Xã Cũ A", AdminUnit.Level.COMMUNE, district, valid_to=REFORM_DATE)
    old_b = _unit("16002", "Xã Cũ B", AdminUnit.Level.COMMUNE, district, valid_to=REFORM_DATE)
    commune = _unit("16100", "Xã Mới", AdminUnit.Level.COMMUNE, province,
                    valid_from=REFORM_DATE)
    other = _unit("16200", "Phường Khác", AdminUnit.Level.COMMUNE, province,
                  valid_from=REFORM_DATE)
    for pred in (district, old_a, old_b):
        UnitSuccession.objects.create(
            predecessor=pred, successor=commune, date=REFORM_DATE,
            kind=UnitSuccession.Kind.ABOLISH if pred is district else UnitSuccession.Kind.MERGE)
    tax = AgencyFactory(name="Thuế tỉnh Thanh Hóa", unit=province)
    science = AgencyFactory(name="Sở Khoa học và Công nghệ", unit=province)
    committee = AgencyFactory(name="UBND Xã Mới", unit=commune, kind=Agency.Kind.COMMUNE)
    reviewer = officer(Role.PROVINCE_ADMIN, None, full_name="Lê Thẩm Định")
    p = Province(
        province=province, district=district, old_a=old_a, old_b=old_b, commune=commune,
        other=other, tax=tax, science=science, commune_committee=committee,
        tax_officer=officer(Role.SPECIALIST, tax, full_name="Trần Thuế"),
        science_officer=officer(Role.SPECIALIST, science, full_name="Ngô Khoa Học"),
        commune_officer=officer(Role.LEADER, committee, full_name="Đinh Xã"),
        reviewer=reviewer, reviewer_2=officer(Role.PROVINCE_ADMIN, None),
        observer=officer(Role.OBSERVER, None),
    )
    for code, agency in [("entered.einvoice_rate", tax), ("entered.qr_merchants", science),
                         ("entered.fiber_households_rate", science),
                         ("entered.fiber_households_rate", committee)]:
        services.assignment_add(actor=reviewer, indicator_code=code, agency=agency)
    return p


AT = vn(2026, 11, 20, 9, 0)


def enter(p: Province, *, officer: User | None = None, agency: Agency | None = None,
          indicator: str = "entered.einvoice_rate", unit: str = "38", period: str = "2025",
          files: list[tuple[str, bytes]] | None = None, **figures: object):
    if not figures:
        figures = {"numerator": 850, "denominator": 1000}
    return services.entry_create(
        actor=officer or p.tax_officer, agency=agency or p.tax, indicator_code=indicator,
        unit_code=unit, period=period, files=[("bien-ban.pdf", PDF)] if files is None else files,
        note="Theo báo cáo của Thuế tỉnh", at=AT, **figures)  # type: ignore[arg-type]
