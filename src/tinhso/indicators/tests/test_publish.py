"""`tinhso indicators publish` puts the public indicators on the open data portal: one
dataset, created once and brought up to date after, through the portal's services (a kept
version and an audit event per change); its links serve public indicators only."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from tinhso.accounts.tests.factories import officer
from tinhso.core.models import AuditEvent
from tinhso.directory.demo import PROVINCE_LETTERS, PROVINCIAL_BODIES
from tinhso.directory.models import AdminUnit, Agency, Role
from tinhso.indicators import registry
from tinhso.indicators.publish import DATASET_NAME, LIVE, indicators_publish
from tinhso.indicators.registry import Indicator, Pillar, Value, all_indicators
from tinhso.opendata.models import Dataset, DatasetVersion, Resource, State
from tinhso.opendata.services import dataset_delete, resource_add

pytestmark = pytest.mark.django_db
SITE = "http://testserver"


@pytest.fixture
def province(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TINHSO_PROVINCE_CODE = "38"
    settings.TINHSO_PUBLIC_URL = SITE
    unit = AdminUnit.objects.create(code="38", name="Thanh Hóa", kind="tỉnh", level=1,
                                    province_code="38")
    for third, name, short, kind in PROVINCIAL_BODIES:
        Agency.objects.create(code=f"000.00.{third}.{PROVINCE_LETTERS['38']}", name=name,
                              short_name=short, kind=kind, unit=unit, province_code="38")
    return unit


@pytest.fixture
def hidden():
    """An indicator that is not public, registered for the test only."""
    indicator = Indicator(code="test.not_public", name_vi="Chỉ số nội bộ", name_en="Internal",
                          pillar=Pillar.GOVERNMENT, unit="count", kind="count", source="test",
                          regulation="", public=False, compute=lambda s, q: Value(7, None, 7))
    registry.register(indicator)
    yield indicator
    registry._REGISTRY.pop(indicator.code, None)


def _live(ds: Dataset) -> list[Resource]:
    return list(ds.resources.filter(state=State.ACTIVE, url_type="").order_by("position"))


def test_publishing_twice_makes_one_dataset_and_changes_nothing_the_second_time(province):
    first = indicators_publish()
    assert first.action == "created"
    ds = first.dataset
    assert (ds.name, ds.state, ds.access_level) == (DATASET_NAME, State.ACTIVE, "open")
    assert ds.owner_org.name == "Sở Khoa học và Công nghệ"
    assert [(r.name, r.format, r.url) for r in _live(ds)] == [
        (name, fmt, f"{SITE}{path}") for name, fmt, path in LIVE]
    versions = DatasetVersion.objects.filter(dataset=ds).count()
    events = AuditEvent.objects.filter(action__startswith="opendata.dataset.").count()
    assert versions == 1 and events == 1
    assert AuditEvent.objects.get(action="opendata.dataset.create").actor.username == \
        "he-thong-chi-so"

    again = indicators_publish()
    assert again.action == "unchanged"
    assert Dataset.objects.filter(name=DATASET_NAME).count() == 1
    assert Resource.objects.filter(dataset=ds, state=State.ACTIVE).count() == len(LIVE)
    assert DatasetVersion.objects.filter(dataset=ds).count() == versions
    assert AuditEvent.objects.filter(action__startswith="opendata.dataset.").count() == events


def test_a_new_site_address_moves_the_links_and_keeps_what_publishers_added(province):
    ds = indicators_publish().dataset
    admin = officer(Role.PROVINCE_ADMIN, None)
    resource_add(actor=admin, data={"package_id": str(ds.pk), "name": "Báo cáo năm",
                                    "format": "PDF", "url": "https://example.gov.vn/bc.pdf"})
    assert indicators_publish().action == "unchanged"

    moved = indicators_publish(site_url="https://dulieu.thanhhoa.gov.vn/")
    assert moved.action == "updated"
    urls = [r.url for r in _live(moved.dataset)]
    assert urls == [f"https://dulieu.thanhhoa.gov.vn{path}" for _n, _f, path in LIVE] + [
        "https://example.gov.vn/bc.pdf"]
    assert moved.dataset.revision == 3  # created, the publisher's file, the move
    assert Resource.objects.filter(dataset=ds, state=State.ACTIVE).count() == len(LIVE) + 1


def test_the_linked_data_holds_public_indicators_only(province, hidden, client):
    ds = indicators_publish().dataset
    public = {i.code for i in all_indicators(public_only=True)}
    for res in _live(ds):
        response = client.get(res.url.removeprefix(SITE))
        assert response.status_code == 200, res.url
        body = response.content.decode("utf-8-sig")
        assert hidden.code not in body
        if res.format == "CSV":
            codes = {row["ma_chi_so"] for row in csv.DictReader(io.StringIO(body))}
            assert codes == public
        else:
            assert "onestop.on_time_rate" in body


def test_the_owner_is_the_agency_named_or_kept(province, settings):
    ds = indicators_publish().dataset
    office = Agency.objects.get(short_name="VP")
    moved = indicators_publish(agency_code=office.code)
    assert (moved.action, moved.dataset.owner_org_id) == ("updated", office.pk)
    assert indicators_publish().owner == office  # kept afterwards
    settings.TINHSO_INDICATORS_PUBLISHER = "000.00.99.H56"
    with pytest.raises(CommandError, match="Không có cơ quan đang hoạt động mã 000.00.99.H56"):
        call_command("indicators", "publish")
    assert Dataset.objects.get(pk=ds.pk).owner_org_id == office.pk


def test_without_a_department_of_science_the_command_asks_for_an_agency(province):
    Agency.objects.filter(name="Sở Khoa học và Công nghệ").update(is_active=False)
    with pytest.raises(CommandError, match="--agency"):
        call_command("indicators", "publish")
    assert not Dataset.objects.filter(name=DATASET_NAME).exists()


def test_another_province_or_a_deleted_dataset_is_refused(province):
    with pytest.raises(CommandError, match="tỉnh khác"):
        call_command("indicators", "publish", "--province", "01")
    ds = indicators_publish().dataset
    dataset_delete(actor=officer(Role.PROVINCE_ADMIN, None), ref=str(ds.pk))
    with pytest.raises(CommandError, match="đã bị xóa"):
        call_command("indicators", "publish")
    assert Dataset.objects.filter(name=DATASET_NAME).count() == 1


def test_the_command_says_what_it_did(province):
    out = io.StringIO()
    call_command("indicators", "publish", stdout=out)
    assert "Đã tạo bộ dữ liệu chi-so-chuyen-doi-so-tinh" in out.getvalue()
    out = io.StringIO()
    call_command("indicators", "publish", stdout=out)
    assert "Không thay đổi" in out.getvalue()


def test_verify_still_needs_a_period():
    with pytest.raises(CommandError, match="--period"):
        call_command("indicators", "verify")
