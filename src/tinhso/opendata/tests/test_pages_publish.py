"""Publishers' forms: create a dataset (draft or published), edit it, add a resource by upload
or by link, publish a draft, delete; the services' checks come back on the form in
Vietnamese; another agency's officer gets a 404 and nothing is written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.core.models import AuditEvent
from tinhso.directory.models import Role
from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import Dataset, DatasetVersion, Resource
from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)
from tinhso.opendata.tests.world import dataset, publisher, theme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_usage")]


@pytest.fixture
def world():
    mine, other = AgencyFactory(), AgencyFactory()
    author, stranger = publisher(mine), publisher(other)
    theme("y-te", "Y tế")
    ds = dataset(author, mine, "giuong-benh", title="Giường bệnh", state="draft")
    return {"mine": mine, "other": other, "author": author, "stranger": stranger, "ds": ds}


def form(world, **changes):
    data = {
        "title": "Trạm y tế xã",
        "name": "tram-y-te",
        "notes": "Danh sách trạm y tế.",
        "owner_org": org_name(world["mine"]),
        "access_level": "open",
        "license_id": "cc-by-4.0",
        "frequency": "annual",
        "temporal_start": "2024-01-01",
        "temporal_end": "2024-12-31",
        "spatial_units": "",
        "tags": "y tế, trạm",
        "groups": ["y-te"],
        "maintainer": "Phòng Nghiệp vụ",
        "maintainer_email": "nv@syt.vn",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_an_officer_creates_a_dataset_and_it_is_published(client, world):
    client.force_login(world["author"])
    r = client.post("/du-lieu/cong-bo/moi/", {**form(world), "state": "active"})
    assert r.status_code == 302 and r["Location"] == "/du-lieu/bo-du-lieu/tram-y-te/"
    ds = Dataset.objects.get(name="tram-y-te")
    assert ds.state == "active" and ds.frequency == "annual" and ds.owner_org == world["mine"]
    assert sorted(t.name for t in ds.tags.all()) == ["trạm", "y tế"]
    assert [g.name for g in ds.groups.all()] == ["y-te"]
    assert AuditEvent.objects.filter(object_id=str(ds.pk)).exists()
    page = client.get(r["Location"]).content.decode()
    assert "Đã tạo bộ dữ liệu." in page and "Quản lý bộ dữ liệu" in page
    assert "/du-lieu/cong-bo/" in client.get("/du-lieu/").content.decode()


def test_the_services_errors_come_back_on_the_form(client, world):
    client.force_login(world["author"])
    r = client.post(
        "/du-lieu/cong-bo/moi/",
        form(
            world,
            name="Tên Có Dấu",
            temporal_start="2024-12-31",
            temporal_end="2024-01-01",
            maintainer_email="khong-phai-thu",
            tags="x",
        ),
    )
    assert r.status_code == 422
    page = r.content.decode()
    assert 'role="alert"' in page
    assert "Chỉ gồm chữ thường không dấu" in page
    assert "Ngày kết thúc phải sau ngày bắt đầu." in page
    assert "phải dài 2–100 ký tự" in page
    assert not Dataset.objects.filter(title="Trạm y tế xã").exists()
    r = client.post("/du-lieu/cong-bo/moi/", form(world, name="giuong-benh"))
    assert r.status_code == 422 and "Tên định danh này đã được dùng." in r.content.decode()


def test_a_draft_is_edited_then_published(client, world):
    client.force_login(world["author"])
    r = client.get("/du-lieu/cong-bo/giuong-benh/sua/")
    assert r.status_code == 200 and 'value="Giường bệnh"' in r.content.decode()
    r = client.post(
        "/du-lieu/cong-bo/giuong-benh/sua/",
        form(world, name="giuong-benh", title="Giường bệnh theo huyện"),
    )
    assert r.status_code == 302
    ds = Dataset.objects.get(name="giuong-benh")
    assert ds.title == "Giường bệnh theo huyện" and ds.state == "draft"
    assert client.get("/du-lieu/bo-du-lieu/giuong-benh/").status_code == 200
    client.logout()
    assert client.get("/du-lieu/bo-du-lieu/giuong-benh/").status_code == 404  # still a draft
    client.force_login(world["author"])
    assert client.post("/du-lieu/cong-bo/giuong-benh/cong-bo/").status_code == 302
    client.logout()
    assert client.get("/du-lieu/bo-du-lieu/giuong-benh/").status_code == 200


def test_a_resource_is_added_by_upload_or_by_link(client, world):
    client.force_login(world["author"])
    r = client.post(
        "/du-lieu/cong-bo/giuong-benh/tai-nguyen/",
        {"name": "Bảng", "upload": SimpleUploadedFile("bang.csv", b"a,b\n1,2\n")},
    )
    assert r.status_code == 302
    r = client.post(
        "/du-lieu/cong-bo/giuong-benh/tai-nguyen/",
        {"name": "Trang nguồn", "url": "https://syt.vn/giuong.json"},
    )
    assert r.status_code == 302
    got = {(x.name, x.url_type, x.format) for x in Resource.objects.filter(dataset=world["ds"])}
    assert got == {("Bảng", "upload", "CSV"), ("Trang nguồn", "", "JSON")}
    for bad, message in [
        ({"name": "x"}, "Cần chọn tệp"),
        ({"name": "x", "url": "javascript:alert(1)"}, ""),
        ({"name": "x", "upload": SimpleUploadedFile("r.csv", b"")}, ""),
    ]:
        r = client.post("/du-lieu/cong-bo/giuong-benh/tai-nguyen/", bad)
        assert r.status_code == 422, bad
        assert message in r.content.decode()
    assert Resource.objects.filter(dataset=world["ds"]).count() == 2


def test_delete_asks_first_then_removes_it_from_the_portal(client, world):
    client.force_login(world["author"])
    assert "Xóa bộ dữ liệu" in client.get("/du-lieu/cong-bo/giuong-benh/xoa/").content.decode()
    r = client.post("/du-lieu/cong-bo/giuong-benh/xoa/")
    assert r.status_code == 302 and r["Location"] == "/du-lieu/cong-bo/"
    assert Dataset.objects.get(name="giuong-benh").state == "deleted"
    assert "Cơ quan của bạn chưa có bộ dữ liệu nào." in client.get(r["Location"]).content.decode()


def test_another_agencys_officer_gets_404_and_nothing_is_written(client, world):
    client.force_login(world["stranger"])
    before = (DatasetVersion.objects.count(), Resource.objects.count())
    for method, path, data in [
        ("get", "/du-lieu/cong-bo/giuong-benh/sua/", {}),
        ("post", "/du-lieu/cong-bo/giuong-benh/sua/", form(world, name="giuong-benh")),
        (
            "post",
            "/du-lieu/cong-bo/giuong-benh/tai-nguyen/",
            {"name": "x", "url": "https://x.vn/a.csv"},
        ),
        ("post", "/du-lieu/cong-bo/giuong-benh/cong-bo/", {}),
        ("get", "/du-lieu/cong-bo/giuong-benh/xoa/", {}),
        ("post", "/du-lieu/cong-bo/giuong-benh/xoa/", {}),
    ]:
        assert getattr(client, method)(path, data).status_code == 404, path
    # creating for the other agency: refused on the form, nothing written
    r = client.post("/du-lieu/cong-bo/moi/", form(world, name="cua-nguoi-khac"))
    assert r.status_code == 422
    ds = Dataset.objects.get(name="giuong-benh")
    assert ds.state == "draft" and ds.title == "Giường bệnh"
    assert (DatasetVersion.objects.count(), Resource.objects.count()) == before
    assert not Dataset.objects.filter(name="cua-nguoi-khac").exists()


@pytest.mark.parametrize("who", ["anonymous", "citizen", "reader"])
def test_who_does_not_publish_cannot_reach_the_forms(client, world, who):
    if who == "citizen":
        client.force_login(UserFactory(kind="citizen"))
    elif who == "reader":
        client.force_login(officer(Role.ONESTOP_OFFICER, world["mine"]))
    for path in ("/du-lieu/cong-bo/", "/du-lieu/cong-bo/moi/"):
        r = client.get(path)
        assert r.status_code == (302 if who == "anonymous" else 403), path
    r = client.post("/du-lieu/cong-bo/moi/", form(world, name="khong-duoc"))
    assert r.status_code in (302, 403)
    assert not Dataset.objects.filter(name="khong-duoc").exists()


def test_the_publishers_list_is_paged_and_scoped(client, world):
    for i in range(30):
        dataset(world["author"], world["mine"], f"bo-{i:02d}")
    dataset(world["stranger"], world["other"], "cua-so-khac", title="Của sở khác")
    client.force_login(world["author"])
    page = client.get("/du-lieu/cong-bo/").content.decode()
    assert "31 bộ dữ liệu" in page and "Của sở khác" not in page and "Trang 1/2" in page
    assert client.get("/du-lieu/cong-bo/", {"page": "2"}).status_code == 200
    assert client.get("/du-lieu/cong-bo/", {"page": "x"}).status_code == 400
    assert client.get("/du-lieu/cong-bo/", {"page": "3"}).status_code == 404


def test_an_agency_requests_access_to_restricted_data(client, world):
    from tinhso.opendata.models import AccessRequest

    dataset(
        world["author"],
        world["mine"],
        "cho-co-quan",
        title="Cho cơ quan",
        access_level="agencies",
        resources=[{"url": "https://x.vn/a.csv"}],
    )
    dataset(world["author"], world["mine"], "mo", title="Mở")
    client.force_login(world["stranger"])
    path = "/du-lieu/bo-du-lieu/cho-co-quan/de-nghi-truy-cap/"
    assert client.get(path).status_code == 200
    r = client.post(path, {"agency": str(world["other"].pk), "purpose": ""})
    assert r.status_code == 422 and "bắt buộc" in r.content.decode().lower()
    r = client.post(
        path,
        {"agency": str(world["other"].pk), "purpose": "Lập kế hoạch", "wanted_until": "2001-01-01"},
    )
    assert r.status_code == 422 and not AccessRequest.objects.exists()
    r = client.post(path, {"agency": str(world["other"].pk), "purpose": "Lập kế hoạch y tế"})
    assert r.status_code == 302
    req = AccessRequest.objects.get()
    assert req.agency == world["other"] and req.purpose == "Lập kế hoạch y tế"
    r = client.post(path, {"agency": str(world["other"].pk), "purpose": "Lần nữa"})
    assert r.status_code == 422 and "đang chờ duyệt" in r.content.decode()
    r = client.post(
        "/du-lieu/bo-du-lieu/mo/de-nghi-truy-cap/",
        {"agency": str(world["other"].pk), "purpose": "x"},
    )
    assert r.status_code == 422 and "không cần đề nghị" in r.content.decode()
    # a private dataset it does not see is not found; the owner cannot ask itself
    assert client.get("/du-lieu/bo-du-lieu/giuong-benh/de-nghi-truy-cap/").status_code == 404
    client.force_login(world["author"])
    r = client.post(path, {"agency": str(world["mine"].pk), "purpose": "x"})
    assert r.status_code == 422 and "của chính cơ quan" in r.content.decode()
    assert AccessRequest.objects.count() == 1
