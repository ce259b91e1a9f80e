"""Reads of official documents, scoped by who asks.

- An officer sees the documents of the agencies where they hold "documents.view": everything
  their agency drafts and issues, and what arrived at their agency (not another agency's
  drafts, nor documents sent elsewhere).
- Registers (outgoing, incoming) list per agency and year with filters and a diacritics-
  insensitive search over notation, subject and text; a page costs the same few queries
  however many documents match or are shown.
- A person's inbox is what they must handle, soonest deadline first, overdue flagged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, NotFound
from tinhso.core.text import fold
from tinhso.directory.permissions import agency_scope
from tinhso.documents.kinds import DocStatus, DocType, IncomingStatus
from tinhso.documents.models import Document, DocumentEvent, DocumentVersion, IncomingRecord
from tinhso.documents.numbering import local_date
from tinhso.documents.services import HANDLE, VIEW

MAX_QUERY_WORDS = 10
MAX_PAGE_SIZE = 100
DOCUMENT_RELATED = ("agency", "drafter", "signer")
INCOMING_RELATED = ("agency", "assignee", "document", "document__agency", "document__drafter",
                    "document__signer")
# The issuer's steps a recipient agency sees; drafting, review and their comments stay inside.
PUBLIC_STEPS = ("register", "send")
OPEN = (IncomingStatus.REGISTERED, IncomingStatus.DIRECTED, IncomingStatus.ASSIGNED,
        IncomingStatus.HANDLING)


@dataclass(frozen=True)
class RegisterFilters:
    agency: str = ""  # agency code
    year: int | None = None
    doc_type: str = ""
    status: str = ""
    q: str = ""


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def _search(qs: QuerySet[Any], q: str, field: str) -> QuerySet[Any]:
    for word in fold(q).split()[:MAX_QUERY_WORDS]:
        qs = qs.filter(**{f"{field}__contains": word})
    return qs


def _check(filters: RegisterFilters, statuses: Any) -> None:
    if filters.doc_type and filters.doc_type not in DocType.values:
        raise DomainError.for_field("type", _("Loại văn bản không hợp lệ."), code="choice")
    if filters.status and filters.status not in statuses.values:
        raise DomainError.for_field("status", _("Trạng thái không hợp lệ."), code="choice")


def documents_visible_to(user: Any) -> QuerySet[Document]:
    """Every document the user may open: their agencies' own, and those that arrived there."""
    if not _active(user):
        return Document.objects.none()
    scope = agency_scope(user, VIEW)
    if scope.empty:
        return Document.objects.none()
    arrived = IncomingRecord.objects.filter(scope.q("agency"), document=OuterRef("pk"))
    return Document.objects.filter(scope.q("agency") | Q(Exists(arrived)))


def document_for(user: Any, pk: int) -> Document:
    doc = documents_visible_to(user).select_related(*DOCUMENT_RELATED).filter(pk=pk).first()
    if doc is None:
        raise NotFound(_("Không tìm thấy văn bản."))
    return doc


def _filtered(qs: QuerySet[Any], filters: RegisterFilters, *, document: str = "") -> QuerySet[Any]:
    """A register's filters; `document` is the path to the document's fields ("" for the
    outgoing register, "document__" for the incoming one)."""
    if filters.agency:
        qs = qs.filter(agency__code=filters.agency)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.doc_type:
        qs = qs.filter(**{f"{document}doc_type": filters.doc_type})
    if filters.status:
        qs = qs.filter(status=filters.status)
    return _search(qs, filters.q, f"{document}search_folded")


def outgoing_register(user: Any, filters: RegisterFilters) -> QuerySet[Document]:
    """The agencies' own documents (drafts included), newest number first, drafts on top."""
    _check(filters, DocStatus)
    if not _active(user):
        return Document.objects.none()
    qs = _filtered(Document.objects.filter(agency_scope(user, VIEW).q("agency")), filters)
    return qs.select_related(*DOCUMENT_RELATED).order_by(
        F("year").desc(nulls_first=True), F("number").desc(nulls_first=True), "-pk")


def incoming_register(user: Any, filters: RegisterFilters) -> QuerySet[IncomingRecord]:
    """What arrived at the user's agencies, newest arrival number first."""
    _check(filters, IncomingStatus)
    if not _active(user):
        return IncomingRecord.objects.none()
    qs = _filtered(IncomingRecord.objects.filter(agency_scope(user, VIEW).q("agency")), filters,
                   document="document__")
    return qs.select_related(*INCOMING_RELATED).order_by("-year", "-number", "-pk")


def inbox(user: Any, *, today: dt.date | None = None) -> QuerySet[IncomingRecord]:
    """The incoming documents assigned to the user and not yet done, in their agencies, by
    deadline (none last); `overdue` is True past the deadline."""
    if not _active(user):
        return IncomingRecord.objects.none()
    day = today or local_date(timezone.now())
    return (
        IncomingRecord.objects.filter(agency_scope(user, HANDLE).q("agency"), assignee=user,
                                      status__in=(IncomingStatus.ASSIGNED,
                                                  IncomingStatus.HANDLING))
        .select_related(*INCOMING_RELATED)
        .annotate(overdue=Case(When(deadline__lt=day, then=Value(True)), default=Value(False),
                               output_field=BooleanField()))
        .order_by(F("deadline").asc(nulls_last=True), "arrived_at", "pk")
    )


M = TypeVar("M", bound=Model)


def page_of(qs: QuerySet[M], *, page: int, page_size: int) -> tuple[int, list[M]]:
    """(count of all matches, the rows of page `page`): two queries whatever the size."""
    size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    count = qs.count()
    start = (max(1, int(page)) - 1) * size
    return count, list(qs[start:start + size]) if start < count else []


def document_history(user: Any, doc: Document) -> list[DocumentEvent]:
    """The document's events. The issuer sees every step, including how each recipient is
    getting on; a recipient agency sees the issuer's registration and sending and its own
    steps, not the drafting and review, nor other recipients' handling."""
    events = DocumentEvent.objects.filter(document=doc).select_related("agency")
    scope = agency_scope(user, VIEW)
    if not scope.contains(doc.agency):
        events = events.filter(Q(agency_id=doc.agency_id, action__in=PUBLIC_STEPS)
                               | scope.q("agency"))
    return list(events.order_by("at", "pk"))


def document_versions(user: Any, doc: Document) -> list[DocumentVersion]:
    """The kept versions of the text: for the issuing agency only (drafts are internal)."""
    if not agency_scope(user, VIEW).contains(doc.agency):
        return []
    return list(DocumentVersion.objects.filter(document=doc).select_related("author")
                .order_by("number"))


def document_incoming(user: Any, doc: Document) -> list[IncomingRecord]:
    """Where the document arrived: every recipient for the issuer, its own record for a
    recipient."""
    qs = IncomingRecord.objects.filter(document=doc).select_related("agency", "assignee")
    scope = agency_scope(user, VIEW)
    if not scope.contains(doc.agency):
        qs = qs.filter(scope.q("agency"))
    return list(qs.order_by("agency__code"))
