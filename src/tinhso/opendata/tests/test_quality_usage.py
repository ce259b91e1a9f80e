"""Quality and use as people meet them: the score follows every write, the counts of views,
downloads and API calls arrive in the monthly table in batches, CKAN clients get
`tracking_summary`, and the stale list shows an agency only its own datasets."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.accounts.tests.factories import AgencyFactory, UserFactory
from tinhso.opendata import usage
from tinhso.opendata.models import (
    NO_RESOURCE,
    Dataset,
    DatasetQuality,
    DatasetUsageMonth,
    Resource,
)
from tinhso.opendata.quality_store import quality_refresh
from tinhso.opendata.quality_views import quality_context
from tinhso.opendata.selectors import dataset_for
from tinhso.opendata.services import dataset_patch, resource_add
from tinhso.opendata.tasks import quality_refresh_daily
from tinhso.opendata.tests.world import dataset, publisher, token

pytestmark = pytest.mark.django_db

NOTES = (
    "Số liệu dân số theo xã, phường của tỉnh, tổng hợp từ kết quả điều tra dân số và nhà ở "
    "giữa kỳ; các cột: mã đơn vị hành chính, tên đơn vị, năm, tổng dân số, số nam, số nữ, "
    "mật độ dân số trên mỗi ki-lô-mét vuông."
)


@pytest.fixture
def world():
    own, other = AgencyFactory(), AgencyFactory()
    author, stranger = publisher(own), publisher(other)
    ds = dataset(
        author,
        own,
        "dan-so",
        frequency="monthly",
        resources=[{"url": "https://x.vn/dan-so.pdf", "format": "PDF"}],
    )
    return {"own": own, "other": other, "author": author, "stranger": stranger, "ds": ds}


def _ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _age(ds: Dataset, days: int) -> None:
    """Make the dataset's data `days` old and rescore it, as the daily refresh would."""
    ds.resources.update(last_modified=_ago(days), metadata_modified=_ago(days))
    quality_refresh()


def test_the_score_is_recomputed_with_every_write(world):
    author, ds = world["author"], world["ds"]
    first = DatasetQuality.objects.get(dataset=ds)
    dataset_patch(actor=author, data={"id": ds.name, "license_id": "cc-by-4.0", "notes": NOTES})
    better = DatasetQuality.objects.get(dataset=ds)
    assert better.score > first.score
    resource_add(
        actor=author,
        data={
            "package_id": ds.name,
            "format": "CSV",
            "upload": SimpleUploadedFile("a.csv", b"a,b\n1,2\n"),
        },
    )
    best = DatasetQuality.objects.get(dataset=ds)
    assert best.score > better.score
    assert {c["code"]: c["points"] for c in best.criteria}["formats"] == 25


def test_a_dataset_goes_stale_with_time_and_is_fresh_again_after_an_upload(world):
    author, ds = world["author"], world["ds"]
    _age(ds, 20)
    assert not DatasetQuality.objects.get(dataset=ds).stale_after < timezone.now()
    _age(ds, 60)  # monthly: 31 days + 7.75 days of grace
    assert DatasetQuality.objects.get(dataset=ds).stale_after < timezone.now()
    resource_add(
        actor=author,
        data={
            "package_id": ds.name,
            "url": "https://x.vn/moi.csv",
            "format": "CSV",
            "last_modified": timezone.now().isoformat(),
        },
    )
    assert DatasetQuality.objects.get(dataset=ds).stale_after > timezone.now()


def test_counts_are_buffered_then_written_and_added_up(world, client):
    ds = world["ds"]
    for _ in range(3):
        assert client.get("/api/3/action/package_show", {"id": ds.name}).status_code == 200
    usage.usage_count(ds.pk, "view")
    assert not DatasetUsageMonth.objects.exists()  # nothing written on the request path
    assert usage.flush() == 4
    for _ in range(2):
        usage.usage_count(ds.pk, "view")
    usage.flush()  # the second batch adds to the same row
    [row] = usage.months(ds.pk)
    assert (row["view"], row["api"], row["download"]) == (3, 3, 0)
    assert DatasetUsageMonth.objects.filter(dataset=ds, kind="view").get().count == 3


def test_a_failed_write_keeps_the_counts_for_the_next_flush(world, monkeypatch):
    ds = world["ds"]
    usage.usage_count(ds.pk, "view")

    def broken(batch):
        raise RuntimeError("database away")

    monkeypatch.setattr(usage, "_write", broken)
    assert usage.flush() == 0
    monkeypatch.undo()
    assert usage.flush() == 1


def test_the_buffer_is_written_after_a_request_once_due(world, client, monkeypatch):
    monkeypatch.setattr(usage, "FLUSH_HITS", 2)
    ds = world["ds"]
    client.get("/api/3/action/package_show", {"id": ds.name})
    assert not DatasetUsageMonth.objects.exists()
    client.get("/api/3/action/package_show", {"id": ds.name})  # the second hit: written
    assert DatasetUsageMonth.objects.get(dataset=ds, kind="api").count == 2


