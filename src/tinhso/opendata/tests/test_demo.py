"""The demo datasets load through the services, once, and show the access rules."""

from __future__ import annotations

import pytest

from tinhso.accounts.tests.factories import officer
from tinhso.directory.demo import PROVINCE_LETTERS, PROVINCIAL_BODIES
from tinhso.directory.models import AdminUnit, Agency, Role
from tinhso.opendata.demo import SPECS, load_datasets
from tinhso.opendata.models import AccessLevel, Dataset, State

pytestmark = pytest.mark.django_db


def _province() -> None:
    unit = AdminUnit.objects.create(code="38", name="Thanh Hóa", kind="tỉnh", level=1,
                                    province_code="38")
    for third, name, short, kind in PROVINCIAL_BODIES:
        Agency.objects.create(code=f"000.00.{third}.{PROVINCE_LETTERS['38']}", name=name,
                              short_name=short, kind=kind, unit=unit, province_code="38")


def test_demo_datasets_load_once_with_every_access_level(client):
    _province()
    admin = officer(Role.PROVINCE_ADMIN, None)
    assert load_datasets(actor=admin) == len(SPECS) >= 30
    assert load_datasets(actor=admin) == 0
    levels = set(Dataset.objects.values_list("access_level", flat=True))
    assert levels == {AccessLevel.OPEN, AccessLevel.AGENCIES, AccessLevel.NAMED}
    assert Dataset.objects.filter(state=State.DRAFT).count() == 1
    found = client.get("/api/3/action/package_search", {"q": "ho so"}).json()["result"]
    assert found["count"] >= 1
    public = client.get("/api/3/action/package_list").json()["result"]
    assert "ha-tang-so" not in public and "quy-hoach-khu-kinh-te" not in public
    shown = client.get("/api/3/action/package_show?id=don-vi-hanh-chinh-tinh-thanh-hoa").json()
    assert shown["result"]["spatial_units"] == [{"code": "38", "name": "Thanh Hóa"}]


def test_datasets_made_from_the_platforms_own_data_link_to_live_exports(client):
    _province()
    load_datasets(actor=officer(Role.PROVINCE_ADMIN, None), site_url="http://testserver")
    for name in ("ho-so-theo-thang-va-co-quan", "chi-so-chuyen-doi-so-tinh",
                 "danh-muc-thu-tuc-hanh-chinh", "don-vi-hanh-chinh-tinh-thanh-hoa"):
        shown = client.get("/api/3/action/package_show", {"id": name}).json()["result"]
        for res in shown["resources"]:
            assert res["url"].startswith("http://testserver/api/v1/")
            r = client.get(res["url"].removeprefix("http://testserver"))
            assert r.status_code == 200, res["url"]
            kind = "text/csv" if res["format"] == "CSV" else "application/json"
            assert r["Content-Type"].startswith(kind)
