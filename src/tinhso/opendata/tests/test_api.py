"""The CKAN Action API through Django's test client: envelope, errors, transport rules."""

from __future__ import annotations

import json

import pytest

from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import Dataset, DatasetVersion
from tinhso.opendata.tests.world import dataset, publisher, theme, token, two_agencies

pytestmark = pytest.mark.django_db


def post(client, name, data, key=None, prefix="/api/3/action/"):
    headers = {"HTTP_AUTHORIZATION": key} if key else {}
    return client.post(f"{prefix}{name}", json.dumps(data), content_type="application/json",
                       **headers)


def test_status_show_answers_in_ckans_envelope(client):
    for prefix in ("/api/3/action/", "/api/action/"):
        r = client.get(f"{prefix}status_show")
        assert r.status_code == 200
        body = r.json()
        assert body["success"] is True
        assert body["help"] == "http://testserver/api/3/action/help_show?name=status_show"
        assert body["result"]["ckan_version"].startswith("2.")
    assert client.get("/api/util/status").json()["result"]["site_url"] == "http://testserver"
    helped = client.get("/api/3/action/help_show?name=package_search").json()["result"]
    assert "facet.field" in helped


def test_unknown_action_is_a_bad_request_with_a_bare_string(client):
    r = client.get("/api/3/action/no_such_action")
    assert r.status_code == 400
    assert r.json() == "Bad request - Action name not known: no_such_action"


def test_api_paths_never_redirect(client):
    for path in ("/api/3/action/package_list/", "/api/action/package_list/", "/api/3/action",
                 "/api/action"):
        r = client.get(path)
        assert r.status_code == 404, path


def test_a_write_action_refuses_get(client):
    r = client.get("/api/3/action/package_create?name=x")
    assert r.status_code == 400
    assert "Please use POST method" in r.json()


def test_a_body_that_is_not_an_object_is_a_bad_request(client):
    r = client.post("/api/3/action/package_show", "[1, 2]", content_type="application/json")
    assert r.status_code == 400
    assert "needs to be a dictionary" in r.json()
    r = client.post("/api/3/action/package_show", "{not json", content_type="application/json")
    assert r.status_code == 400


def test_missing_dataset_is_not_found_error(client):
    r = client.get("/api/3/action/package_show?id=khong-co")
    assert r.status_code == 404
    body = r.json()
    assert body["success"] is False
    assert body["error"]["__type"] == "Not Found Error"
    assert body["error"]["message"].startswith("Not found")


def test_missing_id_is_a_validation_error_naming_the_field(client):
    r = client.get("/api/3/action/package_show")
    assert r.status_code == 409
    assert r.json()["error"]["__type"] == "Validation Error"
    assert "id" in r.json()["error"]


def test_anonymous_create_is_an_authorization_error_and_writes_nothing(client):
    mine, _ = two_agencies()
    r = post(client, "package_create", {"name": "du-lieu", "owner_org": org_name(mine)})
    assert r.status_code == 403
    assert r.json()["error"]["__type"] == "Authorization Error"
    assert not Dataset.objects.exists()


def test_a_bad_token_is_refused_not_ignored(client):
    r = client.get("/api/3/action/package_list", HTTP_AUTHORIZATION="ts_dead_beef")
    assert r.status_code == 403


def test_create_with_a_raw_token_then_show_by_name(client):
    mine, _ = two_agencies()
    user = publisher(mine)
    key = token(user)
    theme("dan-cu", "Dân cư")
    r = post(client, "package_create", {
        "name": "dan-so-theo-xa", "title": "Dân số theo xã, phường", "owner_org": org_name(mine),
        "notes": "Số dân từng xã", "tags": [{"name": "dân số"}, {"name": "thống kê"}],
        "groups": [{"name": "dan-cu"}], "license_id": "cc-by-4.0", "frequency": "annual",
        "temporal_start": "2024-01-01", "temporal_end": "2024-12-31",
        "maintainer": "Phòng Thống kê", "maintainer_email": "thongke@example.vn",
        "resources": [{"url": "https://example.vn/dan-so.csv", "name": "Bảng dân số"}],
    }, key)
    assert r.status_code == 200, r.content
    pkg = r.json()["result"]
    assert pkg["name"] == "dan-so-theo-xa"
    assert pkg["organization"]["name"] == org_name(mine)
    assert pkg["organization"]["title"] == mine.name
    assert [t["name"] for t in pkg["tags"]] == ["dân số", "thống kê"]
    assert pkg["groups"][0]["name"] == "dan-cu"
    assert pkg["resources"][0]["format"] == "CSV"
    assert pkg["num_resources"] == 1 and pkg["isopen"] is True
    shown = client.get("/api/3/action/package_show?id=dan-so-theo-xa").json()["result"]
    assert shown["id"] == pkg["id"]
    assert shown["metadata_created"] and "+" not in shown["metadata_created"]


