from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from tinhso.accounts.models import User
from tinhso.core.audit import audit_record
from tinhso.core.errors import NotAllowed
from tinhso.directory.models import Agency, Grant
from tinhso.directory.permissions import can


def grants_of(user: Any) -> QuerySet[Grant]:
    return Grant.objects.filter(user=user).select_related("agency").order_by("role", "agency__code")


@dataclass(frozen=True)
class PersonalData:
    full_name: str
    citizen_id: str | None
    tax_code: str | None
    address: str
    phone: str


def mask_id(value: str | None) -> str:
    """What anyone else sees of an ID number: the last three digits."""
    if not value:
        return ""
    return "•" * (len(value) - 3) + value[-3:]


def personal_data_view(*, viewer: Any, person: User, agency: Agency, purpose: str,
                       ip: str | None = None) -> PersonalData:
    """An applicant's personal data, for an officer handling their case in `agency`.
    The applicant sees their own; officers need the permission there, and each read is logged."""
    if viewer.pk != person.pk:
        if not can(viewer, "accounts.personal_data.view", agency):
            raise NotAllowed("Bạn không có quyền xem thông tin cá nhân này.")
        audit_record(actor=viewer, action="personal_data.view", obj=person, ip=ip,
                     data={"agency": agency.code, "purpose": purpose})
    return PersonalData(person.full_name, person.citizen_id, person.tax_code, person.address,
                        person.phone)
