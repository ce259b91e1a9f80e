"""Harvesting a DCAT catalog (Turtle, RDF/XML or JSON-LD), following hydra paging as
ckanext-dcat and our own `/catalog.ttl` page (`hydra:nextPage` on the page's
`hydra:PagedCollection`). DCAT has no "changed since" query, so every run reads the whole
catalog; a dataset whose `dct:modified` is not newer than what we hold is not mapped or
written. A dataset missing from a complete pass is gone; a pass cut short deletes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF
from rdflib.term import Node

from tinhso.harvest.client import RemoteError, fetch, session
from tinhso.harvest.records import Record, moment, slug
from tinhso.opendata.dcat import FORMATS, FREQUENCIES
from tinhso.opendata.licenses import LICENSES
from tinhso.opendata.models import AccessLevel, Group

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")  # DCAT 3; rdflib knows DCAT 2
ACCEPT = (
    "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, application/n-triples;q=0.5"
)
MAX_PAGES = 10_000

_FORMATS = {
    "turtle": "turtle",
    "rdf+xml": "xml",
    "xml": "xml",
    "ld+json": "json-ld",
    "json": "json-ld",
    "n-triples": "nt",
    "n3": "n3",
}
_EXTENSIONS = {
    ".ttl": "turtle",
    ".rdf": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".nt": "nt",
    ".n3": "n3",
}
FILE_TYPES = {file_type: fmt for fmt, (file_type, _media) in FORMATS.items()}
EU_FREQUENCIES = {code: ours.value for ours, code in FREQUENCIES.items()}
LICENSE_URLS = {lic.url.rstrip("/"): lic.id for lic in LICENSES.values() if lic.url}


def rdf_format(content_type: str, url: str) -> str:
    mime = content_type.split(";")[0].strip().lower()
    for key, fmt in _FORMATS.items():
        if mime.endswith(key):
            return fmt
    path = url.split("?", 1)[0].lower()
    for ext, fmt in _EXTENSIONS.items():
        if path.endswith(ext):
            return fmt
    return "turtle"


def _text(g: Graph, node: Node, prop: URIRef) -> str:
    """A literal, Vietnamese first, then one without a language, then any."""
    values = [v for v in g.objects(node, prop) if isinstance(v, Literal)]
    for pick in (lambda v: v.language == "vi", lambda v: not v.language, lambda v: True):
        for v in values:
            if pick(v):
                return str(v).strip()
    return ""


def _tail(node: Node | None) -> str:
    return str(node).rstrip("/").rsplit("/", 1)[-1] if node is not None else ""


def _license(g: Graph, node: Node) -> str:
    for dist in g.objects(node, DCAT.distribution):
        lic = g.value(dist, DCTERMS.license)
        if lic is not None:
            return LICENSE_URLS.get(str(lic).rstrip("/"), "")
    return ""


def _distribution(g: Graph, dist: Node) -> dict[str, Any]:
    url = g.value(dist, DCAT.downloadURL) or g.value(dist, DCAT.accessURL)
    out: dict[str, Any] = {
        "url": str(url) if url is not None else "",
        "name": _text(g, dist, DCTERMS.title),
        "description": _text(g, dist, DCTERMS.description),
    }
    file_type = _tail(g.value(dist, DCTERMS["format"]))
    if file_type:
        out["format"] = FILE_TYPES.get(file_type, file_type[:32])
    media = g.value(dist, DCAT.mediaType)
    if media is not None:
        out["mimetype"] = str(media).split("/media-types/", 1)[-1][:100]
    size = g.value(dist, DCAT.byteSize)
    if size is not None:
        out["size"] = str(size)
    checksum = g.value(dist, SPDX.checksum)
    if checksum is not None:
        algo, value = (
            _tail(g.value(checksum, SPDX.algorithm)),
            g.value(checksum, SPDX.checksumValue),
        )
        if value is not None and algo.endswith("sha256"):
            out["hash"] = f"sha256:{value}"
    modified = g.value(dist, DCTERMS.modified)
    if modified is not None:
        out["last_modified"] = str(modified)
    return out


def dataset_dict(g: Graph, node: Node, local_groups: set[str]) -> tuple[dict[str, Any], list[str]]:
    data: dict[str, Any] = {
        "title": _text(g, node, DCTERMS.title),
        "notes": _text(g, node, DCTERMS.description),
    }
    landing = g.value(node, DCAT.landingPage)
    if landing is not None:
        data["url"] = str(landing)
    version = _text(g, node, DCAT_VERSION) or _text(g, node, OWL.versionInfo)
    if version:
        data["version"] = version
    data["license_id"] = _license(g, node)
    contact = g.value(node, DCAT.contactPoint)
    if contact is not None:
        data["maintainer"] = _text(g, contact, VCARD.fn)
        email = g.value(contact, VCARD.hasEmail)
        if email is not None:
            data["maintainer_email"] = str(email).removeprefix("mailto:")
    publisher = g.value(node, DCTERMS.publisher)
    if publisher is not None:
        data["author"] = _text(g, publisher, FOAF.name)
    data["tags"] = sorted({str(k).strip() for k in g.objects(node, DCAT.keyword)})
    themes = {_tail(t) for t in g.objects(node, DCAT.theme)}
    data["groups"] = sorted(themes & local_groups)
    frequency = _tail(g.value(node, DCTERMS.accrualPeriodicity))
    if frequency in EU_FREQUENCIES:
        data["frequency"] = EU_FREQUENCIES[frequency]
    period = g.value(node, DCTERMS.temporal)
    if period is not None:
        for key, prop in (("temporal_start", DCAT.startDate), ("temporal_end", DCAT.endDate)):
            value = g.value(period, prop)
            if value is not None:
                data[key] = str(value)[:10]
    rights = _tail(g.value(node, DCTERMS.accessRights))
    data["access_level"] = AccessLevel.AGENCIES if rights == "RESTRICTED" else AccessLevel.OPEN
    dists = sorted(g.objects(node, DCAT.distribution), key=str)
    data["resources"] = [_distribution(g, d) for d in dists]
    data["extras"] = [{"key": "dcat_uri", "value": str(node)}] if isinstance(node, URIRef) else []
    return data, [str(d) for d in dists]


def _remote_context(body: bytes) -> bool:
    """Whether a JSON-LD document refers to a context (or an @import) by URL."""
    try:
        doc = json.loads(body)
    except ValueError:
        return False  # rdflib reports it
    stack: list[Any] = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key in ("@context", "@import") and (
                    isinstance(value, str)
                    or (isinstance(value, list) and any(isinstance(v, str) for v in value))
                ):
                    return True
                stack.append(value)
    return False


def _total(g: Graph) -> int:
    """The catalog's size as its first page states it (`hydra:totalItems`), else the page's."""
    for page in g.subjects(RDF.type, HYDRA.PagedCollection):
        value = g.value(page, HYDRA.totalItems)
        if isinstance(value, Literal) and str(value).isdigit():
            return int(str(value))
    return len(set(g.subjects(RDF.type, DCAT.Dataset)))


class DcatHarvester:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = session()
        self.seen: set[str] = set()
        self.complete = False

    def _record(
        self, g: Graph, node: Node, local_groups: set[str], known: dict[str, Any]
    ) -> Record:
        ident = _text(g, node, DCTERMS.identifier)
        remote_id = ident or (str(node) if isinstance(node, URIRef) else "")
        if not remote_id:
            return Record(remote_id="?", error="dcat:Dataset không có dct:identifier hay URI.")
        title = _text(g, node, DCTERMS.title)
        rec = Record(
            remote_id=remote_id[:500],
            remote_name=slug(title),
            modified=moment(str(g.value(node, DCTERMS.modified) or "")),
        )
        self.seen.add(rec.remote_id)
        if _tail(g.value(node, DCTERMS.accessRights)) == "NON_PUBLIC":
            rec.private = True
            return rec
        held = known.get(rec.remote_id)
        if (
            held is not None
            and rec.modified is not None
            and held is not True
            and rec.modified <= held
        ):
            rec.unchanged = True
            return rec
        if not title:
            rec.error = "dcat:Dataset không có dct:title."
            return rec
        rec.data, rec.resource_ids = dataset_dict(g, node, local_groups)
        return rec

    def pages(self) -> Iterator[Graph]:
        url: str | None = self.url
        visited: set[str] = set()
        while url and url not in visited and len(visited) < MAX_PAGES:
            visited.add(url)
            body, content_type = fetch(self.http, url, accept=ACCEPT)
            g = Graph()
            fmt = rdf_format(content_type, url)
            if fmt == "json-ld" and _remote_context(body):
                # rdflib would fetch it itself, with no timeout and to any address.
                raise RemoteError(f"{url}: JSON-LD dùng @context ở xa; cần @context viết sẵn")
            try:
                g.parse(data=body, format=fmt, publicID=url)
            except Exception as exc:  # rdflib raises many kinds for bad input
                raise RemoteError(f"{url}: không đọc được RDF: {exc}") from exc
            if (
                not visited - {url}
                and not any(g.subjects(RDF.type, DCAT.Catalog))
                and not any(g.subjects(RDF.type, DCAT.Dataset))
            ):
                # Not a catalog at all (an error page, a moved URL): a pass over it would
                # find every dataset gone.
                raise RemoteError(f"{url}: không phải danh mục DCAT (không có dcat:Catalog)")
            yield g
            url = None
            for paged in (
                *g.subjects(RDF.type, HYDRA.PagedCollection),
                *g.subjects(RDF.type, HYDRA.PartialCollectionView),
            ):
                nxt = g.value(paged, HYDRA.nextPage) or g.value(paged, HYDRA.next)
                if nxt is not None:
                    url = str(nxt)
                    break
        self.complete = True

    def records(
        self, known: dict[str, Any], on_total: Callable[[int], None] | None = None
    ) -> Iterator[Record]:
        """Every dataset of the catalog. `known` maps remote ids to the dct:modified we hold
        (True: held but deleted here, so always mapped again)."""
        local_groups = set(Group.objects.filter(is_active=True).values_list("name", flat=True))
        for number, g in enumerate(self.pages()):
            if number == 0 and on_total is not None:
                on_total(_total(g))
            for node in sorted(g.subjects(RDF.type, DCAT.Dataset), key=str):
                yield self._record(g, node, local_groups, known)

    def gone(self, known: set[str]) -> set[str]:
        if not self.complete:
            raise RemoteError("danh mục chưa đọc hết; không xóa gì")
        return known - self.seen
