"""What every dossier service shares: the permission names, the conflict error, locking,
recording a move (event, audit, rollup, outbox, notification), and the workflow hand-over."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.calendar import calendar_for_province
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.text import UnsafeText, clean_text
from tinhso.directory.permissions import can, holds_role
from tinhso.onestop.models import (
    Dossier,
    DossierEvent,
    Handover,
    OutboxMessage,
)
from tinhso.onestop.notify import notify_applicant
from tinhso.onestop.rollups import rollup_bump_many
from tinhso.onestop.status import DVCQG_STRINGS, Status
from tinhso.onestop.workflow import (
    statutory_due,
    step_due,
    steps_for,
    timeliness_of,
)

logger = logging.getLogger(__name__)

RECEIVE = "onestop.dossier.receive"
PROCESS = "onestop.dossier.process"
APPROVE = "onestop.dossier.approve"

MAX_FORM_BYTES = 64 * 1024
MAX_FILES = 30

# The nine indicators of the per-dossier rating (Circular 01/2018/TT-VPCP style; the exact list
# is unconfirmed, see docs/onestop.md), each scored 0, 1 or 2.
RATING_INDICATORS: dict[str, str] = {
    "procedure_public": "Thủ tục được công khai đầy đủ, rõ ràng",
    "documents_count": "Số lượng giấy tờ phải nộp đúng quy định",
    "forms": "Biểu mẫu, tờ khai dễ hiểu, dễ kê khai",
    "fees": "Phí, lệ phí đúng quy định",
    "contacts": "Số lần phải liên hệ để hoàn thành hồ sơ",
    "total_time": "Tổng thời gian giải quyết so với quy định",
    "attitude": "Thái độ của cán bộ, công chức",
    "guidance": "Cán bộ hướng dẫn đầy đủ, dễ hiểu",
    "result": "Kết quả đúng quy định, chính xác",
}


class Conflict(DomainError):
    """The dossier moved on since the caller looked at it, or its status does not allow the
    action (HTTP 409)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message=message or _("Hồ sơ đã thay đổi trạng thái; vui lòng tải lại và thử lại."),
            status=409, code="conflict",
        )


# --- small helpers --------------------------------------------------------------------------


