"""package_search's relevance (`sort=score desc`, CKAN's default, `opendata/ranking.py`): with a
`q`, a title match ranks before a tag match, before a description-only one; more of the words
and the words as a phrase rank higher; ties go to the most recently changed; every page is a
slice of the same order, on PostgreSQL whether the matches are scored in one query or in
tiers; without a `q` the sort is as before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.core.text import fold
from tinhso.opendata import fulltext, ranking
from tinhso.opendata.models import Dataset
from tinhso.opendata.tests.test_search import search
from tinhso.opendata.tests.world import dataset, publisher, theme, two_agencies

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="the tiers and the SQL folding are PostgreSQL's")


def names(result):
    return [d["name"] for d in result["results"]]


@pytest.fixture
def make():
    agency, _ = two_agencies()
    author = publisher(agency)
    theme("moi-truong", "Môi trường")

    def make(name, **fields):
        return dataset(author, agency, name, **fields)

    return make


def age(name: str, days: int) -> None:
    """Make a dataset look changed `days` days ago (the order of ties)."""
    Dataset.objects.filter(name=name).update(
        metadata_modified=timezone.now() - dt.timedelta(days=days))


def test_a_title_match_ranks_before_a_tag_match_before_a_description_match(client, make):
    make("ban-do-rung", title="Bản đồ rừng phòng hộ")
    make("cay-xanh", title="Cây xanh đô thị", tags=[{"name": "rừng"}])
    make("chu-de", title="Khu bảo tồn", groups=[{"name": "moi-truong"}],
         notes="Số liệu về rừng ngập mặn.")
    make("bao-cao", title="Báo cáo năm", notes="Diện tích rừng theo xã.")
    age("ban-do-rung", 30)  # the oldest, still first: relevance before recency
    age("cay-xanh", 20)
    assert names(search(client, q="rung")) == ["ban-do-rung", "cay-xanh", "bao-cao", "chu-de"]
    assert names(search(client, q="rung", sort="score desc")) == names(search(client, q="rung"))
    # a theme's title weighs as a tag
    assert names(search(client, q="moi truong")) == ["chu-de"]


def test_more_of_the_words_and_the_phrase_rank_higher(client, make):
    make("d1", title="Rừng và biển")
    make("d2", title="Rừng núi")
    make("d3", title="Biển đảo", notes="Có cả rừng.")
    make("d4", title="Phòng hộ rừng ven biển")
    make("d5", title="Rừng phòng hộ")
    age("d4", 10)
    age("d5", 10)
    # both words in the title (8, 9 with "rung bien" as written: no title has it here);
    # one in the title and one in the description (5); one in the title only (4)
    assert names(search(client, q="rung OR bien")) == ["d1", "d4", "d3", "d2", "d5"]
    # all the words in both titles; the phrase as written first, though not the newest
    age("d5", 20)
    make("d6", title="Hộ phòng rừng")
    assert names(search(client, q="rung phong ho")) == ["d5", "d6", "d4"]


def test_ties_go_to_the_most_recently_changed_then_the_id(client, make):
    for i in range(4):
        make(f"so-lieu-{i}", title=f"Số liệu {i}")
    age("so-lieu-2", 5)
    found = names(search(client, q="so lieu"))
    assert found == ["so-lieu-3", "so-lieu-1", "so-lieu-0", "so-lieu-2"]
    Dataset.objects.update(metadata_modified=timezone.now())
    same = search(client, q="so lieu")["results"]
    assert [d["id"] for d in same] == sorted(d["id"] for d in same)
    # another tie-break when the sort gives one
    assert names(search(client, q="so lieu", sort="score desc, name desc")) == [
        "so-lieu-3", "so-lieu-2", "so-lieu-1", "so-lieu-0"]


@pytest.fixture
def mixed(make):
    """Datasets of every score for "rung phong ho", several of each, ages mixed."""
    titles = ["Rừng phòng hộ {}", "Phòng hộ rừng {}", "Rừng {} phòng hộ", "Rừng núi {}",
              "Đất {}"]
    for i in range(15):
        make(f"bo-{i:02d}", title=titles[i % 5].format(i), notes="phòng hộ rừng, đất",
             tags=([{"name": "phòng hộ"}] if i % 3 == 0 else [])
             + ([{"name": "rừng núi"}] if i in (4, 14) else []))
        age(f"bo-{i:02d}", (i * 7) % 5)


def _all_pages(client, rows, **params):
    out = []
    for start in range(0, 20, rows):
        out += names(search(client, rows=rows, start=start, **params))
    return out


def test_pages_are_slices_of_one_order(client, mixed):
    whole = names(search(client, q="rung phong ho", rows=100))
    assert len(whole) == 15
    for rows in (1, 4, 6):
        assert _all_pages(client, rows, q="rung phong ho") == whole
    assert _all_pages(client, 4, q="rung OR dat") == names(search(client, q="rung OR dat",
                                                                  rows=100))


@on_postgresql
@pytest.mark.parametrize("walk", [False, True])
@pytest.mark.parametrize("window", [2000, 3])
@pytest.mark.parametrize("q", ["rung phong ho", "rung", "phong ho OR dat", "rung*", "dat"])
def test_tiers_give_the_order_of_scoring_every_match(client, mixed, monkeypatch, q, window,
                                                     walk):
    """Above RANK_ALL_BELOW matches, the pages come from tiers (title phrase, all words in the
    title, a word in the title or a tag, scored, then the words elsewhere only), each looked
    for first among the WINDOW first matches: the same order, page after page, tiers crossed
    mid-page; also when the window is read through the sort's index (`walk`: bitmap scans
    off for broad matches)."""
    whole = names(search(client, q=q, rows=100))
    monkeypatch.setattr(ranking, "RANK_ALL_BELOW", 0)
    monkeypatch.setattr(ranking, "WINDOW", window)
    monkeypatch.setattr(ranking, "_walk_the_order", lambda count: walk)
    assert names(search(client, q=q, rows=100)) == whole
    for rows in (1, 4, 7):
        assert _all_pages(client, rows, q=q) == whole


def test_score_asc_is_accepted_and_puts_the_least_relevant_first(client, make):
    make("rung-a", title="Rừng")
    make("dat-b", title="Đất", notes="rừng")
    result = search(client, q="rung", sort="score asc")
    assert result["sort"] == "score asc"
    assert names(result) == ["dat-b", "rung-a"]
    assert names(search(client, q="rung", sort="score asc, metadata_modified desc")) == [
        "dat-b", "rung-a"]


def test_without_a_q_score_changes_nothing(client, make):
    for i in range(3):
        make(f"x-{i}", title=f"X {i}")
    age("x-2", 3)
    assert names(search(client)) == ["x-1", "x-0", "x-2"]  # the newest first
    assert names(search(client, sort="score desc")) == names(search(client, sort="id asc"))
    assert names(search(client, q="*:*", sort="score asc, name desc")) == ["x-2", "x-1", "x-0"]


@pytest.mark.parametrize("sort", ["score", "score up", "score desc desc", "relevance desc",
                                  "score desc; DROP TABLE opendata_dataset"])
def test_a_bad_sort_is_a_search_query_error(client, make, sort):
    make("rung-a", title="Rừng")
    r = client.get("/api/3/action/package_search", {"q": "rung", "sort": sort})
    if sort == "score":  # a field without a direction is ascending, as CKAN reads it
        assert r.status_code == 200
        return
    assert r.status_code == 400
    assert r.json()["error"]["__type"] == "Search Query Error"


def _queries(client, **params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        result = search(client, **params)
    return len(ctx.captured_queries), result["count"]


def test_ranked_search_queries_do_not_grow_with_the_matches(client, make):
    params = {"q": "rung phong ho", "rows": "100",
              "facet.field": '["organization", "groups", "tags", "res_format", "license_id"]'}
    for i in range(3):
        make(f"a-{i}", title=f"Rừng phòng hộ {i}", tags=[{"name": "rừng"}])
    small, n = _queries(client, **params)
    assert n == 3
    for i in range(25):
        make(f"b-{i}", title=f"Phòng hộ {i}", notes="rừng", tags=[{"name": f"t{i % 4}"}])
    large, n = _queries(client, **params)
    assert n == 28
    assert small == large
    plain, _ = _queries(client, **params, sort="metadata_modified desc")
    assert large <= plain + 1  # at most one query more than without relevance


@on_postgresql
def test_sql_folds_titles_as_python_does(make):
    titles = ["Đăng Ký HỘ TỊCH", "Hồ sơ “dân số” — 2024…", "Thủy lợi/ĐỒNG bằng; Ưu đãi",
              "Café naïve Ångström", "x" * 120 + " ngắn"]
    for i, title in enumerate(titles):
        make(f"f-{i}", title=title)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, title, title_words, title_vector::text "
                       "FROM opendata_dataset ORDER BY name")
        for name, title, words, vector in cursor.fetchall():
            expected = fulltext.words(fold(f"{name} {title}"))
            assert words == f" {' '.join(fulltext.words(fold(title)))} "
            short = {w for w in expected if len(w) <= fulltext.LONGEST_WORD}
            assert set(vector.replace("'", "").split()) == short


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_walking_the_order_changes_the_plan_of_one_statement_only(client, make, monkeypatch):
    """Broad matches read the window through the sort's index: bitmap scans are off for that
    statement, in its own transaction, and on again for every other query."""
    for i in range(6):
        make(f"rung-{i}", title=f"Rừng phòng hộ {i}")
    monkeypatch.setattr(ranking, "RANK_ALL_BELOW", 0)
    monkeypatch.setattr(ranking.facets, "catalogue_size", lambda: 6)
    with CaptureQueriesContext(connection) as ctx:
        found = names(search(client, q="rung phong", rows=3))
    assert found == ["rung-5", "rung-4", "rung-3"]
    assert any("enable_bitmapscan" in q["sql"] for q in ctx.captured_queries)
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_bitmapscan")
        assert cursor.fetchone()[0] == "on"
