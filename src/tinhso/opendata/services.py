"""Every write to the open data catalog. One transaction each: the permission check, the
change, a kept version of the dataset (and of each resource it touched) and the audit event.

CKAN's semantics: `dataset_update` replaces the whole dictionary (a field left out is reset),
except that resources left out are kept; `dataset_patch` changes only the fields given."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import uuid
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, NotAllowed, NotFound
from tinhso.core.text import fold
from tinhso.directory.permissions import can
from tinhso.opendata import facets, validation
from tinhso.opendata.access import PUBLISH
from tinhso.opendata.datastore.loader import datastore_enqueue
from tinhso.opendata.dictize import package_dict, resource_dict, with_relations
from tinhso.opendata.models import (
    AccessLevel,
    Dataset,
    DatasetVersion,
    Resource,
    ResourceVersion,
    State,
    Tag,
)
from tinhso.opendata.quality_store import quality_save
from tinhso.opendata.selectors import agency_by_ref, dataset_for, resource_for

SEARCH_NOTES_CHARS = 20_000
RESOURCE_FIELDS = ("url", "name", "description", "format", "mimetype", "size", "hash",
                   "last_modified")


def _require_publisher(actor: Any) -> None:
    if not can(actor, PUBLISH):
        raise NotAllowed(_("Bạn không có quyền công bố dữ liệu."))


def _require_owner(actor: Any, fields: validation.DatasetFields) -> None:
    if fields.owner_org is not None and not can(actor, PUBLISH, fields.owner_org):
        raise NotAllowed(_("Bạn không có quyền công bố dữ liệu cho cơ quan này."))


def _name_free(name: str, exclude: Any = None) -> None:
    qs = Dataset.objects.filter(name=name)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise DomainError.for_field("name", _("Tên định danh này đã được dùng."), code="unique")


def _tags(names: list[str]) -> list[Tag]:
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    return list(existing.values())


def _new_resource(ds: Dataset, values: dict[str, Any], position: int,
                  at: dt.datetime) -> Resource:
    return Resource(dataset=ds, position=position, created=at, metadata_modified=at,
                    access_level=values.get("access_level") or "",
                    **{k: values[k] for k in RESOURCE_FIELDS})


def _access(res: Resource, values: dict[str, Any], *, new: bool = False) -> bool:
    """Give `res` (saved) the access level and sharing in `values` (None: as it was); whether
    they changed. Only a private resource is shared with named agencies."""
    level = values.get("access_level")
    changed = level is not None and level != res.access_level
    if changed:
        res.access_level = str(level)
    current = set() if new else {a.pk for a in res.shared_with.all()}
    wanted = current if values.get("shared_with") is None else {
        a.pk for a in values["shared_with"]}
    if res.access_level != AccessLevel.NAMED:
        wanted = set()
    if wanted != current:
        res.shared_with.set(wanted)
        changed = True
    return changed


def _store(res: Resource, upload: Any, at: dt.datetime) -> str:
    """Save an uploaded file under a new name (older versions keep theirs), with its size,
    SHA-256 and type; returns the storage name."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = validation.upload_name(getattr(upload, "name", "") or "tep")
    path = default_storage.save(
        f"opendata/{res.dataset_id}/{res.id}/{uuid.uuid4().hex}/{name}", upload)
    res.url, res.url_type, res.storage_path = name, "upload", path
    res.size, res.hash = upload.size, f"sha256:{digest.hexdigest()}"
    res.mimetype = (getattr(upload, "content_type", "") or
                    mimetypes.guess_type(name)[0] or "application/octet-stream")[:100]
    res.last_modified = at
    return path


def _keep_resource_versions(resources: list[Resource], actor: Any, at: dt.datetime) -> None:
    ResourceVersion.objects.bulk_create([
        ResourceVersion(resource=r, number=r.revision, data=resource_dict(r), at=at,
                        storage_path=r.storage_path,
                        actor=actor if getattr(actor, "is_authenticated", False) else None)
        for r in resources
    ])


