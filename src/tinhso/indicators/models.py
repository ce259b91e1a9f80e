"""What the indicators app stores: entered figures (with every revision and its evidence), who
enters which indicator, targets assigned by decision, and the years closed to edits.

Computed indicators store nothing here: they read the source apps' rollups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.directory.models import AdminUnit, Agency


class Assignment(models.Model):
    """An agency of the province enters this indicator (the registry names who should; the
    province says which of its agencies that is). A commune's committee enters only for its own
    commune."""

    indicator_code = models.CharField(_("chỉ số"), max_length=64)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(_("mã tỉnh"), max_length=8)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("phân công nhập chỉ số")
        verbose_name_plural = _("phân công nhập chỉ số")
        constraints = [models.UniqueConstraint(fields=["indicator_code", "agency"],
                                               name="indicator_assignment_unique")]

    def __str__(self) -> str:
        return f"{self.indicator_code} · {self.agency_id}"


class EntryStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Chờ thẩm định")
    VERIFIED = "verified", _("Đã xác nhận")
    REJECTED = "rejected", _("Bị trả lại")


class Entry(models.Model):
    """One figure to enter: an indicator for a unit and a period. Its revisions hold the
    values; `verified` is the revision that counts (none until a reviewer verifies one; a newer
    revision waiting for review leaves the older verified one in force)."""

    indicator_code = models.CharField(_("chỉ số"), max_length=64)
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("kỳ"), max_length=7)  # "2026", "2026-Q3", "2026-07"
    year = models.PositiveSmallIntegerField(_("năm"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(_("mã tỉnh"), max_length=8)
    status = models.CharField(_("trạng thái"), max_length=10, choices=EntryStatus.choices)
    revision = models.PositiveIntegerField(default=0)  # the number of the latest revision
    latest = models.ForeignKey("EntryRevision", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    verified = models.ForeignKey("EntryRevision", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("số liệu nhập")
        verbose_name_plural = _("số liệu nhập")
        constraints = [
            models.UniqueConstraint(fields=["indicator_code", "unit", "period"],
                                    name="indicator_entry_slot"),
        ]
        indexes = [
            models.Index(fields=["province_code", "year", "indicator_code"],
                         name="indicator_entry_year"),
            models.Index(fields=["agency", "-updated_at"], name="indicator_entry_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code} {self.unit_id} {self.period}"


class EntryRevision(models.Model):
    """The values as entered once; never changed. Only its review (verify or reject, once)
    is added later."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    value = models.BigIntegerField(_("giá trị"), null=True, blank=True)  # counts
    numerator = models.BigIntegerField(_("tử số"), null=True, blank=True)  # rates
    denominator = models.BigIntegerField(_("mẫu số"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=EntryStatus.choices,
                              default=EntryStatus.SUBMITTED)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("lý do trả lại"), blank=True)

    class Meta:
        verbose_name = _("lần nhập số liệu")
        verbose_name_plural = _("các lần nhập số liệu")
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="indicator_revision_number"),
            models.CheckConstraint(
                condition=Q(value__gte=0, numerator__isnull=True, denominator__isnull=True)
                | Q(value__isnull=True, numerator__isnull=False, denominator__gt=0,
                    numerator__gte=0, numerator__lte=models.F("denominator")),
                name="indicator_revision_value_or_rate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} #{self.number}"


class Evidence(models.Model):
    """A file attached to an entry (PDF, JPEG or PNG, recognised by its content) in the
    revision that added it; stored under MEDIA_ROOT/indicators/<yyyy>/<mm>/, its SHA-256
    checked when served."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="evidence")
    revision = models.ForeignKey(EntryRevision, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_path = models.CharField(max_length=255, unique=True)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("minh chứng")
        verbose_name_plural = _("minh chứng")

    def __str__(self) -> str:
        return self.name


class YearLock(models.Model):
    """A year closed after review: no entry, revision or review for its periods."""

    province_code = models.CharField(_("mã tỉnh"), max_length=8)
    year = models.PositiveSmallIntegerField(_("năm"))
    locked_at = models.DateTimeField()
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        verbose_name = _("năm đã khóa số liệu")
        verbose_name_plural = _("năm đã khóa số liệu")
        constraints = [models.UniqueConstraint(fields=["province_code", "year"],
                                               name="indicator_year_lock")]

    def __str__(self) -> str:
        return f"{self.province_code} {self.year}"


class TargetDecision(models.Model):
    """The decision (quyết định) that assigns targets, e.g. 969/QĐ-UBND."""

    province_code = models.CharField(_("mã tỉnh"), max_length=8)
    number = models.CharField(_("số, ký hiệu"), max_length=64)
    date = models.DateField(_("ngày ban hành"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("cơ quan ban hành"))
    title = models.CharField(_("trích yếu"), max_length=500)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("quyết định giao chỉ tiêu")
        verbose_name_plural = _("quyết định giao chỉ tiêu")
        constraints = [models.UniqueConstraint(fields=["province_code", "number"],
                                               name="target_decision_number")]

    def __str__(self) -> str:
        return self.number


class Comparator(models.TextChoices):
    AT_LEAST = "gte", "≥"
    AT_MOST = "lte", "≤"
    EQUAL = "eq", "="


class Target(models.Model):
    """An indicator's target for a unit and a year, as a decision set it. An aggregate target
    ("92 communes reach the DX standard") is a target on a count indicator for the province."""

    decision = models.ForeignKey(TargetDecision, on_delete=models.PROTECT,
                                 related_name="targets")
    indicator_code = models.CharField(_("chỉ số"), max_length=64)
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    comparator = models.CharField(_("so sánh"), max_length=3, choices=Comparator.choices)
    value = models.DecimalField(_("chỉ tiêu"), max_digits=18, decimal_places=2)
    province_code = models.CharField(_("mã tỉnh"), max_length=8)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        constraints = [
            models.UniqueConstraint(fields=["decision", "indicator_code", "unit", "year"],
                                    name="target_unique_in_decision"),
        ]
        indexes = [models.Index(fields=["province_code", "year"], name="target_year")]

    def __str__(self) -> str:
        return f"{self.indicator_code} {self.unit_id} {self.year} {self.comparator} {self.value}"


# --- commune digital-transformation criteria (tinhso.indicators.dx scores them) --------------


class DxFramework(models.Model):
    """A set of criteria for communes (e.g. after Decision 2361/QĐ-BTTTT) with the score that
    attains the standard."""

    province_code = models.CharField(_("mã tỉnh"), max_length=8)
    code = models.CharField(_("mã"), max_length=32)
    name = models.CharField(_("tên"), max_length=255)
    regulation = models.CharField(_("căn cứ"), max_length=255, blank=True)
    pass_score = models.DecimalField(_("điểm đạt chuẩn"), max_digits=8, decimal_places=2)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("bộ tiêu chí chuyển đổi số cấp xã")
        verbose_name_plural = _("bộ tiêu chí chuyển đổi số cấp xã")
        constraints = [models.UniqueConstraint(fields=["province_code", "code"],
                                               name="dx_framework_code")]

    def __str__(self) -> str:
        return self.name


class DxPillar(models.Model):
    framework = models.ForeignKey(DxFramework, on_delete=models.CASCADE, related_name="pillars")
    code = models.CharField(_("mã"), max_length=32)
    name = models.CharField(_("tên"), max_length=255)
    position = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("trụ cột")
        verbose_name_plural = _("trụ cột")
        constraints = [models.UniqueConstraint(fields=["framework", "code"],
                                               name="dx_pillar_code")]

    def __str__(self) -> str:
        return self.name


class DxCriterion(models.Model):
    class Rule(models.TextChoices):
        RATIO = "ratio", _("Tỷ lệ")
        COUNT = "count", _("Số lượng")
        YES_NO = "yes_no", _("Có/Không")
        TIERED = "tiered", _("Theo bậc")

    framework = models.ForeignKey(DxFramework, on_delete=models.CASCADE,
                                  related_name="criteria")
    pillar = models.ForeignKey(DxPillar, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(_("mã"), max_length=32)
    name = models.CharField(_("tên"), max_length=500)
    rule = models.CharField(_("cách tính điểm"), max_length=8, choices=Rule.choices)
    params = models.JSONField(default=dict, blank=True)
    max_points = models.DecimalField(_("điểm tối đa"), max_digits=8, decimal_places=2)
    mandatory = models.BooleanField(_("bắt buộc đạt"), default=False)
    position = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("tiêu chí")
        verbose_name_plural = _("tiêu chí")
        constraints = [models.UniqueConstraint(fields=["framework", "code"],
                                               name="dx_criterion_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DxAssessment(models.Model):
    """A commune's self-assessment for a year: its answers, score and whether it attained the
    standard; frozen once the reviewer locks the year (`DxLock`)."""

    framework = models.ForeignKey(DxFramework, on_delete=models.PROTECT,
                                  related_name="assessments")
    unit = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    province_code = models.CharField(_("mã tỉnh"), max_length=8)
    score = models.DecimalField(_("điểm"), max_digits=10, decimal_places=2, default=0)
    max_score = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    attained = models.BooleanField(_("đạt chuẩn"), default=False)
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("đánh giá chuyển đổi số cấp xã")
        verbose_name_plural = _("đánh giá chuyển đổi số cấp xã")
        constraints = [models.UniqueConstraint(fields=["framework", "unit", "year"],
                                               name="dx_assessment_unique")]
        indexes = [models.Index(fields=["framework", "year", "-score"], name="dx_assessment_rank")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}"


class DxAnswer(models.Model):
    assessment = models.ForeignKey(DxAssessment, on_delete=models.CASCADE,
                                   related_name="answers")
    criterion = models.ForeignKey(DxCriterion, on_delete=models.PROTECT, related_name="+")
    numerator = models.BigIntegerField(null=True, blank=True)
    denominator = models.BigIntegerField(null=True, blank=True)
    count = models.BigIntegerField(null=True, blank=True)
    yes = models.BooleanField(null=True, blank=True)
    points = models.DecimalField(max_digits=8, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("trả lời tiêu chí")
        verbose_name_plural = _("trả lời tiêu chí")
        constraints = [models.UniqueConstraint(fields=["assessment", "criterion"],
                                               name="dx_answer_unique")]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.criterion_id}"


class DxLock(models.Model):
    """The reviewer closed a framework's year: its assessments are final and count."""

    framework = models.ForeignKey(DxFramework, on_delete=models.PROTECT, related_name="locks")
    year = models.PositiveSmallIntegerField(_("năm"))
    locked_at = models.DateTimeField()
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        verbose_name = _("năm đánh giá đã khóa")
        verbose_name_plural = _("năm đánh giá đã khóa")
        constraints = [models.UniqueConstraint(fields=["framework", "year"],
                                               name="dx_lock_unique")]

    def __str__(self) -> str:
        return f"{self.framework_id} {self.year}"
