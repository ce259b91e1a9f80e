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
import re
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection
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
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, NotFound
from tinhso.core.text import fold
from tinhso.directory.permissions import agency_scope
from tinhso.documents.kinds import DocStatus, DocType, IncomingStatus
from tinhso.documents.models import (
    Document,
    DocumentAttachment,
    DocumentEvent,
    DocumentFile,
    DocumentVersion,
    IncomingRecord,
)
from tinhso.documents.numbering import local_date
from tinhso.documents.services import APPROVE as APPROVE_PERM
from tinhso.documents.services import DIRECT as DIRECT_PERM
from tinhso.documents.services import DRAFT as DRAFT_PERM
from tinhso.documents.services import HANDLE, VIEW
from tinhso.documents.services import REGISTER as REGISTER_PERM
from tinhso.documents.services import REVIEW as REVIEW_PERM

MAX_QUERY_WORDS = 10
MAX_WORD = 64  # characters of a searched word; a longer one is searched as a prefix
MAX_AGENCY_TERMS = 16  # more agencies in scope: the search reads the plain words
_WORD = re.compile(r"[a-z0-9]+")
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


def search_words(q: str) -> list[str]:
    """The words of a search as PostgreSQL's search vector holds them: folded, runs of letters
    and digits (any other character separates words: "15/QĐ-UBND" -> 15, qd, ubnd), the first
    MAX_QUERY_WORDS, each cut to MAX_WORD characters. Nothing else of the user's text reaches
    the query, so no character of it can be read as tsquery syntax."""
    return [w[:MAX_WORD] for w in _WORD.findall(fold(q))[:MAX_QUERY_WORDS]]


def search_tsquery(q: str, agency_ids: Any = ()) -> str:
    """The tsquery (text of the `tsquery` type, not parsed by a dictionary) for a search:
    every word, the last one (or a word cut to MAX_WORD) also as the start of a longer word,
    so typing as you go finds. Each word is the agency's own (`x12xquyet`, which the vector of
    each row of agency 12 carries, migration 0008), so the index reads only the agencies' lists
    of those words; plain words for more than MAX_AGENCY_TERMS agencies or none named.
    "" when `q` has no word."""
    words = search_words(q)
    if not words:
        return ""
    ids = sorted({int(a) for a in agency_ids})
    keys = [f"x{a}x" for a in ids] if 0 < len(ids) <= MAX_AGENCY_TERMS else [""]
    terms = []
    for i, w in enumerate(words):
        prefix = ":*" if i == len(words) - 1 or len(w) == MAX_WORD else ""
        each = [f"'{key}{w}'{prefix}" for key in keys]
        terms.append(each[0] if len(each) == 1 else f"({' | '.join(each)})")
    return " & ".join(terms)


def uses_search_vector() -> bool:
    """Whether searches read the full-text vector (PostgreSQL) or LIKE the folded text."""
    return connection.vendor == "postgresql"


class _VectorMatch(RawSQL):
    """`<table>.search_vector @@ <tsquery>`: the GIN index finds every match. With walk=True
    the same test hidden from the index (COALESCE), for `page_of`: the planner then reads the
    register's ordering index of the agency from the newest number and tests each row until
    the page is full (a first page of a search with thousands of matches reads a thousand
    rows or so, instead of every match's row to sort them)."""

    def __init__(self, column: str, tsquery: str, *, agencies: int, walk: bool = False) -> None:
        test = f"COALESCE({column} @@ %s::tsquery, false)" if walk else f"{column} @@ %s::tsquery"
        # The table's name and a constant; the user's words are a parameter.
        super().__init__(test, (tsquery,), output_field=BooleanField())  # noqa: S611
        self.column, self.tsquery, self.agencies, self.walk = column, tsquery, agencies, walk

    def walking(self) -> _VectorMatch:
        return _VectorMatch(self.column, self.tsquery, agencies=self.agencies, walk=True)


def _walking(qs: QuerySet[M], *, one_agency: bool = True) -> QuerySet[M] | None:
    """`qs` with its search hidden from the index (see _VectorMatch): read by walking the
    register of one agency in order, or (one_agency=False) by the keys another condition
    names; None when it has no such search."""
    walk = qs.all()
    children: list[Any] = walk.query.where.children
    for i, child in enumerate(children):
        match = getattr(child, "lhs", None)
        if isinstance(match, _VectorMatch) and getattr(child, "rhs", None) is True and (
                match.agencies == 1 or not one_agency):
            children[i] = Exact(match.walking(), True)
            return walk
    return None


