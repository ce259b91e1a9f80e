"""Ending without a result, lateness (apology and new date), rating, file marks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, NotAllowed, NotFound
from tinhso.directory.permissions import can
from tinhso.onestop.models import (
    Apology,
    Dossier,
    DossierFile,
    Payment,
    Rating,
)
from tinhso.onestop.notify import notify_applicant
from tinhso.onestop.rollups import DIGITIZED_KINDS, rollup_bump_many
from tinhso.onestop.services._common import (
    APPROVE,
    PROCESS,
    RATING_INDICATORS,
    Conflict,
    _close_handover,
    _guarded,
    _is_applicant,
    _is_desk,
    _is_handler,
    _lock,
    _log_refusal,
    _moment,
    _move,
    _note,
    _require,
    _text,
)
from tinhso.onestop.status import Status

# --- ending without a result ----------------------------------------------------------------


def _end(d: Dossier, *, actor: Any, action: str, to_status: int, reason: str, at: dt.datetime,
         counter: str, agency_id: int | None) -> None:
    d.ended_at = at
    d.end_reason = reason
    d.paused_at = None
    d.resumed_status = None
    _close_handover(d, at)
    counts = {counter: 1}
    if d.received_at is not None:
        counts["left_open"] = 1
    d.payments.filter(state=Payment.State.PENDING).update(state=Payment.State.FAILED)
    _move(d, actor=actor, action=action, to_status=to_status, at=at, comment=reason,
          agency_id=agency_id, counts=counts, notify=action.replace("withdraw", "withdrawn")
          .replace("stop", "stopped"), data={"reason": reason})


@_guarded("withdraw")
def dossier_withdraw(*, dossier: Dossier, actor: Any, reason: str,
                     expected_revision: int | None = None,
                     at: dt.datetime | None = None) -> Dossier:
    """1, 2, 4, 5, 6 -> 7: the applicant withdraws (online, or at the desk)."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING,
                                           Status.SUPPLEMENT, Status.PAYING})
    _require(_is_applicant(actor, d) or _is_desk(actor, d))
    reason = _text(reason, "reason", required=True, multiline=True)
    _end(d, actor=actor, action="withdraw", to_status=Status.WITHDRAWN, reason=reason, at=at,
         counter="withdrawn", agency_id=d.receiving_agency_id)
    return d