def _sync_resources(ds: Dataset, wanted: list[dict[str, Any]], actor: Any,
                    at: dt.datetime) -> None:
    """Make the dataset's active resources be `wanted`, in that order: matched by id, new
    ones created, the others marked deleted. Changed ones get a new version."""
    current = {str(r.id): r for r in ds.resources.filter(state=State.ACTIVE)}
    touched: list[Resource] = []
    kept: set[str] = set()
    for position, values in enumerate(wanted):
        res = current.get(str(values.get("id") or ""))
        if res is None:
            res = _new_resource(ds, values, position, at)
            res.save()
            _access(res, values, new=True)
            touched.append(res)
            continue
        kept.add(str(res.id))
        if res.url_type == "upload" and str(values["url"]).rsplit("/", 1)[-1] == res.url:
            values = {**values, "url": res.url}
        elif res.url_type == "upload":
            res.url_type = ""  # replaced by a link; the file stays with the older versions
        changed = any(getattr(res, k) != values[k] for k in RESOURCE_FIELDS) or \
            res.position != position
        changed = _access(res, values) or changed
        if changed:
            for k in RESOURCE_FIELDS:
                setattr(res, k, values[k])
            res.position, res.metadata_modified = position, at
            res.revision += 1
            res.save()
            touched.append(res)
    for rid, res in current.items():
        if rid not in kept:
            res.state, res.metadata_modified = State.DELETED, at
            res.revision += 1
            res.save(update_fields=["state", "metadata_modified", "revision"])
            touched.append(res)
    _keep_resource_versions(touched, actor, at)


def _search_text(ds: Dataset) -> str:
    tags = " ".join(t.name for t in ds.tags.all())
    groups = " ".join(g.title for g in ds.groups.all())
    resources = " ".join(f"{r.name} {r.format}"  # a private resource's words are not searched
                         for r in ds.resources.filter(state=State.ACTIVE)
                         .exclude(access_level=AccessLevel.NAMED))
    org = ds.owner_org
    return fold(f"{ds.name} {ds.title} {ds.notes[:SEARCH_NOTES_CHARS]} {tags} {groups} "
                f"{org.name} {org.short_name} {resources}")


def _finish(ds: Dataset, *, actor: Any, action: str, at: dt.datetime, first: bool = False) -> None:
    """Refresh the search text and the facet index's stamp, keep this version, rescore it,
    record the audit event."""
    Dataset.objects.filter(pk=ds.pk).update(search_folded=_search_text(ds))
    facets.touch([ds.pk])  # the facet index's stamp
    fresh = with_relations(Dataset.objects.filter(pk=ds.pk)).get()
    data = package_dict(fresh)
    quality_save(ds.pk, data, at)
    DatasetVersion.objects.create(
        dataset=ds, number=ds.revision, data=data, at=at, action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None)
    audit_record(actor=actor, action=f"opendata.dataset.{action}", obj=ds, first=first,
                 data={"name": ds.name, "revision": ds.revision, "state": ds.state,
                       "access_level": ds.access_level})


def _apply(ds: Dataset, fields: validation.DatasetFields, actor: Any, at: dt.datetime) -> None:
    owner = fields.owner_org
    if owner is None:  # validation refuses a dataset without one; never written without
        raise DomainError.for_field("owner_org", _("Cần chọn cơ quan công bố."), code="required")
    ds.name, ds.title, ds.owner_org = fields.name, fields.title, owner
    ds.province_code = owner.province_code
    for key, value in fields.values.items():
        setattr(ds, key, value)
    ds.metadata_modified = at
    ds.save()
    ds.tags.set(_tags(fields.tags))
    ds.groups.set(fields.groups)
    ds.spatial_units.set(fields.spatial_units)
    ds.shared_with.set(fields.shared_with if ds.access_level == AccessLevel.NAMED else [])
    if fields.resources is not None:
        _sync_resources(ds, fields.resources, actor, at)


