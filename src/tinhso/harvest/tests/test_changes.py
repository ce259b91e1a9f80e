"""The change feed others harvest us by: `GET /api/v1/opendata/changes`."""

from __future__ import annotations

import pytest

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.opendata.services import dataset_delete, dataset_patch
from tinhso.opendata.tests.world import dataset, publisher

pytestmark = pytest.mark.django_db

URL = "/api/v1/opendata/changes"


@pytest.fixture
def feed(settings):
    settings.TINHSO_HARVEST_FEED_SETTLE_SECONDS = 0
    agency = AgencyFactory()
    return agency, publisher(agency)


def _all(client, **params):
    """Every page, following the cursor; the changes and the last cursor."""
    seen, cursor = [], ""
    for _ in range(50):
        answer = client.get(URL, {**params, "cursor": cursor} if cursor else params)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        seen += body["results"]
        cursor = body["next_cursor"] or cursor
        if not body["has_more"]:
            return seen, cursor
    raise AssertionError("the feed did not end")


def test_the_feed_pages_through_every_public_dataset_once_in_order(client, feed):
    agency, author = feed
    names = [f"bo-du-lieu-{i}" for i in range(5)]
    for n in names:
        dataset(author, agency, n)
    dataset(author, agency, "noi-bo", private=True)
    dataset(author, agency, "ban-nhap", state="draft")
    changes, _cursor = _all(client, limit=2)
    assert [c["name"] for c in changes] == names
    assert {c["change"] for c in changes} == {"created"}
    stamps = [c["metadata_modified"] for c in changes]
    assert stamps == sorted(stamps)


def test_after_the_cursor_come_updates_and_deletions_private_ones_as_deletions(client, feed):
    agency, author = feed
    kept = dataset(author, agency, "giu-lai")
    gone = dataset(author, agency, "bi-xoa")
    hidden = dataset(author, agency, "thanh-rieng")
    never = dataset(author, agency, "chua-bao-gio-cong-khai", private=True)
    _changes, cursor = _all(client)
    dataset_patch(actor=author, data={"id": str(kept.pk), "title": "Giữ lại, đã sửa"})
    dataset_delete(actor=author, ref=str(gone.pk))
    dataset_patch(actor=author, data={"id": str(hidden.pk), "private": True})
    # Renamed while private: outsiders never learn the new name.
    dataset_patch(actor=author, data={"id": str(hidden.pk), "name": "ten-moi-bi-mat"})
    dataset_patch(actor=author, data={"id": str(never.pk), "title": "Vẫn riêng"})
    later, _ = _all(client, cursor=cursor)
    assert [(c["id"], c["name"], c["change"]) for c in later] == [
        (str(kept.pk), "giu-lai", "updated"),
        (str(gone.pk), "bi-xoa", "deleted"),
        (str(hidden.pk), "thanh-rieng", "deleted"),
    ]
    assert str(never.pk) not in {c["id"] for c in _all(client)[0]}


def test_since_starts_the_feed_at_a_moment(client, feed):
    agency, author = feed
    first = dataset(author, agency, "cu")
    second = dataset(author, agency, "moi")
    changes, _ = _all(client, since=second.metadata_modified.isoformat())
    assert [c["name"] for c in changes] == ["moi"]
    assert first.metadata_modified < second.metadata_modified


def test_a_change_still_settling_waits_for_the_next_call(client, feed, settings):
    agency, author = feed
    dataset(author, agency, "vua-tao")
    settings.TINHSO_HARVEST_FEED_SETTLE_SECONDS = 3600
    body = client.get(URL).json()
    assert body["results"] == [] and body["has_more"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "hôm qua"}, "since"),
        ({"since": "2026-13-45T00:00:00"}, "since"),
        ({"cursor": "khong-phai-con-tro"}, "cursor"),
        ({"cursor": "eyJtIjogMX0"}, "cursor"),  # {"m": 1}
        ({"limit": "0"}, "limit"),
        ({"limit": "100000"}, "limit"),
    ],
)
def test_bad_input_is_refused_naming_the_field(client, feed, params, field):
    answer = client.get(URL, params)
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_a_page_of_the_feed_costs_two_queries_however_long(feed, django_assert_num_queries):
    """The page, and the datasets' last versions (whether the public saw them change)."""
    from tinhso.harvest.selectors import dataset_changes

    agency, author = feed
    for i in range(12):
        ds = dataset(author, agency, f"bo-{i}")
        if i % 3 == 0:
            dataset_delete(actor=author, ref=str(ds.pk))
    with django_assert_num_queries(2):
        page = dataset_changes(limit=10)
    assert len(page.results) == 10 and page.has_more
    assert [c.change for c in page.results].count("deleted") == 4