def _search(qs: QuerySet[Any], q: str, field: str = "search_folded", *,
            agency_ids: Any = (), vector: bool | None = None) -> QuerySet[Any]:
    """Rows whose folded text has every word of `q`. PostgreSQL: the table's `search_vector`
    (whole words, the last one also as a prefix; `agency_ids` are the agencies the rows are
    limited to anyway: their own words are searched); elsewhere (or vector=False): each word
    LIKE anywhere in `field`."""
    if vector if vector is not None else uses_search_vector():
        tsquery = search_tsquery(q, agency_ids)
        if not tsquery:
            return qs
        column = f"{connection.ops.quote_name(qs.model._meta.db_table)}.search_vector"
        return qs.filter(_VectorMatch(column, tsquery, agencies=len(set(agency_ids))))
    for word in fold(q).split()[:MAX_QUERY_WORDS]:
        qs = qs.filter(**{f"{field}__contains": word})
    return qs


def _scope_ids(user: Any) -> frozenset[int]:
    """The agencies whose own words a search reads (none with a province-wide grant)."""
    scope = agency_scope(user, VIEW)
    return frozenset() if scope.provinces else scope.agency_ids


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


def _filtered(qs: QuerySet[Any], filters: RegisterFilters, *, document: str = "",
              agency_ids: Any = ()) -> QuerySet[Any]:
    """A register's filters; `document` is the path to the document's fields ("" for the
    outgoing register, "document__" for the incoming one). The search reads the rows' own
    folded text (an incoming record keeps its document's) and, on PostgreSQL, their search
    vector led by the agencies' terms (`agency_ids`, migration 0008)."""
    if filters.agency:
        qs = qs.filter(agency__code=filters.agency)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.doc_type:
        qs = qs.filter(**{f"{document}doc_type": filters.doc_type})
    if filters.status:
        qs = qs.filter(status=filters.status)
    return _search(qs, filters.q, agency_ids=agency_ids)


def outgoing_register(user: Any, filters: RegisterFilters) -> QuerySet[Document]:
    """The agencies' own documents (drafts included), newest number first, drafts on top."""
    _check(filters, DocStatus)
    if not _active(user):
        return Document.objects.none()
    qs = _filtered(Document.objects.filter(agency_scope(user, VIEW).q("agency")), filters,
                   agency_ids=_scope_ids(user))
    return qs.select_related(*DOCUMENT_RELATED).order_by(
        F("year").desc(nulls_first=True), F("number").desc(nulls_first=True), "-pk")


def incoming_register(user: Any, filters: RegisterFilters) -> QuerySet[IncomingRecord]:
    """What arrived at the user's agencies, newest arrival number first."""
    _check(filters, IncomingStatus)
    if not _active(user):
        return IncomingRecord.objects.none()
    qs = _filtered(IncomingRecord.objects.filter(agency_scope(user, VIEW).q("agency")), filters,
                   document="document__", agency_ids=_scope_ids(user))
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


DEFERRED_JOIN_FROM = 1_000  # rows skipped from which a page finds its keys first
# A search of one agency's register with at least WALK_FROM matches reads its pages up to row
# WALK_UNTIL by walking the register in order (`_VectorMatch`); fewer matches, or deeper pages,
# are read from the index's matches, sorted.
WALK_FROM = 1_000
WALK_UNTIL = 200


