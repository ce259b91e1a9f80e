"""Certificates of the signing PKI.

A row is the source of truth for one certificate: the development PKI (`devpki.py`) builds its
Certomancer configuration from these rows (explicit serials, validity, revocation), so OCSP
and CRLs answer from the database. A row never holds a private key: those sit encrypted in the
key store (`keystore.py`), found by `key_ref`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.directory.models import Agency


class CertKind(models.TextChoices):
    ROOT = "root", _("CA gốc")
    INTERMEDIATE = "intermediate", _("CA trung gian")
    OCSP = "ocsp", _("Dịch vụ OCSP")
    TSA = "tsa", _("Dịch vụ cấp dấu thời gian")
    PERSONAL = "personal", _("Chứng thư cá nhân")
    ORGANIZATION = "organization", _("Chứng thư cơ quan")


class RevocationReason(models.TextChoices):
    KEY_COMPROMISE = "key_compromise", _("Lộ khóa")
    AFFILIATION_CHANGED = "affiliation_changed", _("Thay đổi đơn vị công tác")
    SUPERSEDED = "superseded", _("Được thay thế")
    CESSATION_OF_OPERATION = "cessation_of_operation", _("Thôi sử dụng")


SUBJECT_KINDS = (CertKind.PERSONAL, CertKind.ORGANIZATION)


class Certificate(models.Model):
    """An X.509 certificate issued by (or making up) the signing PKI."""

    kind = models.CharField(_("loại"), max_length=16, choices=CertKind.choices)
    # The Certomancer label; also names the key in the key store.
    label = models.CharField(max_length=64, unique=True)
    issuer_label = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("người được cấp"))
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("cơ quan"))
    serial = models.BigIntegerField(_("số hiệu"))  # ours are random 63-bit
    # Certomancer's name attributes ("common-name", "organization-name", "title", ...).
    subject_attrs = models.JSONField(default=dict)
    subject_dn = models.CharField(_("chủ thể"), max_length=500)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    fingerprint = models.CharField(_("dấu vân tay SHA-256"), max_length=64, blank=True,
                                   db_index=True)
    pem = models.TextField(blank=True)
    key_ref = models.CharField(max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revocation_reason = models.CharField(_("lý do thu hồi"), max_length=32, blank=True,
                                         choices=RevocationReason.choices)
    # The image drawn in the visible signature: the officer's scanned signature on a personal
    # certificate, the agency's seal on an organization one (PNG or JPEG, checked by
    # `services.certificate_set_image`). Empty: `images.py` draws the default.
    signature_image = models.BinaryField(_("ảnh chữ ký / con dấu"), null=True, blank=True,
                                         editable=False)
    signature_image_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped on every change: the per-process PKI cache is keyed by it.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chứng thư số")
        verbose_name_plural = _("chứng thư số")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["issuer_label", "serial"], name="cert_issuer_serial"),
            models.CheckConstraint(
                condition=~Q(kind=CertKind.PERSONAL) | Q(user__isnull=False),
                name="cert_personal_has_user"),
            models.CheckConstraint(
                condition=~Q(kind=CertKind.ORGANIZATION) | Q(agency__isnull=False),
                name="cert_organization_has_agency"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
                name="cert_revocation_has_reason"),
        ]
        indexes = [models.Index(fields=["user", "kind"], name="cert_user_kind"),
                   models.Index(fields=["agency", "kind"], name="cert_agency_kind")]

    def __str__(self) -> str:
        return f"{self.subject_dn} #{self.serial}"

    @property
    def common_name(self) -> str:
        return str(self.subject_attrs.get("common-name", ""))

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
