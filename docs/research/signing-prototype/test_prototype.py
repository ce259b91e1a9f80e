"""Offline tests of the building blocks (how the project's signing tests could look).

    /tmp/pkid-venv/bin/pytest -q test_prototype.py
"""

from __future__ import annotations

import json
import os
import subprocess
import time

os.environ["TZ"] = "Asia/Ho_Chi_Minh"
time.tzset()

import pytest  # noqa: E402
from pyhanko.sign.general import SigningError  # noqa: E402

import edxml  # noqa: E402
import make_pdfs  # noqa: E402
import pki_init  # noqa: E402
from common import KEYSTORE_PASSPHRASE, OUT, PKI_DIR, LocalKeyStoreSigner, LocalTSA, load_arch, signing_vc  # noqa: E402
from sign_pdfs import personal_style, seal_style, sign  # noqa: E402
from validate_pdfs import flip_byte, nss_db, pdfsig, pyhanko_validate, qpdf_check, unsigned_append  # noqa: E402


@pytest.fixture(scope="session")
def pki():
    if not (PKI_DIR / "certomancer.yml").exists():
        pki_init.main()
    if not (OUT / "boxes.json").exists():
        make_pdfs.main()
    arch = load_arch()
    nss_db(arch)
    return arch, signing_vc(arch), LocalTSA(arch)


def signer(label: str) -> LocalKeyStoreSigner:
    return LocalKeyStoreSigner((PKI_DIR / "keystore" / f"{label}.p12").read_bytes(), KEYSTORE_PASSPHRASE)


@pytest.fixture(scope="session")
def signed(pki) -> bytes:
    boxes = json.loads((OUT / "boxes.json").read_text())
    p, a = boxes["personal"], boxes["agency"]
    doc = sign((OUT / "doc.pdf").read_bytes(), signer("officer-an"), "ChuKyCaNhan", p["page"], p["box"],
               personal_style(), pki, "Ký")
    return sign(doc, signer("agency-thanhhoa"), "ChuKyCoQuan", a["page"], a["box"], seal_style(), pki,
                "Phát hành")


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_both_signatures_valid_for_pyhanko_pdfsig_and_qpdf(pki, signed, tmp_path):
    results = pyhanko_validate(signed, pki[0])
    assert [r["bottom_line"] for r in results] == [True, True]
    sig_lines, _, _ = pdfsig(write(tmp_path, "ok.pdf", signed), "-no-ocsp")
    assert sig_lines == ["Signature is Valid.", "Signature is Valid."]
    assert qpdf_check(tmp_path / "ok.pdf").startswith("rc=0")


def test_one_changed_byte_invalidates_both(pki, signed, tmp_path):
    bad = flip_byte(signed)
    assert not any(r["intact"] for r in pyhanko_validate(bad, pki[0]))
    sig_lines, _, _ = pdfsig(write(tmp_path, "bad.pdf", bad), "-no-ocsp")
    assert sig_lines == ["Digest Mismatch.", "Digest Mismatch."]


def test_unsigned_append_passes_pdfsig_but_not_our_validation(pki, signed, tmp_path):
    bad = unsigned_append(signed)
    sig_lines, _, _ = pdfsig(write(tmp_path, "app.pdf", bad), "-no-ocsp")
    assert sig_lines == ["Signature is Valid.", "Signature is Valid."]
    assert not any(r["bottom_line"] for r in pyhanko_validate(bad, pki[0]))


@pytest.mark.parametrize("label", ["officer-revoked", "officer-expired"])
def test_revoked_or_expired_cannot_sign(pki, label):
    with pytest.raises(SigningError):
        sign((OUT / "doc.pdf").read_bytes(), signer(label), "X", 0, (10, 10, 100, 60), None, pki, "x")


def test_wrong_keystore_passphrase_is_refused():
    with pytest.raises(ValueError):
        LocalKeyStoreSigner((PKI_DIR / "keystore" / "officer-an.p12").read_bytes(), b"wrong")


def test_envelope_verifies_with_xmlsec1_and_tampering_fails(signed, tmp_path):
    xml = edxml.sign(edxml.build_envelope(signed, "vb.pdf"))
    assert edxml.verify_signxml(xml).startswith("OK")
    ok = subprocess.run(["xmlsec1", "--verify", "--enabled-reference-uris", "empty", "--trusted-pem",
                         str(PKI_DIR / "certs" / "root.cert.pem"), str(write(tmp_path, "e.xml", xml))])
    assert ok.returncode == 0
    bad = xml.replace(b"<edXML:CodeNumber>123<", b"<edXML:CodeNumber>124<")
    ko = subprocess.run(["xmlsec1", "--verify", "--enabled-reference-uris", "empty", "--trusted-pem",
                         str(PKI_DIR / "certs" / "root.cert.pem"), str(write(tmp_path, "b.xml", bad))])
    assert ko.returncode == 1