def page_of(qs: QuerySet[M], *, page: int, page_size: int) -> tuple[int, list[M]]:
    """(count of all matches, the rows of page `page`): two queries whatever the size, three
    for a deep page or a search with many matches. A deep page first finds its rows' keys (the
    ordering index alone, without the joined rows of everything it skips: 400 ms -> a few ms
    at offset 10,000 in a register of 800,000), then reads those rows. So does a first page of
    a search of one agency's register with WALK_FROM matches or more, its keys found by walking
    the register in order (PostgreSQL: 16,478 matches in 830,194 records, 5 ms instead of
    reading and sorting all the matches)."""
    size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    count = qs.count()
    start = (max(1, int(page)) - 1) * size
    if start >= count:
        return count, []
    walk = _walking(qs) if count >= WALK_FROM and start + size <= WALK_UNTIL else None
    if walk is not None:  # a search with many matches: its first pages in register order
        keys = list(walk.values_list("pk", flat=True)[start:start + size])
    elif start < DEFERRED_JOIN_FROM:
        return count, list(qs[start:start + size])
    else:
        keys = list(qs.values_list("pk", flat=True)[start:start + size])
    hidden = _walking(qs, one_agency=False)  # by these keys, not by the search's index
    rows = {row.pk: row for row in (qs if hidden is None else hidden).filter(pk__in=keys)}
    return count, [rows[k] for k in keys if k in rows]


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


# --- the officers' workspace (pages under /van-ban/) -----------------------------------------

# The workspace's tabs, in the order shown; each is a queryset of documents (outgoing) or of
# incoming records, already scoped to what the user may act on.
WORKSPACE_TABS = ("drafts", "to_review", "to_sign", "to_issue", "sent", "incoming_new",
                  "to_direct", "assigned")
INCOMING_TABS = frozenset({"incoming_new", "to_direct", "assigned"})
# The issuing clerk's work: register a signed document, issue a registered one, send an
# issued one.
CLERK_STATUSES = (DocStatus.SIGNED, DocStatus.REGISTERED, DocStatus.ISSUED)


def clerk_registered_q() -> Exists:
    """Whether the receiving clerk entered an incoming record in the register (the step
    `incoming.register`); for IncomingRecord querysets."""
    return Exists(DocumentEvent.objects.filter(document_id=OuterRef("document_id"),
                                               agency_id=OuterRef("agency_id"),
                                               action="incoming.register"))


def _outgoing_tab(user: Any, name: str) -> QuerySet[Document]:
    docs = Document.objects.all()
    if name == "drafts":
        return docs.filter(agency_scope(user, DRAFT_PERM).q("agency"), drafter=user,
                           status=DocStatus.DRAFT).order_by("-updated_at", "-pk")
    if name == "to_review":
        return docs.filter(agency_scope(user, REVIEW_PERM).q("agency"),
                           Q(signer__isnull=True) | Q(signer=user),
                           status=DocStatus.IN_REVIEW).order_by("updated_at", "pk")
    if name == "to_sign":
        return docs.filter(agency_scope(user, APPROVE_PERM).q("agency"), signer=user,
                           status=DocStatus.APPROVED).order_by("updated_at", "pk")
    if name == "to_issue":
        return docs.filter(agency_scope(user, REGISTER_PERM).q("agency"),
                           status__in=CLERK_STATUSES).order_by("updated_at", "pk")
    if name == "sent":
        return docs.filter(agency_scope(user, VIEW).q("agency"),
                           status=DocStatus.SENT).order_by(F("sent_at").desc(nulls_last=True),
                                                           "-pk")
    raise ValueError(name)


def _incoming_tab(user: Any, name: str) -> QuerySet[IncomingRecord]:
    recs = IncomingRecord.objects.annotate(clerk_registered=clerk_registered_q())
    if name == "incoming_new":
        return recs.filter(agency_scope(user, REGISTER_PERM).q("agency"),
                           status=IncomingStatus.REGISTERED,
                           clerk_registered=False).order_by("arrived_at", "pk")
    if name == "to_direct":
        return recs.filter(agency_scope(user, DIRECT_PERM).q("agency"),
                           Q(status=IncomingStatus.DIRECTED)
                           | Q(status=IncomingStatus.REGISTERED, clerk_registered=True)
                           ).order_by("arrived_at", "pk")
    if name == "assigned":
        return inbox(user).annotate(clerk_registered=Value(True, output_field=BooleanField()))
    raise ValueError(name)


