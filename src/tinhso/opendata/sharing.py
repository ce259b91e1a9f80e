"""Restricted sharing between agencies: access requests, the grants they become, and the log
of downloads of data that is not open. Every write here is a service (one transaction, the
acting user's permission, an audit event); reads are in `selectors`.

- An agency's publishers (`opendata.dataset.publish` in that agency) ask for a dataset that is
  not open, or for an open dataset's resources that are not, stating a purpose (and optionally
  some of its resources and a wanted end date).
- The owner agency's publishers approve (a grant until a date: by default the wanted one or a
  year from today, never beyond `TINHSO_OPENDATA_GRANT_MAX_DAYS`, default 730) or refuse with
  a reason; the owner may revoke a grant at any time.
- A grant is valid while `valid_from <= now < valid_until` and not revoked (`access`).

A private dataset (`named`) is found for a request by its id only (an unguessable UUID the
owner gave out, or one the agency saw under an earlier grant): by name only when the caller
already sees it, so that a request never tells whether a name exists."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, FieldError, NotFound
from tinhso.directory.models import Agency, Role
from tinhso.directory.permissions import PERMISSIONS, agency_scope, ensure_can
from tinhso.notifications.services import notification_queue
from tinhso.opendata.access import (
    PUBLISH,
    RESTRICTED,
    DownloadRights,
    effective_level,
    restricted_resources_q,
    visible_q,
    visible_resources_q,
)
from tinhso.opendata.models import (
    AccessGrant,
    AccessLevel,
    AccessRequest,
    Dataset,
    DownloadLog,
    RequestStatus,
    Resource,
    State,
)

# Who asks for, and who decides on, another agency's data: the agency's publishers (its
# specialists, leaders and administrator).
REQUEST = PUBLISH
DECIDE = PUBLISH
PURPOSE_MAX = 4000
DEFAULT_DAYS = 365


def max_days() -> int:
    return int(getattr(settings, "TINHSO_OPENDATA_GRANT_MAX_DAYS", 730))


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def end_of(day: dt.date) -> dt.datetime:
    """The first instant after `day` in the province's time zone: a grant "until 31/12"
    lasts through that whole day."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _conflict(message: str) -> DomainError:
    return DomainError(message=message, status=409, code="conflict")


def _requesting_agency(actor: Any, agency: Agency | None) -> Agency:
    if agency is not None:
        ensure_can(actor, REQUEST, agency)
        return agency
    ids = sorted(agency_scope(actor, REQUEST).agency_ids)
    if not ids:
        ensure_can(actor, REQUEST)  # a province-wide role must name the agency
        raise DomainError.for_field("agency", _("Cần chọn cơ quan đề nghị."), code="required")
    if len(ids) != 1:
        raise DomainError.for_field("agency", _("Cần chọn cơ quan đề nghị."), code="required")
    return Agency.objects.get(pk=ids[0])


def _requestable(actor: Any, ref: str) -> Dataset:
    """A dataset the actor sees, or an active private one by its exact id."""
    ref = str(ref or "").strip()
    if not ref:
        raise DomainError.for_field("dataset", _("Cần chọn bộ dữ liệu."), code="required")
    try:
        pk = uuid.UUID(ref)
    except ValueError:
        pk = None
    visible = Dataset.objects.filter(visible_q(actor))
    if pk is not None:
        found = visible.filter(pk=pk) | Dataset.objects.filter(
            pk=pk, state=State.ACTIVE, access_level=AccessLevel.NAMED
        )
        ds = found.select_related("owner_org").first()
    else:
        ds = visible.filter(name=ref).select_related("owner_org").first()
    if ds is None:
        raise DomainError(
            message=_("Không tìm thấy bộ dữ liệu."),
            errors=[FieldError("dataset", _("Không tìm thấy bộ dữ liệu."), "not_found")],
            status=404,
            code="not_found",
        )
    return ds


def _resources(ds: Dataset, ids: Iterable[Any]) -> list[Resource]:
    wanted: list[uuid.UUID] = []
    for raw in ids:
        try:
            wanted.append(uuid.UUID(str(raw)))
        except ValueError:
            raise DomainError.for_field(
                "resources", _("Mã tài nguyên không hợp lệ: %(id)s.") % {"id": str(raw)[:60]}
            ) from None
    if not wanted:
        return []
    found = list(Resource.objects.filter(dataset=ds, state=State.ACTIVE, pk__in=wanted))
    if len(found) != len(set(wanted)):
        raise DomainError.for_field("resources", _("Có tài nguyên không thuộc bộ dữ liệu này."))
    return found


def _check_until(day: dt.date | None, field: str, today: dt.date) -> None:
    if day is None:
        return
    if day < today:
        raise DomainError.for_field(field, _("Ngày kết thúc không được ở quá khứ."))
    if day > today + dt.timedelta(days=max_days()):
        raise DomainError.for_field(
            field,
            _("Thời hạn tối đa là %(n)s ngày (đến %(d)s).")
            % {"n": max_days(), "d": (today + dt.timedelta(days=max_days())).isoformat()},
            code="too_long",
        )


