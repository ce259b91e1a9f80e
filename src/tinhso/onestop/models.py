"""Dossiers (hồ sơ) from submission to result, with their history, hand-overs, files,
payments, apology slips, ratings, national-portal outbox and the statistics rollup.

Big tables carry `province_code` so they can be distributed by province (Citus)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.catalog.models import Procedure, ProcedureVersion, RequiredDocument
from tinhso.directory.models import AdminUnit, Agency, Role
from tinhso.onestop.status import OPEN, Channel, Status, Timeliness

# Open dossiers with a statutory clock, running or paused (received, processing, supplement
# requested, awaiting payment): what the partial indexes below hold.
OPEN_CLOCK = sorted(int(s) for s in OPEN)


class Dossier(models.Model):
    """A dossier (hồ sơ).

    NO_INDEX: the references to the procedure, its version, the unit, the officer in charge
    and the submitting account have no index of their own: nothing lists dossiers by them
    (figures read rollups), and deleting such a row (never done by the services: users are
    deactivated, catalog rows versioned) may then scan. Each index would cost every
    submission. The result file has a partial index (`dossier_result_file`, set rows only):
    the demo's `--replace` deletes hundreds of thousands of result files, and each deleted
    file's foreign-key check would otherwise scan the dossiers."""

    code = models.CharField(_("mã hồ sơ"), max_length=40, unique=True)
    province_code = models.CharField(max_length=8)
    # References nothing reads dossiers by carry no index of their own (NO_INDEX above).
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="+",
                                  db_index=False)
    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="+",
                                db_index=False)
    channel = models.PositiveSmallIntegerField(_("kênh nộp"), choices=Channel.choices)
    status = models.PositiveSmallIntegerField(_("trạng thái"), choices=Status.choices)
    # Only the transition services move `status`; each move bumps `revision`, so a client that
    # acted on an older revision gets a conflict instead of overwriting a newer state.
    revision = models.PositiveIntegerField(default=1)

    # Who applies. `applicant` is set when they have an account; the snapshot fields keep what
    # was declared (personal data: shown only to those who handle the dossier, reads audited).
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="dossiers", db_index=False,  # led by the dossier_applicant index
    )
    applicant_name = models.CharField(_("người nộp"), max_length=150)
    applicant_id_number = models.CharField(_("số định danh / mã số thuế"), max_length=14)
    applicant_address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    applicant_phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    unit = models.ForeignKey(AdminUnit, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("địa bàn"), db_index=False)
    form_data = models.JSONField(_("nội dung tờ khai"), default=dict, blank=True)

    # Who is responsible for it (the procedure's agency when submitted: "cơ quan giải quyết";
    # figures are counted by this agency), the agency that received it (the one-stop desk),
    # and where it is now.
    # Their single-column indexes would only repeat the composite indexes below, which lead
    # with them; each index costs every insert (the demo loads a million dossiers).
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    receiving_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+",
                                         db_index=False)
    current_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+",
                                       db_index=False)
    current_step = models.PositiveSmallIntegerField(default=0)  # index into the workflow
    current_role = models.CharField(max_length=16, choices=Role.choices, blank=True)
    current_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )

    # Time. The statutory clock starts at receipt; `due_at` moves with supplement and payment
    # pauses; `promised_at` is a new date given by an approved apology (lateness is still
    # counted against `due_at`).
    submitted_at = models.DateTimeField(_("thời điểm nộp"))
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn trả kết quả"), null=True, blank=True)
    promised_at = models.DateTimeField(_("ngày hẹn lại"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    resumed_status = models.PositiveSmallIntegerField(null=True, blank=True,
                                                      choices=Status.choices)
    resolved_at = models.DateTimeField(_("thời điểm có kết quả"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm trả kết quả"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)  # refused, withdrawn or stopped
    timeliness = models.CharField(max_length=8, choices=Timeliness.choices, blank=True)
    # The due moment the officers in charge were last warned about (a later due date, after a
    # pause, earns a new warning).
    due_warned_for = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(_("lý do"), blank=True)

    fee_total = models.PositiveBigIntegerField(_("phí, lệ phí (đồng)"), default=0)
    result_file = models.ForeignKey("DossierFile", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)

    # A retried API submission with the same key makes one dossier.
    idempotency_key = models.CharField(max_length=100, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     db_index=False)  # led by dossier_idempotency

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="dossier_idempotency",
            ),
        ]
        # Every index costs every submission and every transition, and a year of history
        # (a million dossiers a province) is nearly all closed: indexes that serve the work of
        # the day hold the open dossiers only (partial), so they stay small and the history
        # costs them nothing (migration 0007; docs/benchmarks.md).
        indexes = [
            models.Index(fields=["applicant", "submitted_at"], name="dossier_applicant"),
            models.Index(fields=["province_code", "submitted_at"], name="dossier_province"),
            # Overdue and due-soon queues, figures and warnings: open dossiers whose clock runs
            # or is paused, by due moment, whole province or by one of the three agencies.
            models.Index(fields=["due_at"], condition=Q(status__in=OPEN_CLOCK),
                         name="dossier_open_due"),
            models.Index(fields=["current_agency", "due_at"], condition=Q(status__in=OPEN_CLOCK),
                         name="dossier_open_current"),
            models.Index(fields=["agency", "due_at"], condition=Q(status__in=OPEN_CLOCK),
                         name="dossier_open_agency"),
            models.Index(fields=["receiving_agency", "due_at"],
                         condition=Q(status__in=OPEN_CLOCK), name="dossier_open_receiving"),
            # Partial indexes of the open dossiers only: a queue page reads its own entries,
            # whatever the history (migration 0006).
            models.Index(fields=["receiving_agency", "due_at", "submitted_at", "id"],
                         condition=Q(status=1), name="dossier_intake_queue"),
            models.Index(fields=["current_agency", "current_role", "due_at", "submitted_at", "id"],
                         condition=Q(status__in=[2, 4]), name="dossier_work_queue"),
            models.Index(fields=["returned_at"], condition=Q(status=10), name="dossier_returned"),
            models.Index(fields=["result_file"], condition=Q(result_file__isnull=False),
                         name="dossier_result_file"),
        ]

    def __str__(self) -> str:
        return self.code


class DossierEvent(models.Model):
    """One step of a dossier's history: who did what, from which status to which."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events",
                                db_index=False)  # led by dossier_event_time
    province_code = models.CharField(max_length=8)
    at = models.DateTimeField()
    # Not indexed: events are read by dossier only (see Dossier's NO_INDEX).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", db_index=False)
    actor_name = models.CharField(max_length=150, blank=True)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    action = models.CharField(max_length=32)
    from_status = models.PositiveSmallIntegerField(null=True, blank=True, choices=Status.choices)
    to_status = models.PositiveSmallIntegerField(choices=Status.choices)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("sự kiện hồ sơ")
        verbose_name_plural = _("lịch sử hồ sơ")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["dossier", "at"], name="dossier_event_time")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Handover(models.Model):
    """A row of the control slip (phiếu kiểm soát quá trình giải quyết hồ sơ)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="handovers",
                                db_index=False)  # led by handover_step
    step = models.PositiveSmallIntegerField()
    step_name = models.CharField(max_length=200)
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    to_role = models.CharField(max_length=16, choices=Role.choices)
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    step_due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    timeliness = models.CharField(max_length=8, choices=Timeliness.choices, blank=True)

    class Meta:
        verbose_name = _("bàn giao")
        verbose_name_plural = _("phiếu kiểm soát")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["dossier", "step"], name="handover_step")]

    def __str__(self) -> str:
        return f"{self.dossier_id} bước {self.step}: {self.step_name}"


