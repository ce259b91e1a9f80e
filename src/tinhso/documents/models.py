"""Official documents: outgoing documents with their kept versions and history, the number
counters of the agencies' registers, and incoming records (one per receiving agency).

Big tables carry `province_code` so they can be distributed by province (Citus)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.core.text import fold
from tinhso.directory.models import Agency
from tinhso.documents.kinds import (
    Confidentiality,
    DocStatus,
    DocType,
    IncomingStatus,
    Register,
    Urgency,
)

SUBJECT_MAX = 500
SEARCH_BODY_CHARS = 20_000  # what search reads of a body: a long annex is not searched in full


def search_text(doc_type: str, notation: str, subject: str, body: str) -> str:
    """What a document's search reads, folded: its type's name (a type's value is its folded
    Vietnamese name, `cong_van` -> "cong van"), notation, subject and the start of its body."""
    return fold(f"{doc_type.replace('_', ' ')} {notation} {subject} {body[:SEARCH_BODY_CHARS]}")


class Document(models.Model):
    """An outgoing document (văn bản đi) from draft to sending."""

    province_code = models.CharField(max_length=8)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+",
                               db_index=False, verbose_name=_("cơ quan ban hành"))
    doc_type = models.CharField(_("loại văn bản"), max_length=16, choices=DocType.choices)
    subject = models.CharField(_("trích yếu"), max_length=SUBJECT_MAX)
    body = models.TextField(_("nội dung"), blank=True)
    urgency = models.CharField(_("độ khẩn"), max_length=12, choices=Urgency.choices,
                               default=Urgency.NORMAL)
    confidentiality = models.CharField(_("độ mật"), max_length=12,
                                       choices=Confidentiality.choices,
                                       default=Confidentiality.NORMAL)
    # The drafting unit's abbreviation (or the field's), which a công văn's notation carries.
    unit_abbr = models.CharField(_("đơn vị soạn thảo (viết tắt)"), max_length=16, blank=True)
    recipients = models.ManyToManyField(Agency, blank=True, related_name="+",
                                        verbose_name=_("cơ quan nhận"))
    # "Nơi nhận" lines that are not agencies of the directory ("Như trên;", "Lưu: VT, VP.").
    recipient_lines = models.JSONField(_("nơi nhận khác"), default=list, blank=True)
    drafter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("người soạn thảo"))
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("người ký"))
    # Only the services move `status`; every change bumps `revision`, so a client acting on
    # an older revision gets a conflict instead of overwriting a newer state.
    status = models.CharField(_("trạng thái"), max_length=12, choices=DocStatus.choices,
                              default=DocStatus.DRAFT)
    revision = models.PositiveIntegerField(default=1)
    version = models.PositiveIntegerField(default=1)  # the latest DocumentVersion's number
    number = models.PositiveIntegerField(_("số"), null=True, blank=True)
    notation = models.CharField(_("số, ký hiệu"), max_length=40, blank=True)
    year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    registered_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Type name, notation, subject and body folded ("Quyết định" -> "quyet dinh") for
    # diacritics-insensitive search (`search_text`). On PostgreSQL the table also has
    # `search_vector`, a generated column of these words, also keyed by the agency, GIN-indexed
    # (migration 0008; not a model field: the database computes it on every write).
    search_folded = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("văn bản đi")
        verbose_name_plural = _("văn bản đi")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "number"],
                                    condition=Q(number__isnull=False),
                                    name="document_number_unique"),
            models.CheckConstraint(
                condition=Q(number__isnull=True, year__isnull=True, notation="")
                | Q(number__gte=1, year__isnull=False),
                name="document_number_with_year",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "year", "number"], name="document_register"),
            models.Index(fields=["agency", "status", "updated_at"], name="document_agency_status"),
        ]

    def __str__(self) -> str:
        return self.notation or f"#{self.pk} {self.subject[:40]}"

    def refresh_search(self) -> None:
        self.search_folded = search_text(self.doc_type, self.notation, self.subject, self.body)

    @property
    def is_confidential(self) -> bool:
        return self.confidentiality != Confidentiality.NORMAL


class DocumentVersion(models.Model):
    """One revision of a draft's text, kept for good."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions",
                                 db_index=False)  # led by the unique constraint
    number = models.PositiveIntegerField()
    subject = models.CharField(max_length=SUBJECT_MAX)
    body = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    at = models.DateTimeField()
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("phiên bản dự thảo")
        verbose_name_plural = _("phiên bản dự thảo")
        ordering = ["document", "number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"],
                                               name="document_version_unique")]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"


class DocumentEvent(models.Model):
    """A step of a document's history (drafted, revised, submitted, approved, ...)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="events",
                                 db_index=False)  # led by document_event_time
    province_code = models.CharField(max_length=8)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("sự kiện văn bản")
        verbose_name_plural = _("lịch sử văn bản")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["document", "at"], name="document_event_time")]

    def __str__(self) -> str:
        return f"{self.document_id} {self.action}"


class NumberCounter(models.Model):
    """The last number an agency gave in a register (outgoing or incoming) in a year; moved by
    one upsert that holds the row until the transaction ends (`numbering.next_number`)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+",
                               db_index=False)  # led by the unique constraint
    register = models.CharField(max_length=3, choices=Register.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "register", "year"],
                                               name="document_counter_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.register} {self.year}: {self.last}"


