"""A sender and a receiver for exchange tests in one database: the signing session's agency
(000.98.01.H56, with its organization certificate) sends; a second agency (000.99.01.H57)
receives. Both prefixes are registered peers, so each side treats the other as remote."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.accounts.tests.factories import AgencyFactory, officer
from tinhso.directory.models import Agency, Role
from tinhso.documents import services as ds
from tinhso.documents.files import pdf_write
from tinhso.documents.kinds import DocStatus, DocType
from tinhso.documents.models import Document, DocumentFile
from tinhso.documents.tests.world import mark
from tinhso.exchange.models import Peer
from tinhso.signing import services as signing_services
from tinhso.signing.models import Certificate
from tinhso.signing.pades import Placement, pdf_sign_agency

SENDER_PREFIX, RECEIVER_PREFIX = "000.98.", "000.99."
RECEIVER_CODE = "000.99.01.H57"

_SIGNED: dict[str, bytes] = {}


def signed_pdf(pki: Any, two_page_pdf: bytes) -> bytes:
    """The sender's agency signature on a 2-page PDF, made once per test session (the session
    PKI's certificates are the same in every test) rather than per test."""
    if "pdf" not in _SIGNED:
        _SIGNED["pdf"] = pdf_sign_agency(two_page_pdf, certificate=pki.organization,
                                         placement=Placement(1, (300, 100, 420, 220)))
    return _SIGNED["pdf"]


@dataclass
class Net:
    pki: Any
    clerk: User
    specialist: User
    receiver: Agency
    receiver_leader: User
    receiver_clerk: User
    receiver_cert: Certificate
    local: Agency
    pdf: bytes

    def issued(self, **kw: Any) -> Document:
        """A document of the sender, issued with its signed PDF, and already sent to a local
        agency (so its copy is the one the receiver finds in this shared database)."""
        at = kw.pop("at", timezone.now() - dt.timedelta(minutes=5))
        kw.setdefault("doc_type", DocType.QUYET_DINH)
        kw.setdefault("subject", "Về việc phê duyệt kế hoạch chuyển đổi số năm 2026")
        kw.setdefault("body", "Điều 1. Phê duyệt kế hoạch.")
        kw.setdefault("recipients", [self.local])
        doc = ds.document_draft(actor=self.specialist, agency=self.pki.agency, at=at, **kw)
        doc = mark(doc, DocStatus.SIGNED)
        doc = ds.document_register(document=doc, actor=self.clerk, at=at)
        doc = mark(doc, DocStatus.ISSUED)
        stored = pdf_write(self.pdf, at=at)
        DocumentFile.objects.create(document=doc, kind=DocumentFile.Kind.AGENCY,
                                    storage_path=stored.storage_path, sha256=stored.sha256,
                                    size=stored.size, created_at=at, created_by=self.clerk)
        if not doc.is_confidential:
            doc = ds.document_send(document=doc, actor=self.clerk, at=at)
        # The recipient in the other installation (added after the local sending, which would
        # otherwise register it here too: this database plays both installations).
        doc.recipients.add(self.receiver)
        return doc


def make_net(pki: Any, two_page_pdf: bytes, *, base_url: str = "http://testserver") -> Net:
    receiver = AgencyFactory(code=RECEIVER_CODE, name="Sở Tài chính tỉnh Bên Kia",
                             short_name="STC")
    Peer.objects.create(name="Tỉnh gửi", base_url=base_url, organ_prefix=SENDER_PREFIX)
    Peer.objects.create(name="Tỉnh nhận", base_url=base_url, organ_prefix=RECEIVER_PREFIX)
    return Net(
        pki=pki, clerk=officer(Role.CLERK, pki.agency, full_name="Văn thư Lan"),
        specialist=officer(Role.SPECIALIST, pki.agency, full_name="Chuyên viên Hà"),
        receiver=receiver,
        receiver_leader=officer(Role.LEADER, receiver, full_name="Giám đốc Bình"),
        receiver_clerk=officer(Role.CLERK, receiver, full_name="Văn thư Mai"),
        receiver_cert=signing_services.certificate_issue_organization(actor=pki.admin,
                                                                      agency=receiver),
        local=AgencyFactory(code="000.97.02.H56", name="Sở Nội vụ", short_name="SNV"),
        pdf=signed_pdf(pki, two_page_pdf),
    )
