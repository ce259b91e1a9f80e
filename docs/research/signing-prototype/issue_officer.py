"""Issue a certificate to a NEW officer at runtime, then revoke it. Two ways compared.

A. Certomancer: add entity + cert spec (+ later a `revocation:` entry) to the config, reload.
   Its OCSP responder and CRLs then know the cert. Private key stays in our keystore;
   Certomancer only gets the public key (`public-only: true`).
B. cryptography's CertificateBuilder signed by the intermediate key; validated with
   pyhanko-certvalidator. Certomancer's OCSP/CRL do NOT know such a cert (shown below).
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime, timedelta, timezone

os.environ["TZ"] = "Asia/Ho_Chi_Minh"
time.tzset()

import yaml  # noqa: E402
from asn1crypto import ocsp  # noqa: E402
from certomancer.registry import CertLabel  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
from pyhanko.sign.general import SigningError  # noqa: E402
from pyhanko_certvalidator import CertificateValidator, ValidationContext  # noqa: E402
from pyhanko_certvalidator.errors import RevokedError  # noqa: E402
from werkzeug.test import Client  # noqa: E402

from common import (  # noqa: E402
    CA_KEY_PASSPHRASE, KEYSTORE_PASSPHRASE, OUT, PKI_DIR, URL_PREFIX, LocalKeyStoreSigner, LocalTSA,
    animator_for, load_arch, signing_vc,
)
from pki_init import aia, crl_dp, iso, ku  # noqa: E402
from sign_pdfs import sign  # noqa: E402

CFG = PKI_DIR / "certomancer.yml"


def new_key(label: str) -> rsa.RSAPrivateKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (PKI_DIR / "keys" / f"{label}.pub.pem").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return key


def certomancer_issue(label: str, name: str, title: str) -> float:
    key = new_key(label)
    t0 = time.perf_counter()
    cfg = yaml.safe_load(CFG.read_text(encoding="utf-8"))
    arch_cfg = cfg["pki-architectures"]["tinhso-dev"]
    cfg["keysets"]["tinhso-dev"]["keys"][label] = {"path": f"{label}.pub.pem", "public-only": True}
    arch_cfg["entities"][label] = {"organization-name": "UBND tỉnh Thanh Hóa", "title": title,
                                   "common-name": name}
    now = datetime.now(timezone.utc).replace(microsecond=0)
    arch_cfg["certs"][label] = {
        "issuer": "interm", "validity": {"valid-from": iso(now - timedelta(minutes=5)),
                                         "valid-to": iso(now + timedelta(days=730))},
        "extensions": [ku("digital_signature", "non_repudiation"), crl_dp("interm"), aia("interm")]}
    CFG.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    arch = load_arch()
    cert = x509.load_der_x509_certificate(arch.get_cert(CertLabel(label)).dump())
    chain = [x509.load_der_x509_certificate(arch.get_cert(CertLabel(x)).dump()) for x in ("interm", "root")]
    (PKI_DIR / "keystore" / f"{label}.p12").write_bytes(pkcs12.serialize_key_and_certificates(
        label.encode(), key, cert, chain, serialization.BestAvailableEncryption(KEYSTORE_PASSPHRASE)))
    return 1000 * (time.perf_counter() - t0)


def certomancer_revoke(label: str) -> None:
    cfg = yaml.safe_load(CFG.read_text(encoding="utf-8"))
    spec = cfg["pki-architectures"]["tinhso-dev"]["certs"][label]
    spec["revocation"] = {"revoked-since": iso(datetime.now(timezone.utc) - timedelta(seconds=5)),
                          "reason": "cessation_of_operation"}
    CFG.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")


def try_sign(label: str) -> str:
    arch = load_arch()
    signer = LocalKeyStoreSigner((PKI_DIR / "keystore" / f"{label}.p12").read_bytes(), KEYSTORE_PASSPHRASE)
    try:
        pdf = sign((OUT / "doc.pdf").read_bytes(), signer, "Sig", 0, (40, 40, 200, 90), None,
                   (arch, signing_vc(arch), LocalTSA(arch)), "test")
        return f"signed ({len(pdf)} B)"
    except SigningError as e:
        return f"refused: {e}"


def crypto_issue(name: str) -> x509.Certificate:
    """Approach B: issue directly with cryptography, signed by the intermediate CA key."""
    interm_key = serialization.load_pem_private_key(
        (PKI_DIR / "keys" / "interm.key.pem").read_bytes(), CA_KEY_PASSPHRASE.encode())
    interm = x509.load_pem_x509_certificate((PKI_DIR / "certs" / "interm.cert.pem").read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(timezone.utc)
    return (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                                     x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UBND tỉnh Thanh Hóa"),
                                     x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(interm.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=730))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(interm.public_key()), critical=False)
            .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.UniformResourceIdentifier(f"{URL_PREFIX}/tinhso-dev/crls/interm/latest.crl")],
                None, None, None)]), critical=False)
            .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                x509.oid.AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier(f"{URL_PREFIX}/tinhso-dev/ocsp/interm"))]), critical=False)
            .sign(interm_key, hashes.SHA256()))


def main() -> None:
    ms = certomancer_issue("officer-moi", "Phạm Thị Dung", "Phó Chủ tịch")
    print(f"A. Certomancer: issued 'Phạm Thị Dung' (config edit + reload) in {ms:.0f} ms")
    print("   sign:", try_sign("officer-moi"))
    certomancer_revoke("officer-moi")
    print("   after revocation entry + reload, sign:", try_sign("officer-moi")[:120])

    cert = crypto_issue("Hoàng Văn Em")
    arch = load_arch()
    from asn1crypto import x509 as ax
    acert = ax.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    vc = ValidationContext(trust_roots=[arch.get_cert(CertLabel("root"))],
                           other_certs=[arch.get_cert(CertLabel("interm"))],
                           allow_fetching=False, revocation_mode="soft-fail")
    path = asyncio.run(CertificateValidator(acert, validation_context=vc).async_validate_usage(
        {"digital_signature", "non_repudiation"}))
    print(f"B. cryptography builder: chain validates ({len(path)} certs) with revocation soft-fail")
    from pyhanko_certvalidator.fetchers.common_utils import format_ocsp_request
    from pyhanko_certvalidator.authority import CertTrustAnchor
    req = format_ocsp_request(acert, CertTrustAnchor(arch.get_cert(CertLabel("interm"))).authority,
                              certid_hash_algo="sha1", request_nonces=True)
    r = Client(animator_for(arch)).post("/tinhso-dev/ocsp/interm", data=req.dump(),
                                         content_type="application/ocsp-request")
    resp = ocsp.OCSPResponse.load(r.get_data())
    status = (resp["response_bytes"]["response"].parsed["tbs_response_data"]["responses"][0]["cert_status"].name
              if resp["response_status"].native == "successful" else resp["response_status"].native)
    print(f"   Certomancer OCSP for that cert: HTTP {r.status_code}, status {status!r}")
    try:
        vc2 = signing_vc(arch)
        asyncio.run(CertificateValidator(acert, validation_context=vc2).async_validate_usage({"digital_signature"}))
        print("   hard revocation check: passed")
    except (RevokedError, Exception) as e:  # noqa: BLE001
        print(f"   hard revocation check: {type(e).__name__}: {str(e)[:100]}")


if __name__ == "__main__":
    main()
