from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One thing that happened: who, when, what, on which object, from which address.

    Append-only (database triggers refuse UPDATE and DELETE) and hash-chained per object:
    `hash` covers this event's fields and `prev_hash`, the hash of the object's previous
    event, so removing, reordering or editing an event breaks the chain (`tinhso audit verify`).
    """

    at = models.DateTimeField(_("thời điểm"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("người thực hiện"), max_length=150, blank=True)
    action = models.CharField(_("hành động"), max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    seq = models.PositiveIntegerField()
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("sự kiện nhật ký")
        verbose_name_plural = _("nhật ký hệ thống")
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id", "seq"], name="audit_one_event_per_seq"
            )
        ]
        indexes = [models.Index(fields=["actor", "at"], name="audit_actor_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"


class CalendarDay(models.Model):
    """A province's own change to the national calendar: an extra day off, or a working day."""

    class Kind(models.TextChoices):
        DAY_OFF = "off", _("Ngày nghỉ")
        WORKING = "work", _("Ngày làm việc")

    province_code = models.CharField(_("mã tỉnh"), max_length=8, db_index=True)
    date = models.DateField(_("ngày"))
    kind = models.CharField(_("loại"), max_length=4, choices=Kind.choices)
    reason = models.CharField(_("lý do"), max_length=255)

    class Meta:
        verbose_name = _("ngày điều chỉnh lịch làm việc")
        verbose_name_plural = _("lịch làm việc của tỉnh")
        constraints = [
            models.UniqueConstraint(fields=["province_code", "date"], name="calendar_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}: {self.reason}"


def validate_office_hours(value: str) -> None:
    from django.core.exceptions import ValidationError

    from tinhso.core.calendar import OfficeHours
    from tinhso.core.errors import DomainError

    try:
        OfficeHours.parse(value)
    except (DomainError, ValueError) as exc:
        raise ValidationError(
            _("Giờ làm việc cần dạng 07:00-11:30,13:30-17:00 (các khoảng tăng dần)."),
            code="office_hours",
        ) from exc


class ProvinceSchedule(models.Model):
    """A province's office hours, when they differ from the default 07:00-11:30, 13:30-17:00."""

    province_code = models.CharField(_("mã tỉnh"), max_length=8, unique=True)
    office_hours = models.CharField(
        _("giờ làm việc"), max_length=64, default="07:00-11:30,13:30-17:00",
        validators=[validate_office_hours],
        help_text=_("Các khoảng giờ làm việc trong ngày, ví dụ 07:00-11:30,13:30-17:00"),
    )

    class Meta:
        verbose_name = _("giờ làm việc của tỉnh")
        verbose_name_plural = _("giờ làm việc của tỉnh")

    def __str__(self) -> str:
        return f"{self.province_code}: {self.office_hours}"