@transaction.atomic
def dataset_create(*, actor: Any, data: dict[str, Any]) -> Dataset:
    """package_create: a new dataset of an agency where the actor publishes."""
    _require_publisher(actor)
    fields = validation.dataset(data, agency_lookup=agency_by_ref)
    _require_owner(actor, fields)
    _name_free(fields.name)
    at = timezone.now()
    ds = Dataset(metadata_created=at, metadata_modified=at, seq=facets.next_seq(),
                 creator=actor if getattr(actor, "is_authenticated", False) else None)
    _apply(ds, fields, actor, at)
    _finish(ds, actor=actor, action="create", at=at, first=True)
    return ds


def _locked(actor: Any, ref: str) -> Dataset:
    """The dataset the actor sees, locked for this transaction; NotAllowed unless they
    publish for its agency."""
    seen = dataset_for(actor, ref)
    ds = Dataset.objects.select_for_update().select_related("owner_org").get(pk=seen.pk)
    if not can(actor, PUBLISH, ds.owner_org):
        raise NotAllowed(_("Bạn không có quyền sửa bộ dữ liệu này."))
    return ds


def _ref(data: dict[str, Any]) -> str:
    ref = data.get("id") or data.get("name")
    if not ref:
        raise DomainError.for_field("id", validation.missing(), code="required")
    return str(ref)


@transaction.atomic
def dataset_update(*, actor: Any, data: dict[str, Any]) -> Dataset:
    """package_update: the dataset becomes `data` (found by id, else by name)."""
    _require_publisher(actor)
    ds = _locked(actor, _ref(data))
    if ds.state == State.DELETED and data.get("state") not in (State.ACTIVE, State.DRAFT):
        raise NotFound(_("Không tìm thấy bộ dữ liệu."))
    data = {"name": ds.name, **data} if not data.get("name") else data
    fields = validation.dataset(data, current=ds, agency_lookup=agency_by_ref)
    _require_owner(actor, fields)
    _name_free(fields.name, exclude=ds.pk)
    at = timezone.now()
    ds.revision += 1
    _apply(ds, fields, actor, at)
    _finish(ds, actor=actor, action="update", at=at)
    return ds


@transaction.atomic
def dataset_patch(*, actor: Any, data: dict[str, Any]) -> Dataset:
    """package_patch: only the fields given change."""
    _require_publisher(actor)
    ds = _locked(actor, _ref(data))
    current = package_dict(with_relations(Dataset.objects.filter(pk=ds.pk)).get())
    current["owner_org"] = str(ds.owner_org_id)
    current["shared_with"] = [str(a.pk) for a in ds.shared_with.all()]
    current["spatial_units"] = [u["code"] for u in current["spatial_units"]]
    current.pop("resources")
    merged = {**current, **data}
    if "private" in data and "access_level" not in data:
        merged.pop("access_level")
    return dataset_update(actor=actor, data={**merged, "id": str(ds.pk)})


@transaction.atomic
def dataset_delete(*, actor: Any, ref: str) -> None:
    """package_delete: the dataset leaves every listing; its versions stay."""
    _require_publisher(actor)
    ds = _locked(actor, ref)
    if ds.state == State.DELETED:
        return
    at = timezone.now()
    ds.state, ds.metadata_modified = State.DELETED, at
    ds.revision += 1
    ds.save(update_fields=["state", "metadata_modified", "revision"])
    _finish(ds, actor=actor, action="delete", at=at)


def resource_add(*, actor: Any, data: dict[str, Any]) -> Resource:
    """resource_create: a link, or an uploaded file, appended to a dataset. A stored file is
    removed again if the change is refused or fails."""
    stored: list[str] = []
    try:
        return _resource_add(actor=actor, data=data, stored=stored)
    except BaseException:
        for path in stored:
            default_storage.delete(path)
        raise


