"""The open data sharing API: access requests between agencies, the grants they become and the
download log of an owner's datasets. Mounted in config/api.py at /api/v1/opendata. (The CKAN
Action API is `ckan.py`, at /api/3/action.)

Writes go through `sharing`, reads through `selectors`. Someone else's request or grant is a
404; bad input a 422 naming the field."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from tinhso.accounts.auth import API_AUTH
from tinhso.accounts.tokens import token_authenticate
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.schemas import ProblemOut
from tinhso.directory.models import Agency
from tinhso.opendata import selectors, sharing
from tinhso.opendata.access import visible_q
from tinhso.opendata.models import AccessGrant, AccessRequest, Dataset, DownloadLog
from tinhso.opendata.quality_selectors import quality_for, stale_datasets, usage_for

router = Router()
MAX_PAGE_SIZE = 100


class DatasetRef(Schema):
    id: str
    name: str = Field("", description="Trống khi cơ quan đề nghị chưa được xem bộ dữ liệu")
    title: str = ""
    organization: str = ""


class AgencyRef(Schema):
    code: str
    name: str


class ResourceRef(Schema):
    id: str
    name: str


class RequestIn(Schema):
    dataset: str = Field(..., description="Mã (UUID) hoặc tên bộ dữ liệu")
    purpose: str = Field(..., description="Mục đích sử dụng dữ liệu")
    agency: str = Field(
        "", description="Mã định danh cơ quan đề nghị, khi người gọi thuộc nhiều cơ quan"
    )
    resources: list[str] = Field(default_factory=list, description="Chỉ các tài nguyên này")
    wanted_until: dt.date | None = None


class RequestOut(Schema):
    id: str
    dataset: DatasetRef
    agency: AgencyRef
    requested_by: str
    purpose: str
    resources: list[ResourceRef]
    wanted_until: dt.date | None
    status: str
    created: dt.datetime
    decided_at: dt.datetime | None
    decided_by: str | None
    reason: str
    grant: str | None


class RequestPage(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    results: list[RequestOut]


class ApproveIn(Schema):
    until: dt.date | None = Field(None, description="Ngày cuối cùng được truy cập")


class RefuseIn(Schema):
    reason: str


class RevokeIn(Schema):
    reason: str = ""


class GrantOut(Schema):
    id: str
    dataset: DatasetRef
    agency: AgencyRef
    resources: list[ResourceRef]
    valid_from: dt.datetime
    valid_until: dt.datetime
    valid: bool
    revoked_at: dt.datetime | None
    revoke_reason: str
    request: str | None


class GrantPage(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    results: list[GrantOut]


class DownloadOut(Schema):
    at: dt.datetime
    user: str | None
    agency: AgencyRef | None
    resource: ResourceRef | None
    route: str
    version: int | None


class DownloadPage(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    results: list[DownloadOut]


class MonthOut(Schema):
    month: str
    downloads: int


class PageIn(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class RequestFilters(PageIn):
    side: Literal["mine", "owner"] = "mine"
    status: Literal["", "pending", "approved", "refused"] = ""


class GrantFilters(PageIn):
    side: Literal["mine", "owner"] = "mine"
    valid: bool = False


def _page(qs: Any, p: PageIn) -> tuple[dict[str, Any], list[Any]]:
    count = qs.count()
    start = (p.page - 1) * p.page_size
    rows = list(qs[start : start + p.page_size]) if start < count else []
    meta = {
        "count": count,
        "page": p.page,
        "page_size": p.page_size,
        "num_pages": max(1, math.ceil(count / p.page_size)),
    }
    return meta, rows


def _agency(a: Agency | None) -> dict[str, str] | None:
    return {"code": a.code, "name": a.name} if a is not None else None


def _person(u: Any) -> str | None:
    return (getattr(u, "full_name", "") or u.get_username()) if u is not None else None


def _dataset(ds: Dataset, shown: bool) -> dict[str, str]:
    if not shown:
        return {"id": str(ds.pk)}
    return {"id": str(ds.pk), "name": ds.name, "title": ds.title, "organization": ds.owner_org.code}


def _seen(user: Any, datasets: list[Dataset]) -> set[Any]:
    """Which of these datasets the caller sees (one query): a private dataset asked for by id
    shows its name only once the caller may see it."""
    ids = {d.pk for d in datasets}
    if not ids:
        return set()
    return set(Dataset.objects.filter(visible_q(user), pk__in=ids).values_list("pk", flat=True))


def _request(req: AccessRequest, shown: bool) -> dict[str, Any]:
    try:
        grant = str(req.grant.pk)  # type: ignore[attr-defined]
    except AccessGrant.DoesNotExist:
        grant = None
    return {
        "id": str(req.pk),
        "dataset": _dataset(req.dataset, shown),
        "agency": _agency(req.agency),
        "requested_by": _person(req.requested_by),
        "purpose": req.purpose,
        "resources": [{"id": str(r.pk), "name": r.name} for r in req.resources.all()],
        "wanted_until": req.wanted_until,
        "status": req.status,
        "created": req.created,
        "decided_at": req.decided_at,
        "decided_by": _person(req.decided_by),
        "reason": req.reason,
        "grant": grant,
    }


def _requests(user: Any, reqs: list[AccessRequest]) -> list[dict[str, Any]]:
    seen = _seen(user, [r.dataset for r in reqs])
    return [_request(r, r.dataset_id in seen) for r in reqs]


def _grant(g: AccessGrant, shown: bool, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": str(g.pk),
        "dataset": _dataset(g.dataset, shown),
        "agency": _agency(g.agency),
        "resources": [{"id": str(r.pk), "name": r.name} for r in g.resources.all()],
        "valid_from": g.valid_from,
        "valid_until": g.valid_until,
        "valid": g.valid_at(now),
        "revoked_at": g.revoked_at,
        "revoke_reason": g.revoke_reason,
        "request": str(g.request_id) if g.request_id else None,
    }


def _requesting_agency(code: str) -> Agency | None:
    if not code.strip():
        return None
    agency = Agency.objects.filter(code=code.strip()).first()
    if agency is None:
        raise DomainError.for_field("agency", _("Không tìm thấy cơ quan."))
    return agency


# --- requests -------------------------------------------------------------------------------


@router.post(
    "/requests",
    response={201: RequestOut, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut},
    auth=API_AUTH,
    url_name="opendata_request_create",
    summary="Đề nghị truy cập một bộ dữ liệu hạn chế",
)
def request_create(request: HttpRequest, payload: RequestIn) -> Reply[dict[str, Any]]:
    user = request.auth  # type: ignore[attr-defined]
    req = sharing.request_create(
        actor=user,
        dataset=payload.dataset,
        purpose=payload.purpose,
        agency=_requesting_agency(payload.agency),
        resources=payload.resources,
        wanted_until=payload.wanted_until,
    )
    return Reply(201, _requests(user, [selectors.access_request_for(user, req.pk)])[0])


@router.get(
    "/requests",
    response={200: RequestPage, 422: ProblemOut},
    auth=API_AUTH,
    url_name="opendata_request_list",
    summary="Đề nghị của cơ quan mình (side=mine) hoặc gửi đến dữ liệu của mình (side=owner)",
)
def request_list(request: HttpRequest, filters: Query[RequestFilters]) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    meta, rows = _page(
        selectors.access_requests(user, side=filters.side, status=filters.status), filters
    )
    return {**meta, "results": _requests(user, rows)}


@router.get(
    "/requests/{request_id}",
    response={200: RequestOut, 404: ProblemOut},
    auth=API_AUTH,
    url_name="opendata_request_detail",
    summary="Một đề nghị",
)
def request_detail(request: HttpRequest, request_id: str) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    return _requests(user, [selectors.access_request_for(user, request_id)])[0]


@router.post(
    "/requests/{request_id}/approve",
    response={200: GrantOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut},
    auth=API_AUTH,
    url_name="opendata_request_approve",
    summary="Chấp thuận đề nghị: cấp quyền đến một ngày",
)
def request_approve(request: HttpRequest, request_id: str, payload: ApproveIn) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    grant = sharing.request_approve(actor=user, request_id=request_id, until=payload.until)
    g = selectors.access_grants(user, side="owner").get(pk=grant.pk)
    return _grant(g, True, timezone.now())


@router.post(
    "/requests/{request_id}/refuse",
    response={200: RequestOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut},
    auth=API_AUTH,
    url_name="opendata_request_refuse",
    summary="Từ chối đề nghị, nêu lý do",
)
def request_refuse(request: HttpRequest, request_id: str, payload: RefuseIn) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    req = sharing.request_refuse(actor=user, request_id=request_id, reason=payload.reason)
    return _requests(user, [selectors.access_request_for(user, req.pk)])[0]


# --- grants ---------------------------------------------------------------------------------


@router.get(
    "/grants",
    response={200: GrantPage, 422: ProblemOut},
    auth=API_AUTH,
    url_name="opendata_grant_list",
    summary="Quyền được cấp cho cơ quan mình (side=mine) hoặc trên dữ liệu của mình (side=owner)",
)
def grant_list(request: HttpRequest, filters: Query[GrantFilters]) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    now = timezone.now()
    meta, rows = _page(
        selectors.access_grants(user, side=filters.side, valid_only=filters.valid, now=now), filters
    )
    seen = _seen(user, [g.dataset for g in rows])
    return {**meta, "results": [_grant(g, g.dataset_id in seen, now) for g in rows]}


@router.post(
    "/grants/{grant_id}/revoke",
    response={200: GrantOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut},
    auth=API_AUTH,
    url_name="opendata_grant_revoke",
    summary="Thu hồi quyền truy cập",
)
def grant_revoke(request: HttpRequest, grant_id: str, payload: RevokeIn) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    grant = sharing.grant_revoke(actor=user, grant_id=grant_id, reason=payload.reason)
    g = selectors.access_grants(user, side="owner").get(pk=grant.pk)
    return _grant(g, True, timezone.now())


# --- the download log -----------------------------------------------------------------------


def _download(row: DownloadLog) -> dict[str, Any]:
    res = row.resource
    return {
        "at": row.at,
        "user": _person(row.user),
        "agency": _agency(row.agency),
        "resource": {"id": str(res.pk), "name": res.name} if res is not None else None,
        "route": row.route,
        "version": row.version,
    }


@router.get(
    "/datasets/{ref}/downloads",
    response={200: DownloadPage, 404: ProblemOut, 422: ProblemOut},
    auth=API_AUTH,
    url_name="opendata_download_log",
    summary="Nhật ký tải dữ liệu hạn chế của một bộ dữ liệu (cơ quan chủ quản)",
)
def download_list(request: HttpRequest, ref: str, p: Query[PageIn]) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    meta, rows = _page(selectors.download_log_of(user, ref), p)
    return {**meta, "results": [_download(r) for r in rows]}


@router.get(
    "/datasets/{ref}/downloads/monthly",
    response={200: list[MonthOut], 404: ProblemOut},
    auth=API_AUTH,
    url_name="opendata_download_months",
    summary="Số lượt tải dữ liệu hạn chế theo tháng",
)
def download_months(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    user = request.auth  # type: ignore[attr-defined]
    return [
        {
            "month": timezone.localtime(m).strftime("%Y-%m")
            if isinstance(m, dt.datetime)
            else m.strftime("%Y-%m"),
            "downloads": n,
        }
        for m, n in selectors.downloads_by_month(user, ref)
    ]


# --- quality and use (quality.py, usage.py) -------------------------------------------------


def _caller(request: HttpRequest) -> Any:
    """For operations open to anyone: the token's user, else the session's, else anonymous;
    what the caller sees decides what they get. A token that does not authenticate is refused
    rather than ignored."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = token_authenticate(header[7:].strip())
        if user is None:
            raise NotAllowed(_("Mã truy cập API không hợp lệ hoặc đã hết hạn."))
        return user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else AnonymousUser()


