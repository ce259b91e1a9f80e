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
the dataset.

A caller sees a version as a change only when it differs, as they may read it now, from the
version before it (`Reader.key`: the readable dictionary without what every save stamps anew,
such as `metadata_modified`, positions and the datastore flag); the first version is always a
change. So a change that touched only resources the caller cannot see (a private resource
added, edited or removed) is neither listed (`package_activity_list`, the portal's lists of
versions) nor shown (`activity_show` and the version's page answer "not found"), and the
version shown after it lists the difference from the last version the caller saw. The owner
agency's officers, who see everything, see every version. `Reader.shown` reads the versions
newest first in growing batches (two queries a batch with the resources' rows and files, never
one per version) until it has as many changes as asked for; `load_many` loads several
datasets' readers at once (the harvest change feed)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable
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
SCAN_FIRST = 32  # versions read in the first batch of `Reader.shown`; each next one is 4x
SCAN_MAX = 2000
# What every save stamps anew, which is no change the caller could see: the dataset's and each
# resource's time of the write, a resource's position (its order is compared as the list's)
# and whether its table was loaded by then.
VOLATILE = ("metadata_modified",)
RESOURCE_VOLATILE = ("metadata_modified", "position", "datastore_active")
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
    and their kept files once for all the versions it is given (`load`, `load_many`)."""

    def __init__(self, ds: Dataset, rights: DownloadRights, site_url: str = "") -> None:
        self.ds, self.rights, self.site_url = ds, rights, site_url
        self.rows: dict[uuid.UUID, Resource] = {}
        self.files: dict[uuid.UUID, list[tuple[Any, int]]] = {}
        self._asked: set[uuid.UUID] = set()  # resource ids whose rows were read (or absent)
        self._keys: dict[Any, dict[str, Any]] = {}

    def load(self, versions: list[DatasetVersion]) -> None:
        load_many([(self, versions)])

    def _wanted(self, versions: list[DatasetVersion]) -> set[uuid.UUID]:
        ids = {i for v in versions for r in (v.data or {}).get("resources", [])
               if (i := _as_uuid(r.get("id"))) is not None} - self._asked
        self._asked |= ids
        return ids

    def sees_all(self) -> bool:
        """Whether the caller reads every version whole (the owner agency's officers)."""
        return self.rights.mine(self.ds)

    def key(self, version: DatasetVersion) -> dict[str, Any]:
        """What the caller can see of `version`, without what every save stamps anew: two
        consecutive versions with the same key are no change to them. Needs `load`."""
        found = self._keys.get(version.pk)
        if found is not None:
            return found
        raw = version.data or {}
        data = self._read({**raw, "resources": [dict(r) for r in raw.get("resources", [])]},
                          version.at)
        for name in VOLATILE:
            data.pop(name, None)
        # The names of the agency, themes and units as they were then: what the dataset
        # points at is compared, not the other records' own edits.
        data["organization"] = (data.get("organization") or {}).get("id")
        data["groups"] = [g.get("name") for g in data.get("groups") or []]
        data["spatial_units"] = [u.get("code") for u in data.get("spatial_units") or []]
        for rd in data["resources"]:
            for name in RESOURCE_VOLATILE:
                rd.pop(name, None)
        self._keys[version.pk] = data
        return data

    def shown(self, *, want: int | None = None, skip: int = 0, below: int | None = None,
              only: tuple[str, ...] = ()) -> list[DatasetVersion]:
        """The versions the caller sees as changes, newest first, numbered below `below`
        (None: from the newest): the first `skip` left out, then at most `want` (None: all).
        For the owner's officers every version (`only`: the fields to read then)."""
        qs = DatasetVersion.objects.filter(dataset=self.ds)
        if below is not None:
            qs = qs.filter(number__lt=below)
        qs = qs.order_by("-number")
        if self.sees_all():
            rows = qs.only(*only) if only else qs
            return list(rows[skip:] if want is None else rows[skip:skip + want])
        return self._scan(qs, None if want is None else want + skip)[skip:]

    def _scan(self, qs: Any, want: int | None) -> list[DatasetVersion]:
        """The first `want` (None: all) of the versions `qs` gives, newest first, that the
        caller sees as changes: read in growing batches, each compared with the one before."""
        shown: list[DatasetVersion] = []
        newer: tuple[DatasetVersion, dict[str, Any]] | None = None
        size = max(SCAN_FIRST, (want or 0) + 1)
        top: int | None = None
        while True:
            batch = list((qs if top is None else qs.filter(number__lt=top))[:size])
            self.load(batch)
            for v in batch:
                k = self.key(v)
                if newer is not None and newer[1] != k:
                    shown.append(newer[0])
                    if want is not None and len(shown) >= want:
                        return shown
                newer = (v, k)
            if len(batch) < size:  # the first version: always a change
                if newer is not None:
                    shown.append(newer[0])
                return shown[:want] if want is not None else shown
            top = batch[-1].number
            size = min(size * 4, SCAN_MAX)

    def visible(self, number: int) -> tuple[DatasetVersion | None, DatasetVersion | None]:
        """The version `number` if the caller sees it as a change, and the change they saw
        before it (None when missing or not a change to them)."""
        pair = self.shown(want=2, below=number + 1)
        if not pair or pair[0].number != number:
            return None, None
        return pair[0], (pair[1] if len(pair) > 1 else None)

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
        return self._read(copy.deepcopy(version.data or {}), version.at)

    def _read(self, data: dict[str, Any], at: Any) -> dict[str, Any]:
        """`readable` on `data`, which it changes: the dictionary itself and its resources'
        (so for `key`, a copy of those two levels is enough)."""
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
                number = self._file_version(row.pk, at) if active else None
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


def load_many(pairs: Iterable[tuple[Reader, list[DatasetVersion]]]) -> None:
    """`Reader.load` for several readers at once: the rows of the resources the versions name
    (not read before) and their kept files, in two queries for them all (none when none)."""
    pairs = list(pairs)
    owner: dict[uuid.UUID, Reader] = {}
    latest = None
    for reader, versions in pairs:
        if not versions:
            continue
        for rid in reader._wanted(versions):
            owner[rid] = reader
        at = max(v.at for v in versions)
        latest = at if latest is None or at > latest else latest
    if not owner or latest is None:
        return
    found = []
    for r in (Resource.objects.filter(pk__in=list(owner))
              .only("id", "dataset_id", "access_level", "state", "url_type")):
        reader = owner[r.pk]
        if r.dataset_id == reader.ds.pk:
            reader.rows[r.pk] = r
            found.append(r.pk)
    if not found:
        return
    for rid, number, at in (ResourceVersion.objects
                            .filter(resource_id__in=found, at__lte=latest)
                            .exclude(storage_path="")
                            .values_list("resource_id", "number", "at")):
        owner[rid].files.setdefault(rid, []).append((at, number))


def activity_dict(version: DatasetVersion, package: dict[str, Any] | None) -> dict[str, Any]:
    """A version as CKAN's activity dictionary (`data` only when `package` is given)."""
    return {
        "id": activity_id(version), "timestamp": stamp(version.at),
        "activity_type": ACTIVITY_TYPES.get(version.action, "changed package"),
        "object_id": str(version.dataset_id),
        "user_id": str(version.actor_id) if version.actor_id else None,
        "data": {"package": package} if package is not None else {},
    }


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
    offset = p["offset"] or 0
    reader = Reader(ds, ctx.rights, ctx.site_url)
    versions = reader.shown(want=limit, skip=offset)
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
    reader = Reader(ds, ctx.rights, ctx.site_url)
    if reader.visible(version.number)[0] is None:  # no change the caller could see
        raise NotFound(_("Không tìm thấy hoạt động."))
    if not include:
        return activity_dict(version, None)
    reader.load([version])
    return activity_dict(version, reader.readable(version))