def test_bad_input_names_every_offending_field_and_writes_nothing(client):
    mine, _ = two_agencies()
    key = token(publisher(mine))
    r = post(client, "package_create", {
        "name": "Tên Có Dấu", "owner_org": org_name(mine), "maintainer_email": "khong-phai-thu",
        "frequency": "hourly", "temporal_start": "2024-05-01", "temporal_end": "2024-01-01",
        "resources": [{"url": "javascript:alert(1)"}],
    }, key)
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["__type"] == "Validation Error"
    assert {"name", "maintainer_email", "frequency", "temporal_end", "resources.0.url"} <= set(error)
    assert all(isinstance(v, list) for k, v in error.items() if k != "__type")
    assert not Dataset.objects.exists()


def test_a_name_in_use_is_a_validation_error(client):
    mine, _ = two_agencies()
    user = publisher(mine)
    dataset(user, mine, "trung-ten")
    r = post(client, "package_create", {"name": "trung-ten", "owner_org": org_name(mine)},
             token(user))
    assert r.status_code == 409
    assert "name" in r.json()["error"]


def test_publishing_for_another_agency_is_refused(client):
    mine, theirs = two_agencies()
    r = post(client, "package_create", {"name": "cua-nguoi-khac", "owner_org": org_name(theirs)},
             token(publisher(mine)))
    assert r.status_code == 403
    assert not Dataset.objects.exists()


def test_update_patch_and_delete_keep_every_version(client):
    mine, _ = two_agencies()
    user = publisher(mine)
    key = token(user)
    ds = dataset(user, mine, "chi-so-gia", notes="v1", tags=[{"name": "giá"}])
    r = post(client, "package_patch", {"id": "chi-so-gia", "notes": "v2"}, key)
    assert r.status_code == 200, r.content
    assert r.json()["result"]["notes"] == "v2"
    assert [t["name"] for t in r.json()["result"]["tags"]] == ["giá"]
    r = post(client, "package_update", {"id": str(ds.pk), "name": "chi-so-gia",
                                        "owner_org": org_name(mine), "title": "Chỉ số giá"}, key)
    assert r.status_code == 200
    result = r.json()["result"]
    assert result["notes"] == "" and result["tags"] == []  # update replaces the whole record
    r = post(client, "package_delete", {"id": "chi-so-gia"}, key)
    assert r.status_code == 200 and r.json()["result"] is None
    assert client.get("/api/3/action/package_show?id=chi-so-gia").status_code == 404
    assert "chi-so-gia" not in client.get("/api/3/action/package_list").json()["result"]
    versions = list(DatasetVersion.objects.filter(dataset=ds).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3, 4]
    assert [v.data["notes"] for v in versions[:2]] == ["v1", "v2"]
    assert versions[-1].data["state"] == "deleted"


def test_resource_create_appends_a_link_and_resource_show_finds_it(client):
    mine, _ = two_agencies()
    user = publisher(mine)
    dataset(user, mine, "bao-cao", resources=[{"url": "https://example.vn/a.pdf"}])
    r = post(client, "resource_create", {"package_id": "bao-cao", "url": "https://example.vn/b.xlsx",
                                         "name": "Số liệu"}, token(user))
    assert r.status_code == 200, r.content
    res = r.json()["result"]
    assert res["position"] == 1 and res["format"] == "XLSX"
    shown = client.get(f"/api/3/action/resource_show?id={res['id']}").json()["result"]
    assert shown["url"] == "https://example.vn/b.xlsx"
    assert client.get("/api/3/action/package_show?id=bao-cao").json()["result"]["num_resources"] == 2


def test_form_encoded_posts_work_too(client):
    mine, _ = two_agencies()
    key = token(publisher(mine))
    r = client.post("/api/3/action/package_create", {"name": "bieu-mau", "owner_org": org_name(mine)},
                    HTTP_AUTHORIZATION=key)
    assert r.status_code == 200, r.content


def test_session_posts_need_csrf_but_token_posts_do_not(client):
    from django.test import Client

    mine, _ = two_agencies()
    user = publisher(mine)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    r = strict.post("/api/3/action/package_create",
                    json.dumps({"name": "phien-dang-nhap", "owner_org": org_name(mine)}),
                    content_type="application/json")
    assert r.status_code == 403
    fresh = Client(enforce_csrf_checks=True)
    r = fresh.post("/api/3/action/package_create",
                   json.dumps({"name": "bang-ma", "owner_org": org_name(mine)}),
                   content_type="application/json", HTTP_AUTHORIZATION=token(user))
    assert r.status_code == 200


