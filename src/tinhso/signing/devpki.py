"""The development PKI: Certomancer built from the `Certificate` rows.

The rows are the source of truth (explicit serials, validity, revocation); this module turns
them into a Certomancer configuration dictionary, builds the `PKIArchitecture` once per
process and rebuilds it when a row changes. Issued certificates are fed back from their
stored PEM, so Certomancer never re-signs them. Its OCSP responder, CRL repositories and TSA
are reached in process (no socket): pyHanko's fetchers are routed to Certomancer's WSGI app
through werkzeug's test client, and any other URL is refused, so signing never touches the
network. `Animator(..., allow_time_override=False)`: nobody gets back-dated timestamps.

Production uses none of this: real CAs' roots go in the trust store (`trust_roots`), keys on
tokens or remote services (keystore.py)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import pem as asn1_pem
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from certomancer import default_plugins  # noqa: F401  (registers the extension schemas)
from certomancer.config_utils import SearchDir
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import (
    ArchLabel,
    CertLabel,
    KeyLabel,
    KeySets,
    PKIArchitecture,
)
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.db.models import Count, Max
from pyhanko.sign import general
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.api import FetcherBackend, Fetchers
from pyhanko_certvalidator.fetchers.requests_fetchers.cert_fetch_client import (
    RequestsCertificateFetcher,
)
from pyhanko_certvalidator.fetchers.requests_fetchers.crl_client import RequestsCRLFetcher
from pyhanko_certvalidator.fetchers.requests_fetchers.ocsp_client import RequestsOCSPFetcher
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash
from werkzeug.test import Client

from tinhso.signing.keystore import key_secret, pki_dir
from tinhso.signing.models import Certificate, CertKind

ARCH = "tinhso-dev"
ROOT, INTERMEDIATE, OCSP, TSA = "root", "interm", "ocsp", "tsa"
CA_LABELS = (ROOT, INTERMEDIATE, OCSP, TSA)
VC_TTL = 300.0  # seconds a signing context (and its cached OCSP answers) lives; Certomancer's
# OCSP answers are valid for 10 minutes, so an embedded answer always covers the signing time


def ca_dir() -> Path:
    return pki_dir() / "ca"


def url_prefix() -> str:
    return str(settings.TINHSO_SIGNING_PKI_URL).rstrip("/")


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _ku(*usages: str) -> dict:
    return {"id": "key_usage", "critical": True,
            "smart-value": {"schema": "key-usage", "params": list(usages)}}


def _crl_dp(repo: str) -> dict:
    return {"id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [repo]}}}


def _aia(responder: str) -> dict:
    return {"id": "authority_information_access",
            "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": [responder]}}}


def _extensions(kind: str) -> list[dict]:
    ca = {"id": "basic_constraints", "critical": True, "value": {"ca": True}}
    if kind == CertKind.ROOT:
        return [ca, _ku("digital_signature", "key_cert_sign", "crl_sign")]
    if kind == CertKind.INTERMEDIATE:
        return [{"id": "basic_constraints", "critical": True,
                 "value": {"ca": True, "path-len-constraint": 0}},
                _ku("digital_signature", "key_cert_sign", "crl_sign"), _crl_dp(ROOT)]
    if kind == CertKind.OCSP:
        return [_ku("digital_signature"),
                {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                {"id": "ocsp_no_check"}]
    if kind == CertKind.TSA:
        # The TSA's certificate needs revocation data too: signing requires it.
        return [_ku("digital_signature"),
                {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                _crl_dp(ROOT)]
    return [_ku("digital_signature", "non_repudiation"), _crl_dp(INTERMEDIATE),
            _aia(INTERMEDIATE)]


def cert_spec(row: Certificate) -> dict:
    spec: dict[str, Any] = {
        "subject": row.label, "issuer": row.issuer_label, "serial": int(row.serial),
        "validity": {"valid-from": iso(row.not_before), "valid-to": iso(row.not_after)},
        "extensions": _extensions(row.kind),
    }
    if row.kind == CertKind.ROOT:
        spec["authority-key"] = row.label
    if row.revoked_at is not None:
        spec["revocation"] = {"revoked-since": iso(row.revoked_at),
                              "reason": row.revocation_reason}
    return spec


def key_config(row: Certificate) -> dict:
    """CA keys are encrypted PEM in the CA directory; for subjects Certomancer only ever
    gets the public key."""
    if row.kind in (CertKind.PERSONAL, CertKind.ORGANIZATION):
        return {"path": f"{row.label}.pub.pem", "public-only": True}
    return {"path": f"{row.label}.key.pem", "password": key_secret().decode()}


def build_config(rows: list[Certificate]) -> dict:
    return {
        "external-url-prefix": url_prefix(),
        "keysets": {ARCH: {"keys": {r.label: key_config(r) for r in rows}}},
        "pki-architectures": {ARCH: {
            "keyset": ARCH,
            "entity-defaults": {"country-name": "VN"},
            "entities": {r.label: r.subject_attrs for r in rows},
            "certs": {r.label: cert_spec(r) for r in rows},
            "services": {
                "ocsp": {INTERMEDIATE: {"for-issuer": INTERMEDIATE, "responder-cert": OCSP,
                                        "signing-key": OCSP}},
                "crl-repo": {
                    ROOT: {"for-issuer": ROOT, "signing-key": ROOT,
                           "simulated-update-schedule": "P1D"},
                    INTERMEDIATE: {"for-issuer": INTERMEDIATE, "signing-key": INTERMEDIATE,
                                   "simulated-update-schedule": "PT1H"},
                },
                "time-stamping": {TSA: {"signing-key": TSA, "signing-cert": TSA}},
            },
        }},
    }


def load_pem_cert(text: str) -> asn1_x509.Certificate:
    data = text.encode()
    if asn1_pem.detect(data):
        _, _, data = asn1_pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


def write_public_key(label: str, spki_der: bytes) -> None:
    pub = serialization.load_der_public_key(spki_der)
    path = ca_dir() / f"{label}.pub.pem"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pub.public_bytes(serialization.Encoding.PEM,
                                      serialization.PublicFormat.SubjectPublicKeyInfo))


def _ensure_public_keys(rows: list[Certificate]) -> None:
    for r in rows:
        if r.kind in (CertKind.PERSONAL, CertKind.ORGANIZATION) and r.pem:
            if not (ca_dir() / f"{r.label}.pub.pem").exists():
                write_public_key(r.label, load_pem_cert(r.pem).public_key.dump())


def build_arch(rows: list[Certificate]) -> PKIArchitecture:
    """The Certomancer architecture for these rows; stored certificates are reused as is."""
    _ensure_public_keys(rows)
    cfg = build_config(rows)
    key_sets = KeySets(cfg["keysets"], lazy_load_keys=True, search_dir=SearchDir(str(ca_dir())))
    cache = {CertLabel(r.label): load_pem_cert(r.pem) for r in rows if r.pem}
    return PKIArchitecture.build_architecture(
        arch_label=ArchLabel(ARCH), cfg=cfg["pki-architectures"][ARCH], key_sets=key_sets,
        external_url_prefix=url_prefix(), cert_cache=cache)


# ---------------------------------------------------------------- in-process transport

@dataclass
class _Response:
    content: bytes
    headers: dict
    status_code: int = 200


class _InProcess:
    """Routes pyHanko's fetches for our URL prefix to Certomancer's WSGI app; refuses
    anything else (signing must not depend on, or leak to, the network)."""

    client: Client
    prefix: str

    def _call(self, method: str, url: str, data: bytes | None,
              content_type: str | None) -> _Response:
        if not url.startswith(self.prefix + "/"):
            raise OSError(f"refusing to fetch {url}: outside the local PKI")
        r = self.client.open(url[len(self.prefix):], method=method, data=data,
                             content_type=content_type)
        if r.status_code != 200:
            import requests

            raise requests.RequestException(f"status code {r.status_code}")
        return _Response(r.get_data(), dict(r.headers), r.status_code)

    async def _get(self, url: str, *, acceptable_content_types: Any) -> _Response:
        return self._call("GET", url, None, None)

    async def _post(self, url: str, data: bytes, *, content_type: str,
                    acceptable_content_types: Any) -> _Response:
        return self._call("POST", url, data, content_type)


class _OCSP(_InProcess, RequestsOCSPFetcher):  # type: ignore[misc]  # async hooks retyped
    def __init__(self, client: Client, prefix: str) -> None:
        RequestsOCSPFetcher.__init__(self)
        self.client, self.prefix = client, prefix


class _CRL(_InProcess, RequestsCRLFetcher):  # type: ignore[misc]
    def __init__(self, client: Client, prefix: str) -> None:
        RequestsCRLFetcher.__init__(self)
        self.client, self.prefix = client, prefix


class _Certs(_InProcess, RequestsCertificateFetcher):  # type: ignore[misc]
    def __init__(self, client: Client, prefix: str) -> None:
        RequestsCertificateFetcher.__init__(self)
        self.client, self.prefix = client, prefix


class InProcessFetcherBackend(FetcherBackend):
    def __init__(self, animator: Animator, prefix: str) -> None:
        self.client = Client(animator)
        self.prefix = prefix

    def get_fetchers(self) -> Fetchers:
        return Fetchers(ocsp_fetcher=_OCSP(self.client, self.prefix),
                        crl_fetcher=_CRL(self.client, self.prefix),
                        cert_fetcher=_Certs(self.client, self.prefix))

    async def close(self) -> None:
        return None


class LocalTSA(DummyTimeStamper):
    """RFC 3161 timestamps from the dev TSA's certificate and key, in process; the key is
    parsed once (Certomancer's own TSA re-parses it for every token)."""

    def __init__(self, arch: PKIArchitecture) -> None:
        key_info = arch.key_set.get_private_key(KeyLabel(TSA))
        super().__init__(tsa_cert=arch.get_cert(CertLabel(TSA)), tsa_key=key_info,
                         certs_to_embed=SimpleCertificateStore.from_certs([]))
        self._key: Any = serialization.load_der_private_key(key_info.dump(), password=None)

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime) -> Any:
        from asn1crypto import cms, core

        md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        md.update(tst_info_data)
        attrs = cms.CMSAttributes([
            general.simple_cms_attribute("content_type", "tst_info"),
            general.simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            general.simple_cms_attribute("signing_certificate",
                                         general.as_signing_certificate(self.tsa_cert)),
            general.simple_cms_attribute("message_digest", md.finalize()),
        ])
        signature = self._key.sign(attrs.dump(), padding.PKCS1v15(),
                                   get_pyca_cryptography_hash(md_algorithm.upper()))
        return signature, attrs

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return await super().async_request_tsa_response(req)


