"""XML digital signatures (XML-DSig, enveloped, RSA-SHA256) made with an agency's organization
certificate, and their verification: for the edXML packages of the `exchange` app.

The key never leaves this component: signxml is handed an object whose `sign()` asks the key
store's signer for the raw RSA signature (`_KeyStoreKey`).

A signature covers the whole document (one Reference, URI=""), exclusive canonicalisation, the
signer's certificate and its chain in KeyInfo. Like a PAdES B-LT signature, it carries the
revocation data it was made with: the OCSP answers and CRLs for its chain, fetched when signing,
in an unreferenced `ds:Object` (an OCSP answer is signed by its responder; the XML signature
need not cover it). Verification uses only that data and the trusted roots (`trust_roots`:
our PKI and `<PKI dir>/trust/*.pem`), never the network; for certificates our own PKI issued,
our records add a revocation made since."""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    InvalidCertificateError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)
from signxml.exceptions import InvalidInput, InvalidSignature

from tinhso.signing import devpki
from tinhso.signing.errors import SigningFailed
from tinhso.signing.keystore import keystore
from tinhso.signing.models import Certificate, CertKind
from tinhso.signing.pades import ensure_usable
from tinhso.signing.validation import Revocation, trust_roots

DS = "http://www.w3.org/2000/09/xmldsig#"
TSX = "urn:tinhso:xmldsig:validation-data"  # our unsigned validation data, in a ds:Object
MAX_REVINFO = 4


class _KeyStoreKey:
    """What signxml needs of an RSA private key (`sign` and `key_size`), backed by the key
    store's signer: the key itself is never handed out."""

    def __init__(self, signer: Any, key_size: int) -> None:
        self._signer = signer
        self.key_size = key_size

    def sign(self, data: bytes, padding: Any = None, algorithm: Any = None) -> bytes:
        if not isinstance(algorithm, hashes.SHA256):
            raise SigningFailed(_("Chỉ hỗ trợ chữ ký RSA-SHA256."))
        return asyncio.run(self._signer.async_sign_raw(data, "sha256"))


_revinfo_cache: dict[tuple, tuple[float, list[bytes], list[bytes]]] = {}
_revinfo_lock = threading.Lock()


def _revocation_data(cert: asn1_x509.Certificate,
                     pki: devpki.DevPki) -> tuple[list[bytes], list[bytes]]:
    """The OCSP answers and CRLs for `cert`'s chain (in process for the dev PKI); fetching them
    also proves the chain good at signing time (`revocation_mode="require"`). Kept for a few
    minutes per certificate and PKI state (a revocation changes the state), as PAdES signing
    shares its validation context (`DevPki.signing_context`)."""
    key = (pki.key, cert.serial_number, cert.issuer.dump())
    now = time.monotonic()
    with _revinfo_lock:
        hit = _revinfo_cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1], hit[2]
    ocsps, crls = _fetch_revocation_data(cert, pki)
    with _revinfo_lock:
        if len(_revinfo_cache) > 1000:
            _revinfo_cache.clear()
        _revinfo_cache[key] = (now + devpki.VC_TTL, ocsps, crls)
    return ocsps, crls


def _fetch_revocation_data(cert: asn1_x509.Certificate,
                           pki: devpki.DevPki) -> tuple[list[bytes], list[bytes]]:
    vc = ValidationContext(
        trust_roots=pki.roots, other_certs=pki.intermediates, allow_fetching=True,
        fetcher_backend=devpki.InProcessFetcherBackend(pki.animator, devpki.url_prefix()),
        revocation_mode="require")
    validator = CertificateValidator(cert, intermediate_certs=pki.intermediates,
                                     validation_context=vc)
    try:
        asyncio.run(validator.async_validate_usage({"digital_signature"}))
    except (PathValidationError, PathBuildingError, InvalidCertificateError) as exc:
        raise SigningFailed(_("Chứng thư số không ký được: %(reason)s") % {"reason": exc}) \
            from exc
    return [o.dump() for o in vc.ocsps][:MAX_REVINFO], [c.dump() for c in vc.crls][:MAX_REVINFO]


