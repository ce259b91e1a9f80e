"""Reads of harvesting: the change feed others harvest us by.

The feed lists every dataset the public sees or once saw, ordered by (metadata_modified, id),
after an opaque cursor. A dataset that is public now is "created" or "updated"; one that was
public and is no longer (deleted, made private, back to draft) is "deleted", under the last
name the public saw. A dataset never public never appears. Rows modified within the last few
seconds (`TINHSO_HARVEST_FEED_SETTLE_SECONDS`, 5 by default) wait for the next call, so a
transaction that took its time before a later one and commits after it is not skipped.

A dataset is listed after a cursor only for a change the public can see
(`last_public_changes`): a version that differs, as the public reads it now
(`activity.Reader.key`), from the version before it, a version of a dataset not public then
counting as "not there". So a change to a private resource only, or anything done to a dataset
while it is not public, lists nothing (the harvester has nothing to fetch), and
`metadata_modified` is the time of the last change the public could see. The rows are still
ordered and paged by the dataset's own `metadata_modified` (the cursor's position), so a page
may hold fewer results than `limit` while `has_more` is true."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField as Bool
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.fields.json import KT
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.harvest.models import Job, Source
from tinhso.opendata.access import download_rights
from tinhso.opendata.activity import Reader, load_many
from tinhso.opendata.models import AccessLevel, Dataset, DatasetVersion, State

MAX_LIMIT = 1000
ZERO = uuid.UUID(int=0)


@dataclass(frozen=True)
class Position:
    modified: dt.datetime
    id: uuid.UUID


@dataclass
class Change:
    id: str
    name: str
    change: str  # created | updated | deleted
    metadata_modified: dt.datetime


@dataclass
class ChangePage:
    results: list[Change]
    next_cursor: str | None
    has_more: bool
    until: dt.datetime


def cursor_encode(pos: Position) -> str:
    raw = json.dumps({"m": pos.modified.astimezone(dt.UTC).isoformat(), "i": pos.id.hex})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        modified = dt.datetime.fromisoformat(data["m"])
        if modified.tzinfo is None:
            raise ValueError("naive")
        return Position(modified=modified, id=uuid.UUID(hex=data["i"]))
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise DomainError.for_field("cursor", _("Con trỏ trang không hợp lệ.")) from None


def _public() -> Q:
    return Q(state=State.ACTIVE) & ~Q(access_level=AccessLevel.NAMED)


def _public_versions() -> Any:
    return DatasetVersion.objects.filter(
        dataset=OuterRef("pk"), data__state=State.ACTIVE, data__private=False
    )


FIRST_ROUND = 2  # versions read per dataset in the first round; each next round reads 4x


def _gone(version: DatasetVersion) -> bool:
    """Whether the public did not see the dataset as this version left it."""
    data = version.data or {}
    return bool(data.get("state") != State.ACTIVE or data.get("private")
                or data.get("access_level") == AccessLevel.NAMED)


def _differ(reader: Reader, newer: DatasetVersion, older: DatasetVersion) -> bool:
    """Whether the public saw `newer` change anything from `older` (the version before it);
    the versions' dictionaries are read only when the dataset was public in both."""
    gone = _gone(newer)
    if gone or _gone(older):
        return gone != _gone(older)
    return reader.key(newer) != reader.key(older)


def _after(version: DatasetVersion, after: Position) -> bool:
    """Whether the version comes after the feed's position (on the dataset's own order)."""
    return version.at > after.modified or (
        version.at == after.modified and version.dataset_id > after.id)