@transaction.atomic
def _resource_add(*, actor: Any, data: dict[str, Any], stored: list[str]) -> Resource:
    _require_publisher(actor)
    if not data.get("package_id"):
        raise DomainError.for_field("package_id", validation.missing(), code="required")
    ds = _locked(actor, str(data["package_id"]))
    errors = validation.Errors()
    values = validation.resource(data, errors, agency_lookup=agency_by_ref)
    errors.raise_if_any()
    at = timezone.now()
    last = ds.resources.filter(state=State.ACTIVE).aggregate(m=Max("position"))["m"]
    res = _new_resource(ds, values, 0 if last is None else last + 1, at)
    if values.get("upload") is not None:
        stored.append(_store(res, values["upload"], at))
    res.save()
    _access(res, values, new=True)
    _keep_resource_versions([res], actor, at)
    _touch(ds, actor, at, "resource_create")
    datastore_enqueue(res)
    return res


def resource_change(*, actor: Any, data: dict[str, Any], patch: bool = False) -> Resource:
    """resource_update (`patch=False`: fields left out are reset) and resource_patch (only the
    fields given change). A new upload is stored beside the old file, which stays with the
    older version."""
    stored: list[str] = []
    try:
        return _resource_change(actor=actor, data=data, patch=patch, stored=stored)
    except BaseException:
        for path in stored:
            default_storage.delete(path)
        raise


def _resource_locked(actor: Any, data: dict[str, Any]) -> tuple[Dataset, Resource]:
    _require_publisher(actor)
    ref = _ref({"id": data.get("id")})
    seen = resource_for(actor, ref)
    ds = _locked(actor, str(seen.dataset_id))
    return ds, Resource.objects.select_for_update().get(pk=seen.pk)


@transaction.atomic
def _resource_change(*, actor: Any, data: dict[str, Any], patch: bool,
                     stored: list[str]) -> Resource:
    ds, res = _resource_locked(actor, data)
    current = {k: getattr(res, k) for k in RESOURCE_FIELDS}
    current["last_modified"] = current["last_modified"] and current["last_modified"].isoformat()
    merged = {**current, **data} if patch else dict(data)
    if res.url_type == "upload" and "upload" not in data:
        sent = str(merged.get("url") or "")
        if not sent or sent.rsplit("/", 1)[-1] == res.url:
            merged["url"] = res.url
    errors = validation.Errors()
    values = validation.resource(merged, errors, agency_lookup=agency_by_ref,
                                 stored_name=res.url if res.url_type == "upload" else "")
    errors.raise_if_any()
    at = timezone.now()
    keeps_file = res.url_type == "upload" and values["url"] == res.url and "upload" not in values
    for k in RESOURCE_FIELDS:
        if keeps_file and k in ("size", "hash", "mimetype") and values[k] in (None, ""):
            continue
        setattr(res, k, values[k])
    if values.get("upload") is not None:
        stored.append(_store(res, values["upload"], at))
    elif not keeps_file:
        res.url_type, res.storage_path = "", ""
    res.metadata_modified = at
    res.revision += 1
    _access(res, values)
    res.save()
    _keep_resource_versions([res], actor, at)
    _touch(ds, actor, at, "resource_update")
    datastore_enqueue(res)
    return res


def _touch(ds: Dataset, actor: Any, at: dt.datetime, action: str) -> None:
    ds.revision += 1
    ds.metadata_modified = at
    ds.save(update_fields=["revision", "metadata_modified"])
    _finish(ds, actor=actor, action=action, at=at)


@transaction.atomic
def resource_remove(*, actor: Any, ref: str) -> None:
    """resource_delete: the resource leaves the dataset; its versions and files stay."""
    ds, res = _resource_locked(actor, {"id": ref})
    at = timezone.now()
    res.state, res.metadata_modified = State.DELETED, at
    res.revision += 1
    res.save(update_fields=["state", "metadata_modified", "revision"])
    _keep_resource_versions([res], actor, at)
    _touch(ds, actor, at, "resource_delete")
