"""The real CKAN client (ckanapi's RemoteCKAN over HTTP) against a live server: if it reads
our answers, searches, writes and raises its own exceptions for our errors, the shapes are
right."""

from __future__ import annotations

import ckanapi
import pytest

from tinhso.accounts.tests.factories import AgencyFactory, officer
from tinhso.directory.models import Role
from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import Dataset
from tinhso.opendata.tests.world import dataset, publisher, theme, token

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server):
    health, other = AgencyFactory(name="Sở Y tế"), AgencyFactory()
    author = publisher(health)
    theme("y-te", "Y tế")
    dataset(author, health, "ho-so-benh-an", title="Hồ sơ bệnh án điện tử",
            tags=[{"name": "y tế"}], groups=[{"name": "y-te"}],
            resources=[{"url": "https://x.vn/benh-an.csv"}])
    dataset(author, health, "rieng-tu", title="Hồ sơ riêng", private=True)
    key = token(author)
    return {"url": live_server.url, "health": health, "other": other, "key": key}


def test_search_and_show_through_ckanapi(site):
    ckan = ckanapi.RemoteCKAN(site["url"])
    assert ckan.action.status_show()["ckan_version"]
    found = ckan.action.package_search(q="ho so", fq=f"organization:{org_name(site['health'])}",
                                       **{"facet.field": ["tags", "res_format"]})
    assert found["count"] == 1
    assert found["results"][0]["name"] == "ho-so-benh-an"
    assert found["facets"]["res_format"] == {"CSV": 1}
    pkg = ckan.action.package_show(id="ho-so-benh-an")
    assert pkg["resources"][0]["url"] == "https://x.vn/benh-an.csv"
    assert ckan.action.package_list() == ["ho-so-benh-an"]
    assert ckan.action.group_list() == ["y-te"]
    assert org_name(site["health"]) in ckan.action.organization_list()
    with ckanapi.RemoteCKAN(site["url"], get_only=True) as getter:
        assert getter.action.package_search(q="benh an")["count"] == 1


def test_the_owner_sees_the_private_dataset_with_its_key(site):
    anonymous = ckanapi.RemoteCKAN(site["url"])
    with pytest.raises(ckanapi.NotFound):
        anonymous.action.package_show(id="rieng-tu")
    owner = ckanapi.RemoteCKAN(site["url"], apikey=site["key"])
    assert owner.action.package_show(id="rieng-tu")["private"] is True
    assert owner.action.package_search(q="rieng", include_private=True)["count"] == 1


def test_create_patch_update_delete_through_ckanapi(site):
    ckan = ckanapi.RemoteCKAN(site["url"], apikey=site["key"])
    created = ckan.action.package_create(
        name="vien-phi", title="Viện phí theo năm", owner_org=org_name(site["health"]),
        tags=[{"name": "tài chính"}], resources=[{"url": "https://x.vn/vp.json"}])
    assert created["resources"][0]["format"] == "JSON"
    patched = ckan.action.package_patch(id=created["id"], notes="Cập nhật")
    assert patched["notes"] == "Cập nhật" and patched["tags"][0]["name"] == "tài chính"
    res = ckan.action.resource_create(package_id="vien-phi", url="https://x.vn/vp2.csv")
    assert ckan.action.resource_show(id=res["id"])["package_id"] == created["id"]
    current = ckan.action.package_show(id="vien-phi")
    current["title"] = "Viện phí"
    updated = ckan.action.package_update(**current)
    assert updated["title"] == "Viện phí" and updated["num_resources"] == 2
    ckan.action.package_delete(id="vien-phi")
    with pytest.raises(ckanapi.NotFound):
        ckanapi.RemoteCKAN(site["url"]).action.package_show(id="vien-phi")


def test_ckanapi_raises_its_own_exceptions_for_our_errors(site):
    anonymous = ckanapi.RemoteCKAN(site["url"])
    with pytest.raises(ckanapi.NotAuthorized):
        anonymous.action.package_create(name="khong-duoc", owner_org=org_name(site["health"]))
    stranger = ckanapi.RemoteCKAN(site["url"],
                                  apikey=token(officer(Role.SPECIALIST, site["other"])))
    with pytest.raises(ckanapi.NotAuthorized):
        stranger.action.package_patch(id="ho-so-benh-an", title="Đổi tên")
    owner = ckanapi.RemoteCKAN(site["url"], apikey=site["key"])
    with pytest.raises(ckanapi.ValidationError) as caught:
        owner.action.package_create(name="X Y", owner_org=org_name(site["health"]),
                                    maintainer_email="sai")
    assert {"name", "maintainer_email"} <= set(caught.value.error_dict)
    with pytest.raises(ckanapi.SearchQueryError):
        anonymous.action.package_search(sort="drop table")
    with pytest.raises(ckanapi.CKANAPIError):
        anonymous.call_action("no_such_action")
    assert Dataset.objects.count() == 2


def test_ckanapi_uploads_a_file(site, settings, tmp_path):
    import requests

    settings.MEDIA_ROOT = tmp_path
    source = tmp_path / "chi-tieu.csv"
    source.write_bytes(b"nam,gia_tri\n2024,98.26\n")
    ckan = ckanapi.RemoteCKAN(site["url"], apikey=site["key"])
    with source.open("rb") as f:
        res = ckan.action.resource_create(package_id="ho-so-benh-an", name="Chỉ tiêu",
                                          upload=f)
    assert res["url_type"] == "upload" and res["size"] == 23
    assert requests.get(res["url"], timeout=10).content == b"nam,gia_tri\n2024,98.26\n"
