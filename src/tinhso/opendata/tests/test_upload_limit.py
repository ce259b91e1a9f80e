"""A resource file past TINHSO_OPENDATA_MAX_UPLOAD_BYTES is refused while it streams in (or by
its declared length, unread), on the CKAN API as CKAN does (409, a Validation Error on
`upload`) and on the publishers' form in Vietnamese; no resource row, no stored file, no
temporary file is left."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.opendata import uploads
from tinhso.opendata.models import Resource
from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)
from tinhso.opendata.tests.world import dataset, publisher, token, two_agencies

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_usage")]

LIMIT = 1000


@pytest.fixture
def site(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TINHSO_DATASTORE_DIR = tmp_path / "datastore"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "tmp")
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # every file part goes to a temporary file
    settings.TINHSO_OPENDATA_MAX_UPLOAD_BYTES = LIMIT
    (tmp_path / "tmp").mkdir()
    mine, _other = two_agencies()
    user = publisher(mine)
    dataset(user, mine, "gioi-han")
    return {"user": user, "key": token(user), "tmp": tmp_path}


def _files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def _csv(size: int) -> SimpleUploadedFile:
    body = (b"a,b\n" + b"1,2\n" * size)[:size]
    return SimpleUploadedFile("lon.csv", body, content_type="text/csv")


def _api(client, site, upload):
    return client.post(
        "/api/3/action/resource_create",
        {"package_id": "gioi-han", "name": "Lớn", "upload": upload},
        HTTP_AUTHORIZATION=site["key"],
    )


def test_the_api_refuses_a_file_past_the_limit_as_ckan_does_and_stores_nothing(client, site):
    r = _api(client, site, _csv(LIMIT + 1))
    assert r.status_code == 409
    body = r.json()
    assert body["success"] is False
    assert body["error"]["__type"] == "Validation Error"
    assert body["error"]["upload"] == [uploads.too_big_message()]
    assert not Resource.objects.filter(dataset__name="gioi-han").exists()
    assert _files(site["tmp"]) == []
    r = _api(client, site, _csv(LIMIT))  # exactly the limit is fine
    assert r.status_code == 200, r.content
    assert r.json()["result"]["size"] == LIMIT


def test_the_api_refuses_by_declared_length_without_reading_the_body(client, site, monkeypatch):
    monkeypatch.setattr(uploads, "FORM_ALLOWANCE", 0)
    seen = []
    monkeypatch.setattr(uploads, "limit_uploads", lambda request: seen.append(request))
    r = _api(client, site, _csv(LIMIT * 3))
    assert r.status_code == 409 and "upload" in r.json()["error"]
    assert seen == []  # refused before any handler was set or any part was parsed
    assert not Resource.objects.exists() and _files(site["tmp"]) == []


def test_json_bodies_keep_their_own_limit(client, site):
    r = client.post(
        "/api/3/action/package_show", "x" * (6 * 2**20), content_type="application/json"
    )
    assert r.status_code == 400


def test_the_form_refuses_a_file_past_the_limit_in_vietnamese(client, site):
    client.force_login(site["user"])
    url = "/du-lieu/cong-bo/gioi-han/tai-nguyen/"
    assert "Tối đa" in client.get(url).content.decode()
    r = client.post(url, {"name": "Lớn", "upload": _csv(LIMIT + 1)})
    assert r.status_code == 413
    page = r.content.decode()
    assert "Tệp lớn quá" in page and "Cần chọn tệp" not in page
    assert not Resource.objects.exists() and _files(site["tmp"]) == []
    r = client.post(url, {"name": "Vừa", "upload": _csv(LIMIT)})
    assert r.status_code == 302
    assert Resource.objects.get().size == LIMIT


def test_the_form_refuses_by_declared_length_and_still_checks_csrf(client, site, monkeypatch):
    monkeypatch.setattr(uploads, "FORM_ALLOWANCE", 0)
    client.force_login(site["user"])
    url = "/du-lieu/cong-bo/gioi-han/tai-nguyen/"
    r = client.post(url, {"name": "Lớn", "upload": _csv(LIMIT * 3)})
    assert r.status_code == 413 and "Tệp lớn quá" in r.content.decode()
    assert not Resource.objects.exists()
    strict = client.__class__(enforce_csrf_checks=True)
    strict.force_login(site["user"])
    r = strict.post(url, {"name": "Nhỏ", "upload": _csv(10)})
    assert r.status_code == 403 and not Resource.objects.exists()
