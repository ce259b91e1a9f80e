"""XML signatures with an agency's organization certificate: good ones verify (here and with
Debian's xmlsec1), a changed package or a revoked or unknown certificate does not."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from django.utils import timezone

from tinhso.exchange import edxml
from tinhso.exchange.tests.test_edxml import document
from tinhso.signing import services as signing_services
from tinhso.signing.devpki import INTERMEDIATE, ROOT
from tinhso.signing.errors import CertificateUnusable
from tinhso.signing.models import Certificate, RevocationReason
from tinhso.signing.xmldsig import xml_sign, xml_verify

pytestmark = pytest.mark.django_db


def signed(pki, **kw) -> bytes:
    msg = document(sender=edxml.Organ(pki.agency.code, pki.agency.name), **kw)
    return xml_sign(edxml.build(msg), certificate=pki.organization)


def test_a_signed_package_verifies_and_names_the_signing_organ(pki):
    data = signed(pki)
    report = xml_verify(data)
    assert report.ok, report
    assert report.organ_id == pki.agency.code
    assert report.signer == pki.agency.name[:64]
    # The signature sits in the header, where the placeholder was, and the package still reads.
    assert b"<ds:Signature" in data.split(b"</edXMLHeader>")[0]
    assert edxml.parse(data).sender.organ_id == pki.agency.code


@pytest.mark.parametrize("change", [
    (b"<Subject>V", b"<Subject>W"),
    (b"<CodeNumber>123", b"<CodeNumber>124"),
    (b"<ContentTransferEncoded>JVBE", b"<ContentTransferEncoded>JVBF"),
])
def test_a_changed_package_does_not_verify(pki, change):
    data = signed(pki)
    report = xml_verify(data.replace(*change, 1))
    assert not report.ok
    assert "altered" in report.problems


def test_a_package_signed_by_a_revoked_certificate_does_not_verify(pki):
    data = signed(pki)
    signing_services.certificate_revoke(actor=pki.admin, certificate=pki.organization,
                                        reason=RevocationReason.KEY_COMPROMISE)
    report = xml_verify(data)
    assert not report.ok
    assert "revoked" in report.problems
    with pytest.raises(CertificateUnusable):
        signed(pki)


def test_a_package_signed_under_an_unknown_root_does_not_verify(pki):
    data = signed(pki)
    Certificate.objects.filter(label__in=[ROOT]).update(pem="")  # we no longer trust our root
    report = xml_verify(data)
    assert not report.ok
    assert "untrusted" in report.problems


def test_an_unsigned_or_twice_signed_package_is_refused(pki):
    assert xml_verify(edxml.build(document())).problems == ("unreadable",)
    data = signed(pki)
    sig = data[data.index(b"<ds:Signature"):data.index(b"</ds:Signature>") + 15]
    twice = data.replace(b"</edXMLHeader>", sig + b"</edXMLHeader>", 1)
    assert not xml_verify(twice).ok


def test_the_claimed_time_is_never_later_than_now(pki):
    data = signed(pki)
    assert xml_verify(data, moment=timezone.now() + dt.timedelta(days=400)).ok


def test_xmlsec1_verifies_a_signed_package_and_not_a_changed_one(pki, tmp_path):
    xmlsec1 = shutil.which("xmlsec1")
    if xmlsec1 is None:
        pytest.skip("xmlsec1 not found (apt-get install xmlsec1)")
    root = Certificate.objects.get(label=ROOT).pem
    interm = Certificate.objects.get(label=INTERMEDIATE).pem
    (tmp_path / "root.pem").write_text(root)
    (tmp_path / "interm.pem").write_text(interm)
    good = tmp_path / "good.xml"
    good.write_bytes(signed(pki))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(good.read_bytes().replace(b"<Subject>V", b"<Subject>W", 1))

    def run(path):
        return subprocess.run(  # noqa: S603 - our own arguments
            [xmlsec1, "--verify", "--trusted-pem", str(tmp_path / "root.pem"),
             "--untrusted-pem", str(tmp_path / "interm.pem"), "--verification-gmt-time",
             timezone.now().strftime("%Y-%m-%d %H:%M:%S"), str(path)],
            capture_output=True, text=True, check=False)

    ok = run(good)
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stderr
    changed = run(bad)
    assert changed.returncode != 0
