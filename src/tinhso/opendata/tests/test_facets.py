"""The facet index (`opendata/facets.py`) gives exactly the counts the database gives, for every
caller, after any sequence of writes, and never counts what the caller may not see.

These tests commit (transaction=True): the index only ever reads committed data and is not
used inside a transaction, where the counts come from SQL as before."""

from __future__ import annotations

import random

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.opendata import facets
from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import AccessLevel, Dataset, FacetState
from tinhso.opendata.selectors import Search, dataset_search
from tinhso.opendata.services import (
    dataset_delete,
    dataset_patch,
    resource_add,
    resource_remove,
)
from tinhso.opendata.tests.world import dataset, publisher, theme

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = facets.FIELDS
FORMATS = ["csv", "xlsx", "json", "pdf"]
LICENSES = ["cc-by-4.0", "cc0-1.0", "odc-by", ""]


def _as_tuples(found: dict[str, list[facets.FacetItem]]) -> dict[str, list[tuple]]:
    return {k: [(i.name, i.display_name, i.count) for i in v] for k, v in found.items()}


def _by_sql(user, search: Search) -> tuple[int, dict]:
    with transaction.atomic():  # inside a transaction the index stands aside
        found = dataset_search(user, search)
    return found.count, _as_tuples(found.facets)


def _by_index(user, search: Search) -> tuple[int, dict]:
    found = dataset_search(user, search)
    return found.count, _as_tuples(found.facets)


def _searches() -> list[Search]:
    return [Search(facet_fields=FIELDS, rows=0),
            Search(q="so lieu", facet_fields=FIELDS, rows=5),
            Search(fq=("tags:the-1",), facet_fields=FIELDS, facet_limit=2),
            Search(facet_fields=FIELDS, facet_mincount=3, include_private=True),
            # words: on PostgreSQL, counted from the index's word bitmaps (`every_word`)
            Search(q="the 3", facet_fields=("tags",), rows=0),
            Search(q="lieu* AND the", rows=0, include_private=True),
            Search(q="so", fq=('tags:"thẻ 1"',), facet_fields=("organization",), rows=0)]


def _assert_same(users) -> None:
    for user in users:
        for search in _searches():
            assert _by_index(user, search) == _by_sql(user, search), (user, search)


def _random_world(rng: random.Random):
    owner, other = AgencyFactory(), AgencyFactory()
    authors = {owner: publisher(owner), other: publisher(other)}
    for name in ("kinh-te", "xa-hoi", "moi-truong"):
        theme(name, name.replace("-", " ").title())
    made = []
    for i in range(24):
        agency = rng.choice([owner, other])
        access = rng.choice([AccessLevel.OPEN, AccessLevel.OPEN, AccessLevel.AGENCIES,
                             AccessLevel.NAMED])
        made.append(dataset(
            authors[agency], agency, f"so-lieu-{i}", title=f"Số liệu {i}",
            license_id=rng.choice(LICENSES), access_level=access,
            tags=[{"name": f"thẻ {rng.randrange(6)}"} for _ in range(rng.randrange(3))],
            groups=[{"name": g} for g in rng.sample(["kinh-te", "xa-hoi", "moi-truong"],
                                                    rng.randrange(3))],
            resources=[{"url": f"https://x.vn/{i}-{j}.{rng.choice(FORMATS)}"}
                       for j in range(rng.randrange(3))]))
    return owner, other, authors, made


