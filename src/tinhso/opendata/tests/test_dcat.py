"""The DCAT-AP feeds: they conform to the official DCAT-AP 3.0.1 shapes, describe only what the
public may see, page as ckanext-dcat does, and cost the same queries however big the catalog."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns

from tinhso.accounts.tests.factories import AgencyFactory, UnitFactory, officer
from tinhso.directory.models import AdminUnit, Role
from tinhso.opendata import dcat
from tinhso.opendata.demo import load_datasets
from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import AccessLevel, Dataset, State
from tinhso.opendata.tests.test_demo import _province
from tinhso.opendata.tests.world import dataset, publisher, theme, token

pytestmark = [
    pytest.mark.django_db,
    # rdflib's own deprecations, raised inside pyshacl and rdflib's JSON-LD parser
    pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated"),
    pytest.mark.filterwarnings("ignore:Dataset.identifier is deprecated"),
]

BASE = "https://dulieu.example.vn"
REPO = Path(__file__).resolve().parents[4]
SHAPES = Path(os.environ.get("TINHSO_STANDARDS_DIR", REPO.parent / "shared" / "standards"),
              "dcat-ap-3.0.1", "dcat-ap-SHACL.ttl")
TYPES = {"ttl": ("text/turtle", "turtle"), "rdf": ("application/rdf+xml", "xml"),
         "jsonld": ("application/ld+json", "json-ld")}
SECRET = "bi-mat-noi-bo"


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.TINHSO_PUBLIC_URL = BASE
    settings.TINHSO_PROVINCE_CODE = "38"


@pytest.fixture
def world(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    UnitFactory(code="38", name="Thanh Hóa", kind="tỉnh", level=AdminUnit.Level.PROVINCE)
    owner, partner = AgencyFactory(), AgencyFactory()
    author = publisher(owner)
    theme("dan-cu", "Dân cư")
    open_ds = dataset(
        author, owner, "dan-so-theo-xa", title="Dân số theo xã, phường", notes="Số dân từng xã",
        tags=[{"name": "dân số"}], groups=[{"name": "dan-cu"}], license_id="cc-by-4.0",
        frequency="annual", temporal_start="2024-01-01", temporal_end="2024-12-31",
        spatial_units=[{"code": "38"}], maintainer="Phòng Thống kê",
        maintainer_email="thongke@example.vn", url="https://thongke.example.vn/dan-so",
        resources=[{"url": "https://example.vn/dan-so.xlsx", "format": "XLSX"}])
    upload = SimpleUploadedFile("dan-so.csv", b"xa,dan_so\nHac Thanh,1000\n",
                                content_type="text/csv")
    r = client.post("/api/3/action/resource_create",
                    {"package_id": open_ds.name, "name": "Bảng dân số", "upload": upload},
                    HTTP_AUTHORIZATION=token(author))
    assert r.status_code == 200, r.content
    restricted = dataset(author, owner, "chi-cho-co-quan", title="Số liệu cho cơ quan",
                         access_level="agencies", license_id="cc-by-4.0",
                         resources=[{"url": "https://noi-bo.vn/co-quan.csv"}])
    private = dataset(author, owner, SECRET, title="Danh sách hộ nghèo chi tiết", private=True,
                      shared_with=[org_name(partner)],
                      resources=[{"url": "https://noi-bo.vn/ho-ngheo.csv"}])
    draft = dataset(author, owner, "ban-nhap", title="Bản nháp", state="draft")
    return {"open": open_ds, "restricted": restricted, "private": private, "draft": draft,
            "author": author, "upload": r.json()["result"]}


def _graph(client, path: str, ext: str = "ttl", **params: str) -> Graph:
    r = client.get(path, params)
    assert r.status_code == 200, r.content
    content_type, fmt = TYPES[ext]
    assert r["Content-Type"].split(";")[0] == content_type
    return Graph().parse(data=r.content, format=fmt)


def _validate(graph: Graph) -> tuple[bool, str]:
    if not SHAPES.exists():
        why = f"the DCAT-AP shapes are not at {SHAPES} (set TINHSO_STANDARDS_DIR)"
        if os.environ.get("CI"):  # CI lays shared/ beside the clone: conformance is never skipped
            pytest.fail(why)
        pytest.skip(why)
    ok, _, report = validate(graph, shacl_graph=str(SHAPES), inference="rdfs")
    return ok, report


def _conforms(graph: Graph) -> None:
    ok, report = _validate(graph)
    assert ok, report


def test_the_catalog_conforms_to_dcat_ap_3(client, world):
    g = _graph(client, "/catalog.ttl")
    _conforms(g)
    catalog = URIRef(f"{BASE}/catalog")
    assert (catalog, ns.RDF.type, ns.DCAT.Catalog) in g
    publisher = g.value(catalog, ns.DCTERMS.publisher)
    assert "Thanh Hóa" in str(g.value(publisher, URIRef("http://xmlns.com/foaf/0.1/name")))
    assert set(g.objects(catalog, ns.DCAT.dataset)) == {
        URIRef(f"{BASE}/dataset/{world['open'].id}"),
        URIRef(f"{BASE}/dataset/{world['restricted'].id}")}
    g.remove((catalog, ns.DCTERMS.title, None))
    ok, report = _validate(g)  # the shapes do check: a catalog needs a title
    assert not ok and "Catalog" in report


def test_a_dataset_conforms_and_carries_its_description(client, world):
    ds = world["open"]
    g = _graph(client, f"/dataset/{ds.name}.ttl")
    _conforms(g)
    node = URIRef(f"{BASE}/dataset/{ds.id}")
    assert g.value(node, ns.DCTERMS.title) == Literal("Dân số theo xã, phường", lang="vi")
    assert Literal("dân số", lang="vi") in set(g.objects(node, ns.DCAT.keyword))
    assert g.value(node, ns.DCTERMS.accrualPeriodicity) == URIRef(
        "http://publications.europa.eu/resource/authority/frequency/ANNUAL")
    assert g.value(node, ns.DCTERMS.spatial) == URIRef(f"{BASE}/admin-unit/38")
    assert g.value(node, ns.DCAT.landingPage) == URIRef("https://thongke.example.vn/dan-so")
    period = g.value(node, ns.DCTERMS.temporal)
    assert str(g.value(period, ns.DCAT.startDate)) == "2024-01-01"
    media = {g.value(d, ns.DCAT.mediaType) for d in g.objects(node, ns.DCAT.distribution)}
    assert URIRef("https://www.iana.org/assignments/media-types/text/csv") in media
    upload = URIRef(f"{BASE}/dataset/{ds.id}/resource/{world['upload']['id']}")
    assert str(g.value(upload, ns.DCAT.downloadURL)).endswith("/download/dan-so.csv")
    assert int(g.value(upload, ns.DCAT.byteSize)) == 25
    checksum = g.value(upload, URIRef("http://spdx.org/rdf/terms#checksum"))
    value = g.value(checksum, URIRef("http://spdx.org/rdf/terms#checksumValue"))
    assert "sha256:" + str(value) == world["upload"]["hash"]


def test_data_for_agencies_is_described_without_a_download_url(client, world):
    g = _graph(client, "/dataset/chi-cho-co-quan.ttl")
    _conforms(g)
    dists = list(g.objects(URIRef(f"{BASE}/dataset/{world['restricted'].id}"),
                           ns.DCAT.distribution))
    assert len(dists) == 1
    assert g.value(dists[0], ns.DCAT.downloadURL) is None
    assert "resource_show" in str(g.value(dists[0], ns.DCAT.accessURL))
    assert "noi-bo.vn" not in g.serialize(format="turtle")


@pytest.mark.parametrize("ext", ["ttl", "rdf", "jsonld"])
def test_private_and_draft_datasets_appear_in_no_feed(client, world, ext):
    key = token(world["author"])  # even their own publisher's token changes nothing
    text = client.get(f"/catalog.{ext}", HTTP_AUTHORIZATION=key).content.decode()
    assert SECRET not in text and "hộ nghèo" not in text and "ban-nhap" not in text
    assert str(world["private"].id) not in text and "ho-ngheo" not in text
    for name in (SECRET, "ban-nhap", "khong-co"):
        assert client.get(f"/dataset/{name}.{ext}", HTTP_AUTHORIZATION=key).status_code == 404
    client.force_login(world["author"])
    assert client.get(f"/dataset/{SECRET}.{ext}").status_code == 404


@pytest.mark.parametrize("ext", ["ttl", "rdf", "jsonld"])
def test_every_serialization_has_its_content_type_and_parses_back(client, world, ext):
    g = _graph(client, f"/catalog.{ext}", ext)
    assert len(list(g.subjects(ns.RDF.type, ns.DCAT.Dataset))) == 2
    g = _graph(client, f"/dataset/dan-so-theo-xa.{ext}", ext)
    assert len(list(g.subjects(ns.RDF.type, ns.DCAT.Distribution))) == 2


def _fill(n: int, start: int = 0) -> None:
    agency = AgencyFactory()
    author = publisher(agency)
    if not start:
        theme("kinh-te", "Kinh tế")
    for i in range(start, start + n):
        dataset(author, agency, f"so-lieu-{i:04d}", title=f"Số liệu {i}", license_id="cc-by-4.0",
                tags=[{"name": f"thẻ {i % 7}"}], groups=[{"name": "kinh-te"}],
                resources=[{"url": f"https://x.vn/{i}.csv"}, {"url": f"https://x.vn/{i}.pdf"}])


def test_the_catalog_pages_by_a_hundred_with_hydra_links(client):
    _fill(dcat.PAGE_SIZE + 5)
    hydra = dcat.HYDRA
    first = _graph(client, "/catalog.ttl")
    page1 = URIRef(f"{BASE}/catalog.ttl?page=1")
    assert int(first.value(page1, hydra.totalItems)) == dcat.PAGE_SIZE + 5
    assert str(first.value(page1, hydra.nextPage)) == f"{BASE}/catalog.ttl?page=2"
    assert str(first.value(page1, hydra.lastPage)) == f"{BASE}/catalog.ttl?page=2"
    assert len(list(first.subjects(ns.RDF.type, ns.DCAT.Dataset))) == dcat.PAGE_SIZE
    second = _graph(client, "/catalog.ttl", page="2")
    page2 = URIRef(f"{BASE}/catalog.ttl?page=2")
    assert second.value(page2, hydra.nextPage) is None
    assert str(second.value(page2, hydra.previousPage)) == f"{BASE}/catalog.ttl?page=1"
    on_first = set(first.subjects(ns.RDF.type, ns.DCAT.Dataset))
    on_second = set(second.subjects(ns.RDF.type, ns.DCAT.Dataset))
    assert len(on_second) == 5 and not on_first & on_second
    for bad in ("3", "0", "x"):
        assert client.get("/catalog.ttl", {"page": bad}).status_code == 404


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_a_catalog_page_costs_the_same_queries_for_ten_or_a_hundred_datasets(client):
    _fill(10)
    small = _queries(client, "/catalog.ttl")
    one = _queries(client, "/dataset/so-lieu-0001.ttl")
    _fill(90, start=10)
    assert _queries(client, "/catalog.ttl") == small == 7  # totals, province, page, 4 relations
    assert _queries(client, "/dataset/so-lieu-0001.ttl") == one


def test_the_demo_catalog_conforms_and_hides_its_private_dataset(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the demo's snapshots are uploads
    settings.TINHSO_DATASTORE_DIR = tmp_path / "datastore"
    _province()
    load_datasets(actor=officer(Role.PROVINCE_ADMIN, None))
    g = _graph(client, "/catalog.rdf", "rdf")
    _conforms(g)
    hidden = Dataset.objects.exclude(state=State.ACTIVE, access_level__in=[
        AccessLevel.OPEN, AccessLevel.AGENCIES])
    shown = set(g.subjects(ns.RDF.type, ns.DCAT.Dataset))
    assert hidden.exists() and len(shown) == Dataset.objects.count() - hidden.count()
    assert not {URIRef(f"{BASE}/dataset/{pk}") for pk in hidden.values_list("pk", flat=True)
                } & shown
