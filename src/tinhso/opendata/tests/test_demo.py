"""The demo datasets load through the services, once, and show the access rules; those made
from the platform's own data carry a CSV snapshot loaded into the datastore, then the live
exports; no dataset links to a host that does not exist."""

from __future__ import annotations

import pytest

from tinhso.accounts.tests.factories import officer
from tinhso.directory.demo import PROVINCE_LETTERS, PROVINCIAL_BODIES
from tinhso.directory.models import AdminUnit, Agency, Role
from tinhso.opendata.demo import SNAPSHOTS, SPECS, load_datasets, load_snapshots
from tinhso.opendata.models import AccessLevel, Dataset, DatastoreStatus, Resource, State
from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_usage")]


def _province() -> None:
    unit = AdminUnit.objects.create(code="38", name="Thanh Hóa", kind="tỉnh", level=1,
                                    province_code="38")
    for third, name, short, kind in PROVINCIAL_BODIES:
        Agency.objects.create(code=f"000.00.{third}.{PROVINCE_LETTERS['38']}", name=name,
                              short_name=short, kind=kind, unit=unit, province_code="38")


def test_demo_datasets_load_once_with_every_access_level(client):
    _province()
    admin = officer(Role.PROVINCE_ADMIN, None)
    assert load_datasets(actor=admin) == len(SPECS) >= 30
    assert load_datasets(actor=admin) == 0
    levels = set(Dataset.objects.values_list("access_level", flat=True))
    assert levels == {AccessLevel.OPEN, AccessLevel.AGENCIES, AccessLevel.NAMED}
    assert Dataset.objects.filter(state=State.DRAFT).count() == 1
    found = client.get("/api/3/action/package_search", {"q": "ho so"}).json()["result"]
    assert found["count"] >= 1
    public = client.get("/api/3/action/package_list").json()["result"]
    assert "ha-tang-so" not in public and "quy-hoach-khu-kinh-te" not in public
    shown = client.get("/api/3/action/package_show?id=don-vi-hanh-chinh-tinh-thanh-hoa").json()
    assert shown["result"]["spatial_units"] == [{"code": "38", "name": "Thanh Hóa"}]


def test_datasets_made_from_the_platforms_own_data_link_to_live_exports(client):
    _province()
    load_datasets(actor=officer(Role.PROVINCE_ADMIN, None), site_url="http://testserver")
    for name in ("ho-so-theo-thang-va-co-quan", "danh-muc-thu-tuc-hanh-chinh",
                 "don-vi-hanh-chinh-tinh-thanh-hoa"):
        shown = client.get("/api/3/action/package_show", {"id": name}).json()["result"]
        kinds = [res["url_type"] for res in shown["resources"]]
        assert kinds[0] == "upload" and kinds[-1] is None  # the snapshot first, links after
        live = [res for res in shown["resources"] if res["url_type"] is None]
        for res in shown["resources"]:
            if res["url_type"] == "upload":
                assert res["format"] == "CSV"
                assert res["url"].startswith("http://testserver/dataset/")
        assert live
        for res in live:
            assert res["url"].startswith("http://testserver/api/v1/")
            r = client.get(res["url"].removeprefix("http://testserver"))
            assert r.status_code == 200, res["url"]
            kind = "text/csv" if res["format"] == "CSV" else "application/json"
            assert r["Content-Type"].startswith(kind)


def test_no_dataset_links_to_a_host_that_does_not_exist():
    _province()
    load_datasets(actor=officer(Role.PROVINCE_ADMIN, None), site_url="http://testserver",
                  snapshots=False)
    urls = list(Resource.objects.values_list("url", flat=True))
    assert urls and all(u.startswith("http://testserver/api/v1/") for u in urls)


def test_snapshots_are_loaded_into_the_datastore_and_previewed_once(client, settings):
    _province()
    AdminUnit.objects.create(code="16279", name="Phường Hạc Thành", kind="phường", level=3,
                             province_code="38", parent=AdminUnit.objects.get(code="38"))
    admin = officer(Role.PROVINCE_ADMIN, None)
    load_datasets(actor=admin, snapshots=False)
    assert not Resource.objects.filter(url_type="upload").exists()
    # The indicators' dataset is `indicators.publish`'s (the demo command publishes it, see
    # web/tests/test_demo_publish.py); not published here, its snapshot waits.
    present = [s for s in SNAPSHOTS if s.dataset != "chi-so-chuyen-doi-so-tinh"]
    assert not Dataset.objects.filter(name="chi-so-chuyen-doi-so-tinh").exists()
    assert load_snapshots(actor=admin) == len(present) == len(SNAPSHOTS) - 1
    for snap in present:
        got = Resource.objects.get(dataset__name=snap.dataset, state=State.ACTIVE,
                                   url=snap.file_name)
        assert got.url_type == "upload"
        assert got.datastore.status == DatastoreStatus.DONE, got.datastore.message
        ordered = Resource.objects.filter(dataset__name=snap.dataset, state=State.ACTIVE
                                          ).order_by("position")
        links = [r.url_type == "" for r in ordered]
        assert links == sorted(links)  # every snapshot before every live link
    units = Resource.objects.get(url="don-vi-hanh-chinh.csv")
    assert units.datastore.row_count == 2
    html = client.get(f"/du-lieu/bo-du-lieu/don-vi-hanh-chinh-tinh-thanh-hoa/tai-nguyen/"
                      f"{units.pk}/").content.decode()
    assert 'class="od-preview"' in html and "Phường Hạc Thành" in html
    revisions = dict(Resource.objects.filter(url_type="upload").values_list("pk", "revision"))
    assert load_snapshots(actor=admin) == 0  # the same data: nothing new
    AdminUnit.objects.create(code="16280", name="Phường Đông Sơn", kind="phường", level=3,
                             province_code="38", parent=AdminUnit.objects.get(code="38"))
    assert load_snapshots(actor=admin) == 1  # the units changed: a new version of that file
    units.refresh_from_db()
    assert units.revision == revisions[units.pk] + 1 and units.datastore.row_count == 3
    # The daily job takes them again by itself, as the datasets' creator.
    from tinhso.opendata.tasks import snapshots_refresh

    AdminUnit.objects.create(code="16281", name="Xã Quảng Phú", kind="xã", level=3,
                             province_code="38", parent=AdminUnit.objects.get(code="38"))
    settings.TINHSO_OPENDATA_SNAPSHOTS = False  # a real portal: never written by this job
    assert snapshots_refresh() == 0
    settings.TINHSO_OPENDATA_SNAPSHOTS = True  # the demo
    assert snapshots_refresh() == 1
    units.refresh_from_db()
    assert units.datastore.row_count == 4
