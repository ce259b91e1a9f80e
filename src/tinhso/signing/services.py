"""Every write of the signing app: create the development PKI, issue certificates to
officers and agencies, revoke them. Each is one transaction with its audit event.

Key files are written before the row commits: a rolled-back issue leaves an encrypted key
file that no certificate names (harmless, never used)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from asn1crypto import pem as asn1_pem
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.storage import HEAD, detect_type
from tinhso.directory.models import Agency
from tinhso.directory.permissions import ensure_can
from tinhso.signing import devpki
from tinhso.signing.devpki import CA_LABELS, INTERMEDIATE, OCSP, ROOT, TSA
from tinhso.signing.keystore import encrypt_key, keystore, write_private
from tinhso.signing.models import Certificate, CertKind, RevocationReason

MANAGE = "signing.certificate.manage"
YEAR = dt.timedelta(days=365)
DEV_ORG = "Tỉnh số (phát triển)"
CA_SPECS = (  # label, kind, issuer, common name, lifetime
    (ROOT, CertKind.ROOT, ROOT, "Tỉnh số Dev Root CA", 20 * YEAR),
    (INTERMEDIATE, CertKind.INTERMEDIATE, ROOT, "Tỉnh số Dev Signing CA", 10 * YEAR),
    (OCSP, CertKind.OCSP, INTERMEDIATE, "Tỉnh số Dev OCSP", 10 * YEAR),
    (TSA, CertKind.TSA, ROOT, "Tỉnh số Dev TSA", 10 * YEAR),
)


def new_serial() -> int:
    """Random 63-bit serials (RFC 5280 wants them unpredictable and positive)."""
    return secrets.randbelow(2**63 - 1) + 1


def _fill_from_arch(row: Certificate, arch: Any) -> None:
    cert = arch.get_cert(devpki.CertLabel(row.label))
    der = cert.dump()
    row.pem = asn1_pem.armor("CERTIFICATE", der).decode()
    row.fingerprint = hashlib.sha256(der).hexdigest()
    row.subject_dn = cert.subject.human_friendly[:500]
    row.save(update_fields=["pem", "fingerprint", "subject_dn", "updated_at"])


def _ca_key(label: str) -> None:
    path = devpki.ca_dir() / f"{label}.key.pem"
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        write_private(path, encrypt_key(key))


def pki_init(*, on_step: Callable[[str], None] | None = None) -> list[Certificate]:
    """The development CA hierarchy (root, intermediate) and its OCSP responder and TSA.
    Idempotent: an existing hierarchy is returned unchanged."""
    existing = list(Certificate.objects.filter(label__in=CA_LABELS).exclude(pem=""))
    if len(existing) == len(CA_LABELS):
        missing = [r.label for r in existing
                   if not (devpki.ca_dir() / f"{r.label}.key.pem").exists()]
        if missing:
            raise DomainError(message=_("Thiếu khóa của CA trong %(dir)s: %(labels)s")
                              % {"dir": devpki.ca_dir(), "labels": ", ".join(missing)})
        return existing
    for label, *_rest in CA_SPECS:
        _ca_key(label)
        if on_step:
            on_step(label)
    with transaction.atomic():
        Certificate.objects.filter(label__in=CA_LABELS).delete()
        now = timezone.now().replace(microsecond=0)
        rows = [Certificate.objects.create(
            kind=kind, label=label, issuer_label=issuer, serial=new_serial(),
            subject_attrs={"organization-name": DEV_ORG, "common-name": name},
            subject_dn=name, not_before=now - dt.timedelta(days=1), not_after=now + life,
        ) for label, kind, issuer, name, life in CA_SPECS]
        arch = devpki.build_arch(rows)
        for row in rows:
            _fill_from_arch(row, arch)
        audit_record(actor=None, action="signing.pki_init", obj=rows[0],
                     data={r.label: {"serial": str(r.serial), "fingerprint": r.fingerprint}
                           for r in rows})
        if on_step:
            on_step("certificates")
    return rows


def _issue(*, actor: Any, kind: str, agency: Agency, attrs: dict[str, str], user: Any,
           valid_from: dt.datetime | None, valid_days: int) -> Certificate:
    ensure_can(actor, MANAGE, agency)
    if not agency.is_active:
        raise DomainError.for_field("agency", _("Cơ quan không còn hoạt động."))
    if valid_days < 1 or valid_days > 3650:
        raise DomainError.for_field("valid_days", _("Thời hạn từ 1 đến 3650 ngày."))
    cas = list(Certificate.objects.filter(label__in=CA_LABELS).exclude(pem=""))
    if len(cas) != len(CA_LABELS):
        raise DomainError(message=_("Chưa có hạ tầng khóa: chạy `tinhso pki init`."))
    start = (valid_from or timezone.now()).replace(microsecond=0) - dt.timedelta(minutes=5)
    label = f"{kind[0]}-{secrets.token_hex(8)}"
    devpki.write_public_key(label, keystore().generate(label))
    with transaction.atomic():
        row = Certificate.objects.create(
            kind=kind, label=label, issuer_label=INTERMEDIATE, user=user, agency=agency,
            serial=new_serial(), subject_attrs=attrs, subject_dn=attrs["common-name"],
            not_before=start, not_after=start + dt.timedelta(days=valid_days), key_ref=label)
        _fill_from_arch(row, devpki.build_arch([*cas, row]))
        audit_record(actor=actor, action=f"signing.certificate_issue_{kind}", obj=row,
                     first=True, data={"serial": str(row.serial), "subject": row.subject_dn,
                                       "fingerprint": row.fingerprint, "agency": agency.pk,
                                       "user": getattr(user, "pk", None),
                                       "not_after": row.not_after.isoformat()})
    return row


def certificate_issue_personal(*, actor: Any, user: Any, agency: Agency, title: str = "",
                               valid_from: dt.datetime | None = None,
                               valid_days: int = 730) -> Certificate:
    """A personal signing certificate for an officer of `agency` (CN = full name)."""
    name = (getattr(user, "full_name", "") or user.get_username()).strip()
    attrs = {"organization-name": agency.name[:64], "common-name": name[:64]}
    if title:
        attrs["title"] = title[:64]
    return _issue(actor=actor, kind=CertKind.PERSONAL, agency=agency, attrs=attrs, user=user,
                  valid_from=valid_from, valid_days=valid_days)


def certificate_issue_organization(*, actor: Any, agency: Agency,
                                   valid_from: dt.datetime | None = None,
                                   valid_days: int = 1825) -> Certificate:
    """The agency's own certificate, for its seal signature (CN = the agency's name)."""
    attrs = {"organization-name": agency.name[:64], "common-name": agency.name[:64],
             "organizational-unit-name": agency.code}
    return _issue(actor=actor, kind=CertKind.ORGANIZATION, agency=agency, attrs=attrs,
                  user=None, valid_from=valid_from, valid_days=valid_days)


def certificate_revoke(*, actor: Any, certificate: Certificate, reason: str,
                       at: dt.datetime | None = None) -> Certificate:
    """Revoke from `at` (default now): OCSP and CRLs say so from then on and the key no
    longer signs. Signatures made before stay valid (their timestamp predates it)."""
    if reason not in RevocationReason.values:
        raise DomainError.for_field("reason", _("Lý do thu hồi không hợp lệ."))
    with transaction.atomic():
        row = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if row.kind not in (CertKind.PERSONAL, CertKind.ORGANIZATION) or row.agency is None:
            raise DomainError(message=_("Chỉ thu hồi được chứng thư cá nhân và cơ quan."),
                              status=409, code="conflict")
        ensure_can(actor, MANAGE, row.agency)
        if row.revoked_at is not None:
            raise DomainError(message=_("Chứng thư số đã bị thu hồi."), status=409,
                              code="conflict")
        row.revoked_at = at or timezone.now()
        row.revocation_reason = reason
        row.save(update_fields=["revoked_at", "revocation_reason", "updated_at"])
        audit_record(actor=actor, action="signing.certificate_revoke", obj=row,
                     data={"serial": str(row.serial), "reason": reason,
                           "revoked_at": row.revoked_at.isoformat()})
    keystore().forget(row.key_ref or row.label)
    return row


IMAGE_MAX_BYTES = 1024 * 1024
IMAGE_MAX_PX = 2000
# Who sets an agency's seal image: its own administrator or the province's.
SEAL_MANAGE = "signing.seal.manage"


def _checked_image(data: bytes) -> bytes:
    """PNG or JPEG by its first bytes, at most 1 MB and 2000×2000 px, and decodable."""
    from io import BytesIO

    from PIL import Image

    if len(data) > IMAGE_MAX_BYTES:
        raise DomainError.for_field("image", _("Ảnh quá lớn (tối đa 1 MB)."))
    if detect_type(data[:HEAD]) not in (("png", "image/png"), ("jpg", "image/jpeg")):
        raise DomainError.for_field("image", _("Ảnh phải là tệp PNG hoặc JPEG."))
    try:
        with Image.open(BytesIO(data)) as image:
            width, height = image.size
            if width > IMAGE_MAX_PX or height > IMAGE_MAX_PX:
                raise DomainError.for_field(
                    "image", _("Ảnh quá lớn (tối đa 2000×2000 điểm ảnh)."))
            image.load()
    except DomainError:
        raise
    except Exception as exc:  # Pillow raises many kinds on a broken file
        raise DomainError.for_field("image", _("Không đọc được ảnh.")) from exc
    return data


def certificate_set_image(*, actor: Any, certificate: Certificate,
                          image: bytes | None) -> Certificate:
    """Set (or, given None, clear) the image of a certificate's visible signature: the officer
    sets the signature on their own personal certificate; the agency's or the province's
    administrator sets the seal on the agency's organization certificate. Audited."""
    data = _checked_image(image) if image is not None else None
    with transaction.atomic():
        row = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if row.kind == CertKind.PERSONAL:
            if getattr(actor, "pk", None) is None or row.user_id != actor.pk:
                raise NotAllowed(_("Chỉ người được cấp chứng thư mới đặt được ảnh chữ ký của "
                                   "mình."))
        elif row.kind == CertKind.ORGANIZATION:
            ensure_can(actor, SEAL_MANAGE, row.agency)
        else:
            raise DomainError(message=_("Chỉ chứng thư cá nhân và cơ quan mới có ảnh chữ ký."),
                              status=409, code="conflict")
        digest = hashlib.sha256(data).hexdigest() if data is not None else ""
        # Not `save()`: `updated_at` keys the PKI cache, which an image does not change.
        Certificate.objects.filter(pk=row.pk).update(signature_image=data,
                                                     signature_image_sha256=digest)
        row.signature_image, row.signature_image_sha256 = data, digest
        audit_record(actor=actor, action="signing.certificate_image_set" if data is not None
                     else "signing.certificate_image_clear", obj=row,
                     data={"kind": row.kind, "sha256": digest,
                           "bytes": len(data) if data is not None else 0})
    return row


def signature_image(row: Certificate) -> bytes | None:
    """The stored image of `row` as bytes (PostgreSQL hands back a memoryview), or None."""
    data = row.signature_image
    return bytes(data) if data else None
