"""A dataset's kept versions (`DatasetVersion`) as CKAN's activity stream
(`package_activity_list`, `activity_show`) and as the portal's page of one version, each with
what changed from the version before.

A version's stored dictionary holds every resource as it then was, private ones included, and
the URLs of data for agencies. It is always shown through `readable`, with the caller's rights
of NOW: the resources they may not see now are left out (an active resource is judged by its
current row; a deleted one by the stricter of its row and the level the version stored), the
URLs of data they may not download now are emptied, and the lists of agencies a dataset or
resource is shared with go only to the owner agency's officers. The dataset itself is found
by `selectors.dataset_for`, so a private dataset's versions are "not found" to outsiders like
the dataset."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.core.errors import NotFound
from tinhso.opendata import selectors
from tinhso.opendata.access import DownloadRights, as_of, stricter
from tinhso.opendata.dictize import stamp
from tinhso.opendata.models import (
    AccessLevel,
    Dataset,
    DatasetVersion,
    Frequency,
    Resource,
    ResourceVersion,
    State,
)
from tinhso.opendata.validation import Errors, boolean

DEFAULT_LIMIT = 31  # CKAN's ckan.activity_list_limit
MAX_LIMIT = 100
ACTIVITY_TYPES = {"create": "new package", "delete": "deleted package"}


def activity_id(version: DatasetVersion) -> str:
    """A version's activity id: the dataset's id and the version's number."""
    return f"{version.dataset_id}:{version.number}"


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class Reader:
    """Filters the versions of one dataset for one caller; reads the resources' current rows
    and their kept files once for all the versions it is given (`load`)."""

    def __init__(self, ds: Dataset, rights: DownloadRights, site_url: str = "") -> None:
        self.ds, self.rights, self.site_url = ds, rights, site_url
        self.rows: dict[uuid.UUID, Resource] = {}
        self.files: dict[uuid.UUID, list[tuple[Any, int]]] = {}

    def load(self, versions: list[DatasetVersion]) -> None:
        ids = {i for v in versions for r in (v.data or {}).get("resources", [])
               if (i := _as_uuid(r.get("id"))) is not None}
        if not ids:
            return
        self.rows = {r.pk: r for r in Resource.objects.filter(pk__in=ids, dataset=self.ds)
                     .only("id", "dataset_id", "access_level", "state", "url_type")}
        latest = max(v.at for v in versions)
        for rid, number, at in (ResourceVersion.objects
                                .filter(resource_id__in=list(self.rows), at__lte=latest)
                                .exclude(storage_path="")
                                .values_list("resource_id", "number", "at")):
            self.files.setdefault(rid, []).append((at, number))

    def _file_version(self, rid: uuid.UUID, at: Any) -> int | None:
        """The number of the resource's kept file as of `at` (the version's time)."""
        kept = [n for when, n in self.files.get(rid, ()) if when <= at]
        return max(kept) if kept else None

    def _judged(self, rd: dict[str, Any], then_level: str) -> tuple[Resource, bool]:
        """The row the caller's rights are judged on, and whether it is active now."""
        rid = _as_uuid(rd.get("id"))
        row = self.rows.get(rid) if rid is not None else None
        stored = rd.get("access_level") or then_level
        if row is not None and row.state == State.ACTIVE:
            return as_of(self.ds, row, stored), True
        current = (row.access_level or self.ds.access_level) if row is not None else ""
        stand_in = Resource(id=rid or uuid.uuid4(), dataset_id=self.ds.pk,
                            access_level=stricter(stored, current) if current
                            else stricter(stored))
        return stand_in, False

    def readable(self, version: DatasetVersion) -> dict[str, Any]:
        """The version's package dictionary as the caller may read it now."""
        data = copy.deepcopy(version.data or {})
        rights, ds = self.rights, self.ds
        mine = rights.mine(ds)
        then_level = str(data.get("access_level") or ds.access_level)
        shown = []
        for rd in data.get("resources", []):
            row, active = self._judged(rd, then_level)
            if not rights.sees(ds, row):
                continue
            ok = rights.resource(ds, row)
            url = str(rd.get("url") or "")
            upload = rd.get("url_type") == "upload"
            rd["file_version"] = None
            if upload:
                number = self._file_version(row.pk, version.at) if active else None
                if ok and number is not None:
                    rd["file_version"] = number
                    url = f"{self.site_url}{url}?version={number}" if url.startswith("/") else ""
                else:
                    url = ""
            if not ok:
                url = ""
            rd["url"], rd["restricted"] = url, not ok
            if not mine:
                rd["shared_with"] = []
            shown.append(rd)
        data["resources"] = shown
        data["num_resources"] = len(shown)
        if not mine:
            data["shared_with"] = []
        return data