class DossierFile(models.Model):
    """An uploaded component or a result document. Content-type checked by its bytes; kept
    with its SHA-256; served only to those who may see the dossier."""

    class Kind(models.TextChoices):
        COMPONENT = "component", _("Thành phần hồ sơ")
        SUPPLEMENT = "supplement", _("Bổ sung")
        RESULT = "result", _("Kết quả")
        SLIP = "slip", _("Phiếu")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    document = models.ForeignKey(RequiredDocument, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_path = models.CharField(max_length=255, unique=True)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    is_digitized = models.BooleanField(_("đã số hóa"), default=False)
    reused_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("tệp hồ sơ")
        verbose_name_plural = _("tệp hồ sơ")

    def __str__(self) -> str:
        return self.name


class Payment(models.Model):
    class Stage(models.TextChoices):
        BEFORE_PROCESSING = "before_processing", _("Trước khi xử lý")
        BEFORE_RESULT = "before_result", _("Trước khi trả kết quả")

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ thanh toán")
        PAID = "paid", _("Đã thanh toán")
        FAILED = "failed", _("Thất bại")
        EXEMPT = "exempt", _("Miễn")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="payments")
    amount = models.PositiveBigIntegerField()
    stage = models.CharField(max_length=20, choices=Stage.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    online = models.BooleanField(default=False)
    reference = models.CharField(max_length=64, unique=True)  # our order id sent to the gateway
    gateway_transaction = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("thanh toán")
        verbose_name_plural = _("thanh toán")

    def __str__(self) -> str:
        return self.reference


class Apology(models.Model):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả: drafted when a dossier will be late,
    approved by a leader, then sent to the applicant."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="apologies")
    reason = models.TextField(_("lý do"))
    new_due_at = models.DateTimeField(_("ngày hẹn trả mới"))
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    drafted_at = models.DateTimeField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phiếu xin lỗi")
        verbose_name_plural = _("phiếu xin lỗi")

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.new_due_at:%d/%m/%Y}"


