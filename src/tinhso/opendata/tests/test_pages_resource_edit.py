"""Publishers edit and remove a resource on the portal's pages, as on CKAN's: name,
description, format, a new file (the old one stays downloadable as an older version) or a new
link; removal asks first and then the resource leaves the dataset's page, and its file URL
answers 404 as the API's `resource_show` does. The services' checks come back on the form in
Vietnamese; another agency's publisher gets a 404, a visitor is sent to log in, and nothing is
written for either."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.core.models import AuditEvent
from tinhso.opendata import services, uploads
from tinhso.opendata.dictize import download_url
from tinhso.opendata.models import DatasetVersion, Resource, ResourceVersion
from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)
from tinhso.opendata.tests.world import dataset, publisher

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_usage")]

OLD = b"huyen,giuong\nA,10\n"
NEW = b"huyen,giuong\nA,12\nB,7\n"


@pytest.fixture
def world():
    mine, other = AgencyFactory(), AgencyFactory()
    author, stranger = publisher(mine), publisher(other)
    ds = dataset(author, mine, "giuong-benh", title="Giường bệnh")
    upload = services.resource_add(
        actor=author,
        data={
            "package_id": str(ds.pk),
            "name": "Bảng giường bệnh",
            "description": "Theo huyện.",
            "upload": SimpleUploadedFile("giuong.csv", OLD, content_type="text/csv"),
        },
    )
    link = services.resource_add(
        actor=author,
        data={"package_id": str(ds.pk), "name": "Trang nguồn", "url": "https://syt.vn/g.json"},
    )
    theirs = dataset(stranger, other, "cua-so-khac")
    their_res = services.resource_add(
        actor=stranger, data={"package_id": str(theirs.pk), "url": "https://x.vn/a.csv"}
    )
    return {
        "author": author,
        "stranger": stranger,
        "ds": ds,
        "upload": upload,
        "link": link,
        "theirs": their_res,
    }


def edit_url(res: Resource, name: str = "giuong-benh") -> str:
    return f"/du-lieu/cong-bo/{name}/tai-nguyen/{res.pk}/sua/"


def delete_url(res: Resource, name: str = "giuong-benh") -> str:
    return f"/du-lieu/cong-bo/{name}/tai-nguyen/{res.pk}/xoa/"


def page_url(res: Resource) -> str:
    return f"/du-lieu/bo-du-lieu/giuong-benh/tai-nguyen/{res.pk}/"


def snapshot() -> tuple:
    """What a refused request must leave as it was."""
    return (
        sorted(Resource.objects.values_list("pk", "name", "url", "state", "revision")),
        ResourceVersion.objects.count(),
        DatasetVersion.objects.count(),
        AuditEvent.objects.count(),
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_owner_sees_edit_and_remove_links_on_the_dataset_and_resource_pages(client, world):
    client.force_login(world["author"])
    page = client.get("/du-lieu/bo-du-lieu/giuong-benh/").content.decode()
    for res in (world["upload"], world["link"]):
        assert f'href="{edit_url(res)}"' in page and f'href="{delete_url(res)}"' in page
    assert 'Sửa<span class="visually-hidden"> Bảng giường bệnh</span>' in page
    page = client.get(page_url(world["upload"])).content.decode()
    assert f'href="{edit_url(world["upload"])}"' in page
    assert f'href="{delete_url(world["upload"])}"' in page


def test_the_owner_edits_a_resources_name_description_and_format(client, world):
    res = world["upload"]
    client.force_login(world["author"])
    r = client.get(edit_url(res))
    page = r.content.decode()
    assert r.status_code == 200
    assert 'value="Bảng giường bệnh"' in page and "Theo huyện." in page
    assert "Tệp hiện tại: giuong.csv" in page  # the file is kept unless another is chosen
    assert 'name="csrfmiddlewaretoken"' in page
    assert '<label for="id_name">' in page and 'aria-describedby="id_upload_helptext"' in page
    r = client.post(
        edit_url(res),
        {"name": "Giường bệnh theo huyện", "description": "Năm 2024.", "url": "", "format": "csv"},
    )
    assert r.status_code == 302 and r["Location"] == page_url(res)
    res.refresh_from_db()
    assert (res.name, res.description, res.format) == ("Giường bệnh theo huyện", "Năm 2024.", "csv")
    assert res.url_type == "upload" and res.url == "giuong.csv" and res.size == len(OLD)
    assert AuditEvent.objects.filter(
        object_id=str(world["ds"].pk), action="opendata.dataset.resource_update"
    ).exists()
    page = client.get(r["Location"]).content.decode()
    assert "Đã lưu thay đổi của tài nguyên." in page and "Giường bệnh theo huyện" in page
    assert body(client.get(download_url(res))) == OLD


def test_a_new_upload_replaces_the_file_and_the_old_one_still_downloads(client, world):
    res = world["upload"]
    client.force_login(world["author"])
    r = client.post(
        edit_url(res),
        {
            "name": "Bảng giường bệnh",
            "upload": SimpleUploadedFile("giuong-2025.csv", NEW, content_type="text/csv"),
        },
    )
    assert r.status_code == 302
    res.refresh_from_db()
    assert res.url == "giuong-2025.csv" and res.size == len(NEW) and res.revision == 2
    assert body(client.get(download_url(res))) == NEW
    page = client.get(page_url(res)).content.decode()
    older = re.findall(r'href="([^"]+\?version=(\d+))"', page)
    assert [n for _link, n in older] == ["1"]  # the previous file, listed
    assert body(client.get(older[0][0])) == OLD
    client.logout()  # open data: anyone downloads both
    assert body(client.get(older[0][0])) == OLD


def test_a_link_replaces_a_file_or_another_link(client, world):
    client.force_login(world["author"])
    res = world["upload"]
    r = client.post(
        edit_url(res), {"name": "Bảng giường bệnh", "url": "https://syt.vn/giuong.xlsx"}
    )
    assert r.status_code == 302
    res.refresh_from_db()
    assert (res.url_type, res.url, res.format) == ("", "https://syt.vn/giuong.xlsx", "XLSX")
    assert res.size is None and res.hash == "" and res.storage_path == ""  # the file's facts go
    assert ResourceVersion.objects.filter(resource=res, number=1).exclude(storage_path="").exists()
    link = world["link"]
    r = client.get(edit_url(link))
    assert 'value="https://syt.vn/g.json"' in r.content.decode()
    r = client.post(edit_url(link), {"name": "Trang nguồn", "url": "https://syt.vn/g2.json"})
    assert r.status_code == 302
    link.refresh_from_db()
    assert link.url == "https://syt.vn/g2.json" and link.revision == 2


@pytest.mark.parametrize(
    ("which", "data", "message"),
    [
        ("upload", {"name": "", "url": ""}, "bắt buộc"),
        ("upload", {"name": "x", "url": "javascript:alert(1)"}, "Đường dẫn phải bắt đầu bằng"),
        ("link", {"name": "x", "url": ""}, "Cần chọn tệp để tải lên hoặc nhập đường dẫn."),
        (
            "link",
            {"name": "x", "url": "https://x.vn/a.csv", "upload": "file"},
            "Chỉ chọn một: tệp tải lên hoặc đường dẫn.",
        ),
        ("upload", {"name": "x", "upload": "empty"}, "Tập tin được gửi là rỗng."),
        ("link", {"name": "x\u202e", "url": "https://x.vn/a.csv"}, "ký tự ẩn không hợp lệ"),
    ],
)
def test_a_refused_edit_shows_the_error_in_vietnamese_and_writes_nothing(
    client, world, which, data, message
):
    data = dict(data)
    if data.get("upload") == "file":
        data["upload"] = SimpleUploadedFile("a.csv", b"a\n1\n")
    elif data.get("upload") == "empty":
        data["upload"] = SimpleUploadedFile("a.csv", b"")
    client.force_login(world["author"])
    before = snapshot()
    r = client.post(edit_url(world[which]), data)
    assert r.status_code == 422
    page = r.content.decode()
    assert 'role="alert"' in page and message in page
    # each field's error is announced with the field (aria-describedby names an element)
    described = re.findall(r'aria-describedby="[^"]*?(id_\w+)_error"', page)
    assert described
    for field_id in described:
        assert f'id="{field_id}_error"' in page
    assert re.search(r'aria-invalid="true"', page)
    assert snapshot() == before


def test_a_file_past_the_limit_is_refused_on_the_edit_form(client, world, settings, monkeypatch):
    settings.TINHSO_OPENDATA_MAX_UPLOAD_BYTES = 10
    client.force_login(world["author"])
    before = snapshot()
    assert "Tối đa 10 byte." in client.get(edit_url(world["upload"])).content.decode()
    r = client.post(
        edit_url(world["upload"]),
        {"name": "Lớn", "upload": SimpleUploadedFile("lon.csv", b"a,b\n" * 10)},
    )
    assert r.status_code == 413 and "Tệp lớn quá 10 byte." in r.content.decode()
    assert snapshot() == before
    monkeypatch.setattr(uploads, "FORM_ALLOWANCE", 0)  # refused by its declared length, unread
    r = client.post(
        edit_url(world["upload"]),
        {"name": "Lớn", "upload": SimpleUploadedFile("lon.csv", b"a,b\n" * 10)},
    )
    page = r.content.decode()
    assert r.status_code == 413 and "Tệp lớn quá 10 byte." in page
    assert 'value="Bảng giường bệnh"' in page  # the form keeps the resource's values
    assert snapshot() == before


def test_remove_asks_first_then_the_resource_and_its_file_are_gone(client, world):
    res = world["upload"]
    file_url = download_url(res)
    client.force_login(world["author"])
    r = client.get(delete_url(res))
    page = r.content.decode()
    assert r.status_code == 200 and "Bảng giường bệnh" in page
    assert '<form method="post"' in page and 'name="csrfmiddlewaretoken"' in page
    assert Resource.objects.get(pk=res.pk).state == "active"  # asking changes nothing
    r = client.post(delete_url(res))
    assert r.status_code == 302 and r["Location"] == "/du-lieu/bo-du-lieu/giuong-benh/"
    assert Resource.objects.get(pk=res.pk).state == "deleted"
    assert AuditEvent.objects.filter(
        object_id=str(world["ds"].pk), action="opendata.dataset.resource_delete"
    ).exists()
    page = client.get(r["Location"]).content.decode()
    assert "Đã xóa tài nguyên “Bảng giường bệnh”." in page
    assert page_url(res) not in page and page_url(world["link"]) in page
    # the file no longer serves, as the API no longer shows the resource
    assert client.get(file_url).status_code == 404
    assert client.get(file_url + "?version=1").status_code == 404
    assert client.get(page_url(res)).status_code == 404
    assert client.get("/api/3/action/resource_show", {"id": str(res.pk)}).status_code == 404
    assert ResourceVersion.objects.filter(resource=res).count() == 2  # kept
    # a removed resource cannot be edited or removed again
    assert client.get(edit_url(res)).status_code == 404
    assert client.post(delete_url(res)).status_code == 404


def test_another_agencys_publisher_is_refused_and_nothing_changes(client, world):
    client.force_login(world["stranger"])
    page = client.get("/du-lieu/bo-du-lieu/giuong-benh/").content.decode()
    assert "/tai-nguyen/" in page and "/sua/" not in page and "/xoa/" not in page
    assert "/sua/" not in client.get(page_url(world["upload"])).content.decode()
    before = snapshot()
    for res in (world["upload"], world["link"]):
        assert client.get(edit_url(res)).status_code == 404
        assert (
            client.post(edit_url(res), {"name": "Của tôi", "url": "https://x.vn/b.csv"}).status_code
            == 404
        )
        assert client.get(delete_url(res)).status_code == 404
        assert client.post(delete_url(res)).status_code == 404
    assert snapshot() == before
    # the owner cannot reach another dataset's resource through their own dataset's path
    client.force_login(world["author"])
    theirs = world["theirs"]
    assert (
        client.post(edit_url(theirs), {"name": "x", "url": "https://x.vn/c.csv"}).status_code == 404
    )
    assert client.post(delete_url(theirs)).status_code == 404
    assert (
        client.post(
            edit_url(theirs, "cua-so-khac"), {"name": "x", "url": "https://x.vn/c.csv"}
        ).status_code
        == 404
    )
    assert snapshot() == before


def test_a_visitor_is_sent_to_log_in_and_sees_no_links(client, world):
    page = client.get("/du-lieu/bo-du-lieu/giuong-benh/").content.decode()
    assert "/du-lieu/cong-bo/" not in page
    before = snapshot()
    for path in (edit_url(world["upload"]), delete_url(world["upload"])):
        for method in ("get", "post"):
            r = getattr(client, method)(path)
            assert r.status_code == 302 and r["Location"].startswith("/dang-nhap/"), path
    assert snapshot() == before


def test_the_forms_refuse_a_post_without_the_csrf_token(world):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world["author"])
    before = snapshot()
    r = strict.post(edit_url(world["link"]), {"name": "x", "url": "https://x.vn/c.csv"})
    assert r.status_code == 403
    r = strict.post(
        edit_url(world["upload"]),
        {"name": "x", "upload": SimpleUploadedFile("a.csv", b"a\n1\n")},
    )
    assert r.status_code == 403
    assert strict.post(delete_url(world["link"])).status_code == 403
    assert snapshot() == before


def test_the_owners_dataset_page_costs_the_same_queries_with_more_resources(client, world):
    client.force_login(world["author"])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/du-lieu/bo-du-lieu/giuong-benh/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(6):
        services.resource_add(
            actor=world["author"],
            data={
                "package_id": str(world["ds"].pk),
                "name": f"Tệp {i}",
                "url": f"https://syt.vn/{i}.csv",
            },
        )
    assert count() == few
