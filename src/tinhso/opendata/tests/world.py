"""Test data built through the real services: agencies, their publishers with API tokens,
themes and datasets."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tinhso.accounts.tests.factories import AgencyFactory, officer
from tinhso.accounts.tokens import token_create
from tinhso.directory.models import Agency, Role
from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import Dataset, Group
from tinhso.opendata.services import dataset_create


def publisher(agency: Agency, role: Role = Role.SPECIALIST) -> Any:
    return officer(role, agency)


def token(user: Any) -> str:
    return token_create(user=user)[1]


def theme(name: str, title: str) -> Group:
    return Group.objects.create(name=name, title=title, created=timezone.now())


def dataset(actor: Any, agency: Agency, name: str, **fields: Any) -> Dataset:
    data = {"name": name, "title": fields.pop("title", name.replace("-", " ").title()),
            "owner_org": org_name(agency), **fields}
    return dataset_create(actor=actor, data=data)


def two_agencies() -> tuple[Agency, Agency]:
    return AgencyFactory(), AgencyFactory()