def _moment(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return timezone.now()
    if not isinstance(at, dt.datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise DomainError.for_field("at", _("Thời điểm phải có múi giờ."))
    return at


def _authenticated(actor: Any) -> bool:
    return actor is not None and bool(getattr(actor, "is_authenticated", False))


def _actor_name(actor: Any) -> str:
    if not _authenticated(actor):
        return ""
    return (getattr(actor, "full_name", "") or actor.get_username())[:150]


def _text(value: Any, field: str, *, required: bool = False, multiline: bool = False,
          max_length: int | None = None) -> str:
    try:
        text = clean_text(str(value or ""), multiline=multiline)
    except UnsafeText:
        raise DomainError.for_field(field, _("Có ký tự điều khiển hoặc ký tự ẩn không hợp lệ.")) \
            from None
    if required and not text:
        raise DomainError.for_field(field, _("Cần nhập nội dung này."), code="required")
    if max_length is not None and len(text) > max_length:
        raise DomainError.for_field(field, _("Dài quá %(n)d ký tự.") % {"n": max_length},
                                    code="too_long")
    return text


def _log_refusal(actor: Any, action: str, exc: DomainError, *, dossier: Dossier | None = None,
                 object_type: str = "", object_id: str = "") -> None:
    try:
        with transaction.atomic():
            audit_record(
                actor=actor if _authenticated(actor) else None, action="dossier.refused_action",
                obj=dossier, object_type=object_type, object_id=object_id,
                data={"action": action, "status": exc.status, "code": exc.code,
                      "reason": exc.message,
                      "dossier_status": dossier.status if dossier is not None else None},
            )
    except Exception:  # the refusal itself must reach the caller even if logging fails
        logger.exception("could not log a refused %s", action)


T = TypeVar("T")


def _guarded(action: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Run a transition in one transaction; log refusals (403/409) after the rollback; copy
    the new state onto the caller's Dossier instance."""

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def wrapper(**kwargs: Any) -> T:
            dossier = kwargs.get("dossier")
            if dossier is None and "apology" in kwargs:
                dossier = kwargs["apology"].dossier
            try:
                with transaction.atomic():
                    result = fn(**kwargs)
            except (NotAllowed, Conflict) as exc:
                _log_refusal(kwargs.get("actor"), action, exc, dossier=dossier)
                raise
            if isinstance(result, Dossier) and dossier is not None and result is not dossier:
                for f in Dossier._meta.concrete_fields:
                    setattr(dossier, f.attname, getattr(result, f.attname))
            return result

        return wrapper

    return decorate


def _lock(dossier: Dossier, expected_revision: int | None,
          allowed: Iterable[int]) -> Dossier:
    d = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("version", "procedure", "agency", "receiving_agency", "current_agency")
        .get(pk=dossier.pk)
    )
    if expected_revision is not None and int(expected_revision) != d.revision:
        raise Conflict()
    if d.status not in set(allowed):
        raise Conflict(
            _("Không thể thực hiện thao tác này khi hồ sơ đang ở trạng thái “%(status)s”.")
            % {"status": d.get_status_display()}
        )
    return d


def _outbox(d: Dossier, at: dt.datetime, *, save: bool = True) -> OutboxMessage:
    """The national portal's message about `d`'s new status (saved unless `save=False`, for a
    caller that writes it with others)."""
    if settings.TINHSO_NATIONAL_PORTAL_URL:
        # Without an endpoint the messages wait in the outbox (`tinhso outbox deliver` sends
        # the backlog once one is configured): no task to queue on every transition.
        transaction.on_commit(_deliver_soon)
    message = OutboxMessage(
        dossier=d, province_code=d.province_code, created_at=at, next_attempt_at=at,
        payload={
            "code": d.code, "status": int(d.status), "dvcqg_status": DVCQG_STRINGS[Status(d.status)],
            "at": at.isoformat(), "agency": d.agency.code, "procedure": d.procedure.code,
        },
    )
    if save:
        message.save(force_insert=True)
    return message


def _deliver_soon() -> None:
    """After commit: have the worker deliver the new outbox messages."""
    from tinhso.onestop.tasks import deliver_to_national_portal

    try:
        deliver_to_national_portal.enqueue()
    except Exception:  # a queue hiccup must not fail the request; the next round delivers
        logger.exception("could not enqueue national-portal delivery")


def _move(d: Dossier, *, actor: Any, action: str, to_status: int, at: dt.datetime,
          comment: str = "", agency_id: int | None = None, data: dict[str, Any] | None = None,
          counts: dict[str, int] | None = None, notify: str = "") -> None:
    """Record a transition of a locked dossier: state, event, audit, rollup, outbox."""
    from_status = d.status
    d.status = to_status
    d.revision += 1
    d.save()
    DossierEvent.objects.create(
        dossier=d, province_code=d.province_code, at=at,
        actor=actor if _authenticated(actor) else None, actor_name=_actor_name(actor),
        agency_id=agency_id, action=action, from_status=from_status, to_status=to_status,
        comment=comment, data=data or {},
    )
    audit_record(actor=actor, action=f"dossier.{action}", obj=d,
                 data={"code": d.code, "from": from_status, "to": to_status,
                       "comment": comment, **(data or {})})
    if counts:
        rollup_bump_many(d, counts, at)
    if from_status != to_status:
        _outbox(d, at)
    if notify:
        notify_applicant(d, notify)


def _note(d: Dossier, *, actor: Any, action: str, at: dt.datetime, comment: str = "",
          agency_id: int | None = None, data: dict[str, Any] | None = None) -> None:
    """An event without a status change (apology slips, file marks)."""
    DossierEvent.objects.create(
        dossier=d, province_code=d.province_code, at=at,
        actor=actor if _authenticated(actor) else None, actor_name=_actor_name(actor),
        agency_id=agency_id, action=action, from_status=d.status, to_status=d.status,
        comment=comment, data=data or {},
    )
    audit_record(actor=actor, action=f"dossier.{action}", obj=d,
                 data={"code": d.code, "comment": comment, **(data or {})})


def _is_applicant(actor: Any, d: Dossier) -> bool:
    return _authenticated(actor) and d.applicant_id is not None and d.applicant_id == actor.pk


def _is_desk(actor: Any, d: Dossier) -> bool:
    return can(actor, RECEIVE, d.receiving_agency)


def _is_handler(actor: Any, d: Dossier) -> bool:
    return bool(d.current_role) and holds_role(actor, d.current_role, d.current_agency_id)


def _require(allowed: bool, message: str = "") -> None:
    if not allowed:
        raise NotAllowed(message) if message else NotAllowed()


def _clock_resume(d: Dossier, at: dt.datetime, *, after_supplement: bool) -> None:
    """Back from a supplement or payment pause: the due moment moves by the working time of
    the pause; after a supplement it restarts in full where the procedure says so (a payment
    never restarts it)."""
    if d.paused_at is not None and d.due_at is not None:
        cal = calendar_for_province(d.province_code)
        if after_supplement and d.version.supplement_restarts_clock:
            d.due_at = statutory_due(d.version, cal, at)
        else:
            d.due_at = cal.shift_due(d.due_at, d.paused_at, at)
    d.paused_at = None
    d.resumed_status = None


def _close_handover(d: Dossier, at: dt.datetime) -> None:
    h = Handover.objects.filter(dossier=d, done_at__isnull=True).order_by("-pk").first()
    if h is not None:
        h.done_at = at
        h.timeliness = timeliness_of(at, h.step_due_at)
        h.save(update_fields=["done_at", "timeliness"])


def _hand_to(d: Dossier, target: int, *, actor: Any, at: dt.datetime,
             to_user: Any = None) -> dict[str, Any]:
    steps = steps_for(d)
    step = steps[target]
    if to_user is not None and not holds_role(to_user, step.role, step.agency_id):
        raise DomainError.for_field("to_user", _("Người nhận không làm vai trò của bước này "
                                                 "tại cơ quan thực hiện bước."))
    _close_handover(d, at)
    from_agency = d.current_agency_id
    d.current_step = target
    d.current_role = step.role
    d.current_agency_id = step.agency_id
    d.current_officer = to_user
    cal = calendar_for_province(d.province_code)
    Handover.objects.create(
        dossier=d, step=target, step_name=step.name, from_agency_id=from_agency,
        from_user=actor if _authenticated(actor) else None, to_agency_id=step.agency_id,
        to_role=step.role, to_user=to_user, at=at, step_due_at=step_due(d, steps, target, cal),
    )
    return {"step": target, "step_name": step.name, "to_agency": step.agency_id,
            "to_role": step.role, "inter_agency": step.inter_agency}
