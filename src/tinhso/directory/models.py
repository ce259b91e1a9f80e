"""Administrative units (effective-dated, with succession), agencies and role grants."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The day the two-tier local government took effect: districts abolished, communes merged.
REFORM_DATE = dt.date(2025, 7, 1)

# Electronic identifier code of an agency (mã định danh điện tử), e.g. 000.00.17.H56:
# four groups separated by dots; the last is the province's letter code (H56 is Thanh Hóa)
# or a ministry's (e.g. G01).
AGENCY_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")


def validate_agency_code(value: str) -> None:
    if not AGENCY_CODE_RE.match(value):
        raise ValidationError(
            _("Mã định danh không hợp lệ: cần dạng 000.00.17.H56."), code="agency_code"
        )


class AdminUnit(models.Model):
    """A province, district or commune-level unit as it was between valid_from and valid_to."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Tỉnh/Thành phố")
        DISTRICT = 2, _("Huyện/Quận/Thị xã")
        COMMUNE = 3, _("Xã/Phường/Thị trấn")

    code = models.CharField(_("mã"), max_length=16)  # GSO code; the same code may recur in eras
    name = models.CharField(_("tên"), max_length=128)
    kind = models.CharField(_("loại"), max_length=32)  # "tỉnh", "thành phố trung ương", "xã", ...
    level = models.PositiveSmallIntegerField(_("cấp"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    province_code = models.CharField(_("mã tỉnh"), max_length=8, db_index=True)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)  # exclusive
    name_folded = models.CharField(max_length=128, editable=False, db_index=True)

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        constraints = [
            models.UniqueConstraint(fields=["code", "level", "valid_from"], name="unit_code_era"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="unit_valid_range",
            ),
        ]
        indexes = [models.Index(fields=["level", "province_code"], name="unit_level_province")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        from tinhso.core.text import fold

        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


class UnitSuccession(models.Model):
    """A predecessor unit's territory (all or part) passed to a successor on `date`."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Sáp nhập")
        SPLIT = "split", _("Chia tách")
        RENAME = "rename", _("Đổi tên")
        ABOLISH = "abolish", _("Giải thể cấp huyện")

    predecessor = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="successions")
    successor = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="predecessions")
    kind = models.CharField(_("hình thức"), max_length=8, choices=Kind.choices)
    date = models.DateField(_("ngày"))
    # The successor that takes the predecessor's records when one must be chosen (the
    # "default" new unit of a split commune).
    is_primary = models.BooleanField(default=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("kế thừa đơn vị hành chính")
        verbose_name_plural = _("kế thừa đơn vị hành chính")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique")
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.date})"


class Agency(models.Model):
    """A state agency: provincial department, People's Committee, service centre, commune unit."""

    class Kind(models.TextChoices):
        PEOPLES_COMMITTEE = "ubnd", _("Ủy ban nhân dân")
        DEPARTMENT = "so", _("Sở, ban, ngành")
        SERVICE_CENTRE = "tthcc", _("Trung tâm Phục vụ hành chính công")
        COMMUNE = "xa", _("UBND xã, phường")
        UNIT = "dv", _("Đơn vị trực thuộc")

    code = models.CharField(
        _("mã định danh"), max_length=16, unique=True, validators=[validate_agency_code]
    )
    name = models.CharField(_("tên cơ quan"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=32, blank=True)
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="agencies")
    province_code = models.CharField(_("mã tỉnh"), max_length=8, db_index=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a person may do. Applicants (citizens, businesses) need no grant."""

    APPLICANT = "applicant", _("Người nộp hồ sơ")
    ONESTOP_OFFICER = "onestop", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Chuyên viên")
    LEADER = "leader", _("Lãnh đạo")
    CLERK = "clerk", _("Văn thư")
    AGENCY_ADMIN = "agency_admin", _("Quản trị cơ quan")
    PROVINCE_ADMIN = "province_admin", _("Quản trị tỉnh")
    OBSERVER = "observer", _("Ban Chỉ đạo (chỉ xem)")


# Roles that act for the whole province rather than for one agency.
PROVINCE_WIDE_ROLES = {Role.PROVINCE_ADMIN, Role.OBSERVER}


class Grant(models.Model):
    """A person acts in `role` for `agency` (or, for province-wide roles, for the province)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="grants"
    )
    province_code = models.CharField(_("mã tỉnh"), max_length=8)

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "agency"], condition=Q(agency__isnull=False),
                name="grant_unique_in_agency",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "province_code"], condition=Q(agency__isnull=True),
                name="grant_unique_province_wide",
            ),
            models.CheckConstraint(
                condition=Q(role__in=sorted(r.value for r in PROVINCE_WIDE_ROLES))
                | Q(agency__isnull=False),
                name="grant_agency_unless_province_wide",
            ),
        ]

    def __str__(self) -> str:
        where = self.agency.short_name or self.agency.name if self.agency else self.province_code
        return f"{self.user} · {self.get_role_display()} · {where}"
