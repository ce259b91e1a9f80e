"""The change feed lists a dataset after a cursor only for a change the public can see: a
change to a private resource only lists nothing, and `metadata_modified` is the time of the
last change the public could see; a harvester following the feed still gets every public
change (open resources, the dataset's own fields, deletions)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.harvest.selectors import dataset_changes
from tinhso.opendata import services
from tinhso.opendata.models import DatasetVersion
from tinhso.opendata.tests.world import dataset, publisher

pytestmark = pytest.mark.django_db

URL = "/api/v1/opendata/changes"


@pytest.fixture
def feed(settings):
    settings.TINHSO_HARVEST_FEED_SETTLE_SECONDS = 0
    agency = AgencyFactory()
    return agency, publisher(agency)


def _all(client, **params):
    seen, cursor = [], ""
    for _ in range(50):
        body = client.get(URL, {**params, "cursor": cursor} if cursor else params).json()
        seen += body["results"]
        cursor = body["next_cursor"] or cursor
        if not body["has_more"]:
            return seen, cursor
    raise AssertionError("the feed did not end")


def _when(change: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(change["metadata_modified"].replace("Z", "+00:00"))


def _ms(when: dt.datetime) -> dt.datetime:
    """The API's times are to the millisecond."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def _private(author, name, **data):
    return services.resource_add(actor=author, data={
        "package_id": name, "name": "Mật", "url": "https://x.vn/mat.csv",
        "access_level": "named", **data})


def test_a_change_to_a_private_resource_only_lists_nothing(client, feed):
    agency, author = feed
    ds = dataset(author, agency, "thu-chi")
    services.resource_add(actor=author, data={"package_id": "thu-chi", "name": "Tổng",
                                              "url": "https://x.vn/tong.csv"})
    first, cursor = _all(client)
    assert [c["name"] for c in first] == ["thu-chi"]
    secret = _private(author, "thu-chi")
    services.resource_change(actor=author, data={"id": str(secret.pk), "name": "Mật 2"},
                             patch=True)
    services.resource_remove(actor=author, ref=str(secret.pk))
    later, cursor = _all(client, cursor=cursor)
    assert later == []
    # From the start, the dataset is dated by the last change the public saw (the open
    # resource), not by the private ones after it.
    whole, _ = _all(client)
    public = DatasetVersion.objects.get(dataset=ds, number=2).at
    assert [_when(c) for c in whole] == [_ms(public)]
    # A public change after them is listed, dated by itself.
    services.dataset_patch(actor=author, data={"id": "thu-chi", "notes": "Đã cập nhật"})
    listed, _ = _all(client, cursor=cursor)
    assert [(c["name"], c["change"]) for c in listed] == [("thu-chi", "updated")]
    ds.refresh_from_db()
    assert _when(listed[0]) == _ms(ds.metadata_modified)


def test_edits_while_private_list_no_second_deletion(client, feed):
    agency, author = feed
    ds = dataset(author, agency, "tam-an")
    _, start = _all(client)
    services.dataset_patch(actor=author, data={"id": "tam-an", "private": True})
    gone, cursor = _all(client, cursor=start)
    assert [(c["name"], c["change"]) for c in gone] == [("tam-an", "deleted")]
    services.dataset_patch(actor=author, data={"id": str(ds.pk), "title": "Đổi khi riêng"})
    _private(author, str(ds.pk))
    assert _all(client, cursor=cursor)[0] == []
    # Still one deletion for a harvester starting from the moment it was made private.
    again, _ = _all(client, cursor=start)
    assert [(c["name"], c["change"]) for c in again] == [("tam-an", "deleted")]


def test_a_harvester_still_gets_every_public_change(client, feed):
    agency, author = feed
    a = dataset(author, agency, "bo-a")
    b = dataset(author, agency, "bo-b")
    _, cursor = _all(client)
    opened = _private(author, "bo-a")
    _private(author, "bo-b")
    # Made open: the public sees a new resource, so it is a change.
    services.resource_change(actor=author, data={"id": str(opened.pk), "access_level": "open"},
                             patch=True)
    services.dataset_delete(actor=author, ref=str(b.pk))
    listed, _ = _all(client, cursor=cursor)
    assert [(c["id"], c["change"]) for c in listed] == [(str(a.pk), "updated"),
                                                         (str(b.pk), "deleted")]


def test_a_page_costs_the_same_few_queries_however_long(feed):
    agency, author = feed

    def count(limit: int) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            page = dataset_changes(limit=limit)
        return len(ctx.captured_queries), len(page.results)

    for i in range(12):
        name = f"bo-{i}"
        dataset(author, agency, name)
        services.resource_add(actor=author, data={"package_id": name, "name": "Mở",
                                                  "url": "https://x.vn/mo.csv"})
        secret = _private(author, name)
        for n in range(3):  # hidden changes: the feed must look further back
            services.resource_change(actor=author, data={"id": str(secret.pk),
                                                         "description": f"{n}"}, patch=True)
    small, listed = count(3)
    assert listed == 3
    large, listed = count(12)
    assert listed == 12
    assert large == small <= 8


def test_the_portal_advertises_the_feed(client, feed):
    home = client.get("/du-lieu/").content.decode()
    assert ('<link rel="alternate" type="application/json" href="/api/v1/opendata/changes"'
            in home)
    assert '<a href="/api/v1/opendata/changes">' in home
    assert client.get("/api/v1/opendata/changes").status_code == 200
