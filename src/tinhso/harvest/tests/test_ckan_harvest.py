"""Harvesting a CKAN portal (our own, served live) through its Action API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tinhso.harvest.models import HarvestedObject, Job, JobStatus
from tinhso.harvest.services import job_start, source_harvest
from tinhso.harvest.tests.world import three_datasets
from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import AccessLevel, Dataset, State
from tinhso.opendata.services import dataset_delete, dataset_patch

pytestmark = pytest.mark.django_db(transaction=True)


def _copy(source, remote) -> Dataset:
    return HarvestedObject.objects.get(source=source, remote_id=str(remote.pk)).dataset


def test_a_run_publishes_the_public_datasets_under_the_local_agency(world):
    up = three_datasets(world)
    source = world.ckan_source()
    job = source_harvest(source=source, rows=2)  # two a page: the pages follow the dates
    assert (job.status, job.created, job.errors) == (JobStatus.DONE, 3, 0)
    copy = _copy(source, up["benh-vien"])
    assert copy.owner_org == world.local and copy.state == State.ACTIVE
    assert copy.name == "benh-vien-thuong-nguon"  # the remote name is taken here
    assert copy.title == "Danh sách bệnh viện" and copy.license_id == "cc-by-4.0"
    assert [t.name for t in copy.tags.all()] == ["y tế"]
    assert [g.name for g in copy.groups.all()] == ["y-te"]
    assert [(r.url, r.name) for r in copy.resources.all()] == [
        ("https://x.vn/benh-vien.csv", "Bảng bệnh viện")
    ]
    restricted = _copy(source, up["vac-xin"])
    assert restricted.access_level == AccessLevel.AGENCIES
    assert restricted.resources.get().url.startswith(f"{world.url}/api/3/action/resource_show")
    # The private dataset is never pulled.
    assert not HarvestedObject.objects.filter(remote_id=str(up["rieng"].pk)).exists()
    assert not Dataset.objects.filter(owner_org=world.local, title="Hồ sơ nội bộ").exists()
    source.refresh_from_db()
    assert source.watermark == max(d.metadata_modified for k, d in up.items() if k != "rieng")


def test_a_second_run_reads_only_what_changed_and_updates_propagate(world):
    up = three_datasets(world)
    source = world.ckan_source()
    source_harvest(source=source)
    again = source_harvest(source=source)
    # Only the newest dataset (at the watermark itself) is read again, and nothing written.
    assert (again.fetched, again.created, again.updated, again.unchanged) == (1, 0, 0, 1)
    before = _copy(source, up["benh-vien"])
    first_resource = before.resources.get()
    dataset_patch(
        actor=world.author,
        data={
            "id": str(up["benh-vien"].pk),
            "title": "Danh sách bệnh viện công lập",
            "resources": [
                {
                    "id": str(up["benh-vien"].resources.get().pk),
                    "url": "https://x.vn/benh-vien.csv",
                    "name": "Bảng bệnh viện",
                },
                {"url": "https://x.vn/giuong-benh.csv", "name": "Giường bệnh"},
            ],
        },
    )
    third = source_harvest(source=source)
    assert (third.created, third.updated, third.deleted) == (0, 1, 0)
    assert third.fetched == 2  # the changed one and the one at the old watermark
    after = _copy(source, up["benh-vien"])
    assert after.title == "Danh sách bệnh viện công lập"
    names = list(
        after.resources.filter(state=State.ACTIVE)
        .order_by("position")
        .values_list("name", flat=True)
    )
    assert names == ["Bảng bệnh viện", "Giường bệnh"]
    # The resource that did not change is the same resource here, without a new version.
    first_resource.refresh_from_db()
    assert first_resource.state == State.ACTIVE and first_resource.revision == 1


def test_deleted_or_private_upstream_is_deleted_here(world):
    up = three_datasets(world)
    source = world.ckan_source()
    source_harvest(source=source)
    dataset_delete(actor=world.author, ref=str(up["tram-y-te"].pk))
    dataset_patch(actor=world.author, data={"id": str(up["vac-xin"].pk), "private": True})
    job = source_harvest(source=source)
    assert (job.deleted, job.created, job.updated) == (2, 0, 0)
    assert _copy(source, up["tram-y-te"]).state == State.DELETED
    assert _copy(source, up["vac-xin"]).state == State.DELETED
    assert _copy(source, up["benh-vien"]).state == State.ACTIVE
    # Published again upstream: it comes back here, the same dataset.
    dataset_patch(actor=world.author, data={"id": str(up["vac-xin"].pk), "private": False})
    back = source_harvest(source=source)
    assert back.updated == 1
    assert _copy(source, up["vac-xin"]).state == State.ACTIVE


def test_a_malformed_remote_dataset_is_an_error_and_the_run_goes_on(world):
    up = three_datasets(world)
    # Written around the services, as another portal might hold it.
    Dataset.objects.filter(pk=up["tram-y-te"].pk).update(maintainer_email="khong-phai-thu")
    source = world.ckan_source()
    job = source_harvest(source=source)
    assert (job.status, job.created, job.errors) == (JobStatus.PARTIAL, 2, 1)
    error = job.error_list[0]
    assert error["remote_id"] == str(up["tram-y-te"].pk) and error["name"] == "tram-y-te"
    assert [f["field"] for f in error["fields"]] == ["maintainer_email"]
    assert not HarvestedObject.objects.filter(remote_id=str(up["tram-y-te"].pk)).exists()
    assert Dataset.objects.filter(owner_org=world.local).count() == 2


def test_an_unreachable_catalog_fails_the_job_and_keeps_the_watermark(world):
    three_datasets(world)
    source = world.ckan_source()
    source_harvest(source=source)
    source.refresh_from_db()
    mark = source.watermark
    source.url = "http://127.0.0.1:9/khong-co"
    source.save()
    job = source_harvest(source=source)
    assert job.status == JobStatus.FAILED and job.message
    source.refresh_from_db()
    assert source.watermark == mark
    assert Dataset.objects.filter(owner_org=world.local, state=State.ACTIVE).count() == 3


def test_one_run_of_a_source_at_a_time(world):
    three_datasets(world)
    source = world.ckan_source()
    running = job_start(source=source)
    assert running is not None
    assert source_harvest(source=source) is None
    assert Job.objects.filter(source=source).count() == 1
    # A run that stopped answering long ago is abandoned, and a new one starts.
    Job.objects.filter(pk=running.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=2))
    job = source_harvest(source=source)
    assert job is not None and job.created == 3
    running.refresh_from_db()
    assert running.status == JobStatus.FAILED


def test_two_processes_starting_one_source_at_once_start_one_job(world):
    import threading

    from django.db import OperationalError, connection

    source = world.ckan_source()
    barrier = threading.Barrier(2)
    started: list[object] = []

    def start() -> None:
        barrier.wait()
        try:
            started.append(job_start(source=source))
        except OperationalError:  # SQLite: the other writer holds the file
            started.append(None)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([j for j in started if j is not None]) == 1
    assert Job.objects.filter(source=source, status=JobStatus.RUNNING).count() == 1


def test_the_local_agency_is_the_only_one_written(world):
    """The run's rights are the source agency's: a name already taken by another agency's
    dataset is left alone."""
    three_datasets(world)
    source = world.ckan_source()
    source_harvest(source=source)
    upstream_names = set(
        Dataset.objects.filter(owner_org=world.upstream).values_list("name", flat=True)
    )
    assert upstream_names == {"benh-vien", "tram-y-te", "vac-xin", "ho-so-rieng"}
    assert set(Dataset.objects.filter(owner_org=world.local).values_list("name", flat=True)) == {
        f"{n}-thuong-nguon" for n in ("benh-vien", "tram-y-te", "vac-xin")
    }
    assert org_name(world.local) != org_name(world.upstream)


def test_a_run_writes_only_in_the_source_agency(world):
    """The run holds the publisher's rights of the source's agency alone: copies it made for
    an agency it no longer serves are refused, and the system account stays unable to log
    in."""
    from tinhso.accounts.models import User
    from tinhso.accounts.tests.factories import AgencyFactory
    from tinhso.harvest.services import USERNAME

    up = three_datasets(world)
    source = world.ckan_source()
    source_harvest(source=source)
    source.agency = AgencyFactory(name="Sở Khác")
    source.save()
    dataset_patch(actor=world.author, data={"id": str(up["benh-vien"].pk), "title": "Đổi"})
    job = source_harvest(source=source)
    assert (job.status, job.updated, job.errors) == (JobStatus.PARTIAL, 0, 1)
    assert _copy(source, up["benh-vien"]).title == "Danh sách bệnh viện"
    assert User.objects.get(username=USERNAME).is_active is False