class IncomingRecord(models.Model):
    """A document as a receiving agency registered it (văn bản đến), with its handling."""

    province_code = models.CharField(max_length=8)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+",
                               db_index=False, verbose_name=_("cơ quan nhận"))
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="incoming",
                                 db_index=False)  # led by incoming_document
    year = models.PositiveSmallIntegerField(_("năm"))
    number = models.PositiveIntegerField(_("số đến"))
    arrived_at = models.DateTimeField(_("thời điểm đến"))
    status = models.CharField(_("trạng thái"), max_length=12, choices=IncomingStatus.choices,
                              default=IncomingStatus.REGISTERED)
    revision = models.PositiveIntegerField(default=1)
    direction = models.TextField(_("ý kiến chỉ đạo"), blank=True)
    directed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    assigned_unit = models.CharField(_("đơn vị xử lý"), max_length=150, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("người xử lý"))
    deadline = models.DateField(_("hạn xử lý"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(_("kết quả xử lý"), blank=True)
    # The signatures as checked when the document arrived (`documents.arrival`), kept: what the
    # clerk saw then, whatever later happens to the certificates.
    verification = models.JSONField(_("kiểm tra chữ ký khi đến"), default=dict, blank=True)
    # The document's `search_folded` as it arrived (a sent document's text no longer changes),
    # so the incoming register searches its own rows; on PostgreSQL its `search_vector` keys
    # the words by the receiving agency (migration 0008).
    search_folded = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("văn bản đến")
        verbose_name_plural = _("văn bản đến")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "number"],
                                    name="incoming_number_unique"),
            models.UniqueConstraint(fields=["document", "agency"], name="incoming_once"),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "deadline"], name="incoming_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} đến {self.number}/{self.year}"


class DocumentFile(models.Model):
    """One signed revision of a document's PDF, kept for good: after the personal signature,
    then after the agency's (which contains the first, byte for byte, as its prefix). The file
    lives under MEDIA_ROOT/documents/<yyyy>/<mm>/; its SHA-256 is checked when served."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Đã ký số cá nhân")
        AGENCY = "agency", _("Đã ký số cơ quan")

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="files",
                                 db_index=False)  # led by document_file_kind
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # Not unique: the demo's documents share a few signed template files (`documents.demo`);
    # each real document's files are its own.
    storage_path = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    certificate_serial = models.CharField(max_length=40, blank=True)
    # Where this revision's signature sits: {"page": 0-based, "box": [x1, y1, x2, y2]} in points.
    placement = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("tệp văn bản đã ký")
        verbose_name_plural = _("tệp văn bản đã ký")
        constraints = [models.UniqueConstraint(fields=["document", "kind"],
                                               name="document_file_kind")]

    def __str__(self) -> str:
        return f"{self.document_id} {self.kind}"


class DocumentStatMonth(models.Model):
    """The documents' rollup by month and agency: what the indicators read (documents issued,
    carrying the signer's personal and the agency's digital signature, sent and received
    electronically). Kept in the same transaction as each counted step (`documents.rollups`);
    `tinhso indicators verify` recounts it from the documents' history."""

    month = models.DateField()  # the first day of the month (Vietnam time)
    province_code = models.CharField(max_length=8)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+",
                               db_index=False)  # led by the unique key
    issued = models.PositiveIntegerField(default=0)
    personal_signed = models.PositiveIntegerField(default=0)
    agency_signed = models.PositiveIntegerField(default=0)
    sent_online = models.PositiveIntegerField(default=0)
    received_online = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("thống kê văn bản theo tháng")
        verbose_name_plural = _("thống kê văn bản theo tháng")
        constraints = [models.UniqueConstraint(fields=["agency", "month"],
                                               name="document_stat_month_key")]
        indexes = [models.Index(fields=["province_code", "month"],
                                name="document_stat_province")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agency_id}"


class DocumentAttachment(models.Model):
    """A separately filed attachment of an outgoing document (phụ lục, tài liệu kèm theo): a PDF
    with a title, in the order the drafters added them (`seq`).

    Kept with the draft's versions, as the text is: adding or removing one makes a new
    `DocumentVersion`, and the row records the version that first has it (`added_in`) and the
    first without it (`removed_in`, None while it is current); a removed row and its file stay,
    so every version's attachments can be shown. When the clerk issues the document, each
    current attachment gets the agency's signature (top right of its first page, no image, the
    number and notation and the signing time: Decree 30/2020, appendix) and the signed file is
    kept beside the uploaded one (`signed_*`). Files live under MEDIA_ROOT/documents/ with their
    SHA-256, checked when read (`documents.files`)."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="attachments",
                                 db_index=False)  # led by the unique constraint
    seq = models.PositiveIntegerField()  # the order among the document's attachments
    title = models.CharField(_("tên phụ lục"), max_length=SUBJECT_MAX)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    storage_path = models.CharField(max_length=255)  # as uploaded (or as received)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    added_in = models.PositiveIntegerField()  # the first DocumentVersion number that has it
    removed_in = models.PositiveIntegerField(null=True, blank=True)  # the first without it
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    # The agency-signed file, from the issue on (for a document received from another
    # installation: the signed file as it came, and these equal the fields above).
    signed_path = models.CharField(max_length=255, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    signed_size = models.PositiveIntegerField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    certificate_serial = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("phụ lục văn bản")
        verbose_name_plural = _("phụ lục văn bản")
        ordering = ["document", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["document", "seq"], name="document_attachment_seq"),
            models.CheckConstraint(condition=Q(removed_in__isnull=True)
                                   | Q(removed_in__gt=models.F("added_in")),
                                   name="document_attachment_versions"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} #{self.seq} {self.title[:40]}"

    @property
    def is_signed(self) -> bool:
        return bool(self.signed_path)

    def in_version(self, number: int) -> bool:
        return self.added_in <= number and (self.removed_in is None or number < self.removed_in)
