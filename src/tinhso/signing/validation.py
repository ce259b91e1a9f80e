"""Checking the signatures of a PDF: ours, or one received from another agency.

Validation uses only what the file carries (the DSS: chain, OCSP/CRL answers embedded when it
was signed) against our trusted roots, never the network; then, for certificates issued by
our own PKI, our records add what happened since (a revocation after signing).

pdfsig does not notice an unsigned change appended after the last signature; this does:
`unsigned_changes` is true when a revision after a signature changes more than signature
fields and validation data.

Speed (issue 4 asks for 50 documents a second on 2 cores) comes from what changes no
verdict: bulk readers inside pyHanko (`speedups.py`), parsed certificates, OCSP answers and
CRLs and validated certificate paths kept per process (`validation_cache.py`), and pyHanko's
difference analysis with a shortcut for revisions that only add validation data
(`diff_policy.py`); each module says why its shortcut is sound."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import (
    MultivaluedAttributeError,
    NonexistentAttributeError,
    find_unique_cms_attribute,
)
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus

from tinhso.signing import speedups, validation_cache
from tinhso.signing.diff_policy import DIFF_POLICY
from tinhso.signing.keystore import pki_dir
from tinhso.signing.models import Certificate, CertKind
from tinhso.signing.validation_cache import parsed_pem_certificate

speedups.install()
validation_cache.install()

ACCEPTED_LATER = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
                  ModificationLevel.FORM_FILLING)


class Revocation:
    GOOD = "good"
    REVOKED = "revoked"
    REVOKED_AFTER_SIGNING = "revoked_after_signing"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SignatureCheck:
    """What one signature of a PDF is worth."""

    field: str
    signer: str
    subject: str
    serial: int | None
    fingerprint: str
    certificate_id: int | None  # ours, when our PKI issued it
    intact: bool  # the signed bytes are unchanged
    trusted: bool  # valid chain to one of our trusted roots
    revocation: str  # Revocation.*
    signed_at: dt.datetime | None  # as the signer's system claimed
    timestamp: dt.datetime | None  # from the RFC 3161 timestamp
    timestamp_ok: bool
    covers_whole_file: bool
    modification: str  # pyHanko's ModificationLevel name for what came after
    ok: bool
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValidationReport:
    signatures: list[SignatureCheck] = field(default_factory=list)
    unsigned_changes: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and not self.error and not self.unsigned_changes and all(
            s.ok for s in self.signatures)


def trust_roots() -> list[asn1_x509.Certificate]:
    """Our roots: the PKI's root rows, plus every PEM in `<PKI dir>/trust/` (the national
    roots of a real deployment)."""
    roots = [parsed_pem_certificate(pem) for pem in Certificate.objects
             .filter(kind=CertKind.ROOT).exclude(pem="").values_list("pem", flat=True)]
    trust = pki_dir() / "trust"
    if trust.is_dir():
        roots += [parsed_pem_certificate(p.read_text()) for p in sorted(Path(trust).glob("*.pem"))]
    return roots


def _ours(fingerprint: str) -> Certificate | None:
    return Certificate.objects.filter(fingerprint=fingerprint).first()


def _revocation(status: PdfSignatureStatus, mine: Certificate | None,
                at: dt.datetime | None) -> str:
    if status.revoked:
        return Revocation.REVOKED
    if mine is not None and mine.revoked_at is not None:
        if at is not None and mine.revoked_at > at:
            return Revocation.REVOKED_AFTER_SIGNING
        return Revocation.REVOKED
    return Revocation.GOOD if status.trusted else Revocation.UNKNOWN


def _fingerprint(status: PdfSignatureStatus) -> str:
    return hashlib.sha256(status.signing_cert.dump()).hexdigest()


def _check(status: PdfSignatureStatus, field_name: str,
           ours: dict[str, Certificate] | None = None) -> SignatureCheck:
    cert = status.signing_cert
    fingerprint = _fingerprint(status)
    mine = ours.get(fingerprint) if ours is not None else _ours(fingerprint)
    ts = status.timestamp_validity
    timestamp = ts.timestamp if ts is not None else None
    timestamp_ok = bool(ts is not None and ts.intact and ts.valid and ts.trusted)
    revocation = _revocation(status, mine, timestamp if timestamp_ok else status.signer_reported_dt)
    modification = status.modification_level
    problems = []
    if not status.intact:
        problems.append("altered")
    if not status.trusted:
        problems.append("untrusted")
    if revocation == Revocation.REVOKED:
        problems.append("revoked")
    if not timestamp_ok:
        problems.append("no_timestamp")
    if modification not in ACCEPTED_LATER or not status.docmdp_ok:
        problems.append("changed_after_signing")
    attrs = cert.subject.native
    return SignatureCheck(
        field=field_name, signer=str(attrs.get("common_name", "")),
        subject=cert.subject.human_friendly, serial=cert.serial_number, fingerprint=fingerprint,
        certificate_id=mine.pk if mine else None, intact=bool(status.intact),
        trusted=bool(status.trusted), revocation=revocation,
        signed_at=status.signer_reported_dt, timestamp=timestamp, timestamp_ok=timestamp_ok,
        covers_whole_file=status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
        modification=modification.name if modification is not None else "",
        ok=not problems and bool(status.bottom_line), problems=tuple(problems))


def _timestamp_time(sig: EmbeddedPdfSignature) -> dt.datetime | None:
    """When the signature's RFC 3161 timestamp says it existed (its token's genTime), or
    None when it has none or the token cannot be read (then the signature is judged today,
    and the missing timestamp is reported by `_check`)."""
    try:
        token = find_unique_cms_attribute(sig.signer_info["unsigned_attrs"],
                                          "signature_time_stamp_token")
        info = token["content"]["encap_content_info"]["content"].parsed
        moment = info["gen_time"].native
    except (NonexistentAttributeError, MultivaluedAttributeError, KeyError, ValueError,
            TypeError, AttributeError):
        return None
    return moment if isinstance(moment, dt.datetime) else None


def pdf_validate(pdf: bytes) -> ValidationReport:
    """Every signature of `pdf`, checked against our trusted roots with what it embeds."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        sigs = list(reader.embedded_regular_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        return ValidationReport(error=f"unreadable: {exc}")
    if not sigs:
        return ValidationReport(error="unsigned")
    roots = trust_roots()
    try:
        dss: DocumentSecurityStore | None = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        dss = None
    vc_kwargs: dict[str, Any] = {"roots": roots, "allow_fetching": False,
                                 "revocation_mode": "hard-fail"}
    statuses: list[tuple[PdfSignatureStatus, str]] = []
    error = ""
    for sig in sigs:
        # Long-term validation (PAdES B-LT): the chain and the embedded revocation data are
        # judged at the time the signature's timestamp proves, not today, so a document stays
        # valid after its OCSP answers, CRLs and certificates have expired. The timestamp
        # itself is checked against our roots in the same validation; without one, today.
        stamped = _timestamp_time(sig)
        moment: dict[str, Any] = ({"moment": stamped, "retroactive_revinfo": True}
                                  if stamped else {})
        vc = validation_cache.validation_context(dss, **vc_kwargs, **moment)
        try:
            statuses.append((validate_pdf_signature(sig, vc, diff_policy=DIFF_POLICY),
                             sig.field_name))
        except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError,
                NotImplementedError) as exc:
            error = f"{sig.field_name}: {exc}"
            break
    # Our records of the signers' certificates, in one query (the first row of a fingerprint,
    # as `_ours` finds it).
    ours = {c.fingerprint: c for c in Certificate.objects.filter(
        fingerprint__in={_fingerprint(status) for status, _ in statuses}).order_by("-pk")}
    checks = [_check(status, name, ours) for status, name in statuses]
    if error:
        return ValidationReport(signatures=checks, error=error)
    last = checks[-1]
    unsigned = last.modification not in ("NONE", "LTA_UPDATES") or any(
        "changed_after_signing" in c.problems for c in checks)
    return ValidationReport(signatures=checks, unsigned_changes=unsigned)
