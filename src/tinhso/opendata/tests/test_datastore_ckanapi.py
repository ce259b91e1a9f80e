"""datastore_search through the real CKAN client (ckanapi's RemoteCKAN over HTTP): a file
uploaded with ckanapi is loaded (the task runs when the upload commits) and searched, paged
and refused in the shapes ckanapi understands."""

from __future__ import annotations

import ckanapi
import pytest

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.opendata.tests.world import dataset, publisher, token

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = "xa,dan_so\n" + "".join(f"Xã Hòa Bình {i},{i * 10}\n" for i in range(1, 251))


@pytest.fixture
def site(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TINHSO_DATASTORE_DIR = tmp_path / "datastore"
    health = AgencyFactory(name="Sở Y tế")
    author = publisher(health)
    dataset(author, health, "dan-so", title="Dân số")
    dataset(author, health, "rieng", title="Riêng", private=True)
    source = tmp_path / "dan-so.csv"
    source.write_text(ROWS, encoding="utf-8")
    return {"url": live_server.url, "key": token(author), "source": source}


def test_ckanapi_uploads_then_searches_the_table(site):
    owner = ckanapi.RemoteCKAN(site["url"], apikey=site["key"])
    with site["source"].open("rb") as f:
        res = owner.action.resource_create(package_id="dan-so", name="Dân số", upload=f)
    anonymous = ckanapi.RemoteCKAN(site["url"])
    found = anonymous.action.datastore_search(
        resource_id=res["id"], q="hoa binh 12", sort="dan_so desc", limit=2
    )
    assert found["total"] == 13  # a substring: 12, 112, 120..129, 212
    assert [r["dan_so"] for r in found["records"]] == [2120, 1290]
    assert found["fields"][2] == {"id": "dan_so", "type": "int"}
    seen, page = [], anonymous.action.datastore_search(resource_id=res["id"], limit=100)
    while page["records"]:
        seen += [r["_id"] for r in page["records"]]
        after = page["_links"]["next"].split("after=")[1]
        page = anonymous.action.datastore_search(resource_id=res["id"], limit=100, after=int(after))
    assert seen == list(range(1, 251))
    filtered = anonymous.action.datastore_search(
        resource_id=res["id"], filters={"xa": "Xã Hòa Bình 7"}
    )
    assert filtered["records"][0]["dan_so"] == 70
    with ckanapi.RemoteCKAN(site["url"], get_only=True) as getter:
        assert getter.action.datastore_search(resource_id=res["id"], limit=1)["total"] == 250
    assert anonymous.action.datastore_info(id=res["id"])["meta"]["count"] == 250


def test_ckanapi_raises_its_own_exceptions_for_datastore_errors(site):
    owner = ckanapi.RemoteCKAN(site["url"], apikey=site["key"])
    with site["source"].open("rb") as f:
        private = owner.action.resource_create(package_id="rieng", upload=f)
    anonymous = ckanapi.RemoteCKAN(site["url"])
    with pytest.raises(ckanapi.NotFound):
        anonymous.action.datastore_search(resource_id=private["id"])
    assert owner.action.datastore_search(resource_id=private["id"], limit=0)["total"] == 250
    with pytest.raises(ckanapi.ValidationError) as caught:
        owner.action.datastore_search(
            resource_id=private["id"], sort="khong_co", filters={"dan_so": "nhiều"}
        )
    assert {"sort"} <= set(caught.value.error_dict)
    with pytest.raises(ckanapi.ValidationError):
        anonymous.action.datastore_search()