def activity_dict(version: DatasetVersion, package: dict[str, Any] | None) -> dict[str, Any]:
    """A version as CKAN's activity dictionary (`data` only when `package` is given)."""
    return {
        "id": activity_id(version), "timestamp": stamp(version.at),
        "activity_type": ACTIVITY_TYPES.get(version.action, "changed package"),
        "object_id": str(version.dataset_id),
        "user_id": str(version.actor_id) if version.actor_id else None,
        "data": {"package": package} if package is not None else {},
    }


def dataset_versions(ds: Dataset, offset: int, limit: int) -> list[DatasetVersion]:
    return list(DatasetVersion.objects.filter(dataset=ds).order_by("-number")
                [offset:offset + limit])


def version_pair(ds: Dataset, number: int) -> tuple[DatasetVersion | None, DatasetVersion | None]:
    """The version `number` of the dataset and the one before it (None when missing)."""
    found = {v.number: v for v in DatasetVersion.objects.filter(dataset=ds)
             .filter(number__lte=number).order_by("-number")[:2]}
    this = found.pop(number, None)
    return this, (next(iter(found.values())) if this is not None and found else None)


def version_by_activity_id(user: Any, ref: str) -> tuple[Dataset, DatasetVersion]:
    """The version an activity id names, in a dataset the caller sees (else NotFound)."""
    head, _sep, tail = ref.partition(":")
    if _as_uuid(head) is None or not tail.isdigit() or len(tail) > 9:
        raise NotFound(_("Không tìm thấy hoạt động."))
    ds = selectors.dataset_for(user, head)
    version = DatasetVersion.objects.filter(dataset=ds, number=int(tail)).first()
    if version is None:
        raise NotFound(_("Không tìm thấy hoạt động."))
    return ds, version


# --- What changed from one version to the next ----------------------------------------------


def _names(items: Any, key: str) -> str:
    return ", ".join(str(i.get(key, "")) for i in items or [] if isinstance(i, dict))


def _choice(choices: Any) -> Any:
    labels = dict(choices.choices)
    return lambda v: str(labels.get(v, v or ""))


FIELDS: list[tuple[Any, Any]] = [
    (gettext_lazy("Tên bộ dữ liệu"), lambda d: d.get("title") or ""),
    (gettext_lazy("Mô tả"), lambda d: d.get("notes") or ""),
    (gettext_lazy("Cơ quan công bố"), lambda d: (d.get("organization") or {}).get("title", "")),
    (gettext_lazy("Mức truy cập"), lambda d: _choice(AccessLevel)(d.get("access_level"))),
    (gettext_lazy("Trạng thái"), lambda d: _choice(State)(d.get("state"))),
    (gettext_lazy("Giấy phép"), lambda d: d.get("license_title") or d.get("license_id") or ""),
    (gettext_lazy("Từ khóa"), lambda d: _names(d.get("tags"), "name")),
    (gettext_lazy("Chủ đề"), lambda d: _names(d.get("groups"), "title")),
    (gettext_lazy("Thời gian của dữ liệu"),
     lambda d: f"{d.get('temporal_start') or '…'} – {d.get('temporal_end') or '…'}"
     if d.get("temporal_start") or d.get("temporal_end") else ""),
    (gettext_lazy("Phạm vi địa lý"), lambda d: _names(d.get("spatial_units"), "name")),
    (gettext_lazy("Tần suất cập nhật"), lambda d: _choice(Frequency)(d.get("frequency"))),
    (gettext_lazy("Tác giả"), lambda d: " ".join(
        x for x in (d.get("author"), d.get("author_email")) if x)),
    (gettext_lazy("Liên hệ"), lambda d: " ".join(
        x for x in (d.get("maintainer"), d.get("maintainer_email")) if x)),
    (gettext_lazy("Trang nguồn"), lambda d: d.get("url") or ""),
    (gettext_lazy("Phiên bản ghi trong dữ liệu"), lambda d: d.get("version") or ""),
    (gettext_lazy("Chia sẻ với"), lambda d: ", ".join(d.get("shared_with") or [])),
]
RESOURCE_FIELDS = (("name", gettext_lazy("tên")), ("description", gettext_lazy("mô tả")),
                   ("format", gettext_lazy("định dạng")), ("url", gettext_lazy("đường dẫn")),
                   ("hash", gettext_lazy("tệp")),
                   ("access_level", gettext_lazy("mức truy cập")))


