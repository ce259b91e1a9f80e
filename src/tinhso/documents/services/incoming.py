"""Incoming documents (văn bản đến) inside one installation: received with an arrival number
of the receiving agency's incoming register, directed by a leader, assigned with a deadline,
handled, done. Each step joins the document's history under the receiving agency, so the
sender sees how far each recipient has got (not the receiving agency's internal comments)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.directory.models import Agency
from tinhso.directory.permissions import can
from tinhso.documents.kinds import DocStatus, IncomingStatus, Register
from tinhso.documents.models import Document, DocumentEvent, IncomingRecord
from tinhso.documents.numbering import local_date, next_number
from tinhso.documents.rollups import doc_stat_bump
from tinhso.documents.services._common import (
    COMMENT_MAX,
    DIRECT,
    HANDLE,
    REGISTER,
    Conflict,
    guarded,
    lock,
    moment,
    record_event,
    require,
    text,
)

S = IncomingStatus
RELATED = ("agency", "document", "document__agency", "assignee")


@guarded("incoming.receive")
def incoming_receive(*, document: Document, agency: Agency, actor: Any,
                     at: dt.datetime | None = None,
                     verification: dict[str, Any] | None = None) -> IncomingRecord:
    """Register a sent document as arrived at `agency`: the next number of its incoming
    register for the year. Called by `document_send` (the sender's clerk acting) inside its
    transaction; receiving the same document twice gives back the first record."""
    at = moment(at)
    if document.status != DocStatus.SENT:
        raise DomainError.for_field("document", _("Văn bản chưa được gửi."))
    if not document.recipients.filter(pk=agency.pk).exists():
        raise NotAllowed(_("Cơ quan này không có trong nơi nhận của văn bản."))
    existing = IncomingRecord.objects.filter(document=document, agency=agency).first()
    if existing is not None:
        return existing
    year = local_date(at).year
    rec = IncomingRecord.objects.create(
        province_code=agency.province_code, agency=agency, document=document, year=year,
        number=next_number(agency, Register.INCOMING, year), arrived_at=at,
        verification=verification or {}, search_folded=document.search_folded,
    )
    record_event(document, actor=actor, action="incoming.receive", at=at, from_status="",
           to_status=rec.status, agency_id=agency.pk, audit_obj=rec, first=True,
           data={"agency": agency.code, "number": rec.number, "year": year})
    doc_stat_bump(agency, at, {"received_online": 1})
    return rec


def _step(rec: IncomingRecord, *, actor: Any, action: str, from_status: str, at: dt.datetime,
          comment: str = "", data: dict[str, Any] | None = None) -> IncomingRecord:
    rec.revision += 1
    rec.save()
    # The document's history shows the step, without the receiving agency's comment.
    record_event(rec.document, actor=actor, action=f"incoming.{action}", at=at,
           from_status=from_status, to_status=rec.status, agency_id=rec.agency_id,
           audit_obj=rec, data={"agency": rec.agency.code, **(data or {})})
    if comment:
        audit_record(actor=actor, action=f"incoming.{action}.comment", obj=rec,
                     data={"comment": comment})
    return rec


@guarded("incoming.direct")
def incoming_direct(*, record: IncomingRecord, actor: Any, direction: str,
                    expected_revision: int | None = None,
                    at: dt.datetime | None = None) -> IncomingRecord:
    """A leader of the receiving agency writes how the document is to be handled."""
    at = moment(at)
    rec = lock(IncomingRecord, record.pk, expected_revision, (S.REGISTERED, S.DIRECTED),
               related=RELATED)
    require(actor, DIRECT, rec.agency)
    from_status = rec.status
    rec.direction = text(direction, "direction", required=True, multiline=True,
                         max_length=COMMENT_MAX)
    rec.directed_by = actor
    rec.status = S.DIRECTED
    return _step(rec, actor=actor, action="direct", from_status=from_status, at=at,
                 comment=rec.direction)


@guarded("incoming.assign")
def incoming_assign(*, record: IncomingRecord, actor: Any, deadline: dt.date,
                    assignee: Any = None, assigned_unit: str = "", comment: str = "",
                    expected_revision: int | None = None,
                    at: dt.datetime | None = None) -> IncomingRecord:
    """A leader gives the document to a department and/or a person to handle by `deadline`
    (assigning again moves it to someone else)."""
    at = moment(at)
    rec = lock(IncomingRecord, record.pk, expected_revision,
               (S.REGISTERED, S.DIRECTED, S.ASSIGNED, S.HANDLING), related=RELATED)
    require(actor, DIRECT, rec.agency)
    unit = text(assigned_unit, "assigned_unit", max_length=150)
    comment = text(comment, "comment", multiline=True, max_length=COMMENT_MAX)
    if assignee is None and not unit:
        raise DomainError.for_field("assignee", _("Cần chọn người hoặc đơn vị xử lý."),
                                    code="required")
    if assignee is not None and not can(assignee, HANDLE, rec.agency):
        raise DomainError.for_field("assignee",
                                    _("Người xử lý phải là cán bộ của cơ quan nhận văn bản."))
    if not isinstance(deadline, dt.date) or isinstance(deadline, dt.datetime):
        raise DomainError.for_field("deadline", _("Cần hạn xử lý (ngày)."), code="required")
    if deadline < local_date(rec.arrived_at):
        raise DomainError.for_field("deadline", _("Hạn xử lý không được trước ngày văn bản đến."))
    from_status = rec.status
    rec.assignee, rec.assigned_unit, rec.deadline = assignee, unit, deadline
    rec.status = S.ASSIGNED
    return _step(rec, actor=actor, action="assign", from_status=from_status, at=at,
                 comment=comment, data={"deadline": deadline.isoformat(), "unit": unit,
                                        "assignee": getattr(assignee, "pk", None)})


REGISTER_STEP = "incoming.register"


def clerk_registered(rec: IncomingRecord) -> bool:
    """Whether the receiving agency's clerk registered the record (or it has moved on)."""
    if rec.status != S.REGISTERED:
        return True
    return DocumentEvent.objects.filter(document_id=rec.document_id, agency_id=rec.agency_id,
                                        action=REGISTER_STEP).exists()


@guarded("incoming.register")
def incoming_register(*, record: IncomingRecord, actor: Any, comment: str = "",
                      expected_revision: int | None = None,
                      at: dt.datetime | None = None) -> IncomingRecord:
    """The receiving agency's clerk enters the arrived document in the incoming register
    (vào sổ văn bản đến) after checking it: the arrival number reserved on receipt is
    confirmed. Decree 30 wants this the same working day (urgent documents at once);
    `documents.deadlines` warns when that is at risk. Additive: the status stays
    "registered" and the step joins the document's history."""
    at = moment(at)
    rec = lock(IncomingRecord, record.pk, expected_revision, (S.REGISTERED,), related=RELATED)
    require(actor, REGISTER, rec.agency)
    if clerk_registered(rec):
        raise Conflict(_("Văn bản đến này đã được vào sổ."))
    comment = text(comment, "comment", multiline=True, max_length=COMMENT_MAX)
    return _step(rec, actor=actor, action="register", from_status=S.REGISTERED, at=at,
                 comment=comment, data={"number": rec.number, "year": rec.year})


def _ensure_handler(actor: Any, rec: IncomingRecord) -> None:
    if rec.assignee_id is not None:
        if rec.assignee_id != getattr(actor, "pk", None):
            raise NotAllowed(_("Văn bản này được giao cho người khác xử lý."))
        return
    require(actor, HANDLE, rec.agency)


@guarded("incoming.start")
def incoming_start(*, record: IncomingRecord, actor: Any, expected_revision: int | None = None,
                   at: dt.datetime | None = None) -> IncomingRecord:
    """The person in charge starts handling."""
    at = moment(at)
    rec = lock(IncomingRecord, record.pk, expected_revision, (S.ASSIGNED,), related=RELATED)
    _ensure_handler(actor, rec)
    rec.status = S.HANDLING
    return _step(rec, actor=actor, action="start", from_status=S.ASSIGNED, at=at)


@guarded("incoming.done")
def incoming_done(*, record: IncomingRecord, actor: Any, result: str = "",
                  expected_revision: int | None = None,
                  at: dt.datetime | None = None) -> IncomingRecord:
    """The person in charge closes the handling, saying what was done."""
    at = moment(at)
    rec = lock(IncomingRecord, record.pk, expected_revision, (S.ASSIGNED, S.HANDLING),
               related=RELATED)
    _ensure_handler(actor, rec)
    from_status = rec.status
    rec.result = text(result, "result", multiline=True, max_length=COMMENT_MAX)
    rec.done_at = at
    rec.status = S.DONE
    return _step(rec, actor=actor, action="done", from_status=from_status, at=at,
                 comment=rec.result)


# ---------------------------------------------------------------- from other installations
# Used by the `exchange` app; additive: nothing above depends on it.


@guarded("incoming.receive_external")
def incoming_receive_external(*, agency: Agency, sender: Agency, actor: Any, doc_type: str,
                              subject: str, number: int, notation: str, issued_on: dt.date,
                              pdf: bytes, urgency: str = "normal",
                              attachments: Sequence[tuple[str, str, bytes]] = (),
                              at: dt.datetime | None = None) -> IncomingRecord:
    """A document that came from an agency of another installation, already verified: its copy
    here is kept as a sent document of the sender (with the signed PDF as received, and its
    separately filed attachments, each (title, file name, signed PDF) as received), then it
    is received like any other. The same document received again gives back the first record."""
    from tinhso.documents.files import Stored, pdf_write
    from tinhso.documents.kinds import DocType, Urgency
    from tinhso.documents.models import SUBJECT_MAX, DocumentAttachment, DocumentFile

    at = moment(at)
    if doc_type not in DocType.values:
        raise DomainError.for_field("doc_type", _("Loại văn bản không hợp lệ."))
    if urgency not in Urgency.values:
        urgency = Urgency.NORMAL
    subject = text(subject, "subject", required=True, max_length=SUBJECT_MAX)
    notation = text(notation, "notation", required=True, max_length=40)
    doc = (Document.objects.select_for_update()
           .filter(agency=sender, year=issued_on.year, number=number).first())
    if doc is not None and (doc.notation != notation or doc.status != DocStatus.SENT):
        raise DomainError.for_field(
            "notation", _("Cơ quan gửi đã có văn bản số %(n)d/%(y)d khác với văn bản này.")
            % {"n": number, "y": issued_on.year}, code="conflict")
    if doc is None:
        doc = Document(province_code=sender.province_code, agency=sender, doc_type=doc_type,
                       subject=subject, urgency=urgency, drafter=actor, status=DocStatus.SENT,
                       number=number, notation=notation, year=issued_on.year,
                       issued_on=issued_on, created_at=at, updated_at=at, registered_at=at,
                       sent_at=at)
        doc.refresh_search()
        doc.save()
        written: list[Stored] = []
        try:
            stored = pdf_write(pdf, at=at)
            written.append(stored)
            DocumentFile.objects.create(document=doc, kind=DocumentFile.Kind.AGENCY,
                                        storage_path=stored.storage_path, sha256=stored.sha256,
                                        size=stored.size, created_at=at, created_by=actor)
            for n, (title, name, data) in enumerate(attachments, start=1):
                kept = pdf_write(data, at=at)
                written.append(kept)
                DocumentAttachment.objects.create(
                    document=doc, seq=n,
                    title=text(title[:SUBJECT_MAX], "attachments") or name[:SUBJECT_MAX],
                    file_name=text(name[:255], "attachments") or f"phu-luc-{n}.pdf",
                    storage_path=kept.storage_path, sha256=kept.sha256, size=kept.size,
                    added_in=1, added_at=at, added_by=actor, signed_path=kept.storage_path,
                    signed_sha256=kept.sha256, signed_size=kept.size, signed_at=at)
        except BaseException:
            for w in written:
                w.absolute.unlink(missing_ok=True)
            raise
        record_event(doc, actor=actor, action="receive_external", at=at, from_status="",
                     first=True, data={"agency": sender.code, "notation": notation,
                                       **({"attachments": len(attachments)} if attachments
                                          else {})})
    doc.recipients.add(agency)
    return incoming_receive(document=doc, agency=agency, actor=actor, at=at)


@guarded("document.remote_status")
def document_record_remote_status(*, document: Document, actor: Any, organ_id: str,
                                  status: str, label: str, description: str = "",
                                  at: dt.datetime | None = None) -> Document:
    """A recipient in another installation reported how far it has got with `document`; the
    step joins the document's history, so the sender sees it as it sees local recipients'."""
    at = moment(at)
    record_event(document, actor=actor, action="remote_status", at=at,
                 from_status=document.status,
                 comment=text(description, "description", multiline=True,
                              max_length=COMMENT_MAX),
                 data={"organ": organ_id, "status": status, "label": label})
    return document
