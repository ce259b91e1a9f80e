"""A change to what a caller cannot see is no change to them: a version that touched only a
private resource is neither listed (`package_activity_list`, the dataset's page, the page of
versions) nor shown (`activity_show`, the version's page) to those who do not see that
resource, and the dataset's page does not date itself by it. The owner's officers, and an
agency the resource is shared with, still see those versions. Each old version on the
dataset's page links to its own page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.accounts.tests.factories import AgencyFactory, officer
from tinhso.directory.models import Role
from tinhso.opendata import services
from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import DatasetVersion
from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)
from tinhso.opendata.tests.world import dataset, publisher, token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_usage")]

NAME = "ngan-sach"
PAGE = f"/du-lieu/bo-du-lieu/{NAME}/"


@pytest.fixture
def world():
    """Versions 1-2 public (create, an open resource); 3-5 touch a private resource only
    (added, renamed, removed); 6 a public change (the description)."""
    owner, partner, stranger = AgencyFactory(), AgencyFactory(), AgencyFactory()
    author = publisher(owner)
    ds = dataset(author, owner, NAME, title="Ngân sách xã")
    services.resource_add(actor=author, data={"package_id": NAME, "name": "Tổng hợp",
                                              "url": "https://x.vn/tong-hop.csv"})
    secret = services.resource_add(actor=author, data={
        "package_id": NAME, "name": "Chi tiết mật", "url": "https://x.vn/mat.csv",
        "access_level": "named", "shared_with": [org_name(partner)]})
    services.resource_change(actor=author, data={"id": str(secret.pk), "name": "Chi tiết mật 2"},
                             patch=True)
    services.resource_remove(actor=author, ref=str(secret.pk))
    services.dataset_patch(actor=author, data={"id": NAME, "notes": "Số liệu năm 2026"})
    ds.refresh_from_db()
    return {"ds": ds, "author": author, "partner": officer(Role.CLERK, partner),
            "stranger": officer(Role.LEADER, stranger)}


def _api(client, action, key=None, **params):
    headers = {"HTTP_AUTHORIZATION": key} if key else {}
    return client.get(f"/api/3/action/{action}", params, **headers)


def _numbers(client, key=None, **params) -> list[int]:
    got = _api(client, "package_activity_list", key, id=NAME, **params)
    assert got.status_code == 200, got.content
    return [int(a["id"].split(":")[1]) for a in got.json()["result"]]


def _page_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(rf'href="/du-lieu/bo-du-lieu/{NAME}/phien-ban/(\d+)/"',
                                       html)]


@pytest.mark.parametrize("who", ["anonymous", "stranger"])
def test_a_change_to_a_private_resource_only_is_no_change_to_outsiders(client, world, who):
    ds, key = world["ds"], None
    if who == "stranger":
        client.force_login(world["stranger"])
        key = token(world["stranger"])
    assert ds.revision == 6
    assert _numbers(client, key) == [6, 2, 1]
    assert _numbers(client, key, offset=1, limit=1) == [2]
    for n in (3, 4, 5):
        assert _api(client, "activity_show", key, id=f"{ds.pk}:{n}").status_code == 404
        assert client.get(f"{PAGE}phien-ban/{n}/").status_code == 404
    shown = _api(client, "activity_show", key, id=f"{ds.pk}:6").json()["result"]
    assert shown["data"]["package"]["notes"] == "Số liệu năm 2026"
    # The page of version 6 compares it with version 2, the one before it they saw.
    six = client.get(f"{PAGE}phien-ban/6/").content.decode()
    assert "So với phiên bản 2" in six and "Số liệu năm 2026" in six
    assert "Phiên bản hiện tại" in six
    page = client.get(PAGE).content.decode()
    assert _page_numbers(page) == [6, 2, 1]
    versions = client.get(f"{PAGE}phien-ban/").content.decode()
    assert _page_numbers(versions) == [6, 2, 1] and "3 phiên bản" in versions


def test_the_page_is_dated_by_the_last_change_the_caller_saw(client, world):
    ds, author = world["ds"], world["author"]
    services.resource_add(actor=author, data={"package_id": NAME, "name": "Phụ lục mật",
                                              "url": "https://x.vn/pl.csv",
                                              "access_level": "named"})
    ds.refresh_from_db()
    public_change = DatasetVersion.objects.get(dataset=ds, number=6).at
    assert ds.metadata_modified > public_change
    stamp = "{:%d/%m/%Y %H:%M}"
    page = client.get(PAGE).content.decode()
    assert f"Cập nhật {stamp.format(timezone.localtime(public_change))}" in page
    assert 7 not in _page_numbers(page)
    client.force_login(author)
    assert _page_numbers(client.get(PAGE).content.decode())[0] == 7


def test_the_owner_sees_every_version_and_a_partner_those_shared(client, world):
    ds = world["ds"]
    assert _numbers(client, token(world["author"])) == [6, 5, 4, 3, 2, 1]
    assert _numbers(client, token(world["author"]), offset=2, limit=2) == [4, 3]
    partner = world["partner"]
    assert _numbers(client, token(partner)) == [6, 5, 4, 3, 2, 1]  # shared with its agency
    client.force_login(partner)
    assert client.get(f"{PAGE}phien-ban/4/").status_code == 200
    assert _api(client, "activity_show", token(partner), id=f"{ds.pk}:4").status_code == 200


def test_each_recent_version_on_the_dataset_page_links_to_its_own_page(client, world):
    client.force_login(world["author"])
    page = client.get(PAGE).content.decode()
    assert _page_numbers(page) == [6, 5, 4, 3, 2, 1]
    for n in _page_numbers(page):
        assert client.get(f"{PAGE}phien-ban/{n}/").status_code == 200


def test_hidden_versions_cost_batches_not_a_query_each(client, world):
    """Many changes the public cannot see between two it can: the list reads the versions in
    a few growing batches, so 40 or 100 hidden versions cost the same queries."""
    author, ds = world["author"], world["ds"]
    secret = services.resource_add(actor=author, data={
        "package_id": NAME, "name": "Nhật ký", "url": "https://x.vn/nk.csv",
        "access_level": "named"})

    def hide(n: int) -> None:
        for i in range(n):
            services.resource_change(actor=author, data={"id": str(secret.pk),
                                                         "description": f"lần {i}"}, patch=True)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert _numbers(client)[-3:] == [6, 2, 1]
        return len(ctx.captured_queries)

    hide(40)
    services.dataset_patch(actor=author, data={"id": NAME, "title": "Ngân sách các xã"})
    few = count()
    hide(60)
    services.dataset_patch(actor=author, data={"id": NAME, "title": "Ngân sách xã, phường"})
    ds.refresh_from_db()
    assert ds.revision > 100
    many = count()
    assert many == few <= 12
    assert _numbers(client)[:2] == [ds.revision, ds.revision - 61]