def xml_sign(data: bytes, *, certificate: Certificate, at: dt.datetime | None = None) -> bytes:
    """`data` (an XML document; a `ds:Signature Id="placeholder"` element, if present, says
    where the signature goes) signed as the agency `certificate`."""
    row = ensure_usable(certificate, CertKind.ORGANIZATION, at)
    pki = devpki.current()
    cert = devpki.load_pem_cert(row.pem)
    ocsps, crls = _revocation_data(cert, pki)
    signer = keystore().signer(row.key_ref or row.label, cert, pki.intermediates + pki.roots)
    key = _KeyStoreKey(signer, cert.public_key.bit_size)
    chain = [asn1_pem.armor("CERTIFICATE", c.dump()).decode()
             for c in [cert, *pki.intermediates]]
    try:
        root = etree.fromstring(data, parser=_parser())
        signed = XMLSigner(
            signature_algorithm=SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        ).sign(root, key=key, cert=chain)  # type: ignore[arg-type]  # duck-typed key
    except (etree.XMLSyntaxError, InvalidInput) as exc:
        raise SigningFailed(_("Không ký được tài liệu XML: %(reason)s") % {"reason": exc}) \
            from exc
    sig = signed.find(f".//{{{DS}}}Signature")
    obj = etree.SubElement(sig, f"{{{DS}}}Object", Id="validation-data")
    values = etree.SubElement(obj, f"{{{TSX}}}RevocationValues", nsmap={"tsx": TSX})
    for der in ocsps:
        etree.SubElement(values, f"{{{TSX}}}OCSPResponse").text = base64.b64encode(der).decode()
    for der in crls:
        etree.SubElement(values, f"{{{TSX}}}CRL").text = base64.b64encode(der).decode()
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class XmlSignatureReport:
    """What an XML signature is worth; `ok` only when every check passed."""

    intact: bool = False  # the signed content is unchanged
    trusted: bool = False  # valid chain to a trusted root, usable for signing
    revocation: str = Revocation.UNKNOWN
    signer: str = ""  # the certificate's common name
    organ_id: str = ""  # the certificate's OU: the agency's electronic identifier code
    subject: str = ""
    serial: int | None = None
    fingerprint: str = ""
    certificate_id: int | None = None  # ours, when our PKI issued it
    problems: tuple[str, ...] = ()
    error: str = ""

    @property
    def ok(self) -> bool:
        return (self.intact and self.trusted and self.revocation == Revocation.GOOD
                and not self.problems and not self.error)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "intact": self.intact, "trusted": self.trusted,
                "revocation": self.revocation, "signer": self.signer,
                "organ_id": self.organ_id, "subject": self.subject,
                "serial": str(self.serial) if self.serial is not None else "",
                "fingerprint": self.fingerprint, "certificate_id": self.certificate_id,
                "problems": list(self.problems), "error": self.error}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False)


def _b64(text: str | None) -> bytes:
    return base64.b64decode("".join((text or "").split()), validate=True)


def _signature(root: Any) -> Any:
    sigs = root.findall(f".//{{{DS}}}Signature")
    if len(sigs) != 1:
        raise ValueError("exactly one ds:Signature is required" if sigs else "unsigned")
    refs = sigs[0].findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if len(refs) != 1 or refs[0].get("URI") != "":
        raise ValueError("the signature must cover the whole document (one Reference, URI=\"\")")
    return sigs[0]


