"""Harvesting a CKAN catalog through its Action API, as ckanext-harvest's CKANHarvester does
(`package_search` with `fq=metadata_modified:[X TO *]`), with two changes:

- pages follow the modification date rather than an offset: each page asks again from the
  last date seen (`sort=metadata_modified asc, id asc`), so a dataset changed during the run
  moves to the end and is read there, and nothing shifts under the pages still to come;
- deletions are detected: the ids of every public remote dataset are listed (`fl=id`, sorted
  by id), and each harvested dataset missing from the list is confirmed gone (or private)
  with one more search by id before it is deleted here. A listing cut short deletes nothing.

Requests are anonymous, so private remote datasets are never returned; a result that says
`private` anyway is skipped."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

from tinhso.harvest.client import Ckan, RemoteError
from tinhso.harvest.records import Record, moment, text
from tinhso.opendata.models import AccessLevel, Frequency, Group

SORT = "metadata_modified asc, id asc"
LIST_ROWS = 1000
CONFIRM_BATCH = 50
MAX_PAGES = 100_000
HARVEST_EXTRAS = ("harvest_source", "harvest_remote_id")
TEXT_FIELDS = (
    "title",
    "notes",
    "url",
    "version",
    "license_id",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
)
RESOURCE_FIELDS = ("name", "description", "format", "mimetype", "size", "hash", "last_modified")


def solr_time(value: dt.datetime) -> str:
    """A time as Solr takes it in a range: UTC, milliseconds at most, `Z`. Rounded down, so
    an inclusive range from it never misses the dataset it came from."""
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _floor_ms(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _extras(pkg: dict[str, Any]) -> list[dict[str, str]]:
    raw = pkg.get("extras") or []
    if isinstance(raw, dict):  # CKAN API v1/v2 gave a mapping
        raw = [{"key": k, "value": v} for k, v in raw.items()]
    out = []
    for item in raw:
        if not isinstance(item, dict) or item.get("key") in HARVEST_EXTRAS:
            continue
        value = item.get("value")
        out.append(
            {
                "key": text(item.get("key")),
                "value": value if isinstance(value, str) else json.dumps(value),
            }
        )
    return out


def _resource(res: dict[str, Any], base_url: str) -> dict[str, Any]:
    url = text(res.get("url"))
    if not url and res.get("id"):
        # Data the remote keeps for some callers (our own "for agencies" level): point at the
        # remote resource, where an entitled caller gets the file.
        url = f"{base_url}/api/3/action/resource_show?id={res['id']}"
    # A resource the remote keeps for agencies stays so here; otherwise it follows the dataset.
    restricted = res.get("access_level") == AccessLevel.AGENCIES or res.get("restricted") is True
    out: dict[str, Any] = {"url": url, "access_level": AccessLevel.AGENCIES if restricted else None}
    for key in RESOURCE_FIELDS:
        if res.get(key) not in (None, ""):
            out[key] = res[key]
    return out


def dataset_dict(
    pkg: dict[str, Any], base_url: str, local_groups: set[str]
) -> tuple[dict[str, Any], list[str]]:
    """A remote package as our dataset dictionary (without name and owner, which the source
    decides), and the remote ids of its resources in order. Remote groups are kept where a
    theme of that name exists here (ckanext-harvest's `remote_groups: only_local`)."""
    data: dict[str, Any] = {k: pkg[k] for k in TEXT_FIELDS if pkg.get(k) not in (None, "")}
    if pkg.get("frequency") in Frequency.values:
        data["frequency"] = pkg["frequency"]
    for key in ("temporal_start", "temporal_end"):
        if pkg.get(key):
            data[key] = pkg[key]
    data["tags"] = [
        {"name": t["name"] if isinstance(t, dict) else t} for t in pkg.get("tags") or []
    ]
    groups = [g.get("name") if isinstance(g, dict) else g for g in pkg.get("groups") or []]
    data["groups"] = [{"name": g} for g in groups if g in local_groups]
    data["extras"] = _extras(pkg)
    data["access_level"] = (
        AccessLevel.AGENCIES if pkg.get("access_level") == "agencies" else AccessLevel.OPEN
    )
    resources = [
        r
        for r in pkg.get("resources") or []
        if isinstance(r, dict) and r.get("state", "active") == "active"
    ]
    data["resources"] = [_resource(r, base_url) for r in resources]
    return data, [text(r.get("id")) for r in resources]


class CkanHarvester:
    def __init__(
        self, base_url: str, remote_filter: str = "", *, rows: int = 100, client: Ckan | None = None
    ) -> None:
        self.client = client or Ckan(base_url)
        self.base_url = base_url.rstrip("/")
        self.remote_filter = remote_filter
        self.rows = rows

    def _fq(self) -> dict[str, Any]:
        return {"fq": self.remote_filter} if self.remote_filter else {}

    def _record(self, pkg: Any, local_groups: set[str]) -> Record:
        if not isinstance(pkg, dict) or not pkg.get("id"):
            return Record(remote_id="?", error="Bộ dữ liệu không có id.")
        rec = Record(
            remote_id=str(pkg["id"]),
            remote_name=text(pkg.get("name")),
            modified=moment(pkg.get("metadata_modified")),
        )
        if pkg.get("private") is True:
            rec.private = True
            return rec
        try:
            rec.data, rec.resource_ids = dataset_dict(pkg, self.base_url, local_groups)
        except (TypeError, KeyError, AttributeError, ValueError) as exc:
            rec.error = f"Không đọc được bộ dữ liệu: {exc}"
        return rec

    def records(
        self, since: dt.datetime | None, on_total: Callable[[int], None] | None = None
    ) -> Iterator[Record]:
        """The remote datasets modified at or after `since` (all when None), oldest first."""
        local_groups = set(Group.objects.filter(is_active=True).values_list("name", flat=True))
        lower = _floor_ms(since) if since else None
        start, seen = 0, set()
        for _page in range(MAX_PAGES):
            ranged = [f"metadata_modified:[{solr_time(lower)} TO *]"] if lower else []
            result = self.client.call(
                "package_search",
                q="*:*",
                fq_list=ranged,
                rows=self.rows,
                start=start,
                sort=SORT,
                include_private=False,
                **self._fq(),
            )
            if not isinstance(result, dict) or not isinstance(result.get("results"), list):
                raise RemoteError("package_search: no results list")
            if on_total is not None and _page == 0:
                on_total(int(result.get("count") or 0))
            page = result["results"]
            for pkg in page:
                key = (
                    (pkg.get("id"), pkg.get("metadata_modified")) if isinstance(pkg, dict) else None
                )
                if key in seen:
                    continue
                seen.add(key)
                yield self._record(pkg, local_groups)
            if len(page) < self.rows:
                return
            last = moment(page[-1].get("metadata_modified")) if isinstance(page[-1], dict) else None
            if last is None:
                raise RemoteError("package_search: a result without metadata_modified")
            last = _floor_ms(last)
            if last == lower:
                start += self.rows  # a page's worth share one date: step through them
            else:
                lower = last
                start = sum(
                    1
                    for p in page
                    if isinstance(p, dict)
                    and _floor_ms(moment(p.get("metadata_modified")) or last) == last
                )
        raise RemoteError("package_search: too many pages")

    def _listed(self) -> set[str]:
        ids: set[str] = set()
        start = 0
        while True:
            result = self.client.call(
                "package_search",
                q="*:*",
                rows=LIST_ROWS,
                start=start,
                sort="id asc",
                fl="id",
                include_private=False,
                **self._fq(),
            )
            page = result.get("results") if isinstance(result, dict) else None
            if not isinstance(page, list):
                raise RemoteError("package_search: no results list")
            ids.update(str(p["id"]) for p in page if isinstance(p, dict) and p.get("id"))
            if len(page) < LIST_ROWS:
                return ids
            start += LIST_ROWS

    def _still_there(self, ids: list[str]) -> set[str]:
        quoted = " OR ".join(f'"{i}"' for i in ids)
        result = self.client.call(
            "package_search",
            q="*:*",
            fq_list=[f"id:({quoted})"],
            rows=len(ids),
            fl="id",
            include_private=False,
            **self._fq(),
        )
        page = result.get("results") if isinstance(result, dict) else None
        if not isinstance(page, list):
            raise RemoteError("package_search: no results list")
        return {str(p["id"]) for p in page if isinstance(p, dict) and p.get("id")}

    def gone(self, known: set[str]) -> set[str]:
        """Which of the `known` remote ids no longer exist publicly upstream."""
        if not known:
            return set()
        candidates = sorted(known - self._listed())
        gone: set[str] = set()
        for i in range(0, len(candidates), CONFIRM_BATCH):
            batch = candidates[i : i + CONFIRM_BATCH]
            gone.update(set(batch) - self._still_there(batch))
        return gone