def last_public_changes(
    datasets: list[Dataset], *, until: dt.datetime, after: Position | None = None
) -> dict[uuid.UUID, DatasetVersion]:
    """For each dataset, its last version up to `until` that the public saw as a change (see
    the module's text), if it came after `after`. The versions are read newest first, a few
    per dataset for all of them in one query a round (with two for their resources), the
    rounds growing until each dataset is decided: a number of queries that does not grow with
    the number of datasets."""
    rights = download_rights(AnonymousUser())
    readers = {ds.pk: Reader(ds, rights) for ds in datasets}
    newer: dict[uuid.UUID, DatasetVersion] = {}
    found: dict[uuid.UUID, DatasetVersion] = {}
    pending = set(readers)
    done_rows, size = 0, FIRST_ROUND
    while pending:
        ranked = (
            DatasetVersion.objects.filter(dataset_id__in=list(pending), at__lte=until)
            .annotate(rank=Window(RowNumber(), partition_by=[F("dataset_id")],
                                  order_by=F("number").desc()))
            .filter(rank__gt=done_rows, rank__lte=done_rows + size)
            .order_by("dataset_id", "-number")
        )
        batch: dict[uuid.UUID, list[DatasetVersion]] = {pk: [] for pk in pending}
        for row in ranked:
            batch[row.dataset_id].append(row)
        # The resources' rows only for versions the public saw (their dictionaries compared).
        load_many((readers[pk], [v for v in vs if not _gone(v)]) for pk, vs in batch.items())
        for pk, versions in batch.items():
            decided = False
            for v in versions:
                seen = newer.get(pk)
                if seen is not None and _differ(readers[pk], seen, v):
                    found[pk], decided = seen, True
                    break
                if after is not None and not _after(v, after):
                    decided = True  # nothing the public saw changed since `after`
                    break
                newer[pk] = v
            if not decided and len(versions) < size:  # its first version: new if public
                seen = newer.get(pk)
                if seen is not None and not _gone(seen):
                    found[pk] = seen
                decided = True
            if decided:
                pending.discard(pk)
        done_rows += size
        size *= 4
    return found


def settle() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "TINHSO_HARVEST_FEED_SETTLE_SECONDS", 5))


def dataset_changes(
    *, since: dt.datetime | None = None, cursor: str = "", limit: int = 100
) -> ChangePage:
    """One page of the feed: after `cursor` if given, else from `since` (inclusive), else
    from the beginning. Costs one query, and a few more to find the changes the public saw
    (`last_public_changes`), however long the page."""
    after = (
        cursor_decode(cursor)
        if cursor
        else (
            Position(since if since.tzinfo else since.replace(tzinfo=dt.UTC), ZERO)
            if since is not None
            else None
        )
    )
    limit = max(1, min(limit, MAX_LIMIT))
    until = timezone.now() - settle()
    qs = (
        Dataset.objects.annotate(
            is_public=Case(
                When(_public(), then=Value(True)), default=Value(False), output_field=Bool()
            )
        )
        .filter(_public() | Exists(_public_versions()))
        .filter(metadata_modified__lte=until)
    )
    if after is not None:
        qs = qs.filter(
            Q(metadata_modified__gt=after.modified)
            | Q(metadata_modified=after.modified, pk__gt=after.id)
        )
    public_name = Subquery(_public_versions().order_by("-number").values(name=KT("data__name"))[:1])
    rows = list(
        qs.annotate(public_name=public_name)
        .order_by("metadata_modified", "id")
        .values("id", "name", "metadata_created", "metadata_modified", "is_public", "public_name",
                "access_level", "owner_org_id", "province_code")[: limit + 1]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    stand_ins = [
        Dataset(id=r["id"], access_level=r["access_level"], owner_org_id=r["owner_org_id"],
                province_code=r["province_code"])
        for r in rows
    ]
    changed = last_public_changes(stand_ins, until=until, after=after)
    results = []
    for r in rows:
        version = changed.get(r["id"])
        if version is None:  # nothing the public could see changed
            continue
        if not r["is_public"]:
            change, name = "deleted", r["public_name"] or ""
        elif after is None or r["metadata_created"] > after.modified:
            change, name = "created", r["name"]
        else:
            change, name = "updated", r["name"]
        results.append(Change(id=str(r["id"]), name=name, change=change,
                              metadata_modified=version.at))
    if rows:
        last = rows[-1]
        next_cursor: str | None = cursor_encode(Position(last["metadata_modified"], last["id"]))
    else:
        next_cursor = cursor or (cursor_encode(after) if after is not None else None)
    return ChangePage(results=results, next_cursor=next_cursor, has_more=has_more, until=until)


def sources() -> list[Source]:
    return list(Source.objects.select_related("agency").order_by("name"))


def last_job(source: Source) -> Job | None:
    return Job.objects.filter(source=source).order_by("-started_at").first()