def test_an_uploaded_file_is_stored_versioned_and_downloadable(client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    mine, _ = two_agencies()
    user = publisher(mine)
    key = token(user)
    dataset(user, mine, "tep-tai-len")
    upload = SimpleUploadedFile("Dân số 2024.csv", b"xa,dan_so\nHac Thanh,1000\n",
                                content_type="text/csv")
    r = client.post("/api/3/action/resource_create",
                    {"package_id": "tep-tai-len", "name": "Dân số", "upload": upload},
                    HTTP_AUTHORIZATION=key)
    assert r.status_code == 200, r.content
    res = r.json()["result"]
    assert res["url_type"] == "upload" and res["format"] == "CSV" and res["size"] == 25
    assert res["hash"].startswith("sha256:")
    assert res["url"].startswith("http://testserver/dataset/")
    assert res["url"].endswith("/download/Dan-so-2024.csv")
    got = client.get(res["url"].removeprefix("http://testserver"))
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == b"xa,dan_so\nHac Thanh,1000\n"
    empty = SimpleUploadedFile("rong.csv", b"", content_type="text/csv")
    r = client.post("/api/3/action/resource_create",
                    {"package_id": "tep-tai-len", "upload": empty}, HTTP_AUTHORIZATION=key)
    assert r.status_code == 409 and "upload" in r.json()["error"]


def test_files_of_restricted_data_download_only_for_officers(client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tinhso.accounts.tests.factories import officer
    from tinhso.core.models import AuditEvent
    from tinhso.directory.models import Role

    settings.MEDIA_ROOT = tmp_path
    mine, theirs = two_agencies()
    user = publisher(mine)
    dataset(user, mine, "han-che", access_level="agencies")
    dataset(user, mine, "rieng", private=True)
    urls = {}
    for name in ("han-che", "rieng"):
        r = client.post("/api/3/action/resource_create",
                        {"package_id": name, "upload": SimpleUploadedFile("a.csv", b"a,b\n1,2\n")},
                        HTTP_AUTHORIZATION=token(user))
        urls[name] = r.json()["result"]["url"].removeprefix("http://testserver")
    assert client.get(urls["han-che"]).status_code == 404
    assert client.get(urls["rieng"]).status_code == 404
    other = token(officer(Role.SPECIALIST, theirs))
    assert client.get(urls["han-che"], HTTP_AUTHORIZATION=other).status_code == 200
    assert client.get(urls["rieng"], HTTP_AUTHORIZATION=other).status_code == 404
    assert AuditEvent.objects.filter(action="opendata.resource.download").count() == 1


def test_a_new_upload_keeps_the_old_file_downloadable_as_a_version(client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    mine, _ = two_agencies()
    user = publisher(mine)
    key = token(user)
    dataset(user, mine, "phien-ban")
    r = client.post("/api/3/action/resource_create",
                    {"package_id": "phien-ban", "upload": SimpleUploadedFile("so-lieu.csv", b"v1\n")},
                    HTTP_AUTHORIZATION=key)
    res = r.json()["result"]
    r = client.post("/api/3/action/resource_update",
                    {"id": res["id"], "name": "Số liệu mới",
                     "upload": SimpleUploadedFile("so-lieu.csv", b"v2 longer\n")},
                    HTTP_AUTHORIZATION=key)
    assert r.status_code == 200, r.content
    url = r.json()["result"]["url"].removeprefix("http://testserver")
    assert b"".join(client.get(url).streaming_content) == b"v2 longer\n"
    assert b"".join(client.get(url + "?version=1").streaming_content) == b"v1\n"
    r = post(client, "resource_patch", {"id": res["id"], "description": "Mô tả"}, key)
    assert r.status_code == 200
    assert r.json()["result"]["size"] == 10 and r.json()["result"]["url_type"] == "upload"
    r = post(client, "resource_delete", {"id": res["id"]}, key)
    assert r.status_code == 200
    assert client.get(f"/api/3/action/resource_show?id={res['id']}").status_code == 404
    shown = client.get("/api/3/action/package_show?id=phien-ban").json()["result"]
    assert shown["num_resources"] == 0
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("params", [
    {"id": "a\x00b"}, {"q": "\x00"}, {"limit": str(10**30)}, {"offset": "99999999999999999999"},
])
def test_hostile_parameters_never_cause_a_server_error(client, params):
    for action in ("package_show", "package_search", "package_list"):
        r = client.get(f"/api/3/action/{action}", params)
        assert r.status_code < 500, (action, params, r.content)
    r = client.post("/api/3/action/package_search", "[" * 100_000 + "]" * 100_000,
                    content_type="application/json")
    assert r.status_code == 400
