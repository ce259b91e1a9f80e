"""The procedure catalog: a Procedure is the stable identity (its national code); every change
to what it says is a new ProcedureVersion with the date it takes effect. The current version
is the highest-numbered one whose effective date has come (see selectors.current_versions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tinhso.catalog.codes import MAX_LENGTH, validate_procedure_code
from tinhso.core.text import fold
from tinhso.directory.models import Agency, Role


class OnlineLevel(models.TextChoices):
    """Decree 42/2022/NĐ-CP: full online (toàn trình) or partial (một phần)."""

    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Không trực tuyến")


class LegacyLevel(models.IntegerChoices):
    """The older "mức độ" that existing systems still exchange: 4 full, 3 partial, 2 information."""

    LEVEL_2 = 2, _("Mức độ 2")
    LEVEL_3 = 3, _("Mức độ 3")
    LEVEL_4 = 4, _("Mức độ 4")


class GovernmentLevel(models.TextChoices):
    CENTRAL = "central", _("Cấp Bộ, ngành trung ương")
    PROVINCE = "province", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện (trước 01/7/2025)")
    COMMUNE = "commune", _("Cấp xã")


class DeadlineUnit(models.TextChoices):
    WORKING_DAY = "day", _("ngày làm việc")
    WORKING_HOUR = "hour", _("giờ làm việc")


class Procedure(models.Model):
    """An administrative procedure's stable identity: its code. All content is versioned."""

    code = models.CharField(
        _("mã thủ tục"), max_length=MAX_LENGTH, unique=True, validators=[validate_procedure_code]
    )
    # Demo rows made up to reach the report's numbers; never shown as real.
    is_generated = models.BooleanField(_("dữ liệu sinh tự động"), default=False)
    created_at = models.DateTimeField(_("thời điểm tạo"), auto_now_add=True)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ProcedureVersion(models.Model):
    """What a procedure says from `effective_from` on. Never edited once written."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    effective_from = models.DateField(_("hiệu lực từ ngày"))
    change_note = models.CharField(_("nội dung thay đổi"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("thời điểm tạo"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    name = models.CharField(_("tên thủ tục"), max_length=500)
    field = models.CharField(_("lĩnh vực"), max_length=200)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="procedure_versions",
        verbose_name=_("cơ quan thực hiện"),
    )
    online_level = models.CharField(
        _("mức độ dịch vụ công trực tuyến"), max_length=8, choices=OnlineLevel.choices
    )
    legacy_level = models.PositiveSmallIntegerField(
        _("mức độ (cũ)"), choices=LegacyLevel.choices, null=True, blank=True
    )
    government_level = models.CharField(
        _("cấp thực hiện"), max_length=8, choices=GovernmentLevel.choices
    )
    # None when the law sets no fixed deadline; the note keeps the official wording either way.
    deadline_value = models.PositiveIntegerField(_("thời hạn giải quyết"), null=True, blank=True)
    deadline_unit = models.CharField(
        _("đơn vị thời hạn"), max_length=4, choices=DeadlineUnit.choices,
        default=DeadlineUnit.WORKING_DAY,
    )
    deadline_note = models.CharField(_("ghi chú thời hạn"), max_length=500, blank=True)
    result_type = models.CharField(_("kết quả thực hiện"), max_length=500, blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    is_joint = models.BooleanField(_("liên thông"), default=False)
    # When fees are due: before processing starts (default) or before the result is handed over.
    fee_stage = models.CharField(
        _("thời điểm nộp phí"), max_length=20, default="before_processing",
        choices=[("before_processing", _("Trước khi xử lý")),
                 ("before_result", _("Trước khi trả kết quả"))],
    )
    # After a supplement: the clock resumes where it stopped (default) or restarts in full.
    supplement_restarts_clock = models.BooleanField(
        _("bổ sung hồ sơ thì tính lại thời hạn từ đầu"), default=False
    )
    # Which facts come from a source and which are assumed: {"code": "...", "facts": "..."}.
    sources = models.JSONField(_("nguồn dữ liệu"), default=dict, blank=True)

    name_folded = models.CharField(max_length=500, editable=False, db_index=True)
    search_folded = models.CharField(max_length=800, editable=False, db_index=True)

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure", "number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="procedure_version_positive"),
            models.CheckConstraint(
                condition=Q(online_level__in=OnlineLevel.values), name="procedure_online_level"
            ),
            models.CheckConstraint(
                condition=Q(government_level__in=GovernmentLevel.values),
                name="procedure_government_level",
            ),
            models.CheckConstraint(
                condition=Q(deadline_unit__in=DeadlineUnit.values), name="procedure_deadline_unit"
            ),
        ]
        indexes = [
            models.Index(fields=["procedure", "effective_from"], name="procver_effective"),
            models.Index(fields=["online_level", "government_level"], name="procver_levels"),
            models.Index(fields=["field"], name="procver_field"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_id} v{self.number}: {self.name}"

    def refresh_folded(self, code: str) -> None:
        self.name_folded = fold(self.name)[:500]
        self.search_folded = fold(f"{self.name} {code} {self.field}")[:800]

    @property
    def deadline_display(self) -> str:
        if self.deadline_value is None:
            return self.deadline_note
        n = self.deadline_value
        if self.deadline_unit == DeadlineUnit.WORKING_HOUR:
            return ngettext("%(n)d giờ làm việc", "%(n)d giờ làm việc", n) % {"n": n}
        return ngettext("%(n)d ngày làm việc", "%(n)d ngày làm việc", n) % {"n": n}


class RequiredDocument(models.Model):
    """A document the applicant must (or may) provide: thành phần hồ sơ."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="documents"
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên giấy tờ"), max_length=1000)
    is_mandatory = models.BooleanField(_("bắt buộc"), default=True)
    # Lowercase extensions without dots, comma-separated: "pdf,jpg,png".
    file_types = models.CharField(_("định dạng tệp chấp nhận"), max_length=100, blank=True)
    copies = models.PositiveSmallIntegerField(_("số lượng bản"), default=1)

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="required_doc_position"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def file_type_list(self) -> list[str]:
        return [t for t in self.file_types.split(",") if t]


class Fee(models.Model):
    """A fee or charge (phí, lệ phí) in VND; a procedure may have several, or none."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="fees")
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    amount = models.PositiveBigIntegerField(_("mức thu (đồng)"))
    description = models.CharField(_("mô tả"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="fee_position"),
        ]

    def __str__(self) -> str:
        return f"{self.amount:,} đ"


class WorkflowStep(models.Model):
    """One step of a procedure version's processing: who performs it and its share of the
    statutory deadline. A version without steps follows the default workflow (desk,
    specialist, leader, desk: `tinhso.onestop.workflow.DEFAULT_STEPS`)."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên bước"), max_length=200)
    role = models.CharField(_("vai trò thực hiện"), max_length=16, choices=Role.choices)
    # The agency that performs the step; empty means the procedure's agency (or, for one-stop
    # desk steps, the agency that received the dossier). Another agency makes it an
    # inter-agency (liên thông) step.
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    share_percent = models.PositiveSmallIntegerField(_("tỷ lệ thời hạn (%)"))

    class Meta:
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("quy trình xử lý")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="workflow_step_position"),
            models.CheckConstraint(condition=Q(share_percent__lte=100),
                                   name="workflow_step_share"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"