def _certs(sig: Any) -> list[asn1_x509.Certificate]:
    found = sig.findall(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    if not found:
        raise ValueError("no X509Certificate in KeyInfo")
    return [asn1_x509.Certificate.load(_b64(el.text)) for el in found[:5]]


def _revinfo(sig: Any) -> tuple[list[asn1_ocsp.OCSPResponse], list[asn1_crl.CertificateList]]:
    base = f"{{{DS}}}Object/{{{TSX}}}RevocationValues/{{{TSX}}}"
    ocsps = [asn1_ocsp.OCSPResponse.load(_b64(el.text))
             for el in sig.findall(base + "OCSPResponse")[:MAX_REVINFO]]
    crls = [asn1_crl.CertificateList.load(_b64(el.text))
            for el in sig.findall(base + "CRL")[:MAX_REVINFO]]
    return ocsps, crls


def _revocation_by_records(mine: Certificate | None, at: dt.datetime) -> str | None:
    if mine is not None and mine.revoked_at is not None and mine.revoked_at <= at:
        return Revocation.REVOKED
    return None


def xml_verify(data: bytes, *, moment: dt.datetime | None = None) -> XmlSignatureReport:
    """Check `data`'s enveloped signature: the content unchanged, the certificate chaining to
    a trusted root and good (by the OCSP answers it carries, and our records) at `moment`
    (default now; the exchange passes the time the signed message says it was made)."""
    now = timezone.now()
    moment = min(moment or now, now)
    try:
        root = etree.fromstring(data, parser=_parser())
        sig = _signature(root)
        certs = _certs(sig)
        ocsps, crls = _revinfo(sig)
    except (etree.XMLSyntaxError, ValueError, binascii.Error, TypeError) as exc:
        return XmlSignatureReport(error=f"unreadable: {exc}", problems=("unreadable",))
    leaf = certs[0]
    fingerprint = hashlib.sha256(leaf.dump()).hexdigest()
    mine = Certificate.objects.filter(fingerprint=fingerprint).first()
    attrs = leaf.subject.native
    ou = attrs.get("organizational_unit_name", "")
    base: dict[str, Any] = {
        "signer": str(attrs.get("common_name", "")), "organ_id": str(ou or ""),
        "subject": leaf.subject.human_friendly, "serial": leaf.serial_number,
        "fingerprint": fingerprint, "certificate_id": mine.pk if mine else None}
    problems: list[str] = []
    # 1. Integrity, with the certificate the signature names (its chain is checked below).
    intact = True
    try:
        XMLVerifier().verify(
            data, x509_cert=x509.load_der_x509_certificate(leaf.dump()),
            expect_config=SignatureConfiguration(
                signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
                digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
                ignore_ambiguous_key_info=True))
    except (InvalidSignature, InvalidInput, etree.XMLSyntaxError, ValueError) as exc:
        intact = False
        problems.append("altered")
        base["error"] = f"signature: {exc}"
    # 2. Chain and revocation, offline, at `moment`.
    vc = ValidationContext(trust_roots=trust_roots(), other_certs=certs[1:], ocsps=ocsps, crls=crls,
                           allow_fetching=False, revocation_mode="hard-fail", moment=moment,
                           retroactive_revinfo=True)
    trusted, revocation = False, Revocation.UNKNOWN
    try:
        asyncio.run(CertificateValidator(leaf, intermediate_certs=certs[1:],
                                         validation_context=vc)
                    .async_validate_usage({"digital_signature"}))
        trusted, revocation = True, Revocation.GOOD
    except RevokedError:
        trusted, revocation = True, Revocation.REVOKED
    except (PathValidationError, PathBuildingError, InvalidCertificateError) as exc:
        problems.append("untrusted")
        base.setdefault("error", f"certificate: {exc}")
    ours = _revocation_by_records(mine, moment)
    if ours is not None:
        revocation = ours
    if revocation == Revocation.REVOKED:
        problems.append("revoked")
    if mine is not None and mine.kind != CertKind.ORGANIZATION:
        problems.append("not_an_organization_certificate")
    return XmlSignatureReport(intact=intact, trusted=trusted, revocation=revocation,
                              problems=tuple(dict.fromkeys(problems)), **base)
