"""The change feed: `GET /api/v1/opendata/changes`, for portals that harvest us completely
(creations, updates and deletions), paged by an opaque cursor. Public data only, and only
changes the public can see (`selectors.last_public_changes`); no authentication, like the CKAN
read actions and the DCAT catalog. Advertised by a `rel="alternate"` link on `/du-lieu/`."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from tinhso.core.schemas import ProblemOut
from tinhso.harvest import selectors

router = Router()


class ChangesIn(Schema):
    since: dt.datetime | None = Field(None, description="ISO 8601; ignored with a cursor")
    cursor: str = Field("", max_length=200)
    limit: int = Field(100, ge=1, le=selectors.MAX_LIMIT)


class ChangeOut(Schema):
    id: str
    name: str
    change: Literal["created", "updated", "deleted"]
    metadata_modified: dt.datetime


class ChangePageOut(Schema):
    results: list[ChangeOut]
    next_cursor: str | None = Field(
        None, description="pass back as `cursor` for the next page, or later for what changed"
    )
    has_more: bool
    until: dt.datetime = Field(description="changes up to this moment are in the feed")


@router.get(
    "",
    response={200: ChangePageOut, 422: ProblemOut},
    auth=None,
    summary="Những thay đổi của dữ liệu mở công khai (tạo, sửa, xóa)",
)
def changes(request: HttpRequest, params: Query[ChangesIn]) -> selectors.ChangePage:
    return selectors.dataset_changes(since=params.since, cursor=params.cursor, limit=params.limit)
