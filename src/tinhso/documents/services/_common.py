"""What every document service shares: permission names, the conflict error, locking a row
at the revision the caller saw, cleaning text, and recording a step (event and audit)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.text import UnsafeText, clean_text
from tinhso.directory.permissions import can
from tinhso.documents.models import Document, DocumentEvent

logger = logging.getLogger(__name__)

VIEW = "documents.view"
DRAFT = "documents.draft"
REVIEW = "documents.review"
APPROVE = "documents.approve"
REGISTER = "documents.register"
DIRECT = "documents.direct"
HANDLE = "documents.handle"

BODY_MAX = 200_000
COMMENT_MAX = 4_000
MAX_RECIPIENTS = 200


class Conflict(DomainError):
    """The record moved on since the caller looked at it, or its status does not allow the
    action (HTTP 409)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message=message or _("Văn bản đã thay đổi; vui lòng tải lại và thử lại."),
            status=409, code="conflict",
        )


def moment(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return timezone.now()
    if not isinstance(at, dt.datetime) or at.utcoffset() is None:
        raise DomainError.for_field("at", _("Thời điểm phải có múi giờ."))
    return at


def authenticated(actor: Any) -> bool:
    return actor is not None and bool(getattr(actor, "is_authenticated", False))


def actor_name(actor: Any) -> str:
    if not authenticated(actor):
        return ""
    return (getattr(actor, "full_name", "") or actor.get_username())[:150]


def require(actor: Any, perm: str, agency: Any, message: str = "") -> None:
    if not can(actor, perm, agency):
        raise NotAllowed(message) if message else NotAllowed()


def text(value: Any, field: str, *, required: bool = False, multiline: bool = False,
         max_length: int | None = None) -> str:
    try:
        cleaned = clean_text(str(value or ""), multiline=multiline)
    except UnsafeText:
        raise DomainError.for_field(field, _("Có ký tự điều khiển hoặc ký tự ẩn không hợp lệ.")) \
            from None
    if required and not cleaned:
        raise DomainError.for_field(field, _("Cần nhập nội dung này."), code="required")
    if max_length is not None and len(cleaned) > max_length:
        raise DomainError.for_field(field, _("Dài quá %(n)d ký tự.") % {"n": max_length},
                                    code="too_long")
    return cleaned


M = TypeVar("M", bound=models.Model)


def lock(model: type[M], pk: Any, expected_revision: int | None, allowed: Iterable[str],
         *, related: tuple[str, ...] = ()) -> M:
    """The row locked for this transaction; Conflict when the caller saw an older revision or
    the status does not allow the action."""
    row = model._default_manager.select_for_update(of=("self",)).select_related(*related).get(pk=pk)
    current: Any = row
    if expected_revision is not None and int(expected_revision) != current.revision:
        raise Conflict()
    if current.status not in set(allowed):
        raise Conflict(
            _("Không thể thực hiện thao tác này ở trạng thái “%(status)s”.")
            % {"status": current.get_status_display()}
        )
    return row


def record_event(doc: Document, *, actor: Any, action: str, at: dt.datetime, from_status: str,
           comment: str = "", agency_id: int | None = None, data: dict[str, Any] | None = None,
           audit_obj: models.Model | None = None, first: bool = False,
           to_status: str = "") -> None:
    """A step of the document's history and its audit event, in the caller's transaction.
    An incoming record's steps (`audit_obj` the record, statuses its own) join the history of
    the document they concern, so that the sender sees them."""
    to_status = to_status or doc.status
    DocumentEvent.objects.create(
        document=doc, province_code=doc.province_code, at=at,
        actor=actor if authenticated(actor) else None, actor_name=actor_name(actor),
        agency_id=agency_id if agency_id is not None else doc.agency_id, action=action,
        from_status=from_status, to_status=to_status, comment=comment, data=data or {},
    )
    audit_record(actor=actor, action=f"document.{action}", obj=audit_obj or doc, first=first,
                 data={"document": doc.pk, "from": from_status, "to": to_status,
                       "comment": comment, **(data or {})})


T = TypeVar("T")


def _log_refusal(actor: Any, action: str, exc: DomainError, target: Any) -> None:
    try:
        with transaction.atomic():
            audit_record(
                actor=actor if authenticated(actor) else None, action="document.refused_action",
                obj=target,
                data={"action": action, "status": exc.status, "code": exc.code,
                      "reason": exc.message, "state": getattr(target, "status", None)},
            )
    except Exception:  # the refusal itself must reach the caller even if logging fails
        logger.exception("could not log a refused %s", action)


def guarded(action: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Run a service in one transaction; a refusal (403 not allowed, 409 conflict) is written
    to the audit log after the rollback, against the document, the incoming record or, for a
    draft never made, the agency."""

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def wrapper(**kwargs: Any) -> T:
            try:
                with transaction.atomic():
                    return fn(**kwargs)
            except DomainError as exc:
                # Refusals (403, and 409: a conflict or a certificate that may not sign) are
                # logged; a bad field (422) is the caller's typo, not an attempt.
                target = kwargs.get("document") or kwargs.get("record") or kwargs.get("agency")
                if (exc.status in (403, 409) and isinstance(target, models.Model)
                        and target.pk is not None):
                    _log_refusal(kwargs.get("actor"), action, exc, target)
                raise

        return wrapper

    return decorate
