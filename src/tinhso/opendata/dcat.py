"""The public catalog as DCAT-AP 3.0.1 RDF, for harvesters (data.europa.eu-style portals,
CKAN's ckanext-dcat, udata) and DCAT-AP validators.

Only what an anonymous visitor may see is described: private datasets and resources (access
level "named") and drafts never appear. A dataset or resource "for agencies" appears with its
metadata, but its distribution then carries no `dcat:downloadURL`; its `dcat:accessURL` is
the CKAN `resource_show` call, which gives the file's URL to an agency's token only. Every
node has a stable URI under TINHSO_PUBLIC_URL and every object is typed, so the output
validates against the official shapes without loading the vocabularies.

The catalog pages as ckanext-dcat does: `?page=N`, 100 datasets a page, the page typed
`hydra:PagedCollection` with its first, last, previous and next pages."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.db.models import Count, Max, Min, Prefetch, QuerySet
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from tinhso.directory.models import AdminUnit, Agency
from tinhso.opendata.access import effective_level, visible_q
from tinhso.opendata.dictize import active_resources, download_url, org_name
from tinhso.opendata.licenses import LICENSES
from tinhso.opendata.models import AccessLevel, Dataset, Frequency, Resource

PAGE_SIZE = 100

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"

FREQUENCIES = {
    Frequency.CONTINUOUS: "CONT", Frequency.DAILY: "DAILY", Frequency.WEEKLY: "WEEKLY",
    Frequency.MONTHLY: "MONTHLY", Frequency.QUARTERLY: "QUARTERLY",
    Frequency.ANNUAL: "ANNUAL", Frequency.IRREGULAR: "IRREG", Frequency.NEVER: "NEVER",
}

# CKAN format -> (EU file type, IANA media type); a resource's own mimetype wins.
FORMATS = {
    "CSV": ("CSV", "text/csv"),
    "XLSX": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "XLS": ("XLS", "application/vnd.ms-excel"),
    "ODS": ("ODS", "application/vnd.oasis.opendocument.spreadsheet"),
    "JSON": ("JSON", "application/json"),
    "GEOJSON": ("GEOJSON", "application/geo+json"),
    "XML": ("XML", "application/xml"),
    "PDF": ("PDF", "application/pdf"),
    "DOCX": ("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "DOC": ("DOC", "application/msword"),
    "ZIP": ("ZIP", "application/zip"),
    "HTML": ("HTML", "text/html"),
    "TXT": ("TXT", "text/plain"),
    "RDF": ("RDF_XML", "application/rdf+xml"),
    "TTL": ("RDF_TURTLE", "text/turtle"),
    "JSONLD": ("JSON_LD", "application/ld+json"),
    "SHP": ("SHP", ""),
    "KML": ("KML", "application/vnd.google-earth.kml+xml"),
}

ACCESS_RIGHTS = {AccessLevel.OPEN: "PUBLIC", AccessLevel.AGENCIES: "RESTRICTED"}

SERIALIZATIONS = {
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "rdf": ("pretty-xml", "application/rdf+xml; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json"),
}


def base_url() -> str:
    return str(getattr(settings, "TINHSO_PUBLIC_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def catalog_uri() -> URIRef:
    return URIRef(f"{base_url()}/catalog")


def dataset_uri(ds: Dataset) -> URIRef:
    """By id, not name: a dataset keeps its URI when renamed."""
    return URIRef(f"{base_url()}/dataset/{ds.id}")


def distribution_uri(res: Resource) -> URIRef:
    return URIRef(f"{base_url()}/dataset/{res.dataset_id}/resource/{res.id}")


def agency_uri(agency: Agency) -> URIRef:
    return URIRef(f"{base_url()}/organization/{org_name(agency)}")


def province_uri() -> URIRef:
    return URIRef(f"{base_url()}/organization/province-{settings.TINHSO_PROVINCE_CODE}")


def public_datasets() -> QuerySet[Dataset]:
    """The datasets an anonymous visitor sees: the only ones the feeds describe."""
    return Dataset.objects.filter(visible_q(None))


def with_dcat_relations(qs: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """What `add_dataset` reads, one query per relation whatever the page's length."""
    return qs.select_related("owner_org").prefetch_related(
        "tags", "groups", Prefetch("spatial_units", queryset=AdminUnit.objects.order_by("code")),
        active_resources())


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("skos", SKOS),
                       ("vcard", VCARD), ("spdx", SPDX), ("hydra", HYDRA)):
        g.bind(prefix, ns)
    return g


