"""`tinhso demo` publishes the public indicators' open dataset as `tinhso indicators publish`
does (`web.demo.open_data_load`, the demo's open data step): one dataset, with the links the
command makes and its owner and account, left unchanged by a second run, and the demo's CSV
snapshot put before its links; the departments' demo datasets no longer hold a second copy of
it. A province other than the installation's, or a dataset deleted on the portal, leaves the
demo going with a reason instead of an error."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tinhso.accounts.tests.factories import officer
from tinhso.core.models import AuditEvent
from tinhso.directory.demo import PROVINCE_LETTERS, PROVINCIAL_BODIES
from tinhso.directory.models import AdminUnit, Agency, Role
from tinhso.indicators.publish import DATASET_NAME, LIVE, SYSTEM_USERNAME
from tinhso.opendata.demo import SPECS, load_snapshots
from tinhso.opendata.models import Dataset, DatasetVersion, DatastoreStatus, Resource, State
from tinhso.opendata.services import dataset_delete
from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)
from tinhso.web.demo import open_data_load

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_usage")]
SITE = "http://testserver"


@pytest.fixture
def admin(settings, tmp_path):
    """The demo province's unit and provincial bodies (the Department of Science and
    Technology among them), and its administrator, who runs the demo."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TINHSO_DATASTORE_DIR = tmp_path / "datastore"
    settings.TINHSO_PROVINCE_CODE = "38"
    settings.TINHSO_PUBLIC_URL = SITE
    unit = AdminUnit.objects.create(code="38", name="Thanh Hóa", kind="tỉnh", level=1,
                                    province_code="38")
    for third, name, short, kind in PROVINCIAL_BODIES:
        Agency.objects.create(code=f"000.00.{third}.{PROVINCE_LETTERS['38']}", name=name,
                              short_name=short, kind=kind, unit=unit, province_code="38")
    return officer(Role.PROVINCE_ADMIN, None)


def _resources(ds: Dataset) -> list[Resource]:
    return list(ds.resources.filter(state=State.ACTIVE).order_by("position", "created"))


def _links(ds: Dataset) -> list[tuple[str, str, str]]:
    return [(r.name, r.format, r.url) for r in _resources(ds) if r.url_type == ""]


def test_the_demo_publishes_the_indicators_dataset_as_the_command_does(admin):
    loaded = open_data_load(actor=admin, province_code="38")
    assert loaded.problem == "" and loaded.indicators is not None
    assert loaded.indicators.action == "created"
    assert loaded.created == len(SPECS)  # the departments' datasets, the indicators' not among
    assert DATASET_NAME not in {spec[1] for spec in SPECS}

    ds = Dataset.objects.get(name=DATASET_NAME)
    assert (ds.state, ds.access_level, ds.owner_org.name) == (
        State.ACTIVE, "open", "Sở Khoa học và Công nghệ")
    assert _links(ds) == [(name, fmt, f"{SITE}{path}") for name, fmt, path in LIVE]
    assert "công thức" in ds.notes  # the publisher's description, not the old demo's
    created = AuditEvent.objects.get(action="opendata.dataset.create", object_id=str(ds.pk))
    assert created.actor.username == SYSTEM_USERNAME  # as `tinhso indicators publish` writes

    # The very dataset the command keeps: running the command finds it in place.
    out = io.StringIO()
    call_command("indicators", "publish", stdout=out)
    assert "Không thay đổi bộ dữ liệu chi-so-chuyen-doi-so-tinh" in out.getvalue()


def test_a_second_demo_run_leaves_the_dataset_as_it_is(admin):
    first = open_data_load(actor=admin, province_code="38")
    assert first.indicators is not None
    ds = first.indicators.dataset
    versions = DatasetVersion.objects.filter(dataset=ds).count()
    events = AuditEvent.objects.filter(action__startswith="opendata.").count()

    again = open_data_load(actor=admin, province_code="38")
    assert again.created == 0 and again.problem == ""
    assert again.indicators is not None
    assert (again.indicators.action, again.indicators.dataset.pk) == ("unchanged", ds.pk)
    assert Dataset.objects.filter(name=DATASET_NAME).count() == 1
    assert DatasetVersion.objects.filter(dataset=ds).count() == versions
    assert AuditEvent.objects.filter(action__startswith="opendata.").count() == events


def test_the_snapshot_goes_before_the_published_links_and_stays(admin, client):
    """The command's end: the indicators' CSV snapshot is uploaded to the published dataset,
    first, and loaded into the datastore; the next run publishes nothing new and keeps it."""
    open_data_load(actor=admin, province_code="38")
    load_snapshots(actor=admin)
    ds = Dataset.objects.get(name=DATASET_NAME)
    resources = _resources(ds)
    assert [r.url_type for r in resources] == ["upload", "", "", ""]
    snapshot = resources[0]
    assert (snapshot.url, snapshot.format) == ("chi-so-chuyen-doi-so.csv", "CSV")
    assert snapshot.datastore.status == DatastoreStatus.DONE, snapshot.datastore.message
    assert _links(ds) == [(name, fmt, f"{SITE}{path}") for name, fmt, path in LIVE]
    revision = Dataset.objects.get(pk=ds.pk).revision

    again = open_data_load(actor=admin, province_code="38")
    assert again.indicators is not None and again.indicators.action == "unchanged"
    assert [r.pk for r in _resources(ds)] == [r.pk for r in resources]
    assert Dataset.objects.get(pk=ds.pk).revision == revision
    shown = client.get("/api/3/action/package_show", {"id": DATASET_NAME}).json()["result"]
    assert [r["url_type"] for r in shown["resources"]] == ["upload", None, None, None]


def test_another_province_or_a_deleted_dataset_leaves_the_demo_going(admin, settings):
    settings.TINHSO_PROVINCE_CODE = "01"  # the live exports are another province's
    other = open_data_load(actor=admin, province_code="38")
    assert other.indicators is None and "tỉnh khác" in other.problem
    assert other.created == len(SPECS)
    assert not Dataset.objects.filter(name=DATASET_NAME).exists()
    settings.TINHSO_PROVINCE_CODE = "38"

    ds = open_data_load(actor=admin, province_code="38").indicators.dataset
    dataset_delete(actor=admin, ref=str(ds.pk))
    after = open_data_load(actor=admin, province_code="38")
    assert after.indicators is None and "đã bị xóa" in after.problem
    assert Dataset.objects.get(name=DATASET_NAME).state == State.DELETED  # not brought back
