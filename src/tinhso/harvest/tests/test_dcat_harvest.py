"""Harvesting a DCAT-AP catalog: our own `/catalog.ttl`, served live, two datasets a page so
the run follows hydra paging. The catalog is narrowed to the upstream agency, as another
installation's would be (here the copies the run makes would otherwise be listed too)."""

from __future__ import annotations

import pytest

from tinhso.harvest.dcat import rdf_format
from tinhso.harvest.models import HarvestedObject, JobStatus
from tinhso.harvest.services import source_harvest
from tinhso.harvest.tests.world import three_datasets
from tinhso.opendata import dcat as feeds
from tinhso.opendata.models import AccessLevel, Dataset, State
from tinhso.opendata.services import dataset_delete, dataset_patch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalog(world, monkeypatch):
    upstream = world.upstream
    narrowed = feeds.public_datasets

    monkeypatch.setattr(feeds, "PAGE_SIZE", 2)
    monkeypatch.setattr(feeds, "public_datasets", lambda: narrowed().filter(owner_org=upstream))
    return world


def _copy(source, remote) -> Dataset:
    return HarvestedObject.objects.get(source=source, remote_id=str(remote.pk)).dataset


def test_a_dcat_catalog_is_harvested_page_by_page(catalog):
    up = three_datasets(catalog)
    source = catalog.dcat_source()
    job = source_harvest(source=source)
    assert (job.status, job.fetched, job.created, job.errors) == (JobStatus.DONE, 3, 3, 0)
    copy = _copy(source, up["benh-vien"])
    assert copy.owner_org == catalog.local and copy.title == "Danh sách bệnh viện"
    assert copy.notes == "Các bệnh viện trong tỉnh."
    assert copy.license_id == "cc-by-4.0" and copy.frequency == "monthly"
    assert [t.name for t in copy.tags.all()] == ["y tế"]
    assert [g.name for g in copy.groups.all()] == ["y-te"]
    res = copy.resources.get()
    assert (res.url, res.name, res.format) == (
        "https://x.vn/benh-vien.csv",
        "Bảng bệnh viện",
        "CSV",
    )
    assert _copy(source, up["vac-xin"]).access_level == AccessLevel.AGENCIES
    assert not HarvestedObject.objects.filter(remote_id=str(up["rieng"].pk)).exists()


def test_a_dcat_rerun_writes_only_changes_and_detects_deletions(catalog):
    up = three_datasets(catalog)
    source = catalog.dcat_source()
    source_harvest(source=source)
    again = source_harvest(source=source)
    assert (again.created, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 3)
    dataset_patch(
        actor=catalog.author, data={"id": str(up["tram-y-te"].pk), "title": "Trạm y tế xã, phường"}
    )
    dataset_delete(actor=catalog.author, ref=str(up["benh-vien"].pk))
    job = source_harvest(source=source)
    assert (job.created, job.updated, job.deleted) == (0, 1, 1)
    assert _copy(source, up["tram-y-te"]).title == "Trạm y tế xã, phường"
    assert _copy(source, up["benh-vien"]).state == State.DELETED


def test_a_catalog_that_is_not_rdf_fails_the_job_and_deletes_nothing(catalog):
    three_datasets(catalog)
    source = catalog.dcat_source()
    source_harvest(source=source)
    source.url = f"{catalog.url}/healthz"
    source.save()
    job = source_harvest(source=source)
    assert job.status == JobStatus.FAILED and job.deleted == 0
    assert Dataset.objects.filter(owner_org=catalog.local, state=State.ACTIVE).count() == 3


@pytest.mark.parametrize(
    ("content_type", "url", "fmt"),
    [
        ("text/turtle; charset=utf-8", "x", "turtle"),
        ("application/rdf+xml", "x", "xml"),
        ("application/ld+json", "x", "json-ld"),
        ("", "https://a.vn/catalog.jsonld?page=2", "json-ld"),
        ("application/octet-stream", "https://a.vn/catalog.rdf", "xml"),
    ],
)
def test_the_rdf_syntax_follows_the_content_type_then_the_extension(content_type, url, fmt):
    assert rdf_format(content_type, url) == fmt


def test_json_ld_with_a_context_elsewhere_is_refused_before_anything_is_fetched(catalog):
    """rdflib would fetch a remote @context itself, with no timeout, from any address."""
    from tinhso.harvest.dcat import _remote_context

    assert _remote_context(b'{"@context": "http://10.0.0.1/ctx.jsonld", "@id": "x"}')
    assert _remote_context(b'[{"@graph": [{"@context": ["https://a.vn/c", {"x": "y"}]}]}]')
    assert not _remote_context(b'{"@context": {"dcat": "http://www.w3.org/ns/dcat#"}}')
    three_datasets(catalog)
    source = catalog.dcat_source()
    source.url = f"{catalog.url}/catalog.jsonld"
    source.save()
    job = source_harvest(source=source)  # our own JSON-LD carries its context inline
    assert (job.status, job.created) == (JobStatus.DONE, 3)


def test_an_rdf_xml_catalog_is_harvested_alike(catalog):
    three_datasets(catalog)
    source = catalog.dcat_source()
    source.url = f"{catalog.url}/catalog.rdf"
    source.save()
    job = source_harvest(source=source)
    assert (job.status, job.created, job.errors) == (JobStatus.DONE, 3, 0)
