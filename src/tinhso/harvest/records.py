"""What a harvester hands the services: one remote dataset, already mapped onto the open data
app's dataset dictionary (CKAN field names, as `opendata.services` takes them), or the reason
it could not be."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from tinhso.core.text import fold

NAME_MAX = 100


@dataclass
class Record:
    remote_id: str
    remote_name: str = ""  # the remote name (CKAN) or a name made from the title (DCAT)
    modified: dt.datetime | None = None
    data: dict[str, Any] | None = None  # None with `error`, or when unchanged (`skip`)
    resource_ids: list[str] = field(default_factory=list)  # remote ids, in data's order
    error: str = ""
    fields: list[dict[str, str]] = field(default_factory=list)
    private: bool = False  # never pulled
    unchanged: bool = False  # known by its modified date; nothing to map


def content_hash(record: Record) -> str:
    payload = json.dumps(
        {"name": record.remote_name, "data": record.data, "resources": record.resource_ids},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def slug(text: str) -> str:
    """A CKAN name made of `text`: lowercase ASCII letters, digits, - and _."""
    cleaned = re.sub(r"[^a-z0-9_-]+", "-", fold(text)).strip("-_")
    return re.sub(r"-{2,}", "-", cleaned)[:NAME_MAX].strip("-_")


def moment(value: Any) -> dt.datetime | None:
    """A remote timestamp (CKAN's naive UTC, or ISO 8601 with an offset) as an aware one."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time.min)
    elif isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def text(value: Any) -> str:
    return "" if value is None else str(value)