class CriterionOut(Schema):
    code: str
    label: str
    points: int
    max_points: int
    hint: str


class QualityOut(Schema):
    dataset: DatasetRef
    score: int = Field(..., description="0–100")
    stale: bool
    stale_after: dt.datetime | None = Field(None, description="Quá hạn cập nhật từ thời điểm này")
    data_updated: dt.datetime | None
    frequency: str
    criteria: list[CriterionOut]


class UsageMonthOut(Schema):
    month: str = Field(..., description="YYYY-MM")
    views: int
    downloads: int
    api_calls: int


class UsageOut(Schema):
    dataset: DatasetRef
    months: list[UsageMonthOut]


class UsageFilters(Schema):
    from_: str = Field("", alias="from", pattern=r"^(\d{4}-\d{2})?$", description="YYYY-MM")
    to: str = Field("", pattern=r"^(\d{4}-\d{2})?$", description="YYYY-MM")


class StaleOut(Schema):
    dataset: DatasetRef
    frequency: str
    data_updated: dt.datetime | None
    stale_after: dt.datetime | None
    score: int


class StalePage(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    results: list[StaleOut]


def _month(value: str, field_name: str) -> dt.date | None:
    if not value:
        return None
    year, month = (int(x) for x in value.split("-"))
    if not 1 <= month <= 12 or year < 1:
        raise DomainError.for_field(field_name, _("Tháng không hợp lệ (YYYY-MM)."))
    return dt.date(year, month, 1)


@router.get(
    "/datasets/{ref}/quality",
    response={200: QualityOut, 404: ProblemOut},
    auth=None,
    url_name="opendata_dataset_quality",
    summary="Điểm chất lượng của một bộ dữ liệu, theo từng tiêu chí và cách khắc phục",
)
def dataset_quality(request: HttpRequest, ref: str) -> dict[str, Any]:
    scored = quality_for(_caller(request), ref)
    q, ds = scored.quality, scored.dataset
    return {
        "dataset": _dataset(ds, True),
        "score": q.score,
        "stale": q.stale,
        "stale_after": q.stale_after,
        "data_updated": scored.facts.data_updated,
        "frequency": ds.frequency,
        "criteria": [
            {
                "code": c.code,
                "label": str(c.label),
                "points": c.points,
                "max_points": c.max_points,
                "hint": str(c.hint),
            }
            for c in q.criteria
        ],
    }


@router.get(
    "/datasets/{ref}/usage",
    response={200: UsageOut, 404: ProblemOut, 422: ProblemOut},
    auth=None,
    url_name="opendata_dataset_usage",
    summary="Lượt xem, lượt tải và lượt gọi API theo tháng (from, to: YYYY-MM)",
)
def dataset_usage(request: HttpRequest, ref: str, f: Query[UsageFilters]) -> dict[str, Any]:
    start, end = _month(f.from_, "from"), _month(f.to, "to")
    if start and end and start > end:
        raise DomainError.for_field("to", _("Tháng kết thúc phải sau tháng bắt đầu."))
    ds, rows = usage_for(_caller(request), ref, start=start, end=end)
    return {
        "dataset": _dataset(ds, True),
        "months": [
            {
                "month": r["month"].strftime("%Y-%m"),
                "views": r["view"],
                "downloads": r["download"],
                "api_calls": r["api"],
            }
            for r in rows
        ],
    }


@router.get(
    "/stale",
    response={200: StalePage, 403: ProblemOut, 422: ProblemOut},
    auth=API_AUTH,
    url_name="opendata_stale",
    summary="Bộ dữ liệu của cơ quan mình đã quá hạn cập nhật theo tần suất đã khai báo",
)
def stale_list(request: HttpRequest, p: Query[PageIn]) -> dict[str, Any]:
    meta, rows = _page(stale_datasets(request.auth), p)  # type: ignore[attr-defined]
    return {
        **meta,
        "results": [
            {
                "dataset": _dataset(ds, True),
                "frequency": ds.frequency,
                "data_updated": ds.quality.data_updated,
                "stale_after": ds.quality.stale_after,
                "score": ds.quality.score,
            }
            for ds in rows
        ],
    }
