"""A small province for document tests, built with the real services: the provincial People's
Committee (UBND) and a department (SNN), each with a specialist, a leader and a clerk, and a
third agency (STC) that receives documents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F

from tinhso.accounts.models import User
from tinhso.accounts.tests.factories import AgencyFactory, officer
from tinhso.directory.models import Agency, Role
from tinhso.documents import services as s
from tinhso.documents.kinds import DocStatus, DocType
from tinhso.documents.models import Document

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@dataclass
class Office:
    agency: Agency
    specialist: User
    leader: User
    clerk: User


def office(short_name: str, name: str, **kw: Any) -> Office:
    agency = AgencyFactory(short_name=short_name, name=name, **kw)
    return Office(
        agency=agency,
        specialist=officer(Role.SPECIALIST, agency, full_name=f"Chuyên viên {short_name}"),
        leader=officer(Role.LEADER, agency, full_name=f"Lãnh đạo {short_name}"),
        clerk=officer(Role.CLERK, agency, full_name=f"Văn thư {short_name}"),
    )


@dataclass
class World:
    ubnd: Office
    snn: Office
    stc: Office

    def draft(self, who: Office | None = None, **kw: Any) -> Document:
        who = who or self.snn
        kw.setdefault("doc_type", DocType.QUYET_DINH)
        kw.setdefault("subject", "Về việc phê duyệt kế hoạch chuyển đổi số năm 2026")
        kw.setdefault("body", "Điều 1. Phê duyệt kế hoạch chuyển đổi số của Sở.")
        kw.setdefault("recipients", [self.stc.agency])
        kw.setdefault("recipient_lines", ["Như Điều 3;", "Lưu: VT, VP."])
        if kw["doc_type"] == DocType.CONG_VAN:
            kw.setdefault("unit_abbr", "VP")
        return s.document_draft(actor=kw.pop("actor", who.specialist), agency=who.agency, **kw)

    def approved(self, who: Office | None = None, *, at: dt.datetime | None = None,
                 **kw: Any) -> Document:
        who = who or self.snn
        at = at or vn(2026, 3, 2, 8, 0)
        doc = self.draft(who, at=at, **kw)
        doc = s.document_submit_for_review(document=doc, actor=who.specialist, at=at)
        return s.document_approve(document=doc, actor=who.leader, at=at)

    def signed(self, who: Office | None = None, *, at: dt.datetime | None = None,
               **kw: Any) -> Document:
        """Approved, then marked signed without a PDF: for the tests of numbering, registers
        and exchange, which do not look at signatures (test_signing_flow signs for real)."""
        doc = self.approved(who, at=at, **kw)
        return mark(doc, DocStatus.SIGNED)

    def registered(self, who: Office | None = None, *, at: dt.datetime | None = None,
                   **kw: Any) -> Document:
        who = who or self.snn
        at = at or vn(2026, 3, 2, 9, 0)
        doc = self.signed(who, at=at, **kw)
        return s.document_register(document=doc, actor=who.clerk, at=at)

    def sent(self, who: Office | None = None, *, at: dt.datetime | None = None,
             **kw: Any) -> Document:
        who = who or self.snn
        at = at or vn(2026, 3, 2, 10, 0)
        doc = mark(self.registered(who, at=at, **kw), DocStatus.ISSUED)
        return s.document_send(document=doc, actor=who.clerk, at=at)


def mark(doc: Document, status: str) -> Document:
    """A status set directly, skipping the signature it stands for (see World.signed)."""
    Document.objects.filter(pk=doc.pk).update(status=status, revision=F("revision") + 1)
    doc.refresh_from_db()
    return doc


def make_world() -> World:
    return World(
        ubnd=office("UBND", "Ủy ban nhân dân tỉnh Thử Nghiệm", kind=Agency.Kind.PEOPLES_COMMITTEE),
        snn=office("SNN", "Sở Nông nghiệp và Môi trường"),
        stc=office("STC", "Sở Tài chính"),
    )
