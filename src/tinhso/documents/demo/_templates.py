"""Sign once: the few signed PDFs every demo document's files point to.

A PAdES B-LT signature costs about 0.1 s of CPU; a year of the report's documents would take
days to sign one by one. So a load renders one template PDF per type of `TEMPLATE_TYPES`,
signs it once with a demo leader's personal certificate, fills in a placeholder number, seals
it once with that leader's agency certificate, and stores each revision once
(`documents.files.pdf_write`, SHA-256 recorded). Every demo document of that type then gets
DocumentFile rows naming the same stored files: its number, subject, date and issuing agency
vary in the database, not in the PDF. A template for documents the leader signed on paper
(no personal signature: scanned, then sealed) is sealed only. The signatures are real and
verify; the text is the template's (it says so), not the document's. Real documents are
rendered and signed one by one by the services (`documents.services.signing`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from django.utils import timezone

from tinhso.directory.models import Agency, Grant, Role
from tinhso.documents.arrival import pdf_check
from tinhso.documents.demo._mix import TEMPLATE_TYPES
from tinhso.documents.files import pdf_write
from tinhso.documents.kinds import DocType
from tinhso.documents.models import Document
from tinhso.documents.pdf import fill_registration, place_name, render_document
from tinhso.signing.models import Certificate
from tinhso.signing.pades import Placement, pdf_sign_agency, pdf_sign_personal, seal_placement
from tinhso.signing.selectors import agency_certificate, personal_certificate

SCAN = "scan"  # the key of the sealed-only template
PLACEHOLDER_NUMBER = "Văn bản mẫu"


@dataclass(frozen=True)
class Blob:
    storage_path: str
    sha256: str
    size: int
    serial: str
    placement: dict[str, Any]


@dataclass(frozen=True)
class Template:
    personal: Blob | None
    agency: Blob
    verification: dict[str, Any]  # the arrival check of `agency`, made once


@dataclass(frozen=True)
class Signers:
    agency: Agency
    personal: Certificate
    organization: Certificate


def demo_signers(province_code: str) -> Signers | None:
    """A leader of the province with a personal certificate in force, at an agency with its
    own certificate in force (the first by agency code); None without such a pair."""
    grants = (Grant.objects.filter(province_code=province_code, role=Role.LEADER,
                                   agency__isnull=False, user__is_active=True)
              .select_related("user", "agency", "agency__unit", "agency__parent")
              .order_by("agency__code", "user__username"))
    for grant in grants:
        agency = cast(Agency, grant.agency)
        organization = agency_certificate(agency)
        personal = personal_certificate(grant.user, agency) if organization else None
        if organization is not None and personal is not None:
            return Signers(agency, personal, organization)
    return None


def _blob(pdf: bytes, cert: Certificate, placement: Placement, at: dt.datetime) -> Blob:
    stored = pdf_write(pdf, at=at)
    return Blob(stored.storage_path, stored.sha256, stored.size, str(cert.serial),
                {"page": placement.page, "box": list(placement.box)})


def _render(signers: Signers, doc_type: str) -> Any:
    label = str(DocType(doc_type).label)
    fake = SimpleNamespace(
        agency=signers.agency, doc_type=doc_type,
        subject=f"{label} mẫu của dữ liệu thử nghiệm",
        body=("Đây là văn bản mẫu dùng chung cho dữ liệu thử nghiệm của hệ thống: "
              "mọi văn bản mẫu cùng loại trỏ tới tệp đã ký này.\n"
              "Số, ký hiệu, trích yếu, ngày ban hành và cơ quan ban hành của từng văn bản "
              "nằm trong cơ sở dữ liệu, không nằm trong tệp này."),
        recipients=SimpleNamespace(order_by=lambda *_: []),
        recipient_lines=["Lưu: VT."],
    )
    cert = signers.personal
    return render_document(cast(Document, fake),
                           signer_title=str(cert.subject_attrs.get("title") or "Thủ trưởng"),
                           signer_name=cert.common_name or "")


def templates_sign(signers: Signers, *, at: dt.datetime | None = None,
                   types: tuple[str, ...] = TEMPLATE_TYPES) -> dict[str, Template]:
    """One signed template per type of `types` (the first is the fallback for the others),
    and the sealed-only one (`SCAN`)."""
    at = at or timezone.now()
    day = timezone.localdate(at)
    place = place_name(cast(Document, SimpleNamespace(agency=signers.agency)))
    out: dict[str, Template] = {}
    for doc_type in (*types, SCAN):
        rendered = _render(signers, DocType.CONG_VAN if doc_type == SCAN else doc_type)
        personal = None
        pdf = rendered.pdf
        if doc_type != SCAN:
            pdf = pdf_sign_personal(pdf, certificate=signers.personal,
                                    placement=rendered.signature, reason="Ký ban hành",
                                    location=place)
            personal = _blob(pdf, signers.personal, rendered.signature, at)
        filled = fill_registration(pdf, notation=PLACEHOLDER_NUMBER, issued_on=day)
        seal = seal_placement(rendered.signature)
        sealed = pdf_sign_agency(filled, certificate=signers.organization, placement=seal,
                                 reason="Phát hành văn bản mẫu", location=place)
        out[doc_type] = Template(personal, _blob(sealed, signers.organization, seal, at),
                                 _compact(pdf_check(sealed, at)))
    return out


def _compact(verdict: dict[str, Any]) -> dict[str, Any]:
    """The arrival check as an incoming record's page shows it (the verdict, its reasons, each
    signer and whether it holds): a quarter of the full record's 840 bytes, on 7 million rows."""
    return {**{k: verdict[k] for k in ("checked_at", "status", "ok", "summary", "reasons")
               if k in verdict},
            "signatures": [{k: s.get(k) for k in ("signer", "kind", "ok")}
                           for s in verdict.get("signatures", [])],
            "shared_template": True}