def test_downloads_and_resource_calls_count_per_resource(world, client):
    author, ds = world["author"], world["ds"]
    res = resource_add(
        actor=author,
        data={
            "package_id": ds.name,
            "format": "CSV",
            "upload": SimpleUploadedFile("a.csv", b"a\n1\n"),
        },
    )
    url = f"/dataset/{ds.pk}/resource/{res.pk}/download/{res.url}"
    assert client.get(url).status_code == 200
    assert client.get("/api/3/action/resource_show", {"id": str(res.pk)}).status_code == 200
    usage.usage_count(None, "api", res.pk)  # as datastore_search counts: the resource only
    usage.flush()
    rows = dict(
        DatasetUsageMonth.objects.filter(dataset=ds, resource=res.pk).values_list("kind", "count")
    )
    assert rows == {"download": 1, "api": 2}
    pkg = client.get(
        "/api/3/action/package_show", {"id": ds.name, "include_tracking": "true"}
    ).json()["result"]
    assert pkg["tracking_summary"] == {"total": 3, "recent": 3}
    by_id = {r["id"]: r["tracking_summary"] for r in pkg["resources"]}
    assert by_id[str(res.pk)] == {"total": 3, "recent": 3}
    assert (
        "tracking_summary"
        not in client.get("/api/3/action/package_show", {"id": ds.name}).json()["result"]
    )


def test_recent_is_this_month_and_total_all_months(world, client):
    ds = world["ds"]
    usage.usage_count(ds.pk, "view", at=timezone.now() - dt.timedelta(days=70))
    usage.usage_count(ds.pk, "view")
    usage.flush()
    pkg = client.get(
        "/api/3/action/package_show", {"id": ds.name, "include_tracking": "True"}
    ).json()["result"]
    assert pkg["tracking_summary"] == {"total": 2, "recent": 1}