@pytest.mark.parametrize("every_word", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_counts_what_the_database_counts_after_any_writes(seed, every_word, monkeypatch):
    if every_word:  # the words of every q from the word bitmaps, however few datasets match
        monkeypatch.setattr(facets, "WORDS_DIRECT_BELOW", 0)
    rng = random.Random(seed)  # noqa: S311 - test data
    owner, other, authors, made = _random_world(rng)
    callers = [None, authors[owner], authors[other]]
    _assert_same(callers)  # first use: the index is built
    for step in range(30):  # then patched, write by write
        ds = Dataset.objects.get(pk=rng.choice(made).pk)
        author = authors[owner] if ds.owner_org_id == owner.pk else authors[other]
        change = rng.randrange(5)
        if ds.state == "deleted":
            continue
        if change == 0:
            dataset_patch(actor=author, data={"id": str(ds.pk),
                                              "tags": [{"name": f"thẻ {rng.randrange(6)}"}]})
        elif change == 1:
            dataset_patch(actor=author, data={"id": str(ds.pk),
                                              "license_id": rng.choice(LICENSES),
                                              "access_level": rng.choice(list(AccessLevel))})
        elif change == 2:
            resource_add(actor=author, data={"package_id": str(ds.pk),
                                             "url": f"https://x.vn/n{step}.{rng.choice(FORMATS)}"})
        elif change == 3 and ds.resources.filter(state="active").exists():
            resource_remove(actor=author,
                            ref=str(ds.resources.filter(state="active").first().pk))
        elif change == 4 and step % 3 == 0:
            dataset_delete(actor=author, ref=str(ds.pk))
        if step % 5 == 4:
            _assert_same(callers)
    _assert_same(callers)


def test_a_private_dataset_is_never_counted_for_those_who_cannot_see_it():
    owner, outsider = AgencyFactory(), AgencyFactory()
    author = publisher(owner)
    dataset(author, owner, "mo", tags=[{"name": "cong-khai"}])
    dataset(author, owner, "kin", tags=[{"name": "bi-mat"}], access_level=AccessLevel.NAMED,
            resources=[{"url": "https://x.vn/a.geojson"}])
    search = Search(facet_fields=FIELDS)
    for caller in (None, publisher(outsider)):
        count, found = _by_index(caller, search)
        assert count == 1
        assert [t[0] for t in found["tags"]] == ["cong-khai"]
        assert found["res_format"] == []
    count, found = _by_index(author, Search(facet_fields=FIELDS, include_private=True))
    assert count == 2
    assert {t[0] for t in found["tags"]} == {"cong-khai", "bi-mat"}


def test_a_write_is_counted_by_the_next_search_and_a_rolled_back_one_never():
    agency = AgencyFactory()
    author = publisher(agency)
    dataset(author, agency, "mot", tags=[{"name": "aa"}])
    search = Search(facet_fields=("tags", "organization"))
    assert _by_index(None, search)[1]["tags"] == [("aa", "aa", 1)]
    with transaction.atomic():
        dataset(author, agency, "hai", tags=[{"name": "bb"}])
        # inside the transaction: counted by SQL, and the index learns nothing of it
        assert _by_index(None, search)[1]["tags"] == [("aa", "aa", 1), ("bb", "bb", 1)]
        transaction.set_rollback(True)
    assert _by_index(None, search)[1]["tags"] == [("aa", "aa", 1)]
    dataset(author, agency, "ba", tags=[{"name": "aa"}])
    count, found = _by_index(None, search)
    assert count == 2
    assert found["tags"] == [("aa", "aa", 2)]
    assert found["organization"] == [(org_name(agency), agency.name, 2)]


def test_an_emptied_clock_makes_the_index_start_again():
    agency = AgencyFactory()
    author = publisher(agency)
    dataset(author, agency, "mot", tags=[{"name": "aa"}])
    search = Search(facet_fields=("tags",))
    assert _by_index(None, search)[1]["tags"] == [("aa", "aa", 1)]
    FacetState.objects.all().delete()  # as a flushed database leaves it
    assert _by_index(None, search) == _by_sql(None, search)  # no clock: counted in SQL
    dataset(author, agency, "hai", tags=[{"name": "bb"}])  # the clock is made anew
    assert _by_index(None, search)[1]["tags"] == [("aa", "aa", 1), ("bb", "bb", 1)]


def test_bulk_loads_number_their_rows_and_touch_all_rebuilds():
    agency = AgencyFactory()
    author = publisher(agency)
    dataset(author, agency, "mot", tags=[{"name": "aa"}])
    search = Search(facet_fields=("license_id",))
    assert _by_index(None, search)[1]["license_id"] == []
    seqs = facets.next_seqs(3)
    assert len(set(seqs)) == 3
    assert min(seqs) > Dataset.objects.get(name="mot").seq
    Dataset.objects.filter(name="mot").update(license_id="cc0-1.0")  # around the services
    with transaction.atomic():  # as a bulk loader ends
        facets.touch_all()
    assert _by_index(None, search)[1]["license_id"][0][:1] == ("cc0-1.0",)


def test_the_index_costs_the_same_queries_however_many_datasets_match(client):
    agency = AgencyFactory()
    author = publisher(agency)
    theme("kinh-te", "Kinh tế")
    params = {"q": "so lieu", "rows": "100", "facet.field": '["organization", "groups", '
              '"tags", "res_format", "license_id"]'}

    def queries() -> tuple[int, int]:
        client.get("/api/3/action/package_search", params)  # the index catches up first
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/api/3/action/package_search", params)
        return len(ctx.captured_queries), r.json()["result"]["count"]

    for i in range(3):
        dataset(author, agency, f"so-lieu-{i}", tags=[{"name": f"the {i}"}],
                groups=[{"name": "kinh-te"}], resources=[{"url": f"https://x.vn/{i}.csv"}])
    small, n = queries()
    for i in range(3, 30):
        dataset(author, agency, f"so-lieu-{i}", tags=[{"name": f"the {i}"}],
                groups=[{"name": "kinh-te"}], resources=[{"url": f"https://x.vn/{i}.csv"}])
    large, m = queries()
    assert (n, m) == (3, 30)
    # clock, matched bitmap, page, 5 relations, names of organizations, themes and tags;
    # SQLite ranks the matches in Python (`ranking`): one query more, for their scores
    assert small == large == 11 + (connection.vendor != "postgresql")


def test_what_anyone_may_see_is_kept_with_the_index_and_follows_every_write(client):
    """An anonymous search with no fq reads the public set from the index, not the database,
    and a dataset made private or deleted leaves it with the write that did it."""
    agency = AgencyFactory()
    author = publisher(agency)
    for i in range(3):
        dataset(author, agency, f"so-lieu-{i}", tags=[{"name": "chung"}])
    params = {"rows": "10", "facet.field": '["tags"]'}

    def search() -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/api/3/action/package_search", params)
        sqls = [q["sql"] for q in ctx.captured_queries]
        assert not [s for s in sqls if s.startswith("SELECT seq >>")], sqls  # no bitmap asked
        result = r.json()["result"]
        return result["count"], [d["name"] for d in result["results"]]

    client.get("/api/3/action/package_search", params)  # the index is built
    assert search()[0] == 3
    dataset_patch(actor=author, data={"id": "so-lieu-1", "access_level": AccessLevel.NAMED})
    count, names = search()
    assert count == 2
    assert "so-lieu-1" not in names
    dataset_delete(actor=author, ref="so-lieu-2")
    assert search() == (1, ["so-lieu-0"])
    assert _by_index(None, Search(facet_fields=FIELDS)) == _by_sql(None, Search(facet_fields=FIELDS))


def test_the_public_set_is_what_an_anonymous_caller_sees_in_every_state_and_level():
    from tinhso.opendata.selectors import datasets_visible_to

    agency = AgencyFactory()
    author = publisher(agency)
    for level in AccessLevel:
        dataset(author, agency, f"mo-{level}", access_level=level)
        dataset(author, agency, f"nhap-{level}", access_level=level, state="draft")
        dataset(author, agency, f"xoa-{level}", access_level=level)
        dataset_delete(actor=author, ref=f"xoa-{level}")
    _by_index(None, Search(facet_fields=FIELDS))  # the index is built
    seen = facets.matched_bits(datasets_visible_to(None))
    assert facets._index.public() == seen
    assert seen.bit_count() == 2  # open and for agencies; never drafts, deleted or named
    dataset_patch(actor=author, data={"id": "nhap-open", "state": "active"})
    dataset_patch(actor=author, data={"id": "mo-open", "access_level": AccessLevel.NAMED})
    _by_index(None, Search(facet_fields=FIELDS))
    assert facets._index.public() == facets.matched_bits(datasets_visible_to(None))


def test_a_write_around_the_services_shows_for_a_minute_at_most(monkeypatch):
    agency = AgencyFactory()
    author = publisher(agency)
    dataset(author, agency, "mot", tags=[{"name": "chung"}])
    dataset(author, agency, "hai", tags=[{"name": "rieng"}])
    search = Search(facet_fields=("tags",))
    assert _by_index(None, search)[0] == 2
    Dataset.objects.filter(name="hai").update(access_level=AccessLevel.NAMED)  # no touch
    monkeypatch.setattr(facets, "PUBLIC_RECHECK", 0.0)  # the minute has passed
    count, found = _by_index(None, search)
    assert count == 1
    assert found["tags"] == [("chung", "chung", 1)]
    with pytest.raises(RuntimeError):  # a stamp outside the write's transaction
        facets.touch([Dataset.objects.get(name="mot").pk])