def _resource_label(rd: dict[str, Any]) -> str:
    return str(rd.get("name") or _("Tài nguyên không tên"))


def changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, str]]:
    """What changed from `old` to `new` (both already `readable`): one row per field, with
    the value before and after; resources added, removed or changed. Nothing for the first
    version."""
    if old is None:
        return []
    rows = []
    for label, value in FIELDS:
        a, b = value(old), value(new)
        if a != b:
            rows.append({"field": str(label), "old": a, "new": b})
    before = {r.get("id"): r for r in old.get("resources", [])}
    after = {r.get("id"): r for r in new.get("resources", [])}
    for rid, rd in after.items():
        if rid not in before:
            rows.append({"field": _("Thêm tài nguyên"), "old": "", "new": _resource_label(rd)})
            continue
        prev = before[rid]
        what = [str(label) for key, label in RESOURCE_FIELDS
                if key != "url" and (prev.get(key) or "") != (rd.get(key) or "")
                or key == "url" and prev.get("url_type") != "upload"
                and (prev.get("url") or "") != (rd.get("url") or "")]
        if what:
            rows.append({"field": _("Sửa tài nguyên “%(name)s”") % {"name": _resource_label(rd)},
                         "old": "", "new": _("Đổi: %(what)s") % {"what": ", ".join(what)}})
    for rid, rd in before.items():
        if rid not in after:
            rows.append({"field": _("Bỏ tài nguyên"), "old": _resource_label(rd), "new": ""})
    old_order = [i for i in before if i in after]
    new_order = [i for i in after if i in before]
    if old_order != new_order:
        rows.append({"field": _("Thứ tự tài nguyên"), "old": "", "new": _("đã đổi")})
    return rows


# --- CKAN actions -----------------------------------------------------------------------------


def package_activity_list(ctx: Any, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a dataset's activity stream, newest first (`id`: id or name; `offset`;
    `limit`, default 31, at most 100): each change kept as a version, with the dataset as it
    then was in `data.package` (as the caller may read it now)."""
    from tinhso.opendata.actions import _id, _ints

    ref = _id(data)
    p = _ints(data, offset=(0, 0), limit=(DEFAULT_LIMIT, 0))
    ds = selectors.dataset_for(ctx.user, ref)
    limit = min(p["limit"] if p["limit"] is not None else DEFAULT_LIMIT, MAX_LIMIT)
    versions = dataset_versions(ds, p["offset"] or 0, limit)
    reader = Reader(ds, ctx.rights, ctx.site_url)
    reader.load(versions)
    return [activity_dict(v, reader.readable(v)) for v in versions]


def activity_show(ctx: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Return one activity (`id`, as `package_activity_list` gives it); with `include_data`
    (default true) the dataset as it then was."""
    from tinhso.opendata.actions import _id

    ref = _id(data)
    errors = Errors()
    include = boolean(data, "include_data", errors, default=True)
    errors.raise_if_any()
    ds, version = version_by_activity_id(ctx.user, ref)
    if not include:
        return activity_dict(version, None)
    reader = Reader(ds, ctx.rights, ctx.site_url)
    reader.load([version])
    return activity_dict(version, reader.readable(version))
