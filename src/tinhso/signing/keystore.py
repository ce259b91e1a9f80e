"""Where private keys live, behind one interface.

Callers outside this app never see a key: they ask `pades.pdf_sign_*` to sign as a
`Certificate`, and this module hands pyHanko a `Signer` bound to that certificate's key.

`LocalKeyStore` (the default) keeps each key as an encrypted PKCS#8 PEM file (PBES2, AES-256)
under `<TINHSO_SIGNING_PKI_DIR>/keystore/`, encrypted with the key-encryption secret
(`TINHSO_SIGNING_KEY_SECRET`, or one generated into the PKI directory). An unlocked key is
kept in this process's memory for a few minutes: decrypting and parsing an RSA key costs
tens of milliseconds, more than the rest of a signature.

`PKCS11KeyStore` and `RemoteKeyStore` are the adapter points for tokens/HSMs and for remote
signing services (docs/signing.md says what each needs)."""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
import time
from importlib import import_module
from pathlib import Path
from typing import Any, Protocol

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from tinhso.signing.errors import SigningNotConfigured

UNLOCKED_TTL = 600.0  # seconds an unlocked key stays in memory
KEY_SIZE = 2048


def pki_dir() -> Path:
    return Path(settings.TINHSO_SIGNING_PKI_DIR)


def key_secret() -> bytes:
    """The key-encryption secret: from settings, else generated once into the PKI directory
    (mode 0600), the way the Django secret key is kept in var/."""
    configured = getattr(settings, "TINHSO_SIGNING_KEY_SECRET", "")
    if configured:
        return str(configured).encode()
    path = pki_dir() / "key-secret"
    if path.exists():
        return path.read_text().strip().encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value.encode()


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def encrypt_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(key_secret()))


def decrypt_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=key_secret())
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SigningNotConfigured("Only RSA keys are supported by the local key store.")
    return key


class KeyStore(Protocol):
    """Creates key pairs and signs with them; private keys never leave it."""

    def generate(self, label: str) -> bytes:
        """Create a key pair named `label`; return its public key (SubjectPublicKeyInfo DER)."""
        ...

    def signer(self, label: str, cert: asn1_x509.Certificate,
               chain: list[asn1_x509.Certificate]) -> signers.Signer:
        """A pyHanko signer that signs with `label`'s key as `cert`."""
        ...

    def forget(self, label: str) -> None:
        """Drop any unlocked copy of the key (after revocation)."""
        ...


class UnlockedKeySigner(signers.SimpleSigner):
    """A pyHanko signer over a key already parsed in memory.

    pyHanko's SimpleSigner re-parses the DER key for each raw signature (three times per PDF
    signature, ~40 ms each); this one keeps the parsed key and answers the size-estimating
    dry run with zero bytes of the right length."""

    def __init__(self, key: rsa.RSAPrivateKey, cert: asn1_x509.Certificate,
                 chain: list[asn1_x509.Certificate]) -> None:
        self._key = key
        super().__init__(signing_cert=cert, signing_key=translate_pyca_cryptography_key_to_asn1(key),
                         cert_registry=SimpleCertificateStore.from_certs(chain))

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(self._key.key_size // 8)
        return self._key.sign(data, padding.PKCS1v15(),
                              get_pyca_cryptography_hash(digest_algorithm))


class LocalKeyStore:
    """Encrypted PKCS#8 files in `<PKI dir>/keystore/`, unlocked with the key secret."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._unlocked: dict[str, tuple[float, rsa.RSAPrivateKey]] = {}
        self._lock = threading.Lock()

    def _dir(self) -> Path:
        return self.directory or pki_dir() / "keystore"

    def path(self, label: str) -> Path:
        if not label.replace("-", "").isalnum():
            raise ValueError(f"bad key label {label!r}")
        return self._dir() / f"{label}.key.pem"

    def generate(self, label: str) -> bytes:
        key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
        path = self.path(label)
        if path.exists():
            raise FileExistsError(f"key {label} exists")
        write_private(path, encrypt_key(key))
        return key.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)

    def _key(self, label: str) -> rsa.RSAPrivateKey:
        now = time.monotonic()
        with self._lock:
            hit = self._unlocked.get(label)
            if hit and hit[0] > now:
                return hit[1]
        key = decrypt_key(self.path(label).read_bytes())
        with self._lock:
            self._unlocked[label] = (now + UNLOCKED_TTL, key)
        return key

    def signer(self, label: str, cert: asn1_x509.Certificate,
               chain: list[asn1_x509.Certificate]) -> signers.Signer:
        return UnlockedKeySigner(self._key(label), cert, chain)

    def forget(self, label: str) -> None:
        with self._lock:
            self._unlocked.pop(label, None)


class PKCS11KeyStore:
    """Adapter point: keys on a PKCS#11 token or HSM.

    To implement: `generate` calls C_GenerateKeyPair on the token (label = CKA_LABEL) and
    returns the public key; `signer` returns `pyhanko.sign.pkcs11.PKCS11Signer` opened on a
    session (module path, slot and PIN from settings; needs `pyhanko[pkcs11]`). Test with
    Debian's softhsm2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise SigningNotConfigured(
            "TINHSO_SIGNING_KEYSTORE=pkcs11: the PKCS#11/HSM key store is an adapter point and "
            "is not implemented yet (see docs/signing.md, 'Real CA and HSM').")


class RemoteKeyStore:
    """Adapter point: a remote signing service (Cloud Signature Consortium API, or a
    provider's own remote-signing API): only the document hash leaves, the key never does.

    To implement: `signer` returns `pyhanko.sign.signers.csc_signer.CSCSigner` (CSC API), or a
    `pyhanko.sign.signers.Signer` subclass whose `async_sign_raw` posts the hash to the
    provider and waits for the signer's confirmation; `generate` is the provider's enrolment."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise SigningNotConfigured(
            "TINHSO_SIGNING_KEYSTORE=remote: the remote signing adapter is not implemented yet "
            "(see docs/signing.md, 'Real CA and HSM').")


_ADAPTERS: dict[str, str] = {
    "local": "tinhso.signing.keystore.LocalKeyStore",
    "pkcs11": "tinhso.signing.keystore.PKCS11KeyStore",
    "remote": "tinhso.signing.keystore.RemoteKeyStore",
}
_store: tuple[tuple[str, str], KeyStore] | None = None


def keystore() -> KeyStore:
    """The configured key store, one per process (it holds unlocked keys)."""
    global _store
    name = str(getattr(settings, "TINHSO_SIGNING_KEYSTORE", "local") or "local")
    key = (name, str(pki_dir()))
    if _store is None or _store[0] != key:
        dotted = _ADAPTERS.get(name, name)
        module, _, cls = dotted.rpartition(".")
        try:
            factory = getattr(import_module(module), cls)
        except (ImportError, AttributeError, ValueError) as exc:
            raise SigningNotConfigured(f"Unknown TINHSO_SIGNING_KEYSTORE {name!r}") from exc
        _store = (key, factory())
    return _store[1]
