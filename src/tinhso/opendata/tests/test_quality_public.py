"""The quality score the public sees is computed from what the public sees: a private
resource's format and freshness count neither in the stored score (what the indicators and the
stale list read) nor in the score the API and the dataset's page show the public or another
agency; the owner's officers see the full picture."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.opendata.models import DatasetQuality, Resource
from tinhso.opendata.quality_store import quality_refresh
from tinhso.opendata.services import resource_add
from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)
from tinhso.opendata.tests.world import dataset, publisher, token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_usage")]

NAME = "ho-ngheo"


@pytest.fixture
def world():
    """An open PDF two months old (monthly data: stale), and a private CSV added today."""
    own, other = AgencyFactory(), AgencyFactory()
    author = publisher(own)
    ds = dataset(author, own, NAME, frequency="monthly",
                 resources=[{"url": "https://x.vn/ho-ngheo.pdf", "format": "PDF"}])
    old = timezone.now() - dt.timedelta(days=62)
    Resource.objects.filter(dataset=ds).update(last_modified=old, metadata_modified=old)
    quality_refresh()
    resource_add(actor=author, data={"package_id": NAME, "name": "Danh sách hộ",
                                     "url": "https://x.vn/danh-sach.csv", "format": "CSV",
                                     "access_level": "named"})
    return {"ds": ds, "author": author, "stranger": publisher(other), "old": old}


def _points(criteria) -> dict[str, int]:
    return {c["code"]: c["points"] for c in criteria}


def _api(client, key=None) -> dict:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    got = client.get(f"/api/v1/opendata/datasets/{NAME}/quality", **headers)
    assert got.status_code == 200, got.content
    return got.json()


def test_the_stored_score_counts_no_private_resource(world):
    stored = DatasetQuality.objects.get(dataset=world["ds"])
    points = {c["code"]: c["points"] for c in stored.criteria}
    assert points["formats"] == 8  # the PDF's one star, not the private CSV's three
    assert points["freshness"] == 0  # the private resource added today does not refresh it
    assert stored.stale_after is not None and stored.stale_after < timezone.now()
    quality_refresh()  # the daily refresh agrees with the write
    again = DatasetQuality.objects.get(dataset=world["ds"])
    assert (again.score, again.stale_after) == (stored.score, stored.stale_after)


@pytest.mark.parametrize("who", ["anonymous", "stranger"])
def test_outsiders_see_the_public_score_and_the_owner_the_full_picture(client, world, who):
    key = token(world["stranger"]) if who == "stranger" else None
    stored = DatasetQuality.objects.get(dataset=world["ds"])
    outside = _api(client, key)
    assert outside["score"] == stored.score
    assert _points(outside["criteria"])["formats"] == 8 and outside["stale"] is True
    owner = _api(client, token(world["author"]))
    assert _points(owner["criteria"])["formats"] == 25 and owner["stale"] is False
    assert owner["score"] > outside["score"]


def test_the_dataset_page_shows_the_public_score_to_the_public(client, world):
    stored = DatasetQuality.objects.get(dataset=world["ds"])
    page = client.get(f"/du-lieu/bo-du-lieu/{NAME}/")
    assert page.status_code == 200
    assert page.context["quality"]["score"] == stored.score
    assert page.context["quality"]["stale"] is True
    client.force_login(world["author"])
    mine = client.get(f"/du-lieu/bo-du-lieu/{NAME}/").context["quality"]
    assert mine["score"] > stored.score and mine["stale"] is False
