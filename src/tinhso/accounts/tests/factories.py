"""Factories for people and the agencies they work in (factory_boy)."""

from __future__ import annotations

import factory

from tinhso.accounts.models import User
from tinhso.directory.models import AdminUnit, Agency, Grant, Role


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdminUnit

    code = factory.Sequence(lambda n: f"{90000 + n}")
    name = factory.Sequence(lambda n: f"Phường Thử Nghiệm {n}")
    kind = "phường"
    level = AdminUnit.Level.COMMUNE
    province_code = "38"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"000.{(n // 100) % 100:02d}.{n % 100:02d}.H56")
    name = factory.Sequence(lambda n: f"Sở Thử Nghiệm {n}")
    short_name = factory.Sequence(lambda n: f"STN{n}")
    kind = Agency.Kind.DEPARTMENT
    unit = factory.SubFactory(UnitFactory)
    province_code = "38"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Người Dùng {n}")
    kind = User.Kind.OFFICER
    password = factory.django.Password("mat-khau-rat-dai-2026")


def officer(role: Role, agency: Agency | None = None, province_code: str = "38", **kw) -> User:
    user = UserFactory(**kw)
    Grant.objects.create(user=user, role=role, agency=agency,
                         province_code=agency.province_code if agency else province_code)
    return user
