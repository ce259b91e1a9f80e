"""Reads of harvesting: the change feed others harvest us by.

The feed lists every dataset the public sees or once saw, ordered by (metadata_modified, id),
after an opaque cursor. A dataset that is public now is "created" or "updated"; one that was
public and is no longer (deleted, made private, back to draft) is "deleted", under the last
name the public saw. A dataset never public never appears. Rows modified within the last few
seconds (`TINHSO_HARVEST_FEED_SETTLE_SECONDS`, 5 by default) wait for the next call, so a
transaction that took its time before a later one and commits after it is not skipped."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import BooleanField as Bool
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.harvest.models import Job, Source
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


def settle() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "TINHSO_HARVEST_FEED_SETTLE_SECONDS", 5))


def dataset_changes(
    *, since: dt.datetime | None = None, cursor: str = "", limit: int = 100
) -> ChangePage:
    """One page of the feed: after `cursor` if given, else from `since` (inclusive), else
    from the beginning. Costs one query."""
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
        .values("id", "name", "metadata_created", "metadata_modified", "is_public", "public_name")[
            : limit + 1
        ]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    results = []
    for r in rows:
        if not r["is_public"]:
            change, name = "deleted", r["public_name"] or ""
        elif after is None or r["metadata_created"] > after.modified:
            change, name = "created", r["name"]
        else:
            change, name = "updated", r["name"]
        results.append(
            Change(
                id=str(r["id"]), name=name, change=change, metadata_modified=r["metadata_modified"]
            )
        )
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