@_guarded("stop")
def dossier_stop(*, dossier: Dossier, actor: Any, reason: str,
                 expected_revision: int | None = None,
                 at: dt.datetime | None = None) -> Dossier:
    """2, 4, 5, 6 -> 8: a leader of the responsible agency stops processing, with reasons."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.RECEIVED, Status.PROCESSING,
                                           Status.SUPPLEMENT, Status.PAYING})
    _require(can(actor, APPROVE, d.agency))
    reason = _text(reason, "reason", required=True, multiline=True)
    _end(d, actor=actor, action="stop", to_status=Status.STOPPED, reason=reason, at=at,
         counter="stopped", agency_id=d.agency_id)
    return d


# --- lateness: apology and new date ---------------------------------------------------------


@_guarded("apology_draft")
def dossier_apology_draft(*, dossier: Dossier, actor: Any, reason: str,
                          new_due_at: dt.datetime,
                          at: dt.datetime | None = None) -> Apology:
    """A specialist drafts the apology slip with the reason and a new date."""
    at = _moment(at)
    d = _lock(dossier, None, {Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT,
                              Status.PAYING})
    _require(_is_handler(actor, d) or can(actor, PROCESS, d.agency))
    reason = _text(reason, "reason", required=True, multiline=True)
    if not isinstance(new_due_at, dt.datetime) or new_due_at.tzinfo is None:
        raise DomainError.for_field("new_due_at", _("Ngày hẹn mới phải có ngày, giờ và múi giờ."))
    if new_due_at <= at or (d.due_at is not None and new_due_at <= d.due_at):
        raise DomainError.for_field("new_due_at",
                                    _("Ngày hẹn mới phải sau hạn trả kết quả hiện tại."))
    apology = Apology.objects.create(dossier=d, reason=reason, new_due_at=new_due_at,
                                     drafted_by=actor, drafted_at=at)
    _note(d, actor=actor, action="apology_draft", at=at, comment=reason,
          agency_id=d.current_agency_id,
          data={"apology": apology.pk, "new_due_at": new_due_at.isoformat()})
    return apology


@_guarded("apology_approve")
def dossier_apology_approve(*, apology: Apology, actor: Any,
                            at: dt.datetime | None = None) -> Apology:
    """A leader approves the apology slip; it is sent to the applicant and the new date is
    promised (lateness is still measured against the statutory due_at)."""
    at = _moment(at)
    d = _lock(apology.dossier, None, {Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT,
                                      Status.PAYING, Status.RESULT_READY})
    _require(can(actor, APPROVE, d.agency))
    apology = Apology.objects.select_for_update().get(pk=apology.pk)
    if apology.approved_at is not None:
        raise Conflict(_("Phiếu xin lỗi này đã được duyệt."))
    apology.approved_by = actor
    apology.approved_at = at
    apology.sent_at = at
    apology.save(update_fields=["approved_by", "approved_at", "sent_at"])
    d.promised_at = apology.new_due_at
    d.save(update_fields=["promised_at"])
    _note(d, actor=actor, action="apology_approve", at=at, agency_id=d.agency_id,
          data={"apology": apology.pk, "new_due_at": apology.new_due_at.isoformat()})
    notify_applicant(d, "apology")
    return apology


# --- after the result -----------------------------------------------------------------------


@_guarded("rate")
def dossier_rate(*, dossier: Dossier, actor: Any, scores: dict[str, int], comment: str = "",
                 at: dt.datetime | None = None) -> Rating:
    """The applicant rates the service once the result is returned: nine indicators, 0-2."""
    at = _moment(at)
    d = _lock(dossier, None, {Status.RETURNED})
    _require(_is_applicant(actor, d))
    if not isinstance(scores, dict):
        raise DomainError.for_field("scores", _("Cần điểm cho từng tiêu chí."))
    clean: dict[str, int] = {}
    for code in RATING_INDICATORS:
        value = scores.get(code)
        if isinstance(value, bool) or value not in (0, 1, 2):
            raise DomainError.for_field(f"scores.{code}", _("Điểm phải là 0, 1 hoặc 2."))
        clean[code] = int(value)
    unknown = set(scores) - set(RATING_INDICATORS)
    if unknown:
        raise DomainError.for_field("scores", _("Tiêu chí không hợp lệ: %(codes)s.")
                                    % {"codes": ", ".join(sorted(map(str, unknown)))})
    if Rating.objects.filter(dossier=d).exists():
        raise Conflict(_("Hồ sơ này đã được đánh giá."))
    rating = Rating.objects.create(dossier=d, scores=clean, total=sum(clean.values()),
                                   comment=_text(comment, "comment", multiline=True),
                                   rated_at=at)
    rollup_bump_many(d, {"rated": 1, "rating_points": rating.total}, at)
    audit_record(actor=actor, action="dossier.rate", obj=d, data={"total": rating.total})
    return rating


# --- files ----------------------------------------------------------------------------------


@transaction.atomic
def dossier_file_mark_digitized(*, file: DossierFile, actor: Any,
                                at: dt.datetime | None = None) -> DossierFile:
    """An officer confirms a component is digitized, so the applicant may reuse it later.
    The dossier's first such component (handed in by the applicant, not reused) counts it as
    digitized in the rollup, on its submission day (counter `digitized`)."""
    at = _moment(at)
    # The dossier's row lock orders two officers marking two components at once: only the
    # first of its components to be digitized bumps the counter.
    d = (Dossier.objects.select_for_update(of=("self",))
         .select_related("version", "agency", "receiving_agency").get(pk=file.dossier_id))
    if not (can(actor, PROCESS, d.receiving_agency) or can(actor, PROCESS, d.agency)):
        exc = NotAllowed()
        _log_refusal(actor, "file_mark_digitized", exc, dossier=d)
        raise exc
    if file.kind not in (DossierFile.Kind.COMPONENT, DossierFile.Kind.SUPPLEMENT,
                         DossierFile.Kind.RESULT):
        raise DomainError.for_field("file", _("Chỉ số hóa được giấy tờ của hồ sơ."))
    counts = (file.kind in DIGITIZED_KINDS and file.reused_from_id is None
              and not DossierFile.objects.filter(dossier=d, kind__in=DIGITIZED_KINDS,
                                                 is_digitized=True,
                                                 reused_from__isnull=True).exists())
    marked = DossierFile.objects.filter(pk=file.pk, is_digitized=False).update(is_digitized=True)
    if marked and counts:
        rollup_bump_many(d, {"digitized": 1}, d.submitted_at)
    file.is_digitized = True
    audit_record(actor=actor, action="dossier.file_digitized", obj=d, data={"file": file.pk})
    return file


def dossier_get_for_action(code: str) -> Dossier:
    """A dossier by code for the API's action endpoint (the service checks permission)."""
    from tinhso.onestop.codes import InvalidDossierCode, normalize_dossier_code

    try:
        code = normalize_dossier_code(code)
    except InvalidDossierCode:
        raise NotFound(_("Không tìm thấy hồ sơ.")) from None
    d = Dossier.objects.filter(code=code).first()
    if d is None:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    return d