def _iri(url: str) -> URIRef:
    """A URL as publishers typed it (a space, a Vietnamese letter) made a valid IRI reference."""
    return URIRef(quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%~"))


def _when(value: dt.datetime) -> Literal:
    return Literal(value.astimezone(dt.UTC).replace(microsecond=0), datatype=XSD.dateTime)


def _typed(g: Graph, node: URIRef | BNode, *classes: URIRef) -> URIRef | BNode:
    for cls in classes:
        g.add((node, RDF.type, cls))
    return node


def _agent(g: Graph, node: URIRef, name: str, identifier: str = "") -> URIRef:
    _typed(g, node, FOAF.Agent, FOAF.Organization)
    g.add((node, FOAF.name, Literal(name, lang="vi")))
    if identifier:
        g.add((node, DCTERMS.identifier, Literal(identifier)))
    return node


def province_name() -> str:
    unit = (AdminUnit.objects.filter(level=AdminUnit.Level.PROVINCE,
                                     code=settings.TINHSO_PROVINCE_CODE)
            .order_by("-valid_from").values_list("name", flat=True).first())
    return f"Ủy ban nhân dân {unit}" if unit else f"Tỉnh {settings.TINHSO_PROVINCE_CODE}"


def _media_type(g: Graph, mimetype: str) -> URIRef:
    node = URIRef(IANA + mimetype.split(";")[0].strip())
    _typed(g, node, DCTERMS.MediaType, DCTERMS.MediaTypeOrExtent)
    return node


def _license(g: Graph, license_id: str) -> URIRef | None:
    lic = LICENSES.get(license_id)
    if lic is None or license_id == "notspecified":
        return None
    node = URIRef(lic.url or f"{base_url()}/license/{quote(lic.id)}")
    _typed(g, node, DCTERMS.LicenseDocument)
    g.add((node, RDFS.label, Literal(lic.title, lang="en")))
    return node


def _checksum(g: Graph, value: str) -> BNode | None:
    algorithm, _, digest = value.partition(":")
    if algorithm.lower() != "sha256" or not digest:
        return None
    node = BNode()
    _typed(g, node, SPDX.Checksum)
    algo = URIRef(SPDX + "checksumAlgorithm_sha256")
    _typed(g, algo, SPDX.ChecksumAlgorithm)
    g.add((node, SPDX.algorithm, algo))
    g.add((node, SPDX.checksumValue, Literal(digest.lower(), datatype=XSD.hexBinary)))
    return node


def add_distribution(g: Graph, res: Resource, ds: Dataset) -> URIRef:
    node = distribution_uri(res)
    _typed(g, node, DCAT.Distribution)
    if res.name:
        g.add((node, DCTERMS.title, Literal(res.name, lang="vi")))
    if res.description:
        g.add((node, DCTERMS.description, Literal(res.description, lang="vi")))
    url = download_url(res, base_url()) if res.url_type == "upload" else res.url
    if effective_level(ds, res) == AccessLevel.OPEN and url:
        g.add((node, DCAT.accessURL, _iri(url)))
        if res.url_type == "upload":
            g.add((node, DCAT.downloadURL, _iri(url)))
    else:
        api = f"{base_url()}/api/3/action/resource_show?id={res.id}"
        g.add((node, DCAT.accessURL, URIRef(api)))
    file_type, media = FORMATS.get(res.format.upper().lstrip("."), ("", ""))
    if file_type:
        fmt = URIRef(f"{EU}file-type/{file_type}")
        _typed(g, fmt, DCTERMS.MediaTypeOrExtent)
        g.add((node, DCTERMS["format"], fmt))
    if res.mimetype or media:
        g.add((node, DCAT.mediaType, _media_type(g, res.mimetype or media)))
    lic = _license(g, ds.license_id)
    if lic is not None:
        g.add((node, DCTERMS.license, lic))
    if res.size is not None and res.size >= 0:
        g.add((node, DCAT.byteSize, Literal(res.size, datatype=XSD.nonNegativeInteger)))
    checksum = _checksum(g, res.hash)
    if checksum is not None:
        g.add((node, SPDX.checksum, checksum))
    g.add((node, DCTERMS.issued, _when(res.created)))
    g.add((node, DCTERMS.modified, _when(res.last_modified or res.metadata_modified)))
    return node


def _contact(g: Graph, ds: Dataset) -> BNode:
    node = BNode()
    _typed(g, node, VCARD.Kind, VCARD.Organization)
    g.add((node, VCARD.fn, Literal(ds.maintainer or ds.owner_org.name, lang="vi")))
    if ds.maintainer_email:
        g.add((node, VCARD.hasEmail, _iri(f"mailto:{ds.maintainer_email}")))
    return node


def _temporal(g: Graph, ds: Dataset) -> BNode | None:
    if ds.temporal_start is None and ds.temporal_end is None:
        return None
    node = BNode()
    _typed(g, node, DCTERMS.PeriodOfTime)
    if ds.temporal_start:
        g.add((node, DCAT.startDate, Literal(ds.temporal_start, datatype=XSD.date)))
    if ds.temporal_end:
        g.add((node, DCAT.endDate, Literal(ds.temporal_end, datatype=XSD.date)))
    return node


def _theme(g: Graph, name: str, title: str) -> URIRef:
    scheme = URIRef(f"{base_url()}/group")
    _typed(g, scheme, SKOS.ConceptScheme)
    g.add((scheme, DCTERMS.title, Literal("Chủ đề dữ liệu", lang="vi")))
    node = URIRef(f"{base_url()}/group/{quote(name)}")
    _typed(g, node, SKOS.Concept)
    g.add((node, SKOS.prefLabel, Literal(title, lang="vi")))
    g.add((node, SKOS.inScheme, scheme))
    return node


def _location(g: Graph, unit: AdminUnit) -> URIRef:
    node = URIRef(f"{base_url()}/admin-unit/{quote(unit.code)}")
    _typed(g, node, DCTERMS.Location)
    g.add((node, SKOS.prefLabel, Literal(unit.name, lang="vi")))
    g.add((node, DCTERMS.identifier, Literal(unit.code)))
    return node


def _classify(g: Graph, node: URIRef, ds: Dataset) -> None:
    for tag in sorted(ds.tags.all(), key=lambda t: t.name):
        g.add((node, DCAT.keyword, Literal(tag.name, lang="vi")))
    for group in sorted(ds.groups.all(), key=lambda x: x.name):
        g.add((node, DCAT.theme, _theme(g, group.name, group.title)))
    for unit in ds.spatial_units.all():
        g.add((node, DCTERMS.spatial, _location(g, unit)))
    temporal = _temporal(g, ds)
    if temporal is not None:
        g.add((node, DCTERMS.temporal, temporal))
    if ds.frequency in FREQUENCIES:
        freq = URIRef(f"{EU}frequency/{FREQUENCIES[Frequency(ds.frequency)]}")
        _typed(g, freq, DCTERMS.Frequency)
        g.add((node, DCTERMS.accrualPeriodicity, freq))


def add_dataset(g: Graph, ds: Dataset) -> URIRef:
    """`ds` must be one `public_datasets` gives, with `with_dcat_relations` fetched."""
    node = dataset_uri(ds)
    _typed(g, node, DCAT.Dataset)
    g.add((node, DCTERMS.title, Literal(ds.title, lang="vi")))
    g.add((node, DCTERMS.description, Literal(ds.notes or ds.title, lang="vi")))
    g.add((node, DCTERMS.identifier, Literal(str(ds.id))))
    g.add((node, DCTERMS.issued, _when(ds.metadata_created)))
    g.add((node, DCTERMS.modified, _when(ds.metadata_modified)))
    if ds.version:
        g.add((node, DCAT.version, Literal(ds.version)))
    g.add((node, DCTERMS.publisher, _agent(g, agency_uri(ds.owner_org), ds.owner_org.name,
                                           ds.owner_org.code)))
    g.add((node, DCAT.contactPoint, _contact(g, ds)))
    rights = URIRef(f"{EU}access-right/{ACCESS_RIGHTS[AccessLevel(ds.access_level)]}")
    _typed(g, rights, DCTERMS.RightsStatement)
    g.add((node, DCTERMS.accessRights, rights))
    if ds.url.startswith(("http://", "https://")):
        page = _iri(ds.url)
        _typed(g, page, FOAF.Document)
        g.add((node, DCAT.landingPage, page))
    _classify(g, node, ds)
    for res in getattr(ds, "active_resources", []):
        if res.access_level == AccessLevel.NAMED:  # private: the feeds show what anyone sees
            continue
        g.add((node, DCAT.distribution, add_distribution(g, res, ds)))
    return node


@dataclass(frozen=True)
class Page:
    number: int
    last: int
    total: int


def add_catalog(g: Graph, *, issued: dt.datetime | None, modified: dt.datetime | None,
                publisher: str) -> URIRef:
    node = catalog_uri()
    _typed(g, node, DCAT.Catalog)
    g.add((node, DCTERMS.title, Literal("Cổng dữ liệu mở", lang="vi")))
    g.add((node, DCTERMS.title, Literal("Open Data Portal", lang="en")))
    g.add((node, DCTERMS.description, Literal(
        f"Dữ liệu mở do các cơ quan nhà nước của {publisher} công bố.", lang="vi")))
    g.add((node, DCTERMS.publisher, _agent(g, province_uri(), publisher,
                                           str(settings.TINHSO_PROVINCE_CODE))))
    home = URIRef(f"{base_url()}/")
    _typed(g, home, FOAF.Document)
    g.add((node, FOAF.homepage, home))
    lang = URIRef(f"{EU}language/VIE")
    _typed(g, lang, DCTERMS.LinguisticSystem)
    g.add((node, DCTERMS.language, lang))
    if issued is not None:
        g.add((node, DCTERMS.issued, _when(issued)))
    if modified is not None:
        g.add((node, DCTERMS.modified, _when(modified)))
    return node


def _page_url(ext: str, number: int) -> str:
    return f"{base_url()}/catalog.{ext}?page={number}"


def add_paging(g: Graph, ext: str, page: Page) -> None:
    """ckanext-dcat's paging triples, which its harvester and udata's follow."""
    node = URIRef(_page_url(ext, page.number))
    g.add((node, RDF.type, HYDRA.PagedCollection))
    g.add((node, HYDRA.totalItems, Literal(page.total)))
    g.add((node, HYDRA.itemsPerPage, Literal(PAGE_SIZE)))
    g.add((node, HYDRA.firstPage, Literal(_page_url(ext, 1))))
    g.add((node, HYDRA.lastPage, Literal(_page_url(ext, page.last))))
    if page.number > 1:
        g.add((node, HYDRA.previousPage, Literal(_page_url(ext, page.number - 1))))
    if page.number < page.last:
        g.add((node, HYDRA.nextPage, Literal(_page_url(ext, page.number + 1))))


def catalog_graph(page_number: int, ext: str = "ttl") -> Graph | None:
    """One page of the catalog; None past the last page. Costs the same queries however many
    datasets there are: totals, the province, the page and one per relation."""
    qs = public_datasets()
    totals = qs.aggregate(n=Count("pk"), first=Min("metadata_created"),
                          last=Max("metadata_modified"))
    last = max(1, math.ceil(totals["n"] / PAGE_SIZE))
    if page_number < 1 or page_number > last:
        return None
    g = new_graph()
    catalog = add_catalog(g, issued=totals["first"], modified=totals["last"],
                          publisher=province_name())
    start = (page_number - 1) * PAGE_SIZE
    for ds in with_dcat_relations(qs.order_by("name"))[start:start + PAGE_SIZE]:
        g.add((catalog, DCAT.dataset, add_dataset(g, ds)))
    add_paging(g, ext, Page(number=page_number, last=last, total=totals["n"]))
    return g


def dataset_graph(name: str) -> Graph | None:
    """One dataset by name; None when the public may not see it."""
    ds = with_dcat_relations(public_datasets().filter(name=name)).first()
    if ds is None:
        return None
    g = new_graph()
    add_dataset(g, ds)
    return g


def serialize(g: Graph, ext: str) -> tuple[bytes, str]:
    fmt, content_type = SERIALIZATIONS[ext]
    data = g.serialize(format=fmt, encoding="utf-8")
    return data, content_type
