"""What stays the same from one signed document to the next, kept per process.

Validating a signed PDF parses the same few certificates, OCSP answers and CRLs again and
again (the chain of our CA, the signer's and the TSA's certificates, the answers embedded in
the DSS when the documents of the last minutes were signed) and validates the same
certificate paths against them. Two caches, each keyed on everything the result depends on:

- `parsed_*`: asn1crypto objects by the SHA-256 of their DER bytes. Parsing is a pure
  function of the bytes, and the parsed object keeps what it has computed (name
  preparation, fingerprints, the public key), so the next document starts from there.
- `PathCache`: a certificate path that pyHanko's PKIX validation (RFC 5280 path processing
  with the revocation checks, hard-fail, no fetching) accepted. The verdict depends only on
  the certificate, the certificates the path can be built from (the context's registry),
  the trust roots, the revocation data the context holds (OCSP answers and CRLs from the
  document's DSS), the policy (the same for every context `validation.py` makes) and the
  validation time. The key holds the digests of all of those and the validation time to
  the second, so a hit is the verdict pyHanko reached for the same inputs at most one
  second earlier: the precision of "now" for a validation that itself takes tens of
  milliseconds. Only successes are kept: a failure (revoked, expired, untrusted, stale
  revocation data) is computed afresh, with pyHanko's own error. Only contexts made by
  `validation_context` take part: the signing context (fetching OCSP answers as it goes)
  never does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.generic import StreamObject
from pyhanko.sign.validation import generic_cms
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.path import ValidationPath

T = TypeVar("T")
PARSED_MAX = 512
PATHS_MAX = 256


class _Lru(OrderedDict[Any, Any]):
    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize
        self.lock = threading.Lock()

    def get_or_make(self, key: Any, make: Callable[[], T]) -> T:
        with self.lock:
            if key in self:
                self.move_to_end(key)
                return self[key]  # type: ignore[no-any-return]
        value = make()
        with self.lock:
            self[key] = value
            while len(self) > self.maxsize:
                self.popitem(last=False)
        return value


_parsed = _Lru(PARSED_MAX)


def _parse(kind: type[T], der: bytes) -> T:
    return _parsed.get_or_make((kind.__name__, hashlib.sha256(der).digest()),
                               lambda: kind.load(der))  # type: ignore[attr-defined]


def parsed_certificate(der: bytes) -> asn1_x509.Certificate:
    return _parse(asn1_x509.Certificate, der)


def parsed_pem_certificate(text: str) -> asn1_x509.Certificate:
    """A certificate from PEM (or DER in a str), interned like `parsed_certificate`."""
    data = text.encode()
    if asn1_pem.detect(data):
        _, _, data = asn1_pem.unarmor(data)
    return parsed_certificate(data)


def _stream_data(ref: Any) -> bytes:
    stream = ref.get_object()
    if not isinstance(stream, StreamObject):
        raise ValueError("DSS entry is not a stream")
    return stream.data


def _digest(items: Iterable[bytes]) -> bytes:
    h = hashlib.sha256()
    for item in sorted(hashlib.sha256(i).digest() for i in items):
        h.update(item)
    return h.digest()


# The contexts `validation_context` made, with the digest of their roots and revocation data.
_ours: weakref.WeakKeyDictionary[ValidationContext, bytes] = weakref.WeakKeyDictionary()


def validation_context(dss: DocumentSecurityStore | None,
                       roots: list[asn1_x509.Certificate], **kwargs: Any) -> ValidationContext:
    """What `dss.as_validation_context(kwargs)` makes (the DSS's certificates, OCSP answers
    and CRLs; our roots), from interned parsed objects, and registered with the path cache."""
    certs: list[bytes] = []
    ocsps: list[bytes] = []
    crls: list[bytes] = []
    if dss is not None:
        certs = [_stream_data(ref) for ref in dss.certs.values()]
        ocsps = [_stream_data(ref) for ref in dss.ocsps]
        crls = [_stream_data(ref) for ref in dss.crls]
    vc = ValidationContext(
        trust_roots=roots, other_certs=[parsed_certificate(c) for c in certs],
        ocsps=[_parse(asn1_ocsp.OCSPResponse, o) for o in ocsps],
        crls=[_parse(asn1_crl.CertificateList, c) for c in crls], **kwargs)
    settings = repr(sorted(kwargs.items())).encode()
    _ours[vc] = hashlib.sha256(b"|".join((
        _digest(r.dump() for r in roots), _digest(ocsps), _digest(crls), settings))).digest()
    return vc


class PathCache:
    """Validated certificate paths (see the module's docstring for why this is sound)."""

    def __init__(self, maxsize: int = PATHS_MAX) -> None:
        self._paths = _Lru(maxsize)
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(cert: asn1_x509.Certificate, vc: ValidationContext,
            params: Any) -> tuple[Any, ...] | None:
        base = _ours.get(vc)
        if base is None or params is not None:
            return None
        registry = _digest(c.dump() for c in vc.certificate_registry)
        moment: dt.datetime = vc.moment
        return (base, registry, hashlib.sha256(cert.dump()).digest(), int(moment.timestamp()))

    def get(self, key: tuple[Any, ...]) -> ValidationPath | None:
        with self._paths.lock:
            path = self._paths.get(key)
        if path is None:
            self.misses += 1
        else:
            self.hits += 1
        return path  # type: ignore[no-any-return]

    def put(self, key: tuple[Any, ...], path: ValidationPath) -> None:
        self._paths.get_or_make(key, lambda: path)

    def clear(self) -> None:
        with self._paths.lock:
            self._paths.clear()


path_cache = PathCache()
_find_valid_path = generic_cms.find_valid_path


async def find_valid_path(certificate: asn1_x509.Certificate, paths: Any,
                          validation_context: ValidationContext,
                          pkix_validation_params: Any = None) -> ValidationPath:
    """`pyhanko_certvalidator.find_valid_path` as `generic_cms` calls it, answering from
    `path_cache` for our contexts."""
    key = PathCache.key(certificate, validation_context, pkix_validation_params)
    if key is not None:
        cached = path_cache.get(key)
        if cached is not None:
            await paths.cancel()
            return cached
    path: ValidationPath = await _find_valid_path(
        certificate, paths, validation_context=validation_context,
        pkix_validation_params=pkix_validation_params)
    if key is not None:
        path_cache.put(key, path)
    return path


def install() -> None:
    generic_cms.find_valid_path = find_valid_path  # type: ignore[assignment]


__all__ = ["install", "parsed_certificate", "path_cache", "validation_context"]
