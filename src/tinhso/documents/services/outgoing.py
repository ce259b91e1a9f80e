"""Outgoing documents: draft, revise, submit, approve or send back, register, send.

Each service is one transaction: it locks the document at the revision the caller saw (a
stale one is a 409), checks the actor's permission in the issuing agency, writes the change,
a DocumentEvent and an audit event. Every text change keeps a DocumentVersion.

Registration (number, notation, date of issue) follows the leader's personal signature
(`signing.document_sign`); the agency's signature (`signing.document_issue`) follows it, and
only an issued document is sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, NotAllowed
from tinhso.directory.models import Agency
from tinhso.directory.permissions import can
from tinhso.documents.arrival import arrival_check
from tinhso.documents.kinds import (
    UNIT_NOTATION_TYPES,
    Confidentiality,
    DocStatus,
    DocType,
    Register,
    Urgency,
)
from tinhso.documents.models import SUBJECT_MAX, Document, DocumentVersion
from tinhso.documents.notation import MAX_PART, format_notation, is_abbreviation
from tinhso.documents.numbering import local_date, next_number
from tinhso.documents.rollups import doc_stat_bump
from tinhso.documents.services._common import (
    APPROVE,
    BODY_MAX,
    COMMENT_MAX,
    DRAFT,
    MAX_RECIPIENTS,
    REGISTER,
    REVIEW,
    guarded,
    lock,
    moment,
    record_event,
    require,
    text,
)

RELATED = ("agency", "drafter", "signer")
SENDABLE = (DocStatus.ISSUED,)


def _choice(value: Any, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise DomainError.for_field(
            field, _("Giá trị không hợp lệ. Chọn một trong: %(values)s.")
            % {"values": ", ".join(choices.values)}, code="choice")
    return str(value)


def _unit_abbr(value: Any, doc_type: str) -> str:
    unit = text(value, "unit_abbr", max_length=MAX_PART)
    if doc_type in UNIT_NOTATION_TYPES and not unit:
        raise DomainError.for_field(
            "unit_abbr", _("Công văn cần chữ viết tắt của đơn vị soạn thảo (ví dụ: VP)."),
            code="required")
    if unit and not is_abbreviation(unit):
        raise DomainError.for_field(
            "unit_abbr", _("Chữ viết tắt chỉ gồm chữ cái và chữ số, bắt đầu bằng chữ cái."))
    return unit


def _recipients(agencies: Sequence[Agency], issuer: Agency) -> list[Agency]:
    unique = {a.pk: a for a in agencies}
    if len(unique) > MAX_RECIPIENTS:
        raise DomainError.for_field("recipients", _("Tối đa %(n)d cơ quan nhận.")
                                    % {"n": MAX_RECIPIENTS}, code="too_many")
    for a in unique.values():
        if not a.is_active:
            raise DomainError.for_field("recipients", _("Cơ quan %(name)s không còn hoạt động.")
                                        % {"name": a.name})
        if a.pk == issuer.pk:
            raise DomainError.for_field("recipients",
                                        _("Cơ quan ban hành không gửi văn bản cho chính mình."))
    return list(unique.values())


def _recipient_lines(lines: Sequence[str]) -> list[str]:
    if len(lines) > MAX_RECIPIENTS:
        raise DomainError.for_field("recipient_lines", _("Quá nhiều dòng nơi nhận."),
                                    code="too_many")
    cleaned = [text(line, "recipient_lines", max_length=255) for line in lines]
    return [line for line in cleaned if line]


def _signer(signer: Any, agency: Agency) -> Any:
    if signer is not None and not can(signer, APPROVE, agency):
        raise DomainError.for_field("signer", _("Người ký phải là lãnh đạo của cơ quan ban hành."))
    return signer


def _keep_version(doc: Document, *, actor: Any, at: dt.datetime, comment: str) -> None:
    DocumentVersion.objects.create(document=doc, number=doc.version, subject=doc.subject,
                                   body=doc.body, author=actor, at=at, comment=comment)


@guarded("document.draft")
def document_draft(*, actor: Any, agency: Agency, doc_type: str, subject: str, body: str = "",
                   urgency: str = Urgency.NORMAL,
                   confidentiality: str = Confidentiality.NORMAL,
                   recipients: Sequence[Agency] = (), recipient_lines: Sequence[str] = (),
                   unit_abbr: str = "", signer: Any = None, comment: str = "",
                   at: dt.datetime | None = None) -> Document:
    """A specialist starts a draft in their agency; its first version is kept."""
    at = moment(at)
    require(actor, DRAFT, agency)
    doc_type = _choice(doc_type, DocType, "doc_type")
    doc = Document(
        province_code=agency.province_code, agency=agency, doc_type=doc_type,
        subject=text(subject, "subject", required=True, max_length=SUBJECT_MAX),
        body=text(body, "body", multiline=True, max_length=BODY_MAX),
        urgency=_choice(urgency, Urgency, "urgency"),
        confidentiality=_choice(confidentiality, Confidentiality, "confidentiality"),
        unit_abbr=_unit_abbr(unit_abbr, doc_type),
        recipient_lines=_recipient_lines(recipient_lines),
        drafter=actor, signer=_signer(signer, agency), created_at=at, updated_at=at,
    )
    to = _recipients(recipients, agency)
    comment = text(comment, "comment", multiline=True, max_length=COMMENT_MAX)
    doc.refresh_search()
    doc.save()
    doc.recipients.set(to)
    _keep_version(doc, actor=actor, at=at, comment=comment)
    record_event(doc, actor=actor, action="draft", at=at, from_status="", comment=comment,
           data={"type": doc_type, "version": 1}, first=True)
    return doc


@guarded("document.revise")
def document_revise(*, document: Document, actor: Any, subject: str | None = None,
                    body: str | None = None, doc_type: str | None = None,
                    urgency: str | None = None, confidentiality: str | None = None,
                    recipients: Sequence[Agency] | None = None,
                    recipient_lines: Sequence[str] | None = None, unit_abbr: str | None = None,
                    signer: Any = None, comment: str = "", expected_revision: int | None = None,
                    at: dt.datetime | None = None) -> Document:
    """Change a draft (its drafters) or a draft under review (the reviewing leader); a change
    of subject or text is kept as a new version. Arguments left None stay as they are."""
    at = moment(at)
    doc = lock(Document, document.pk, expected_revision,
               (DocStatus.DRAFT, DocStatus.IN_REVIEW), related=RELATED)
    require(actor, DRAFT if doc.status == DocStatus.DRAFT else REVIEW, doc.agency)
    comment = text(comment, "comment", multiline=True, max_length=COMMENT_MAX)
    changed: list[str] = []
    before = (doc.subject, doc.body)
    if subject is not None:
        doc.subject = text(subject, "subject", required=True, max_length=SUBJECT_MAX)
    if body is not None:
        doc.body = text(body, "body", multiline=True, max_length=BODY_MAX)
    text_changed = (doc.subject, doc.body) != before
    if doc_type is not None:
        doc.doc_type = _choice(doc_type, DocType, "doc_type")
        changed.append("doc_type")
    if urgency is not None:
        doc.urgency = _choice(urgency, Urgency, "urgency")
        changed.append("urgency")
    if confidentiality is not None:
        doc.confidentiality = _choice(confidentiality, Confidentiality, "confidentiality")
        changed.append("confidentiality")
    if unit_abbr is not None or doc_type is not None:
        doc.unit_abbr = _unit_abbr(doc.unit_abbr if unit_abbr is None else unit_abbr,
                                   doc.doc_type)
    if recipient_lines is not None:
        doc.recipient_lines = _recipient_lines(recipient_lines)
        changed.append("recipient_lines")
    if signer is not None:
        doc.signer = _signer(signer, doc.agency)
        changed.append("signer")
    if recipients is not None:
        doc.recipients.set(_recipients(recipients, doc.agency))
        changed.append("recipients")
    if text_changed:
        doc.version += 1
        _keep_version(doc, actor=actor, at=at, comment=comment)
    doc.revision += 1
    doc.updated_at = at
    doc.refresh_search()
    doc.save()
    record_event(doc, actor=actor, action="revise", at=at, from_status=doc.status, comment=comment,
           data={"version": doc.version, "new_version": text_changed, "changed": changed})
    return doc


def _move(document: Document, *, actor: Any, perm: str, allowed: Sequence[str], to: str,
          action: str, comment: str, expected_revision: int | None, at: dt.datetime | None,
          comment_required: bool = False,
          check: Callable[[Document], None] | None = None) -> Document:
    at = moment(at)
    doc = lock(Document, document.pk, expected_revision, allowed, related=RELATED)
    require(actor, perm, doc.agency)
    if check is not None:
        check(doc)
    comment = text(comment, "comment", required=comment_required, multiline=True,
                   max_length=COMMENT_MAX)
    from_status = doc.status
    doc.status = to
    doc.revision += 1
    doc.updated_at = at
    doc.save()
    record_event(doc, actor=actor, action=action, at=at, from_status=from_status, comment=comment)
    return doc


@guarded("document.submit_for_review")
def document_submit_for_review(*, document: Document, actor: Any, comment: str = "",
                               expected_revision: int | None = None,
                               at: dt.datetime | None = None) -> Document:
    """The drafter hands the draft to the leaders."""
    return _move(document, actor=actor, perm=DRAFT, allowed=(DocStatus.DRAFT,),
                 to=DocStatus.IN_REVIEW, action="submit", comment=comment,
                 expected_revision=expected_revision, at=at)


@guarded("document.approve")
def document_approve(*, document: Document, actor: Any, comment: str = "",
                     expected_revision: int | None = None,
                     at: dt.datetime | None = None) -> Document:
    """The competent leader approves the text, which is then ready for their signature. A
    draft meant for a named signer is approved by that leader only."""

    def named_signer_only(doc: Document) -> None:
        if doc.signer_id is not None and doc.signer_id != getattr(actor, "pk", None):
            raise NotAllowed(_("Văn bản này trình lãnh đạo khác ký duyệt."))

    doc = _move(document, actor=actor, perm=APPROVE, allowed=(DocStatus.IN_REVIEW,),
                to=DocStatus.APPROVED, action="approve", comment=comment,
                expected_revision=expected_revision, at=at, check=named_signer_only)
    if doc.signer_id is None:
        doc.signer = actor
        doc.save(update_fields=["signer"])
    return doc


@guarded("document.send_back")
def document_send_back(*, document: Document, actor: Any, comment: str,
                       expected_revision: int | None = None,
                       at: dt.datetime | None = None) -> Document:
    """A leader returns a draft under review (or approved, not yet registered) to its drafter,
    saying why."""
    return _move(document, actor=actor, perm=REVIEW,
                 allowed=(DocStatus.IN_REVIEW, DocStatus.APPROVED), to=DocStatus.DRAFT,
                 action="send_back", comment=comment, expected_revision=expected_revision,
                 at=at, comment_required=True)


def _agency_abbr(agency: Agency) -> str:
    abbr = agency.short_name.strip()
    if not is_abbreviation(abbr):
        raise DomainError.for_field(
            "agency", _("Cơ quan “%(name)s” chưa có tên viết tắt hợp lệ để ghi ký hiệu văn bản; "
                        "quản trị cần khai báo tên viết tắt (ví dụ: UBND, SNV).")
            % {"name": agency.name}, code="no_abbreviation")
    return abbr


@guarded("document.register")
def document_register(*, document: Document, actor: Any, expected_revision: int | None = None,
                      at: dt.datetime | None = None) -> Document:
    """The clerk gives the signed document its number in the agency's outgoing register for
    the year, its notation and its date of issue (Vietnam's calendar day)."""
    at = moment(at)
    doc = lock(Document, document.pk, expected_revision, (DocStatus.SIGNED,), related=RELATED)
    require(actor, REGISTER, doc.agency)
    abbr = _agency_abbr(doc.agency)
    unit = _unit_abbr(doc.unit_abbr, doc.doc_type)
    issued_on = local_date(at)
    number = next_number(doc.agency, Register.OUTGOING, issued_on.year)
    doc.number, doc.year, doc.issued_on = number, issued_on.year, issued_on
    doc.notation = format_notation(number, doc.doc_type, abbr, unit)
    doc.registered_at = at
    from_status = doc.status
    doc.status = DocStatus.REGISTERED
    doc.revision += 1
    doc.updated_at = at
    doc.refresh_search()
    doc.save()
    record_event(doc, actor=actor, action="register", at=at, from_status=from_status,
           data={"number": number, "notation": doc.notation, "year": doc.year,
                 "issued_on": issued_on.isoformat()})
    return doc


# How to tell recipients that live in another installation (another province, a ministry):
# apps above this one register a check (the `exchange` app: agencies under a known peer's
# organ prefix). Each takes the recipients and gives the ids of those that are elsewhere.
ELSEWHERE: list[Callable[[list[Agency]], set[int]]] = []


def recipients_elsewhere(agencies: list[Agency]) -> set[int]:
    found: set[int] = set()
    for check in ELSEWHERE:
        found |= check(agencies)
    return found


@guarded("document.send")
def document_send(*, document: Document, actor: Any, expected_revision: int | None = None,
                  at: dt.datetime | None = None) -> Document:
    """The clerk sends an issued document to its recipient agencies in this installation:
    each gets an incoming record with its own arrival number, in this same transaction.
    Confidential documents (mật and above) are never sent electronically."""
    from tinhso.documents.services.incoming import incoming_receive

    at = moment(at)
    doc = lock(Document, document.pk, expected_revision, SENDABLE, related=RELATED)
    require(actor, REGISTER, doc.agency)
    if doc.is_confidential:
        raise DomainError.for_field(
            "confidentiality",
            _("Văn bản mật không được gửi qua mạng; gửi văn bản giấy theo quy định bảo vệ "
              "bí mật nhà nước."), code="confidential")
    recipients = list(doc.recipients.filter(is_active=True).order_by("pk"))
    if not recipients:
        raise DomainError.for_field("recipients", _("Văn bản chưa có cơ quan nhận."),
                                    code="required")
    # Recipients of other installations are reached by `exchange` (a signed package), not by
    # an incoming record here.
    elsewhere = recipients_elsewhere(recipients)
    local = [a for a in recipients if a.pk not in elsewhere]
    from_status = doc.status
    doc.status = DocStatus.SENT
    doc.sent_at = at
    doc.revision += 1
    doc.updated_at = at
    doc.save()
    record_event(doc, actor=actor, action="send", at=at, from_status=from_status,
           data={"to": [a.code for a in local],
                 **({"elsewhere": [a.code for a in recipients if a.pk in elsewhere]}
                    if elsewhere else {})})
    doc_stat_bump(doc.agency, at, {"sent_online": 1})
    # Verified first: the signatures are checked once for every recipient here, and kept.
    checked = arrival_check(doc, at) if local else {}
    for agency in local:
        incoming_receive(document=doc, agency=agency, actor=actor, at=at, verification=checked)
    return doc

