"""`tinhso pki init` prototype: keys (encrypted PEM), Certomancer config, certs, PKCS#12 keystores."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone

import yaml
from certomancer.registry import CertLabel
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from common import ARCH, CA_KEY_PASSPHRASE, KEYSTORE_PASSPHRASE, PKI_DIR, URL_PREFIX, load_arch

CA_KEYS = ["root", "interm", "ocsp", "tsa"]
SUBJECT_KEYS = ["officer-an", "agency-thanhhoa", "officer-revoked", "officer-expired"]


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S+0000")


def write_key(label: str, encrypt: bool) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    enc = (serialization.BestAvailableEncryption(CA_KEY_PASSPHRASE.encode())
           if encrypt else serialization.NoEncryption())
    (PKI_DIR / "keys" / f"{label}.key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc))


def ku(*usages: str, critical: bool = True) -> dict:
    return {"id": "key_usage", "critical": critical,
            "smart-value": {"schema": "key-usage", "params": list(usages)}}


def crl_dp(repo: str) -> dict:
    return {"id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [repo]}}}


def aia(ocsp: str) -> dict:
    return {"id": "authority_information_access",
            "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": [ocsp]}}}


def leaf(frm: datetime, to: datetime, **extra) -> dict:
    return {"issuer": "interm", "validity": {"valid-from": iso(frm), "valid-to": iso(to)},
            "extensions": [ku("digital_signature", "non_repudiation"), crl_dp("interm"),
                           aia("interm")], **extra}


def build_config(now: datetime) -> dict:
    y = timedelta(days=365)
    keys = {k: {"path": f"{k}.key.pem", "password": CA_KEY_PASSPHRASE} for k in CA_KEYS}
    # Subjects' private keys never go to Certomancer: it only sees their public keys.
    keys |= {k: {"path": f"{k}.pub.pem", "public-only": True} for k in SUBJECT_KEYS}
    return {
        "external-url-prefix": URL_PREFIX,
        "keysets": {ARCH: {"keys": keys}},
        "pki-architectures": {ARCH: {
            "keyset": ARCH,
            "entity-defaults": {"country-name": "VN"},
            "entities": {
                "root": {"organization-name": "Tỉnh số (dev)", "common-name": "Tỉnh số Dev Root CA"},
                "interm": {"organization-name": "Tỉnh số (dev)", "common-name": "Tỉnh số Dev Signing CA"},
                "ocsp": {"organization-name": "Tỉnh số (dev)", "common-name": "Tỉnh số Dev OCSP"},
                "tsa": {"organization-name": "Tỉnh số (dev)", "common-name": "Tỉnh số Dev TSA"},
                "officer-an": {"state-or-province-name": "Thanh Hóa",
                               "organization-name": "UBND tỉnh Thanh Hóa",
                               "title": "Chủ tịch", "common-name": "Nguyễn Văn An"},
                "agency-thanhhoa": {"state-or-province-name": "Thanh Hóa",
                                    "organization-name": "UBND tỉnh Thanh Hóa",
                                    "common-name": "UBND tỉnh Thanh Hóa"},
                "officer-revoked": {"organization-name": "UBND tỉnh Thanh Hóa",
                                    "common-name": "Trần Thị Bình"},
                "officer-expired": {"organization-name": "UBND tỉnh Thanh Hóa",
                                    "common-name": "Lê Văn Cường"},
            },
            "certs": {
                "root": {"subject": "root", "issuer": "root", "authority-key": "root",
                         "validity": {"valid-from": iso(now - y), "valid-to": iso(now + 20 * y)},
                         "extensions": [{"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                                        ku("digital_signature", "key_cert_sign", "crl_sign")]},
                "interm": {"issuer": "root",
                           "validity": {"valid-from": iso(now - y), "valid-to": iso(now + 10 * y)},
                           "extensions": [{"id": "basic_constraints", "critical": True,
                                           "value": {"ca": True, "path-len-constraint": 0}},
                                          ku("digital_signature", "key_cert_sign", "crl_sign"),
                                          crl_dp("root")]},
                "ocsp": {"issuer": "interm",
                         "validity": {"valid-from": iso(now - y), "valid-to": iso(now + 10 * y)},
                         "extensions": [ku("digital_signature"),
                                        {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                                        {"id": "ocsp_no_check"}]},
                "tsa": {"issuer": "root",
                        "validity": {"valid-from": iso(now - y), "valid-to": iso(now + 10 * y)},
                        "extensions": [ku("digital_signature"),
                                       {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                                       crl_dp("root")]},
                "officer-an": leaf(now - timedelta(days=1), now + 2 * y),
                "agency-thanhhoa": leaf(now - timedelta(days=1), now + 5 * y),
                "officer-revoked": leaf(now - timedelta(days=30), now + 2 * y, revocation={
                    "revoked-since": iso(now - timedelta(days=2)), "reason": "key_compromise"}),
                "officer-expired": leaf(now - 3 * y, now - y),
            },
            "services": {
                "ocsp": {"interm": {"for-issuer": "interm", "responder-cert": "ocsp", "signing-key": "ocsp"}},
                "crl-repo": {
                    "root": {"for-issuer": "root", "signing-key": "root", "simulated-update-schedule": "P1D"},
                    "interm": {"for-issuer": "interm", "signing-key": "interm", "simulated-update-schedule": "PT1H"},
                },
                "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
            },
        }},
    }


def write_subject_keystores(arch) -> None:
    """Each officer/agency key sits in an encrypted PKCS#12 (key + cert + chain)."""
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography import x509
    ks = PKI_DIR / "keystore"
    ks.mkdir(exist_ok=True)
    for label in SUBJECT_KEYS:
        key = serialization.load_pem_private_key((PKI_DIR / "private" / f"{label}.key.pem").read_bytes(), None)
        c = x509.load_der_x509_certificate(arch.get_cert(CertLabel(label)).dump())
        chain = [x509.load_der_x509_certificate(arch.get_cert(CertLabel(x)).dump()) for x in ("interm", "root")]
        (ks / f"{label}.p12").write_bytes(pkcs12.serialize_key_and_certificates(
            label.encode(), key, c, chain, serialization.BestAvailableEncryption(KEYSTORE_PASSPHRASE)))
    for label in SUBJECT_KEYS:
        (PKI_DIR / "private" / f"{label}.key.pem").unlink()


def main() -> None:
    shutil.rmtree(PKI_DIR, ignore_errors=True)
    (PKI_DIR / "keys").mkdir(parents=True)
    (PKI_DIR / "private").mkdir()
    for k in CA_KEYS:
        write_key(k, encrypt=True)
    for k in SUBJECT_KEYS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (PKI_DIR / "private" / f"{k}.key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        (PKI_DIR / "keys" / f"{k}.pub.pem").write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    now = datetime.now(timezone.utc).replace(microsecond=0)
    (PKI_DIR / "certomancer.yml").write_text(
        yaml.safe_dump(build_config(now), allow_unicode=True, sort_keys=False), encoding="utf-8")
    arch = load_arch()
    arch.dump_certs(str(PKI_DIR / "certs"), use_pem=True, flat=True)
    write_subject_keystores(arch)
    for label in ("root", "interm", "officer-an", "agency-thanhhoa"):
        c = arch.get_cert(CertLabel(label))
        print(f"{label:18} serial={c.serial_number} subject={c.subject.human_friendly}")


if __name__ == "__main__":
    main()