def workspace_queue(user: Any, name: str, *, q: str = "") -> QuerySet[Any]:
    """One tab of the workspace, searched like the registers (each folded word of `q` in the
    notation, subject or text); rows come with what a list shows."""
    if name not in WORKSPACE_TABS:
        raise ValueError(name)
    if not _active(user):
        return (IncomingRecord if name in INCOMING_TABS else Document).objects.none()
    ids = _scope_ids(user)  # each tab's permission is within "documents.view"
    if name in INCOMING_TABS:
        return _search(_incoming_tab(user, name), q, agency_ids=ids) \
            .select_related(*INCOMING_RELATED)
    return _search(_outgoing_tab(user, name), q, agency_ids=ids) \
        .select_related(*DOCUMENT_RELATED)


def workspace_counts(user: Any, *, only: Any = WORKSPACE_TABS) -> dict[str, int]:
    """How many rows each tab (of `only`) holds: one COUNT per tab, whatever the numbers."""
    if not _active(user):
        return dict.fromkeys(only, 0)
    counts = {}
    for name in only:
        tab = _incoming_tab(user, name) if name in INCOMING_TABS else _outgoing_tab(user, name)
        counts[name] = tab.count()
    return counts


def incoming_for(user: Any, pk: int) -> IncomingRecord:
    """An incoming record of one of the user's agencies, with whether the clerk registered
    it; NotFound for any other."""
    rec = (IncomingRecord.objects.filter(agency_scope(user, VIEW).q("agency"), pk=pk)
           .annotate(clerk_registered=clerk_registered_q())
           .select_related(*INCOMING_RELATED).first()) if _active(user) else None
    if rec is None:
        raise NotFound(_("Không tìm thấy văn bản đến."))
    return rec


def document_files(user: Any, doc: Document) -> list[DocumentFile]:
    """The signed revisions of a document the user may open (the personal-signed one is the
    issuer's business; a recipient sees the issued file only)."""
    files = DocumentFile.objects.filter(document=doc).order_by("created_at", "pk")
    if not agency_scope(user, VIEW).contains(doc.agency):
        files = files.filter(kind=DocumentFile.Kind.AGENCY)
    return list(files)


def handlers_of(agency: Any) -> QuerySet[Any]:
    """The officers who may handle incoming documents in `agency` (an assignee's choices)."""
    from tinhso.accounts.models import User
    from tinhso.directory.models import Grant
    from tinhso.directory.permissions import PERMISSIONS

    grants = Grant.objects.filter(agency=agency, role__in=PERMISSIONS[HANDLE])
    return (User.objects.filter(is_active=True, pk__in=grants.values("user_id"))
            .order_by("full_name", "username"))


def signers_of(agency_ids: Any) -> QuerySet[Any]:
    """The leaders who may approve and sign the documents of these agencies (a draft's
    signer)."""
    from tinhso.accounts.models import User
    from tinhso.directory.models import Grant
    from tinhso.directory.permissions import PERMISSIONS

    grants = Grant.objects.filter(agency_id__in=agency_ids,
                                  role__in=PERMISSIONS[APPROVE_PERM])
    return (User.objects.filter(is_active=True, pk__in=grants.values("user_id"))
            .order_by("full_name", "username"))


def document_attachments(user: Any, doc: Document) -> list[DocumentAttachment]:
    """The separately filed attachments of the document's latest version, in order (the n-th
    is attachment number n), scoped like its signed file: the issuing agency sees them from
    the draft on; a recipient agency sees the agency-signed ones only."""
    rows = list(DocumentAttachment.objects.filter(document=doc, removed_in__isnull=True)
                .order_by("seq"))
    if not agency_scope(user, VIEW).contains(doc.agency):
        rows = [r for r in rows if r.is_signed]
    return rows


def document_attachment(user: Any, doc: Document, number: int) -> DocumentAttachment:
    """Attachment `number` (1-based) of a document the user may open; NotFound otherwise."""
    rows = document_attachments(user, doc)
    if not 1 <= number <= len(rows):
        raise NotFound(_("Không tìm thấy phụ lục."))
    return rows[number - 1]


def version_attachments(user: Any, doc: Document) -> dict[int, list[DocumentAttachment]]:
    """For the issuing agency: each kept version's attachments, by version number (one
    query); nothing for anyone else (drafts are internal)."""
    if not agency_scope(user, VIEW).contains(doc.agency):
        return {}
    rows = list(DocumentAttachment.objects.filter(document=doc).order_by("seq"))
    return {n: [r for r in rows if r.in_version(n)] for n in range(1, doc.version + 1)}
