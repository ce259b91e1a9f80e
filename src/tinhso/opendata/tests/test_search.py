"""package_search: diacritics-insensitive words, CKAN's fq filters, sort, paging, facets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinhso.opendata.dictize import org_name
from tinhso.opendata.tests.world import dataset, publisher, theme, two_agencies

pytestmark = pytest.mark.django_db


def search(client, **params):
    r = client.get("/api/3/action/package_search", params)
    assert r.status_code == 200, r.content
    return r.json()["result"]


@pytest.fixture
def catalog():
    health, finance = two_agencies()
    a, b = publisher(health), publisher(finance)
    theme("y-te", "Y tế")
    dataset(a, health, "co-so-kham-benh", title="Cơ sở khám bệnh, chữa bệnh",
            tags=[{"name": "y tế"}], groups=[{"name": "y-te"}], license_id="cc-by-4.0",
            resources=[{"url": "https://x.vn/a.csv"}, {"url": "https://x.vn/a.json"}])
    dataset(a, health, "ho-so-tiem-chung", title="Hồ sơ tiêm chủng mở rộng",
            tags=[{"name": "y tế"}, {"name": "trẻ em"}], license_id="cc-by-4.0",
            resources=[{"url": "https://x.vn/b.xlsx"}])
    dataset(b, finance, "thu-ngan-sach", title="Thu ngân sách theo tháng",
            notes="Đăng ký và quản lý thu", tags=[{"name": "ngân sách"}], license_id="odc-by",
            resources=[{"url": "https://x.vn/c.csv"}])
    return health, finance


def test_words_without_tone_marks_find_vietnamese_titles(client, catalog):
    assert [d["name"] for d in search(client, q="ho so")["results"]] == ["ho-so-tiem-chung"]
    assert search(client, q="HỒ SƠ tiêm")["count"] == 1
    assert search(client, q="dang ky")["results"][0]["name"] == "thu-ngan-sach"
    assert search(client, q="không có gì")["count"] == 0
    assert search(client, q="*:*")["count"] == 3


def test_fq_filters_by_organization_tags_groups_and_format(client, catalog):
    health, finance = catalog
    assert search(client, fq=f"organization:{org_name(health)}")["count"] == 2
    assert search(client, fq=f"-organization:{org_name(health)}")["count"] == 1
    both = f"organization:{org_name(health)} OR organization:{org_name(finance)}"
    assert search(client, fq=both)["count"] == 3
    assert search(client, fq='tags:"y tế"')["count"] == 2
    assert search(client, fq='tags:"y tế" AND tags:"trẻ em"')["count"] == 1
    assert search(client, fq="groups:y-te")["count"] == 1
    assert search(client, fq="res_format:CSV")["count"] == 2
    assert search(client, fq="res_format:(JSON OR XLSX)")["count"] == 2
    assert search(client, fq="metadata_modified:[2000-01-01T00:00:00Z TO *]")["count"] == 3
    assert search(client, fq="metadata_modified:[* TO 2000-01-01T00:00:00Z]")["count"] == 0
    assert search(client, q=f"organization:{org_name(finance)} AND tags:\"ngân sách\"")["count"] == 1


def test_sort_rows_and_start_page_through_everything(client, catalog):
    names = [d["name"] for d in search(client, sort="name asc")["results"]]
    assert names == sorted(names)
    pages = [search(client, sort="id asc", rows=1, start=i)["results"] for i in range(4)]
    assert [len(p) for p in pages] == [1, 1, 1, 0]
    assert len({p[0]["id"] for p in pages[:3]}) == 3
    assert len(search(client, rows=5000)["results"]) == 3  # capped at 1000, not refused


def test_facets_count_datasets_per_value(client, catalog):
    health, _ = catalog
    result = search(client, **{"facet.field": '["organization", "tags", "res_format", '
                                              '"license_id", "groups"]'})
    assert result["facets"]["organization"][org_name(health)] == 2
    assert result["facets"]["tags"] == {"y tế": 2, "trẻ em": 1, "ngân sách": 1}
    assert result["facets"]["res_format"]["CSV"] == 2
    assert result["facets"]["license_id"] == {"cc-by-4.0": 2, "odc-by": 1}
    items = result["search_facets"]["organization"]["items"]
    assert items[0] == {"name": org_name(health), "display_name": health.name, "count": 2}
    limited = search(client, **{"facet.field": '["tags"]', "facet.limit": "1"})
    assert limited["facets"]["tags"] == {"y tế": 2}
    assert search(client)["facets"] == {}


@pytest.mark.parametrize("params", [
    {"sort": "name; DROP TABLE opendata_dataset"},
    {"sort": "password asc"},
    {"fq": "secret_field:1"},
    {"fq": "metadata_modified:[yesterday TO *]"},
    {"fq": "organization:(unclosed"},
])
def test_bad_fq_or_sort_is_a_search_query_error(client, catalog, params):
    r = client.get("/api/3/action/package_search", params)
    assert r.status_code == 400
    assert r.json()["error"]["__type"] == "Search Query Error"


@pytest.mark.parametrize("params", [{"rows": "abc"}, {"start": "-1"}])
def test_bad_numbers_are_validation_errors(client, params):
    r = client.get("/api/3/action/package_search", params)
    assert r.status_code == 409
    assert set(params) <= set(r.json()["error"])


def test_organization_group_and_tag_lists(client, catalog):
    health, _ = catalog
    orgs = client.get("/api/3/action/organization_list").json()["result"]
    assert org_name(health) in orgs
    shown = client.get(f"/api/3/action/organization_show?id={org_name(health)}").json()["result"]
    assert shown["package_count"] == 2 and shown["is_organization"] is True
    full = client.get("/api/3/action/organization_list?all_fields=true&sort=package_count")
    assert full.json()["result"][0]["package_count"] == 2
    assert client.get("/api/3/action/group_list").json()["result"] == ["y-te"]
    group = client.get("/api/3/action/group_show?id=y-te&include_datasets=true").json()["result"]
    assert group["package_count"] == 1 and group["packages"][0]["name"] == "co-so-kham-benh"
    tags = client.get("/api/3/action/tag_list").json()["result"]
    assert tags == sorted(["y tế", "trẻ em", "ngân sách"])
    assert client.get("/api/3/action/tag_list?query=ngan").json()["result"] == ["ngân sách"]
    assert client.get("/api/3/action/organization_show?id=khong-co").status_code == 404


def test_solr_date_math_on_now_is_understood():
    import datetime as dt

    from tinhso.opendata.query import now_math

    n = dt.datetime(2024, 3, 31, 15, 30, 12, tzinfo=dt.UTC)
    assert now_math("NOW", n) == n
    assert now_math("NOW-1DAY", n) == n - dt.timedelta(days=1)
    assert now_math("NOW/DAY", n) == dt.datetime(2024, 3, 31, tzinfo=dt.UTC)
    assert now_math("NOW-1MONTH/DAY", n) == dt.datetime(2024, 2, 29, tzinfo=dt.UTC)
    assert now_math("NOW+2YEARS", n) == dt.datetime(2026, 3, 31, 15, 30, 12, tzinfo=dt.UTC)
    assert now_math("2024-01-01", n) is None


@given(st.text(alphabet="NOW+-/0123456789DAYMONTHSECRLI", max_size=20))
def test_date_math_never_fails_other_than_as_a_search_error(text):
    from tinhso.opendata.query import SearchQueryError, parse

    try:
        parse(f"metadata_modified:[{text} TO *]")
    except SearchQueryError:
        pass


def test_a_field_with_any_value_and_the_dataset_type_keep_every_dataset(client):
    mine, _ = two_agencies()
    user = publisher(mine)
    dataset(user, mine, "co-the", tags=[{"name": "giáo dục"}],
            resources=[{"url": "https://x.vn/a.csv"}])
    dataset(user, mine, "khong-the")
    for fq, expected in (("dataset_type:dataset", 2), ("+dataset_type:dataset", 2),
                         ("type:dataset", 2), ("organization:*", 2), ("tags:*", 1),
                         ("res_format:*", 1), ("-tags:*", 1),
                         ("metadata_modified:[NOW-1DAY TO NOW+1DAY]", 2),
                         ("metadata_modified:[* TO NOW-1DAY]", 0)):
        assert search(client, fq=fq)["count"] == expected, fq
    bad = client.get("/api/3/action/package_search",
                     {"fq": "metadata_modified:[NOW-1FORTNIGHT TO *]"})
    assert bad.status_code == 400 and bad.json()["error"]["__type"] == "Search Query Error"
