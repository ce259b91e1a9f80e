from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Anyone who logs in: an officer, a citizen or a business representative."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Công dân")
        BUSINESS = "business", _("Doanh nghiệp")
        OFFICER = "officer", _("Cán bộ, công chức")

    kind = models.CharField(_("loại tài khoản"), max_length=8, choices=Kind.choices,
                            default=Kind.CITIZEN)
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    # Personal data: shown only to those who need it; officers' reads are audited.
    # NULL, not "", when absent, so that the unique constraints skip people without one.
    citizen_id = models.CharField(_("số định danh cá nhân"), max_length=12, null=True, blank=True)  # noqa: DJ001
    tax_code = models.CharField(_("mã số thuế"), max_length=14, null=True, blank=True)  # noqa: DJ001
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            models.UniqueConstraint(fields=["citizen_id"], condition=Q(citizen_id__isnull=False),
                                    name="user_citizen_id_unique"),
            models.UniqueConstraint(fields=["tax_code"], condition=Q(tax_code__isnull=False),
                                    name="user_tax_code_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username


class ApiToken(models.Model):
    """A bearer token for other systems. Only a SHA-256 of the secret is kept; the token is
    shown once, when `tinhso token` creates it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("tên"), max_length=100, blank=True)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class LoginFailure(models.Model):
    """A failed login, counted to throttle guessing by username and by address."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("đăng nhập thất bại")
        verbose_name_plural = _("đăng nhập thất bại")

    def __str__(self) -> str:
        return f"{self.username} {self.ip} {self.at:%Y-%m-%d %H:%M}"