def _publishers(agency_id: int) -> list[Any]:
    """The active publishers of the agency (its own roles) who have an e-mail address."""
    from django.contrib.auth import get_user_model

    roles = [r for r in PERMISSIONS[DECIDE] if r != Role.PROVINCE_ADMIN]
    return list(
        get_user_model()
        .objects.filter(is_active=True, grants__agency_id=agency_id, grants__role__in=roles)
        .exclude(email="")
        .distinct()
    )


def _notify_owner(req: AccessRequest, ds: Dataset, requester: Agency) -> None:
    subject = _("Đề nghị truy cập dữ liệu: %(title)s") % {"title": ds.title}
    body = _(
        "%(agency)s đề nghị truy cập bộ dữ liệu “%(title)s”. Mục đích: %(purpose)s\n"
        "Xem và quyết định: /api/v1/opendata/requests/%(id)s"
    ) % {"agency": requester.name, "title": ds.title, "purpose": req.purpose, "id": req.pk}
    for user in _publishers(ds.owner_org_id):
        notification_queue(
            channel="email", recipient=user.email, subject=subject, body=body, reference=str(req.pk)
        )


def _notify_requester(req: AccessRequest) -> None:
    email = getattr(req.requested_by, "email", "")
    if req.status == RequestStatus.APPROVED:
        subject = _("Đề nghị truy cập dữ liệu đã được chấp thuận")
    else:
        subject = _("Đề nghị truy cập dữ liệu bị từ chối")
    body = _("Quyết định về đề nghị %(id)s: %(status)s. %(reason)s") % {
        "id": req.pk,
        "status": req.get_status_display(),
        "reason": req.reason,
    }
    notification_queue(
        channel="email", recipient=email, subject=subject, body=body, reference=str(req.pk)
    )


@transaction.atomic
def request_create(
    *,
    actor: Any,
    dataset: str,
    purpose: str,
    agency: Agency | None = None,
    resources: Iterable[Any] = (),
    wanted_until: dt.date | None = None,
    now: dt.datetime | None = None,
) -> AccessRequest:
    """An agency asks for a restricted dataset's data, stating its purpose."""
    at = _now(now)
    requester = _requesting_agency(actor, agency)
    ds = _requestable(actor, dataset)
    purpose = (purpose or "").strip()
    if not purpose:
        raise DomainError.for_field(
            "purpose", _("Cần nêu mục đích sử dụng dữ liệu."), code="required"
        )
    if len(purpose) > PURPOSE_MAX:
        raise DomainError.for_field(
            "purpose", _("Mục đích dài quá %(n)s ký tự.") % {"n": PURPOSE_MAX}
        )
    if ds.owner_org_id == requester.pk:
        raise DomainError.for_field("dataset", _("Đây là dữ liệu của chính cơ quan."), code="own")
    res = _resources(ds, resources)
    # An open dataset is asked for its resources that are not open: those named (a private
    # one by its exact id, as a private dataset), else those the requester sees, so that a
    # refusal never tells whether the dataset holds private resources.
    if ds.access_level == AccessLevel.OPEN and not (
        any(r.access_level in RESTRICTED for r in res) if res
        else ds.resources.filter(restricted_resources_q(), visible_resources_q(actor),
                                 state=State.ACTIVE).exists()
    ):
        raise DomainError.for_field(
            "dataset", _("Dữ liệu này mở cho mọi người; không cần đề nghị."), code="open"
        )
    _check_until(wanted_until, "wanted_until", timezone.localdate(at))
    duplicate = DomainError(
        message=_("Cơ quan đã có một đề nghị đang chờ duyệt cho bộ dữ liệu này."),
        errors=[FieldError("dataset", _("Đã có đề nghị đang chờ duyệt."), "duplicate")],
        status=409,
        code="duplicate",
    )
    if AccessRequest.objects.filter(
        dataset=ds, agency=requester, status=RequestStatus.PENDING
    ).exists():
        raise duplicate
    try:
        with transaction.atomic():  # a concurrent twin trips access_request_one_pending
            req = AccessRequest.objects.create(
                dataset=ds,
                agency=requester,
                requested_by=actor,
                purpose=purpose,
                wanted_until=wanted_until,
                created=at,
            )
    except IntegrityError:
        raise duplicate from None
    if res:
        req.resources.set(res)
    audit_record(
        actor=actor,
        action="opendata.access_request.create",
        obj=req,
        first=True,
        data={
            "dataset": str(ds.pk),
            "agency": requester.code,
            "resources": [str(r.pk) for r in res],
            "wanted_until": wanted_until,
        },
    )
    _notify_owner(req, ds, requester)
    return req


def _owned_request(actor: Any, request_id: Any) -> AccessRequest:
    """The request, locked, when the actor decides for its dataset's owner; else NotFound."""
    try:
        pk = uuid.UUID(str(request_id))
    except ValueError:
        raise NotFound(_("Không tìm thấy đề nghị.")) from None
    scope = agency_scope(actor, DECIDE)
    req = (
        AccessRequest.objects.select_for_update()
        .filter(pk=pk)
        .filter(scope.q("dataset__owner_org"))
        .first()
    )
    if req is None:
        raise NotFound(_("Không tìm thấy đề nghị."))
    return req


