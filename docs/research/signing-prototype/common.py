"""Shared paths, PKI loading, and in-process Certomancer transport for pyHanko."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta, timezone
from pathlib import Path

from asn1crypto import tsp
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, ServiceLabel
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.api import FetcherBackend, Fetchers
from pyhanko_certvalidator.fetchers.requests_fetchers.cert_fetch_client import (
    RequestsCertificateFetcher,
)
from pyhanko_certvalidator.fetchers.requests_fetchers.crl_client import RequestsCRLFetcher
from pyhanko_certvalidator.fetchers.requests_fetchers.ocsp_client import RequestsOCSPFetcher
from werkzeug.test import Client

HERE = Path(__file__).resolve().parent
PKI_DIR = HERE / "pki"
OUT = HERE / "out"
ARCH = "tinhso-dev"
URL_PREFIX = "http://127.0.0.1:9087"
CA_KEY_PASSPHRASE = "dev-ca-passphrase"  # dev only; the real one comes from settings/env
KEYSTORE_PASSPHRASE = b"dev-keystore-passphrase"
VN_TZ = timezone(timedelta(hours=7), "ICT")


def load_arch(url_prefix: str = URL_PREFIX):
    cfg = CertomancerConfig.from_file(
        str(PKI_DIR / "certomancer.yml"), key_search_dir=str(PKI_DIR / "keys"),
        external_url_prefix=url_prefix,
    )
    return cfg.get_pki_arch(ArchLabel(ARCH))


def cert(arch, label: str):
    return arch.get_cert(CertLabel(label))


def trust_roots(arch):
    return [cert(arch, "root")]


# ---------------------------------------------------------------- in-process transport
@dataclass
class _Resp:
    content: bytes
    headers: dict
    status_code: int = 200


class _InProcessMixin:
    """Routes pyHanko's HTTP GET/POST for our URL prefix to Certomancer's WSGI app, no socket."""

    client: Client
    prefix: str

    def _call(self, method: str, url: str, data: bytes | None, content_type: str | None):
        if not url.startswith(self.prefix):
            raise OSError(f"refusing network fetch of {url}")
        path = url[len(self.prefix):]
        r = self.client.open(path, method=method, data=data, content_type=content_type)
        if r.status_code != 200:
            import requests
            raise requests.RequestException(f"status code {r.status_code}")
        return _Resp(r.get_data(), dict(r.headers), r.status_code)

    async def _get(self, url, *, acceptable_content_types):
        return self._call("GET", url, None, None)

    async def _post(self, url, data, *, content_type, acceptable_content_types):
        return self._call("POST", url, data, content_type)


def _mk(base):
    class _F(_InProcessMixin, base):
        def __init__(self, client, prefix):
            base.__init__(self)
            self.client, self.prefix = client, prefix
    _F.__name__ = "InProcess" + base.__name__
    return _F


InProcessOCSPFetcher = _mk(RequestsOCSPFetcher)
InProcessCRLFetcher = _mk(RequestsCRLFetcher)
InProcessCertificateFetcher = _mk(RequestsCertificateFetcher)


class InProcessFetcherBackend(FetcherBackend):
    def __init__(self, animator: Animator, prefix: str = URL_PREFIX):
        self.client = Client(animator)
        self.prefix = prefix

    def get_fetchers(self) -> Fetchers:
        return Fetchers(
            ocsp_fetcher=InProcessOCSPFetcher(self.client, self.prefix),
            crl_fetcher=InProcessCRLFetcher(self.client, self.prefix),
            cert_fetcher=InProcessCertificateFetcher(self.client, self.prefix),
        )

    async def close(self):
        return None


class InProcessTimeStamper(TimeStamper):
    """RFC 3161 TSA answered by Certomancer in-process (same code path as its HTTP endpoint)."""

    def __init__(self, arch, label: str = "tsa"):
        super().__init__()
        self.arch, self.label = arch, ServiceLabel(label)

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        from datetime import datetime
        tsa = self.arch.service_registry.summon_timestamper(self.label, datetime.now(timezone.utc))
        return tsa.request_tsa_response(req)


def animator_for(arch) -> Animator:
    return Animator(AnimatorArchStore({arch.arch_label: arch}), with_web_ui=False,
                    allow_time_override=False)


def signing_vc(arch, animator: Animator | None = None, **kw) -> ValidationContext:
    """Context used while signing: fetches revocation info in-process and embeds it."""
    animator = animator or animator_for(arch)
    return ValidationContext(
        trust_roots=trust_roots(arch), allow_fetching=True,
        fetcher_backend=InProcessFetcherBackend(animator), revocation_mode="require", **kw,
    )


def offline_vc(arch, **kw) -> ValidationContext:
    """Context used by a validator: trusts only the dev root, never fetches."""
    return ValidationContext(trust_roots=trust_roots(arch), allow_fetching=False, **kw)


def run(coro):
    return asyncio.run(coro)


# ---------------------------------------------------------------- fast local key store signer
from cryptography.hazmat.primitives import serialization as _ser  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding as _pad  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import pkcs12 as _p12  # noqa: E402
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1, translate_pyca_cryptography_key_to_asn1  # noqa: E402
from pyhanko.sign import signers as _signers  # noqa: E402
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper  # noqa: E402
from pyhanko_certvalidator.registry import SimpleCertificateStore  # noqa: E402
from pyhanko_certvalidator.util import get_pyca_cryptography_hash  # noqa: E402


class LocalKeyStoreSigner(_signers.SimpleSigner):
    """pyHanko Signer over an unlocked key held in memory (decrypted once from PKCS#12).

    pyHanko's SimpleSigner re-parses the DER key on every raw signature, and cryptography's
    RSA key loading costs ~40 ms (it checks the key), 3 times per PDF signature. We keep the
    parsed key and skip the real signature on the dry run used for size estimation.
    """

    def __init__(self, p12: bytes, passphrase: bytes):
        key, cert, chain = _p12.load_key_and_certificates(p12, passphrase)
        assert isinstance(key, RSAPrivateKey)
        self._key = key
        super().__init__(
            signing_cert=translate_pyca_cryptography_cert_to_asn1(cert),
            signing_key=translate_pyca_cryptography_key_to_asn1(key),
            cert_registry=SimpleCertificateStore.from_certs(
                [translate_pyca_cryptography_cert_to_asn1(c) for c in chain]),
        )

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if dry_run:
            return bytes(self._key.key_size // 8)
        return self._key.sign(data, _pad.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


class LocalTSA(DummyTimeStamper):
    """RFC 3161 TSA in-process with the dev TSA's cert/key from Certomancer; key parsed once."""

    def __init__(self, arch):
        from certomancer.registry import KeyLabel
        key_info = arch.key_set.get_private_key(KeyLabel("tsa"))
        super().__init__(tsa_cert=arch.get_cert(CertLabel("tsa")), tsa_key=key_info,
                         certs_to_embed=SimpleCertificateStore.from_certs([]))
        self._key = _ser.load_der_private_key(key_info.dump(), password=None)

    def _sign_tst_info(self, tst_info_data, md_algorithm, dt):
        from asn1crypto import cms, core
        from cryptography.hazmat.primitives import hashes
        from pyhanko.sign import general
        md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        md.update(tst_info_data)
        attrs = cms.CMSAttributes([
            general.simple_cms_attribute("content_type", "tst_info"),
            general.simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            general.simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
            general.simple_cms_attribute("message_digest", md.finalize()),
        ])
        sig = self._key.sign(attrs.dump(), _pad.PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper()))
        return sig, attrs
