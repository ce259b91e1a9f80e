"""Old versions of a dataset are readable (its page per version, CKAN's
`package_activity_list` and `activity_show`), always with the caller's rights of now: a
private resource, even one deleted since or made private since, never shows to an outsider in
any old version; URLs of data they may not download are empty; only the owner's officers read
whom things are shared with; a private dataset's versions are "not found" like the dataset."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.directory.models import Role
from tinhso.opendata import services
from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import DatasetVersion
from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)
from tinhso.opendata.tests.world import dataset, publisher, token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_usage")]

NAME = "truong-hoc"
SECRETS = ("khuyết tật", "Bảng lương bí mật", "Danh bạ cán bộ", "bang-luong", "danh-ba")
OLD_CSV = b"xa,so\nHac Thanh,12\n"
NEW_CSV = b"xa,so\nHac Thanh,13\nQuang Phu,9\n"


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def world():
    owner, partner, stranger = AgencyFactory(), AgencyFactory(), AgencyFactory()
    author = publisher(owner)
    ds = dataset(author, owner, NAME, title="Thống kê trường học", tags=[{"name": "giáo dục"}])
    add = services.resource_add
    open_res = add(actor=author, data={"package_id": NAME, "name": "Số trường theo xã",
                                       "upload": _upload("truong.csv", OLD_CSV)})
    agencies = add(actor=author, data={"package_id": NAME, "name": "Chi tiết",
                                       "url": "https://noi-bo.vn/chi-tiet.xlsx",
                                       "access_level": "agencies"})
    hidden = add(actor=author, data={"package_id": NAME, "name": "Danh sách học sinh khuyết tật",
                                     "upload": _upload("hoc-sinh.csv", OLD_CSV),
                                     "access_level": "named",
                                     "shared_with": [org_name(partner)]})
    gone = add(actor=author, data={"package_id": NAME, "name": "Bảng lương bí mật",
                                   "url": "https://noi-bo.vn/bang-luong.ods",
                                   "access_level": "named"})
    became = add(actor=author, data={"package_id": NAME, "name": "Danh bạ cán bộ",
                                     "url": "https://x.vn/danh-ba.csv"})
    services.resource_remove(actor=author, ref=str(gone.pk))
    services.resource_change(actor=author, data={"id": str(became.pk), "access_level": "named"},
                             patch=True)
    services.resource_change(actor=author, data={"id": str(open_res.pk),
                                                 "upload": _upload("truong.csv", NEW_CSV)},
                             patch=True)
    services.dataset_patch(actor=author, data={"id": NAME, "title": "Trường học theo xã",
                                               "tags": [{"name": "trường học"}]})
    ds.refresh_from_db()
    private = dataset(author, owner, "rieng-tu", title="Hồ sơ riêng", private=True,
                      shared_with=[org_name(partner)])
    return {"owner": owner, "partner": partner, "stranger": stranger, "author": author,
            "ds": ds, "open": open_res, "agencies": agencies, "hidden": hidden, "gone": gone,
            "became": became, "private": private}


def _api(client, action, key=None, **params):
    headers = {"HTTP_AUTHORIZATION": key} if key else {}
    return client.get(f"/api/3/action/{action}", params, **headers)


def _activities(client, key=None, **params) -> list[dict]:
    got = _api(client, "package_activity_list", key, id=NAME, **params)
    assert got.status_code == 200, got.content
    return got.json()["result"]


def _pages(client, numbers) -> str:
    texts = [client.get(f"/du-lieu/bo-du-lieu/{NAME}/phien-ban/").content.decode()]
    for n in numbers:
        page = client.get(f"/du-lieu/bo-du-lieu/{NAME}/phien-ban/{n}/")
        assert page.status_code in (200, 404)  # 404: no change the caller could see
        texts.append(page.content.decode())
    return "".join(texts)


def _everything(client, world, key=None) -> str:
    """Every old version, through the API (list and each activity) and the pages."""
    listed = _activities(client, key, limit=100)
    shown = [_api(client, "activity_show", key, id=a["id"]).json() for a in listed]
    return (json.dumps([listed, shown], ensure_ascii=False)
            + _pages(client, [v.number for v in DatasetVersion.objects.filter(dataset=world["ds"])]))


def test_the_versions_come_newest_first_in_ckans_shape(client, world):
    ds = world["ds"]
    listed = _activities(client)
    assert [a["data"]["package"]["metadata_modified"] for a in listed] == sorted(
        (a["data"]["package"]["metadata_modified"] for a in listed), reverse=True)
    mine = _activities(client, token(world["author"]), limit=100)
    assert len(mine) == ds.versions.count() == ds.revision  # the owner: every version
    # The public: only the versions that changed something it sees now (the private resources
    # added, removed, or made private leave no trace).
    assert [int(a["id"].split(":")[1]) for a in listed] == [10, 9, 3, 2, 1]
    newest, oldest = listed[0], listed[-1]
    assert newest["activity_type"] == "changed package" and oldest["activity_type"] == "new package"
    assert newest["object_id"] == str(ds.pk) and newest["user_id"] == str(world["author"].pk)
    assert newest["data"]["package"]["title"] == "Trường học theo xã"
    assert oldest["data"]["package"]["title"] == "Thống kê trường học"
    assert oldest["data"]["package"]["resources"] == []
    page = _activities(client, offset=1, limit=2)
    assert [a["id"] for a in page] == [a["id"] for a in listed[1:3]]
    one = _api(client, "activity_show", id=oldest["id"]).json()["result"]
    assert one == oldest
    bare = _api(client, "activity_show", id=oldest["id"], include_data="false").json()["result"]
    assert bare["data"] == {} and bare["activity_type"] == "new package"
    services.dataset_delete(actor=world["author"], ref=NAME)
    mine = _activities(client, token(world["author"]))
    assert mine[0]["activity_type"] == "deleted package"


@pytest.mark.parametrize("params", [{"id": ""}, {"id": NAME, "limit": "x"},
                                    {"id": NAME, "offset": "-1"}])
def test_bad_list_parameters_are_refused_clearly(client, world, params):
    got = _api(client, "package_activity_list", **params)
    assert got.status_code == 409 and got.json()["success"] is False


@pytest.mark.parametrize("ref", ["", "x", "1", "00000000-0000-0000-0000-000000000000:1",
                                 f"{'0' * 8}-0000-0000-0000-{'0' * 12}:x", "nul\x00:1"])
def test_unknown_activities_are_not_found(client, world, ref):
    got = _api(client, "activity_show", id=ref)
    assert got.status_code in (400, 404, 409)  # 400: CKAN's "Bad request" for a NUL
    assert _api(client, "activity_show", id=f"{world['ds'].pk}:999").status_code == 404


def test_no_private_resource_reaches_an_outsider_in_any_old_version(client, world):
    stranger = officer(Role.LEADER, world["stranger"])
    for key, login in ((None, None), (token(stranger), stranger)):
        if login:
            client.force_login(login)
        seen = _everything(client, world, key)
        for word in SECRETS:
            assert word not in seen
        for res in ("hidden", "gone", "became"):
            assert str(world[res].pk) not in seen
        assert org_name(world["partner"]) not in seen  # whom it is shared with
        assert "Số trường theo xã" in seen and "Chi tiết" in seen
        client.logout()
    anonymous = _activities(client)
    for a in anonymous:
        for r in a["data"]["package"]["resources"]:
            if r["name"] == "Chi tiết":  # for agencies: listed, without its URL
                assert r["url"] == "" and r["restricted"] is True
    assert "noi-bo.vn" not in json.dumps(anonymous)
    officer_view = _activities(client, token(stranger))[0]["data"]["package"]["resources"]
    assert {r["name"]: r["url"] for r in officer_view}["Chi tiết"] == (
        "https://noi-bo.vn/chi-tiet.xlsx")


def test_the_owner_reads_everything_and_the_partner_what_is_shared(client, world):
    owner = _everything(client, world, token(world["author"]))
    for word in SECRETS[:3]:
        assert word in owner
    shared = [r for a in _activities(client, token(world["author"]))
              for r in a["data"]["package"]["resources"] if r["id"] == str(world["hidden"].pk)]
    assert shared and all(r["shared_with"] == [org_name(world["partner"])] for r in shared)
    partner = officer(Role.CLERK, world["partner"])
    client.force_login(partner)
    seen = _everything(client, world, token(partner))
    assert "khuyết tật" in seen  # shared with its agency
    assert "Bảng lương bí mật" not in seen and "Danh bạ cán bộ" not in seen
    assert org_name(world["partner"]) not in seen  # sharing lists: the owner's officers only


@pytest.mark.parametrize("who", ["anonymous", "citizen", "stranger"])
def test_a_private_datasets_versions_are_not_found_to_outsiders(client, world, who):
    private = world["private"]
    key = None
    if who != "anonymous":
        user = UserFactory() if who == "citizen" else officer(Role.LEADER, world["stranger"])
        client.force_login(user)
        key = token(user)
    assert client.get("/du-lieu/bo-du-lieu/rieng-tu/phien-ban/1/").status_code == 404
    assert client.get("/du-lieu/bo-du-lieu/rieng-tu/phien-ban/").status_code == 404
    assert _api(client, "package_activity_list", key, id="rieng-tu").status_code == 404
    assert _api(client, "activity_show", key, id=f"{private.pk}:1").status_code == 404
    for user in (world["author"], officer(Role.CLERK, world["partner"])):
        client.force_login(user)
        assert client.get("/du-lieu/bo-du-lieu/rieng-tu/phien-ban/1/").status_code == 200
        assert _api(client, "activity_show", token(user), id=f"{private.pk}:1").status_code == 200


def test_a_version_page_shows_its_metadata_and_what_changed(client, world):
    ds = world["ds"]
    versions = client.get(f"/du-lieu/bo-du-lieu/{NAME}/phien-ban/").content.decode()
    assert f'href="/du-lieu/bo-du-lieu/{NAME}/phien-ban/{ds.revision}/"' in versions
    last = client.get(f"/du-lieu/bo-du-lieu/{NAME}/phien-ban/{ds.revision}/").content.decode()
    assert "Thống kê trường học" in last and "Trường học theo xã" in last  # before / after
    assert "trường học" in last and "giáo dục" in last
    first = client.get(f"/du-lieu/bo-du-lieu/{NAME}/phien-ban/1/").content.decode()
    assert "Đây là phiên bản đầu tiên." in first
    assert '<h1 lang="vi">Thống kê trường học</h1>' in first
    upload = client.get(f"/du-lieu/bo-du-lieu/{NAME}/phien-ban/{ds.revision - 1}/")
    assert "Sửa tài nguyên “Số trường theo xã”" in upload.content.decode()
    assert "Đổi: tệp" in upload.content.decode()
    third = client.get(f"/du-lieu/bo-du-lieu/{NAME}/phien-ban/3/").content.decode()
    assert "Thêm tài nguyên" in third and "Chi tiết" in third
    for bad in ("0", "999", "99999999999999999999"):
        assert client.get(f"/du-lieu/bo-du-lieu/{NAME}/phien-ban/{bad}/").status_code == 404
    assert client.get("/du-lieu/bo-du-lieu/khong-co/phien-ban/1/").status_code == 404


def test_an_old_version_links_the_file_it_had(client, world):
    ds, res = world["ds"], world["open"]
    # The version the public saw before the file was replaced (and the title patch).
    before = int(_activities(client)[2]["id"].split(":")[1])
    page = client.get(f"/du-lieu/bo-du-lieu/{NAME}/phien-ban/{before}/").content.decode()
    old_link = f"/dataset/{ds.pk}/resource/{res.pk}/download/truong.csv?version=1"
    assert old_link in page
    got = client.get(old_link)
    assert got.status_code == 200 and b"".join(got.streaming_content) == OLD_CSV
    now = client.get(f"/du-lieu/bo-du-lieu/{NAME}/phien-ban/{ds.revision}/").content.decode()
    assert old_link.replace("version=1", "version=2") in now
    listed = _activities(client)
    urls = {r["url"] for a in listed for r in a["data"]["package"]["resources"]
            if r["id"] == str(res.pk)}
    assert f"http://testserver{old_link}" in urls
    # The deleted resource's data is listed to its owner, but no longer downloads.
    gone = [r for a in _activities(client, token(world["author"]))
            for r in a["data"]["package"]["resources"] if r["id"] == str(world["gone"].pk)]
    assert gone and all(r["url"] == "https://noi-bo.vn/bang-luong.ods" for r in gone)


def test_the_list_costs_the_same_however_many_versions(client, world):
    author = world["author"]
    key = token(author)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert _api(client, "package_activity_list", key, id=NAME).status_code == 200
        return len(ctx.captured_queries)

    count()  # the first call also notes the token's use
    few = count()
    for i in range(5):
        services.dataset_patch(actor=author, data={"id": NAME, "notes": f"Lần {i}"})
    assert count() == few


def test_a_version_page_costs_the_same_however_many_resources(client, world):
    author = world["author"]
    client.force_login(author)

    def count() -> int:
        n = DatasetVersion.objects.filter(dataset=world["ds"]).count()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/du-lieu/bo-du-lieu/{NAME}/phien-ban/{n}/").status_code == 200
        return len(ctx.captured_queries)

    count()
    few = count()
    for i in range(4):
        services.resource_add(actor=author, data={
            "package_id": NAME, "name": f"Phụ lục {i}", "access_level": "named",
            "upload": _upload(f"phu-luc-{i}.csv", OLD_CSV)})
    count()
    assert count() == few