@transaction.atomic
def request_approve(
    *, actor: Any, request_id: Any, until: dt.date | None = None, now: dt.datetime | None = None
) -> AccessGrant:
    """The owner agency approves: the request becomes a grant until `until` (inclusive; by
    default the wanted date, else a year from today), never beyond the configured maximum."""
    at = _now(now)
    req = _owned_request(actor, request_id)
    if req.status != RequestStatus.PENDING:
        raise _conflict(_("Đề nghị đã được xử lý."))
    today = timezone.localdate(at)
    day = until or req.wanted_until or today + dt.timedelta(days=min(DEFAULT_DAYS, max_days()))
    _check_until(day, "until", today)
    req.status = RequestStatus.APPROVED
    req.decided_at, req.decided_by = at, actor
    req.save(update_fields=["status", "decided_at", "decided_by"])
    grant = AccessGrant.objects.create(
        dataset_id=req.dataset_id,
        agency_id=req.agency_id,
        request=req,
        valid_from=at,
        valid_until=end_of(day),
        granted_by=actor,
    )
    resources = list(req.resources.all())
    if resources:
        grant.resources.set(resources)
    audit_record(
        actor=actor,
        action="opendata.access_request.approve",
        obj=req,
        data={"grant": str(grant.pk), "until": day},
    )
    audit_record(
        actor=actor,
        action="opendata.access_grant.create",
        obj=grant,
        first=True,
        data={
            "dataset": str(req.dataset_id),
            "agency": req.agency_id,
            "valid_until": grant.valid_until,
            "resources": [str(r.pk) for r in resources],
        },
    )
    _notify_requester(req)
    return grant


@transaction.atomic
def request_refuse(
    *, actor: Any, request_id: Any, reason: str, now: dt.datetime | None = None
) -> AccessRequest:
    """The owner agency refuses, saying why; the requester sees the reason."""
    at = _now(now)
    req = _owned_request(actor, request_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.for_field("reason", _("Cần nêu lý do từ chối."), code="required")
    if len(reason) > PURPOSE_MAX:
        raise DomainError.for_field("reason", _("Lý do dài quá %(n)s ký tự.") % {"n": PURPOSE_MAX})
    if req.status != RequestStatus.PENDING:
        raise _conflict(_("Đề nghị đã được xử lý."))
    req.status = RequestStatus.REFUSED
    req.decided_at, req.decided_by, req.reason = at, actor, reason
    req.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    audit_record(
        actor=actor, action="opendata.access_request.refuse", obj=req, data={"reason": reason}
    )
    _notify_requester(req)
    return req


@transaction.atomic
def grant_revoke(
    *, actor: Any, grant_id: Any, reason: str = "", now: dt.datetime | None = None
) -> AccessGrant:
    """The owner agency ends a grant now; downloads stop at once."""
    at = _now(now)
    try:
        pk = uuid.UUID(str(grant_id))
    except ValueError:
        raise NotFound(_("Không tìm thấy quyền truy cập.")) from None
    scope = agency_scope(actor, DECIDE)
    grant = (
        AccessGrant.objects.select_for_update()
        .filter(pk=pk)
        .filter(scope.q("dataset__owner_org"))
        .first()
    )
    if grant is None:
        raise NotFound(_("Không tìm thấy quyền truy cập."))
    if grant.revoked_at is not None:
        raise _conflict(_("Quyền truy cập đã bị thu hồi."))
    if len(reason or "") > PURPOSE_MAX:
        raise DomainError.for_field("reason", _("Lý do dài quá %(n)s ký tự.") % {"n": PURPOSE_MAX})
    grant.revoked_at, grant.revoked_by, grant.revoke_reason = at, actor, (reason or "").strip()
    grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(
        actor=actor,
        action="opendata.access_grant.revoke",
        obj=grant,
        data={"reason": grant.revoke_reason, "was_valid_until": grant.valid_until},
    )
    return grant


def download_log(
    *,
    rights: DownloadRights,
    dataset: Dataset,
    resource: Resource | None,
    route: str,
    version: int | None = None,
    ip: str | None = None,
) -> None:
    """Append a row to the download log when the data is not open (one INSERT; open data and
    searches write nothing). Written in the caller's transaction, if any."""
    if effective_level(dataset, resource) == AccessLevel.OPEN or rights.looking:
        return
    user = rights.user if getattr(rights.user, "is_authenticated", False) else None
    grant = rights.grant_for(dataset, resource.pk if resource is not None else None)
    agency_id: int | None
    if grant is not None:
        agency_id = grant.agency_id
    elif dataset.owner_org_id in rights.own.agency_ids:
        agency_id = dataset.owner_org_id
    else:
        agency_id = min(rights.own.agency_ids, default=None)
    DownloadLog.objects.create(
        at=rights.at,
        dataset_id=dataset.pk,
        resource=resource,
        user=user,
        agency_id=agency_id,
        grant=grant,
        route=route,
        version=version,
        ip=ip or None,
    )
