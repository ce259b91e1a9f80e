"""`tinhso pki serve`: the development PKI's CRLs, OCSP responder and timestamp authority over
real HTTP, for validators outside the process (pdfsig, Adobe, another installation). The test
serves `devpki.wsgi_app()` the way the command does (wsgiref) on a free port and speaks to it
as an outside client would: GET a CRL, POST an OCSP request, ask the TSA for a timestamp."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from asn1crypto import algos, crl, ocsp, x509
from pyhanko.sign.timestamps import HTTPTimeStamper

from tinhso.signing import devpki, services
from tinhso.signing.tests.conftest import time_ago

pytestmark = pytest.mark.django_db


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:  # the test's output stays readable
        pass


@pytest.fixture
def revoked(pki: Any) -> Any:
    """`other_personal` revoked two hours ago (before the CRL's current hourly period)."""
    services.certificate_revoke(actor=pki.admin, certificate=pki.other_personal,
                                reason="key_compromise", at=time_ago(hours=2))
    devpki.reset()  # as a `pki serve` started afterwards reads it from the database
    return pki.other_personal


@pytest.fixture
def served(pki: Any, revoked: Any) -> Iterator[tuple[str, str]]:
    server = make_server("127.0.0.1", 0, devpki.wsgi_app(), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", devpki.url_prefix()
    finally:
        server.shutdown()
        server.server_close()


def _here(url: str, served: tuple[str, str]) -> str:
    """A URL written into a certificate, pointed at the test's server."""
    base, prefix = served
    assert url.startswith(prefix + "/"), url
    return base + url[len(prefix):]


def _cert(row: Any) -> x509.Certificate:
    return devpki.load_pem_cert(row.pem)


def _issuer(arch: Any) -> x509.Certificate:
    return arch.get_cert(devpki.CertLabel(devpki.INTERMEDIATE))


def test_the_crl_named_in_a_certificate_is_served_and_lists_a_revoked_one(pki, served, revoked):
    cert = _cert(revoked)
    url = cert.crl_distribution_points[0]["distribution_point"].chosen[0].native
    with urllib.request.urlopen(_here(url, served), timeout=10) as r:  # noqa: S310 - loopback
        listed = crl.CertificateList.load(r.read())
    issuer = _issuer(devpki.current().arch)
    assert listed.issuer == issuer.subject
    revoked = {entry["user_certificate"].native for entry in listed["tbs_cert_list"]
               ["revoked_certificates"]}
    assert cert.serial_number in revoked
    assert _cert(pki.personal).serial_number not in revoked


def test_the_ocsp_responder_answers_good_for_a_valid_certificate(pki, served):
    cert = _cert(pki.personal)
    issuer = _issuer(devpki.current().arch)
    url = next(d["access_location"].native for d in cert.authority_information_access_value
               if d["access_method"].native == "ocsp")
    request = ocsp.OCSPRequest({"tbs_request": {"request_list": [{"req_cert": {
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha1"}),
        "issuer_name_hash": hashlib.sha1(issuer.subject.dump()).digest(),  # noqa: S324 - OCSP's CertID
        "issuer_key_hash": hashlib.sha1(issuer.public_key["public_key"].contents[1:]).digest(),  # noqa: S324
        "serial_number": cert.serial_number,
    }}]}})
    post = urllib.request.Request(_here(url, served), data=request.dump(),  # noqa: S310
                                  headers={"Content-Type": "application/ocsp-request"})
    with urllib.request.urlopen(post, timeout=10) as r:  # noqa: S310 - loopback
        answer = ocsp.OCSPResponse.load(r.read())
    assert answer["response_status"].native == "successful"
    single = answer.basic_ocsp_response["tbs_response_data"]["responses"][0]
    assert single["cert_id"]["serial_number"].native == cert.serial_number
    assert single["cert_status"].name == "good"


def test_the_timestamp_authority_stamps_a_digest(pki, served):
    arch = devpki.current().arch
    path = next(iter(arch.service_registry.list_time_stamping_services())).url
    stamper = HTTPTimeStamper(_here(path, served))
    digest = hashlib.sha256(b"van ban").digest()
    token = asyncio.run(stamper.async_timestamp(digest, "sha256"))
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
