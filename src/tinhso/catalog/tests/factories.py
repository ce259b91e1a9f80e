"""Small factories for catalog tests: agencies (the demo directory is not assumed), officers
with grants, and procedure records as the import formats write them."""

from __future__ import annotations

import itertools
from typing import Any

from tinhso.accounts.models import User
from tinhso.catalog.models import ProcedureVersion
from tinhso.catalog.services import procedure_create
from tinhso.directory.models import AdminUnit, Agency, Grant, Role

_seq = itertools.count(1)


def make_agency(name: str = "", *, code: str = "", kind: str = Agency.Kind.DEPARTMENT,
                province_code: str = "38") -> Agency:
    n = next(_seq)
    unit = AdminUnit.objects.create(
        code=f"9{n:04d}", name=f"Tỉnh Thử {n}", kind="tỉnh", level=AdminUnit.Level.PROVINCE,
        province_code=province_code,
    )
    return Agency.objects.create(
        code=code or f"000.{n // 100:02d}.{n % 100:02d}.H56", name=name or f"Sở Thử nghiệm {n}",
        short_name=f"ST{n}", kind=kind, unit=unit, province_code=province_code,
    )


def make_user(role: Role | None = None, agency: Agency | None = None,
              province_code: str = "38") -> User:
    n = next(_seq)
    user = User.objects.create_user(username=f"canbo{n}", password="mat-khau-rat-dai-2026",
                                    kind=User.Kind.OFFICER)
    if role is not None:
        Grant.objects.create(user=user, role=role, agency=agency,
                             province_code=agency.province_code if agency else province_code)
    return user


def record(agency: Agency, **overrides: Any) -> dict[str, Any]:
    """One procedure as a JSON import record."""
    data: dict[str, Any] = {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "field": "Hộ tịch",
        "agency_code": agency.code,
        "online_level": "full",
        "legacy_level": 4,
        "government_level": "commune",
        "deadline_value": 1,
        "deadline_unit": "day",
        "result_type": "Giấy khai sinh",
        "legal_basis": "Luật Hộ tịch số 60/2014/QH13",
        "is_joint": False,
        "effective_from": "2025-07-01",
        "required_documents": [
            {"name": "Tờ khai đăng ký khai sinh", "mandatory": True,
             "file_types": ["pdf", "docx"], "copies": 1},
            {"name": "Giấy chứng sinh", "mandatory": True, "file_types": ["pdf"], "copies": 1},
        ],
        "fees": [{"amount": 8000, "description": "Bản sao trích lục"}],
    }
    data.update(overrides)
    return data


def make_procedure(agency: Agency, **overrides: Any) -> ProcedureVersion:
    return procedure_create(actor=None, data=record(agency, **overrides))