class Rating(models.Model):
    """The applicant's rating of the service for one dossier (Circular 01/2018 style: nine
    indicators scored 0, 1 or 2)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    scores = models.JSONField()  # {indicator code: 0 | 1 | 2}
    total = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    rated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("đánh giá")
        verbose_name_plural = _("đánh giá")

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.total}"


class DayCounter(models.Model):
    """The last dossier sequence number an agency gave out on a day (codes are per agency and
    day); incremented under a row lock so two desks never hand out the same code."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="day_counter_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last}"


class OutboxMessage(models.Model):
    """A status change to deliver to the national portal: once, in order per dossier."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="+")
    province_code = models.CharField(max_length=8)
    created_at = models.DateTimeField()
    payload = models.JSONField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["delivered_at", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.dossier_id} #{self.pk}"


class RollupCounters(models.Model):
    """The counters both rollups keep (their meaning: DossierStat's docstring)."""

    submitted = models.PositiveIntegerField(default=0)
    received = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    resolved_early = models.PositiveIntegerField(default=0)
    resolved_on_time = models.PositiveIntegerField(default=0)
    resolved_late = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    stopped = models.PositiveIntegerField(default=0)
    supplement_requested = models.PositiveIntegerField(default=0)
    paid_online = models.PositiveIntegerField(default=0)
    paid_total = models.PositiveIntegerField(default=0)
    left_open = models.PositiveIntegerField(default=0)
    electronic_result = models.PositiveIntegerField(default=0)
    # Added later; with a database default so that rows inserted with the older columns only
    # (the demo generator's bulk loads) still get 0.
    digitized = models.PositiveIntegerField(default=0, db_default=0)
    rated = models.PositiveIntegerField(default=0, db_default=0)
    rating_points = models.PositiveIntegerField(default=0, db_default=0)
    reused = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        abstract = True


class DossierStat(RollupCounters):
    """The statistics rollup: counters per day, agency, procedure, channel and online level,
    updated in the same transaction as each transition. Figures never scan dossiers;
    `tinhso stats verify` recomputes these rows from dossiers and must agree exactly.

    Each counter counts dossiers whose event of that kind fell on `day` (Vietnam time): a
    dossier received on 3 March and resolved on 9 March adds 1 to `received` on the 3rd and to
    one of `resolved_*` on the 9th."""

    day = models.DateField()
    province_code = models.CharField(max_length=8)
    # Read by day (the unique key leads with it) or by province and day, never by agency or
    # procedure: those have no index of their own (see Dossier's NO_INDEX).
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+",
                                  db_index=False)
    channel = models.PositiveSmallIntegerField(choices=Channel.choices)
    online_level = models.CharField(max_length=8)


    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency", "procedure", "channel", "online_level"],
                name="dossier_stat_key",
            )
        ]
        indexes = [
            models.Index(fields=["province_code", "day"], name="stat_province_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id} {self.procedure_id}"


class DossierStatMonth(RollupCounters):
    """The statistics rollup by month, agency, channel and online level: what dashboards and
    yearly figures read (a year is twelve rows per agency, channel and level instead of a row
    per day and procedure). Kept with DossierStat in the same transaction; it always equals
    DossierStat summed by month (`tinhso stats verify` checks it)."""

    month = models.DateField()  # the first day of the month
    province_code = models.CharField(max_length=8)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+",
                               db_index=False)  # led by stat_month_agency
    channel = models.PositiveSmallIntegerField(choices=Channel.choices)
    online_level = models.CharField(max_length=8)


    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "agency", "channel", "online_level"],
                                    name="dossier_stat_month_key")
        ]
        indexes = [
            models.Index(fields=["province_code", "month"], name="stat_month_province"),
            models.Index(fields=["agency", "month"], name="stat_month_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agency_id}"


class DossierStatAgencyDay(RollupCounters):
    """The statistics rollup by day, agency, channel and online level (no procedure): what
    figures read for the days of a period outside its whole months, so that any period costs
    about as much as whole months (a day is a row per agency, channel and level instead of one
    per procedure too). Kept with DossierStat in the same transaction; it always equals
    DossierStat summed by day without the procedure (`tinhso stats verify` checks it)."""

    day = models.DateField()
    province_code = models.CharField(max_length=8)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+",
                               db_index=False)  # led by stat_agency_day_agency
    channel = models.PositiveSmallIntegerField(choices=Channel.choices)
    online_level = models.CharField(max_length=8)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "agency", "channel", "online_level"],
                                    name="dossier_stat_agency_day_key")
        ]
        indexes = [
            models.Index(fields=["province_code", "day"], name="stat_agency_day_province"),
            models.Index(fields=["agency", "day"], name="stat_agency_day_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id}"