def test_quality_and_usage_api(world, client):
    ds = world["ds"]
    usage.usage_count(ds.pk, "view")
    usage.usage_count(ds.pk, "download", at=timezone.now() - dt.timedelta(days=70))
    usage.flush()
    r = client.get(f"/api/v1/opendata/datasets/{ds.name}/quality")
    assert r.status_code == 200
    body = r.json()
    assert body["dataset"]["name"] == ds.name and 0 <= body["score"] <= 100
    codes = {c["code"]: c for c in body["criteria"]}
    assert codes["license"]["points"] == 0 and codes["license"]["hint"]
    r = client.get(f"/api/v1/opendata/datasets/{ds.name}/usage")
    months = r.json()["months"]
    assert [m["views"] for m in months][-1] == 1 and sum(m["downloads"] for m in months) == 1
    this = timezone.localtime().strftime("%Y-%m")
    only = client.get(f"/api/v1/opendata/datasets/{ds.name}/usage", {"from": this}).json()
    assert [m["month"] for m in only["months"]] == [this]
    bad = client.get(f"/api/v1/opendata/datasets/{ds.name}/usage", {"from": "2026-13"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "from"
    assert (
        client.get(f"/api/v1/opendata/datasets/{ds.name}/usage", {"from": "tháng 5"}).status_code
        == 422
    )
    assert client.get("/api/v1/opendata/datasets/khong-co/quality").status_code == 404
    bad_token = client.get(
        f"/api/v1/opendata/datasets/{ds.name}/quality", HTTP_AUTHORIZATION="Bearer sai"
    )
    assert bad_token.status_code == 403  # refused, not silently shown less


def test_a_private_dataset_s_counts_are_not_shown_to_others(world, client):
    author, stranger = world["author"], world["stranger"]
    secret = dataset(
        author, world["own"], "rieng", private=True, resources=[{"url": "https://x.vn/r.csv"}]
    )
    usage.usage_count(secret.pk, "view")
    usage.flush()
    for user in (None, stranger):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token(user)}"} if user else {}
        for what in ("quality", "usage"):
            r = client.get(f"/api/v1/opendata/datasets/rieng/{what}", **headers)
            assert r.status_code == 404, (user, what)
        r = client.get(
            "/api/3/action/package_show", {"id": "rieng", "include_tracking": "1"}, **headers
        )
        assert r.status_code == 404
    own = {"HTTP_AUTHORIZATION": f"Bearer {token(author)}"}
    r = client.get("/api/v1/opendata/datasets/rieng/usage", **own)
    assert r.json()["months"][0]["views"] == 1
    shown = dataset_for(author, "rieng")
    assert quality_context(shown, author)["usage_totals"]["view"] == 1
    assert quality_context(shown, stranger)["usage"] is None  # even if a page passed it on


def test_the_stale_list_shows_an_agency_only_its_own_datasets(world, client):
    own, other, author, stranger = world["own"], world["other"], world["author"], world["stranger"]
    theirs = dataset(
        stranger, other, "cua-ho", frequency="weekly", resources=[{"url": "https://x.vn/h.csv"}]
    )
    dataset(
        author,
        own,
        "khong-dinh-ky",
        frequency="irregular",
        resources=[{"url": "https://x.vn/k.csv"}],
    )
    for ds in (world["ds"], theirs):
        ds.resources.update(last_modified=_ago(90))
    quality_refresh()
    mine = client.get("/api/v1/opendata/stale", HTTP_AUTHORIZATION=f"Bearer {token(author)}").json()
    assert [r["dataset"]["name"] for r in mine["results"]] == ["dan-so"]
    assert mine["count"] == 1 and mine["results"][0]["frequency"] == "monthly"
    others = client.get(
        "/api/v1/opendata/stale", HTTP_AUTHORIZATION=f"Bearer {token(stranger)}"
    ).json()
    assert [r["dataset"]["name"] for r in others["results"]] == ["cua-ho"]
    citizen = UserFactory()
    r = client.get("/api/v1/opendata/stale", HTTP_AUTHORIZATION=f"Bearer {token(citizen)}")
    assert r.status_code == 403
    assert client.get("/api/v1/opendata/stale").status_code == 401
    assert (
        client.get(
            "/api/v1/opendata/stale", {"page_size": 0}, HTTP_AUTHORIZATION=f"Bearer {token(author)}"
        ).status_code
        == 422
    )


def test_the_stale_page_for_publishers(world, client):
    _age(world["ds"], 90)
    page = "/du-lieu/quan-ly/qua-han/"
    assert client.get(page).status_code == 302  # to the login page
    client.force_login(world["stranger"])
    r = client.get(page)
    assert r.status_code == 200 and "dan-so" not in r.content.decode()
    client.force_login(world["author"])
    r = client.get(page)
    html = r.content.decode()
    assert r.status_code == 200 and "dan-so" in html and "Quá hạn" in html
    client.force_login(UserFactory())
    assert client.get(page).status_code == 403


def test_the_stale_list_costs_the_same_queries_for_5_or_25_datasets(world, client):
    author, own = world["author"], world["own"]

    def fill(start, n):
        for i in range(start, start + n):
            dataset(
                author,
                own,
                f"cu-{i}",
                frequency="daily",
                resources=[{"url": f"https://x.vn/{i}.csv"}],
            )
        Resource.objects.filter(dataset__owner_org=own).update(last_modified=_ago(60))
        quality_refresh()

    headers = {"HTTP_AUTHORIZATION": f"Bearer {token(author)}"}
    client.get("/api/v1/opendata/stale", **headers)  # warm caches (permissions, tokens)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/api/v1/opendata/stale", **headers)
        return len(ctx.captured_queries), r.json()["count"]

    fill(0, 4)
    small, n_small = count()
    fill(4, 20)
    large, n_large = count()
    assert (n_small, n_large) == (5, 25)
    assert small == large
    client.force_login(author)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/du-lieu/quan-ly/qua-han/").status_code == 200
    page_queries = len(ctx.captured_queries)
    fill(24, 5)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/du-lieu/quan-ly/qua-han/")
    assert len(ctx.captured_queries) == page_queries


def test_the_command_and_the_daily_task_rescore_every_dataset(world):
    DatasetQuality.objects.all().delete()
    out = io.StringIO()
    call_command("opendata", "quality", "--quiet-progress", stdout=out)
    assert "1" in out.getvalue() and DatasetQuality.objects.count() == 1
    DatasetQuality.objects.all().delete()
    quality_refresh_daily.enqueue()
    assert DatasetQuality.objects.count() == 1


def test_the_include_renders_score_hints_and_usage(world, client):
    from django.template.loader import render_to_string

    ds = dataset_for(world["author"], "dan-so")
    usage.usage_count(ds.pk, "view")
    usage.flush()
    html = render_to_string(
        "opendata/includes/quality.html", {"quality": quality_context(ds, None)}
    )
    assert "/100" in html and "<meter" in html and "Giấy phép mở" in html
    assert timezone.localtime().strftime("%m/%Y") in html
    assert NO_RESOURCE.int == 0


@pytest.mark.django_db(transaction=True)
def test_ckanapi_reads_tracking_summary(live_server):
    import ckanapi

    usage.discard()
    agency = AgencyFactory()
    ds = dataset(publisher(agency), agency, "luot-xem", resources=[{"url": "https://x.vn/a.csv"}])
    ckan = ckanapi.RemoteCKAN(live_server.url)
    ckan.action.package_show(id="luot-xem")
    ckan.action.package_show(id="luot-xem")
    usage.flush()  # the server thread counted into this process's buffer
    pkg = ckan.action.package_show(id="luot-xem", include_tracking=True)
    assert pkg["tracking_summary"] == {"total": 2, "recent": 2}
    assert pkg["resources"][0]["tracking_summary"] == {"total": 0, "recent": 0}
    assert DatasetUsageMonth.objects.get(dataset=ds).count == 2


def test_hits_of_rows_gone_before_the_flush_are_dropped(world):
    import uuid

    usage.usage_count(uuid.uuid4(), "view")
    usage.usage_count(None, "api", uuid.uuid4())
    usage.usage_count(world["ds"].pk, "view")
    assert usage.flush() == 1
    assert DatasetUsageMonth.objects.count() == 1