# ---------------------------------------------------------------- the per-process PKI

@dataclass
class DevPki:
    key: tuple
    arch: PKIArchitecture
    animator: Animator
    tsa: LocalTSA
    roots: list[asn1_x509.Certificate]
    intermediates: list[asn1_x509.Certificate]
    _vc: tuple[float, ValidationContext] | None = field(default=None, repr=False)

    def signing_context(self) -> ValidationContext:
        """Used while signing: revocation data required, fetched in process and embedded.
        Shared for a few minutes so OCSP answers are reused between signatures."""
        now = time.monotonic()
        if self._vc is None or self._vc[0] < now:
            vc = ValidationContext(
                trust_roots=self.roots, other_certs=self.intermediates, allow_fetching=True,
                fetcher_backend=InProcessFetcherBackend(self.animator, url_prefix()),
                revocation_mode="require")
            self._vc = (now + VC_TTL, vc)
        return self._vc[1]


def state_key() -> tuple:
    agg = Certificate.objects.aggregate(n=Count("pk"), last=Max("updated_at"), top=Max("pk"))
    return (str(pki_dir()), url_prefix(), agg["n"], agg["top"], agg["last"])


_current: DevPki | None = None
_build_lock = threading.Lock()


def current() -> DevPki:
    """The PKI as the database says it is now (rebuilt in this process when a row changed)."""
    global _current
    key = state_key()
    if _current is not None and _current.key == key:
        return _current
    with _build_lock:
        if _current is not None and _current.key == key:
            return _current
        rows = list(Certificate.objects.all())
        if not any(r.label == ROOT and r.pem for r in rows):
            from tinhso.signing.errors import SigningNotConfigured

            raise SigningNotConfigured("No signing PKI yet: run `tinhso pki init`.")
        arch = build_arch(rows)
        animator = Animator(AnimatorArchStore({arch.arch_label: arch}), with_web_ui=False,
                            allow_time_override=False)
        _current = DevPki(
            key=key, arch=arch, animator=animator, tsa=LocalTSA(arch),
            roots=[load_pem_cert(r.pem) for r in rows if r.kind == CertKind.ROOT],
            intermediates=[load_pem_cert(r.pem) for r in rows
                           if r.kind == CertKind.INTERMEDIATE])
        return _current


def reset() -> None:
    """Forget the cached PKI (tests that switch PKI directories)."""
    global _current
    _current = None


def wsgi_app() -> Animator:
    """Certomancer's OCSP/CRL/TSA endpoints as a WSGI app, for `tinhso pki serve`."""
    return current().animator
