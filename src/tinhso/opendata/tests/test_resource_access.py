"""Access levels per resource: an open dataset may hold a resource only agencies download and
one private to named agencies. The private one never reaches anyone else (listings, search by
its words or format, facets, the DCAT feeds, resource_show, the datastore, its file URL, the
pages); the one for agencies is listed with no URL; grants can open either; a client that does
not know the field never opens data by leaving it out."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.tests.factories import AgencyFactory, officer
from tinhso.directory.models import Role
from tinhso.opendata import services, sharing
from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import AccessRequest, DownloadLog, Resource
from tinhso.opendata.tests.world import dataset, publisher, token

pytestmark = pytest.mark.django_db

NAME = "truong-hoc"
HIDDEN_WORD = "khuyết tật"
OPEN_CSV = b"xa,so_truong\nHac Thanh,12\nQuang Phu,9\n"
HIDDEN_CSV = b"ho_ten,xa\nNguyen Van A,Hac Thanh\n"


def _upload(capture, actor, ds, filename: str, content: bytes, **extra):
    with capture(execute=True):
        return services.resource_add(actor=actor, data={
            "package_id": str(ds.pk), "upload": SimpleUploadedFile(filename, content), **extra})


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    owner, partner, stranger = AgencyFactory(), AgencyFactory(), AgencyFactory()
    author = publisher(owner)
    ds = dataset(author, owner, NAME, title="Thống kê trường học")
    cap = django_capture_on_commit_callbacks
    open_res = _upload(cap, author, ds, "truong-hoc.csv", OPEN_CSV, name="Số trường theo xã")
    for_agencies = services.resource_add(actor=author, data={
        "package_id": NAME, "url": "https://noi-bo.vn/chi-tiet.xlsx", "name": "Chi tiết",
        "access_level": "agencies"})
    hidden = _upload(cap, author, ds, "hoc-sinh.csv", HIDDEN_CSV,
                     name=f"Danh sách học sinh {HIDDEN_WORD}",
                     access_level="named", shared_with=[org_name(partner)])
    services.resource_add(actor=author, data={
        "package_id": NAME, "url": "https://noi-bo.vn/hoc-sinh.ods", "format": "ODS",
        "access_level": "named"})
    return {"owner": owner, "partner": partner, "stranger": stranger, "author": author,
            "ds": ds, "open": open_res, "agencies": for_agencies, "hidden": hidden}


def _get(client, action, key=None, **params):
    headers = {"HTTP_AUTHORIZATION": key} if key else {}
    return client.get(f"/api/3/action/{action}", params, **headers)


def _post(client, action, key, body):
    return client.post(f"/api/3/action/{action}", json.dumps(body),
                       content_type="application/json", HTTP_AUTHORIZATION=key)


def _resources(client, key=None) -> dict[str, dict]:
    shown = _get(client, "package_show", key, id=NAME).json()["result"]
    assert shown["num_resources"] == len(shown["resources"])
    return {r["id"]: r for r in shown["resources"]}


def _everything(client, world, key=None) -> str:
    """Every way a caller could learn of the private resource, as one text."""
    hidden = str(world["hidden"].pk)
    headers = {"HTTP_AUTHORIZATION": key} if key else {}
    answers = [
        _get(client, "package_show", key, id=NAME).json(),
        _get(client, "package_search", key, q="truong hoc",
             **{"facet.field": '["res_format"]'}).json(),
        _get(client, "organization_show", key, id=org_name(world["owner"]),
             include_datasets="true").json(),
        _get(client, "resource_show", key, id=hidden).json(),
        _get(client, "datastore_search", key, resource_id=hidden).json(),
        _get(client, "datastore_info", key, id=hidden).json(),
    ]
    pages = [client.get(f"/du-lieu/bo-du-lieu/{NAME}/", **headers).content.decode(),
             client.get("/du-lieu/bo-du-lieu/", {"q": "truong"}, **headers).content.decode(),
             client.get("/du-lieu/", **headers).content.decode(),
             client.get("/dataset/truong-hoc.ttl").content.decode(),
             client.get("/catalog.jsonld").content.decode()]
    return json.dumps(answers, ensure_ascii=False) + "".join(pages)


def test_a_private_resource_reaches_no_one_outside(client, world):
    hidden = str(world["hidden"].pk)
    for key in (None, token(officer(Role.LEADER, world["stranger"]))):
        seen = _everything(client, world, key)
        assert hidden not in seen and HIDDEN_WORD not in seen and "hoc-sinh" not in seen
        assert '"ODS"' not in seen and ">ODS<" not in seen
        shown = _resources(client, key)
        assert set(shown) == {str(world["open"].pk), str(world["agencies"].pk)}
        assert _get(client, "resource_show", key, id=hidden).status_code == 404
        assert _get(client, "datastore_search", key, resource_id=hidden).status_code == 404
    # Its words and its format find nothing, for anyone (the owner included: the index is shared).
    for params in ({"q": "khuyet tat"}, {"q": "hoc sinh"}, {"fq": "res_format:ODS"}):
        assert _get(client, "package_search", **params).json()["result"]["count"] == 0
    assert _get(client, "package_search", fq="res_format:CSV").json()["result"]["count"] == 1
    assert client.get(f"/du-lieu/bo-du-lieu/{NAME}/tai-nguyen/{hidden}/").status_code == 404


def test_its_file_url_serves_only_the_owner_and_the_named_agency(client, world):
    owner_view = _resources(client, token(world["author"]))[str(world["hidden"].pk)]
    url = owner_view["url"].removeprefix("http://testserver")
    assert owner_view["access_level"] == "named"
    assert owner_view["shared_with"] == [org_name(world["partner"])]
    assert client.get(url).status_code == 404
    stranger = token(officer(Role.LEADER, world["stranger"]))
    assert client.get(url, HTTP_AUTHORIZATION=stranger).status_code == 404
    partner = token(officer(Role.CLERK, world["partner"]))
    got = client.get(url, HTTP_AUTHORIZATION=partner)
    assert got.status_code == 200 and b"".join(got.streaming_content) == HIDDEN_CSV
    log = DownloadLog.objects.get()
    assert log.resource_id == world["hidden"].pk and log.agency_id == world["partner"].pk


def test_the_named_agency_sees_and_queries_it_and_each_read_is_logged(client, world):
    partner = token(officer(Role.CLERK, world["partner"]))
    shown = _resources(client, partner)
    assert str(world["hidden"].pk) in shown and shown[str(world["hidden"].pk)]["url"]
    rows = _get(client, "datastore_search", partner, resource_id=str(world["hidden"].pk))
    assert rows.status_code == 200 and rows.json()["result"]["total"] == 1
    # The open resource's reads are not logged; the private one's are.
    assert _get(client, "datastore_search", partner,
                resource_id=str(world["open"].pk)).status_code == 200
    assert list(DownloadLog.objects.values_list("resource_id", flat=True)) == [
        world["hidden"].pk]


def test_a_resource_for_agencies_is_listed_without_its_url_to_the_public(client, world):
    agencies = str(world["agencies"].pk)
    public = _resources(client)
    assert public[agencies]["url"] == "" and public[agencies]["restricted"] is True
    assert public[str(world["open"].pk)]["url"]  # the open one beside it downloads
    officer_key = token(officer(Role.ONESTOP_OFFICER, world["stranger"]))
    assert _resources(client, officer_key)[agencies]["url"] == "https://noi-bo.vn/chi-tiet.xlsx"
    ttl = client.get("/dataset/truong-hoc.ttl").content.decode()
    assert "chi-tiet.xlsx" not in ttl and "truong-hoc.csv" in ttl


def test_an_open_sample_of_data_for_agencies_downloads_for_everyone_unlogged(client, world):
    author = world["author"]
    ds = dataset(author, world["owner"], "mau-mo", access_level="agencies", resources=[
        {"url": "https://noi-bo.vn/day-du.csv", "name": "Đầy đủ"},
        {"url": "https://noi-bo.vn/mau.csv", "name": "Mẫu", "access_level": "open"}])
    shown = {r["name"]: r for r in _get(client, "package_show", id=ds.name).json()["result"][
        "resources"]}
    assert shown["Mẫu"]["url"] == "https://noi-bo.vn/mau.csv"
    assert shown["Đầy đủ"]["url"] == ""
    assert _get(client, "resource_show", id=shown["Mẫu"]["id"]).json()["result"]["url"]
    assert not DownloadLog.objects.exists()


def test_a_grant_opens_the_private_resource_it_names(client, world):
    asker = publisher(world["stranger"])
    req = sharing.request_create(actor=asker, dataset=str(world["ds"].pk),
                                 purpose="Hỗ trợ học sinh", resources=[world["hidden"].pk])
    sharing.request_approve(actor=world["author"], request_id=req.pk)
    key = token(officer(Role.CLERK, world["stranger"]))
    shown = _resources(client, key)
    assert shown[str(world["hidden"].pk)]["url"]
    assert _get(client, "resource_show", key, id=str(world["hidden"].pk)).status_code == 200


def test_an_open_dataset_with_only_open_resources_needs_no_request(world):
    from tinhso.core.errors import DomainError

    asker = publisher(world["stranger"])
    with pytest.raises(DomainError) as e:
        sharing.request_create(actor=asker, dataset=str(world["ds"].pk), purpose="Xem",
                               resources=[world["open"].pk])
    assert e.value.errors[0].code == "open"
    # Asking for the whole dataset is for its restricted resources.
    assert sharing.request_create(actor=asker, dataset=str(world["ds"].pk), purpose="Xem")
    assert AccessRequest.objects.count() == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"access_level": "bi-mat"}, "access_level"),
    ({"access_level": "named", "shared_with": ["khong-co-co-quan-nay"]}, "shared_with"),
])
def test_bad_levels_and_agencies_name_the_field_and_change_nothing(client, world, body, field):
    key = token(world["author"])
    answer = _post(client, "resource_patch", key, {"id": str(world["open"].pk), **body})
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["__type"] == "Validation Error" and field in error
    res = Resource.objects.get(pk=world["open"].pk)
    assert res.access_level == "" and res.revision == 1


def test_a_client_that_leaves_the_level_out_never_opens_the_resource(client, world):
    key = token(world["author"])
    hidden = str(world["hidden"].pk)
    # package_update with resources as a plain CKAN client writes them (no access_level).
    resources = [{"id": r["id"], "url": r["url"], "name": r["name"]}
                 for r in _resources(client, key).values()]
    assert _post(client, "package_update", key, {
        "name": NAME, "owner_org": org_name(world["owner"]), "resources": resources,
    }).status_code == 200
    _post(client, "resource_update", key, {"id": hidden, "name": "Đổi tên", "url": "hoc-sinh.csv"})
    res = Resource.objects.get(pk=hidden)
    assert res.access_level == "named" and list(res.shared_with.all()) == [world["partner"]]
    assert hidden not in _resources(client)
    # Sent as null, the level follows the dataset's again, and the sharing goes.
    patched = _post(client, "resource_patch", key, {"id": hidden, "access_level": None})
    assert patched.json()["result"]["access_level"] is None
    assert hidden in _resources(client)
    assert not Resource.objects.get(pk=hidden).shared_with.exists()


def test_a_search_costs_the_same_queries_with_one_or_many_private_resources(client, world):
    key = token(officer(Role.CLERK, world["partner"]))

    def cost() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert _get(client, "package_search", key, rows=100).status_code == 200
        return len(ctx.captured_queries)

    cost()  # the facet index is built by the first search
    first = cost()
    for i in range(4):
        dataset(world["author"], world["owner"], f"them-{i}", resources=[
            {"url": f"https://noi-bo.vn/{i}.csv", "access_level": "named",
             "shared_with": [org_name(world["partner"])]},
            {"url": f"https://noi-bo.vn/{i}-b.csv", "access_level": "named"}])
    assert cost() == first


def test_the_publisher_sets_a_resource_private_to_an_agency_on_the_edit_page(client, world):
    res = world["open"]
    client.force_login(world["author"])
    url = f"/du-lieu/cong-bo/{NAME}/tai-nguyen/{res.pk}/sua/"
    form = client.get(url).content.decode()
    assert "Mức truy cập của tài nguyên" in form and org_name(world["partner"]) in form
    answer = client.post(url, {"name": res.name, "description": "", "format": "CSV",
                               "access_level": "named",
                               "shared_with": [org_name(world["partner"])]})
    assert answer.status_code == 302
    res.refresh_from_db()
    assert res.access_level == "named" and list(res.shared_with.all()) == [world["partner"]]
    page = client.get(f"/du-lieu/bo-du-lieu/{NAME}/").content.decode()
    assert "Riêng cơ quan chủ quản" in page  # the owner sees its level beside it
    client.logout()
    assert str(res.pk) not in client.get(f"/du-lieu/bo-du-lieu/{NAME}/").content.decode()


def test_head_requests_answer_as_ckan_without_counting_a_download(client, world):
    """Link checkers ask with HEAD: the API, the feeds and file URLs answer it (CKAN does), and
    a HEAD on data that is not open is neither logged as a download nor counted."""
    from tinhso.opendata import usage

    assert client.head("/api/3/action/package_show", {"id": NAME}).status_code == 200
    assert client.head("/catalog.ttl").status_code == 200
    assert client.head(f"/dataset/{NAME}.jsonld").status_code == 200
    partner = token(officer(Role.CLERK, world["partner"]))
    url = _resources(client, partner)[str(world["hidden"].pk)]["url"].removeprefix(
        "http://testserver")
    DownloadLog.objects.all().delete()
    usage.discard()
    assert client.head(url, HTTP_AUTHORIZATION=partner).status_code == 200
    assert not DownloadLog.objects.exists()
    assert client.head(url).status_code == 404  # the same answer as GET for outsiders
    for action, params in (("resource_show", {"id": str(world["hidden"].pk)}),
                           ("datastore_search", {"resource_id": str(world["hidden"].pk)})):
        assert client.head(f"/api/3/action/{action}", params,
                           HTTP_AUTHORIZATION=partner).status_code == 200
    assert not DownloadLog.objects.exists()
    assert client.put("/api/3/action/package_show").status_code == 405


def test_an_old_private_file_stays_private_after_the_resource_opens(client, world,
                                                                     django_capture_on_commit_callbacks):
    hidden = world["hidden"]
    old_url = _resources(client, token(world["author"]))[str(hidden.pk)]["url"].removeprefix(
        "http://testserver")
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_change(actor=world["author"], patch=True, data={
            "id": str(hidden.pk), "access_level": None,
            "upload": SimpleUploadedFile("hoc-sinh.csv", b"xa,so\nHac Thanh,1\n")})
    assert str(hidden.pk) in _resources(client)  # open now, with its new file
    assert client.get(f"{old_url}?version=1").status_code == 404  # its private past is not
    page = client.get(f"/du-lieu/bo-du-lieu/{NAME}/tai-nguyen/{hidden.pk}/").content.decode()
    assert "?version=1" not in page
    owner = token(world["author"])  # the owner still reads it (the sharing went with the level)
    assert client.get(f"{old_url}?version=1", HTTP_AUTHORIZATION=owner).status_code == 200


def test_a_refused_request_does_not_tell_whether_private_resources_exist(world):
    from tinhso.core.errors import DomainError

    only_private = dataset(world["author"], world["owner"], "chi-rieng", resources=[
        {"url": "https://noi-bo.vn/rieng.csv", "access_level": "named"}])
    asker = publisher(world["stranger"])
    with pytest.raises(DomainError) as e:
        sharing.request_create(actor=asker, dataset=str(only_private.pk), purpose="Xem")
    assert e.value.errors[0].code == "open"  # as for a dataset with open resources only
    private = only_private.resources.get()
    assert sharing.request_create(actor=asker, dataset=str(only_private.pk), purpose="Xem",
                                  resources=[private.pk])  # told its id by the owner


def test_with_whom_a_resource_is_shared_is_told_to_the_owner_only(client, world):
    hidden = str(world["hidden"].pk)
    partner = token(officer(Role.CLERK, world["partner"]))
    assert _resources(client, partner)[hidden]["shared_with"] == []
    shown = _get(client, "resource_show", partner, id=hidden).json()["result"]
    assert shown["shared_with"] == [] and shown["url"]
    assert _resources(client, token(world["author"]))[hidden]["shared_with"] == [
        org_name(world["partner"])]
