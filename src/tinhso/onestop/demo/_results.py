"""The demo's electronic results: a few real result PDFs made once per load, and every demo
result row's own path a hard link to one of them (as `_scan` does for digitized components).

Signing each result as the services do (`services.processing._signed_result`: the approver's
personal PAdES B-LT signature, then the agency's with the dossier code and a QR code) costs
about 0.13 s of CPU a dossier (docs/benchmarks.md, "One-stop result signing"): a day of CPU for
the ~450,000 electronic results of `tinhso demo --scale 1`. So, as the demo documents do
(`documents.demo._templates`), a load signs **one template per agency that signs its results**
(an organization certificate in force and a leader with a personal certificate in force there,
`signing.demo.load_certificates`), with both signatures as the services make them: the
leader's personal one at the bottom right of the last page, then the agency's at the top right
of the first page. The agency's stamp carries the placeholder `Kết quả mẫu` instead of a
dossier code, and its QR code the public signature check page (/xac-thuc-chu-ky/) instead of
one dossier's result check: the file is shared by every demo result of that agency, so naming
one dossier would be wrong for all the others. The signatures are real and validate (the
public check of a demo dossier's result shows them intact and trusted); the signing time is
the load's, not the dossier's approval; the text says it is a shared template.

An agency never issued an organization certificate keeps its results as uploaded (unsigned),
as the services do for it: its demo results share one unsigned PDF. An agency that was issued
one but cannot sign now (no certificate in force, or no leader with one) would have its
approvals with a result refused by the services: its demo dossiers get no electronic result.

Paths: `dossiers/demo/<dossier id // 10,000>/<dossier id>-kq.pdf` (unique, as
`DossierFile.storage_path` must be); the templates under `dossiers/demo/ket-qua/`."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from tinhso.core.errors import DomainError
from tinhso.onestop.demo._scan import FOLDER, text_pdf

logger = logging.getLogger(__name__)

RESULT_FOLDER = f"{FOLDER}/ket-qua"
RESULT_NAME = "ket-qua-giai-quyet.pdf"
PLACEHOLDER_NOTATION = "Kết quả mẫu"


@dataclass(frozen=True)
class ResultBlob:
    """A stored template: its path (relative to MEDIA_ROOT), SHA-256 and size."""

    path: str
    sha256: str
    size: int
    signed: bool


def result_path(dossier_id: int) -> str:
    return f"{FOLDER}/{dossier_id // 10_000}/{dossier_id}-kq.pdf"


def _pdf(signed: bool) -> bytes:
    """The result template's text (before any signature)."""
    return text_pdf([b"Ket qua giai quyet thu tuc hanh chinh - du lieu mau",
                     b"Ban mau dung chung cho cac ho so mau cua co quan"
                     if signed else b"Ban mau dung chung (co quan chua ky so ket qua)",
                     b"Ma ho so, thu tuc va nguoi nop nam trong co so du lieu, khong nam "
                     b"trong tep nay."], size=13)


def _store(root: Path, pdf: bytes, stem: str) -> ResultBlob:
    digest = hashlib.sha256(pdf).hexdigest()
    rel = f"{RESULT_FOLDER}/{stem}-{digest[:16]}.pdf"
    target = root / rel
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_suffix(f".{os.getpid()}.part")
        part.write_bytes(pdf)
        os.replace(part, target)
    return ResultBlob(rel, digest, len(pdf), signed=stem != "unsigned")


@dataclass
class Results:
    """What each handling agency's electronic results are: `signed` by agency id, `plain` for
    the agencies never issued an organization certificate, none for `refused` agencies."""

    signed: dict[int, ResultBlob]
    plain: ResultBlob
    refused: frozenset[int]

    def of(self, agency_id: int) -> ResultBlob | None:
        blob = self.signed.get(agency_id)
        if blob is not None:
            return blob
        return None if agency_id in self.refused else self.plain


def prepare_results(province_code: str, root: Path) -> Results:
    """Sign one template per agency of the province that signs its results (two signatures
    each, about 0.3 s), store it and the unsigned one."""
    from django.contrib.auth import get_user_model

    from tinhso.directory.models import Grant, Role
    from tinhso.onestop.services.processing import RESULT_AGENCY_FIELD, RESULT_PERSONAL_FIELD
    from tinhso.signing.models import Certificate, CertKind
    from tinhso.signing.pades import last_page_placement, pdf_sign_attachment, pdf_sign_personal
    from tinhso.signing.selectors import agency_certificate, personal_certificate
    from tinhso.signing.services import signature_image

    plain = _store(root, _pdf(signed=False), "unsigned")
    issued = {c.agency for c in Certificate.objects.filter(
        kind=CertKind.ORGANIZATION, agency__province_code=province_code,
    ).select_related("agency") if c.agency is not None}
    signed: dict[int, ResultBlob] = {}
    refused: set[int] = set()
    users = get_user_model()
    for agency in sorted(issued, key=lambda a: a.code):
        organization = agency_certificate(agency)
        personal = None
        if organization is not None:
            for user in users.objects.filter(
                    pk__in=Grant.objects.filter(agency=agency, role=Role.LEADER,
                                                user__is_active=True).values("user"),
            ).order_by("username"):
                personal = personal_certificate(user, agency)
                if personal is not None:
                    break
        if organization is None or personal is None:
            refused.add(agency.pk)
            continue
        pdf = _pdf(signed=True)
        try:
            once = pdf_sign_personal(pdf, certificate=personal,
                                     placement=last_page_placement(pdf),
                                     field=RESULT_PERSONAL_FIELD,
                                     image=signature_image(personal),
                                     reason="Phê duyệt kết quả giải quyết hồ sơ (bản mẫu)")
            final = pdf_sign_attachment(once, certificate=organization,
                                        number_notation=PLACEHOLDER_NOTATION,
                                        field=RESULT_AGENCY_FIELD, url=_check_url(),
                                        reason="Kết quả giải quyết hồ sơ (bản mẫu)")
        except DomainError as exc:  # refused at signing time: the services would refuse too
            logger.warning("demo results of agency %s not signed: %s", agency.pk, exc.message)
            refused.add(agency.pk)
            continue
        signed[agency.pk] = _store(root, final, f"agency-{agency.pk}")
    return Results(signed, plain, frozenset(refused))


def _check_url() -> str:
    """The public signature check page, where anyone uploads the file to check it."""
    from django.conf import settings
    from django.urls import reverse

    return f"{settings.TINHSO_PUBLIC_URL.rstrip('/')}{reverse('signing:verify')}"
