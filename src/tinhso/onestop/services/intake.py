"""Intake at the one-stop desk: receive, refuse, ask for supplements; the applicant supplies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from tinhso.core.calendar import calendar_for_province
from tinhso.core.errors import DomainError
from tinhso.onestop import files as filestore
from tinhso.onestop.models import (
    Dossier,
    DossierFile,
    Handover,
)
from tinhso.onestop.services._common import (
    Conflict,
    _authenticated,
    _clock_resume,
    _guarded,
    _is_applicant,
    _is_desk,
    _is_handler,
    _lock,
    _moment,
    _move,
    _require,
    _text,
)
from tinhso.onestop.status import Status
from tinhso.onestop.workflow import (
    statutory_due,
    step_due,
    steps_for,
)

# --- intake ---------------------------------------------------------------------------------


def _receive(d: Dossier, *, actor: Any, at: dt.datetime, comment: str) -> None:
    cal = calendar_for_province(d.province_code)
    d.received_at = at
    d.due_at = statutory_due(d.version, cal, at)
    steps = steps_for(d)
    first = steps[0]
    d.current_step = 0
    d.current_role = first.role
    d.current_agency_id = first.agency_id
    d.current_officer = actor if _authenticated(actor) else None
    _move(d, actor=actor, action="receive", to_status=Status.RECEIVED, at=at, comment=comment,
          agency_id=d.receiving_agency_id, counts={"received": 1}, notify="received",
          data={"due_at": d.due_at.isoformat() if d.due_at else None})
    Handover.objects.create(
        dossier=d, step=0, step_name=first.name, from_agency_id=d.receiving_agency_id,
        from_user=d.current_officer, to_agency_id=first.agency_id, to_role=first.role,
        to_user=d.current_officer, at=at, step_due_at=step_due(d, steps, 0, cal),
    )


@_guarded("receive")
def dossier_receive(*, dossier: Dossier, actor: Any, comment: str = "",
                    expected_revision: int | None = None,
                    at: dt.datetime | None = None) -> Dossier:
    """1 -> 2: the desk accepts the dossier; the statutory clock starts."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.SUBMITTED})
    _require(_is_desk(actor, d))
    _receive(d, actor=actor, at=at, comment=_text(comment, "comment", multiline=True))
    return d


@_guarded("refuse")
def dossier_refuse(*, dossier: Dossier, actor: Any, reason: str, comment: str = "",
                   expected_revision: int | None = None,
                   at: dt.datetime | None = None) -> Dossier:
    """1 (or 5 when the supplement was asked at intake) -> 3, with the reasons."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.SUBMITTED, Status.SUPPLEMENT})
    if d.status == Status.SUPPLEMENT and d.resumed_status != Status.SUBMITTED:
        raise Conflict(_("Chỉ từ chối được hồ sơ đang ở khâu tiếp nhận."))
    _require(_is_desk(actor, d))
    reason = _text(reason, "reason", required=True, multiline=True)
    d.ended_at = at
    d.end_reason = reason
    d.paused_at = None
    d.resumed_status = None
    _move(d, actor=actor, action="refuse", to_status=Status.REFUSED, at=at,
          comment=_text(comment, "comment", multiline=True) or reason,
          agency_id=d.receiving_agency_id, counts={"refused": 1}, notify="refused",
          data={"reason": reason})
    return d


@_guarded("request_supplement")
def dossier_request_supplement(*, dossier: Dossier, actor: Any, reason: str, comment: str = "",
                               expected_revision: int | None = None,
                               at: dt.datetime | None = None) -> Dossier:
    """1, 2 or 4 -> 5: ask the applicant for more; a running clock pauses."""
    at = _moment(at)
    d = _lock(dossier, expected_revision,
              {Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING})
    if d.status == Status.SUBMITTED:
        _require(_is_desk(actor, d))
    else:
        _require(_is_handler(actor, d) or _is_desk(actor, d))
    reason = _text(reason, "reason", required=True, multiline=True)
    d.resumed_status = d.status
    if d.status in (Status.RECEIVED, Status.PROCESSING):
        d.paused_at = at
    _move(d, actor=actor, action="request_supplement", to_status=Status.SUPPLEMENT, at=at,
          comment=_text(comment, "comment", multiline=True) or reason,
          agency_id=d.current_agency_id, counts={"supplement_requested": 1},
          notify="supplement", data={"reason": reason})
    return d


@_guarded("supply")
def dossier_supply(*, dossier: Dossier, actor: Any,
                   files: Sequence[tuple[int | None, str, Any]] = (), comment: str = "",
                   expected_revision: int | None = None,
                   at: dt.datetime | None = None) -> Dossier:
    """5 -> the status it left: the applicant (or the desk for them) supplies what was asked;
    the clock resumes, shifted by the pause (or restarts in full where the procedure says so)."""
    at = _moment(at)
    d = _lock(dossier, expected_revision, {Status.SUPPLEMENT})
    _require(_is_applicant(actor, d) or _is_desk(actor, d))
    comment = _text(comment, "comment", multiline=True)
    if not files and not comment:
        raise DomainError.for_field("files", _("Cần gửi tệp bổ sung hoặc nội dung giải trình."),
                                    code="required")
    documents = set(d.version.documents.values_list("pk", flat=True))
    uploads = []
    for document_id, name, content in files:
        if document_id is not None and document_id not in documents:
            raise DomainError.for_field("files", _("Thành phần hồ sơ không thuộc thủ tục này."))
        uploads.append(filestore.file_check(name, content, document_id=document_id))
    written: list[filestore.Written] = []
    try:
        for upload in uploads:
            written.append(filestore.file_write(upload, at=at))
        for w in written:
            filestore.file_row(dossier=d, written=w, kind=DossierFile.Kind.SUPPLEMENT,
                               actor=actor, at=at)
        to_status = d.resumed_status or Status.SUBMITTED
        _clock_resume(d, at, after_supplement=True)
        _move(d, actor=actor, action="supply", to_status=to_status, at=at, comment=comment,
              agency_id=d.current_agency_id,
              data={"files": len(written),
                    "due_at": d.due_at.isoformat() if d.due_at else None})
    except BaseException:
        filestore.file_discard(written)
        raise
    return d
