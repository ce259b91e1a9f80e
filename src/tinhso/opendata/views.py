"""Downloads of uploaded resource files, at CKAN's path. A file is served only to a caller who
may see its dataset and download its data; everyone else gets a 404, so a file URL tells
nothing. Downloads of data not open to all are written to the audit log.

The DCAT-AP feeds (`dcat`) describe what the public sees, whoever asks, so they are the same
for every caller: a private dataset is a 404 even to its owner here."""

from __future__ import annotations

import uuid

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from tinhso.accounts.tokens import token_authenticate
from tinhso.core.audit import audit_record, client_ip
from tinhso.core.errors import NotFound
from tinhso.opendata import dcat
from tinhso.opendata.access import download_rights, effective_level
from tinhso.opendata.models import AccessLevel, DownloadRoute, ResourceVersion
from tinhso.opendata.selectors import resource_for
from tinhso.opendata.sharing import download_log
from tinhso.opendata.usage import usage_count
from tinhso.opendata.validation import NAME_RE


@require_safe
def download(request: HttpRequest, package_id: uuid.UUID, resource_id: uuid.UUID,
             filename: str) -> FileResponse:
    raw = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
    user = token_authenticate(raw) if raw else request.user
    try:
        res = resource_for(user, str(resource_id))
    except NotFound:
        raise Http404 from None
    ds = res.dataset
    rights = download_rights(user)  # grants included, read now: an expired one stops at once
    if res.dataset_id != package_id or res.url_type != "upload" or not rights.resource(
            ds, res):
        raise Http404
    path, number, judged = res.storage_path, res.revision, res
    version = request.GET.get("version", "")
    if version:
        old = ResourceVersion.objects.filter(resource=res, number=int(version)
                                             if version.isdigit() else 0).first()
        if old is None or not old.storage_path:
            raise Http404
        kept = rights.kept(ds, res, old.data or {})  # the stricter of its level then and now
        if kept is None:
            raise Http404
        judged = kept
        path, number = old.storage_path, old.number
    head = request.method == "HEAD"  # a link checker's look: neither a download nor a use
    if effective_level(ds, judged) != AccessLevel.OPEN and not head:
        audit_record(actor=user, action="opendata.resource.download", obj=res,
                     ip=client_ip(request), data={"version": number})
        download_log(rights=rights, dataset=ds, resource=res, route=DownloadRoute.FILE,
                     version=number, ip=client_ip(request))
    name = path.rsplit("/", 1)[-1]
    response = FileResponse(default_storage.open(path, "rb"), as_attachment=True, filename=name,
                            content_type=res.mimetype or "application/octet-stream")
    if not head:
        usage_count(ds.pk, "download", res.pk)
    return response


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() else 0


@require_safe
def catalog(request: HttpRequest, ext: str) -> HttpResponse:
    """A page of the catalog (`?page=N`, from 1); 404 past the last page."""
    graph = dcat.catalog_graph(_page(request), ext)
    if graph is None:
        raise Http404
    data, content_type = dcat.serialize(graph, ext)
    return HttpResponse(data, content_type=content_type)


@require_safe
def dataset_rdf(request: HttpRequest, name: str, ext: str) -> HttpResponse:
    if not NAME_RE.match(name):  # no dataset has such a name (and PostgreSQL refuses NULs)
        raise Http404
    graph = dcat.dataset_graph(name)
    if graph is None:
        raise Http404
    data, content_type = dcat.serialize(graph, ext)
    return HttpResponse(data, content_type=content_type)
