"""Exchange between installations: the known peers, every package sent or received (kept as
signed, with what its verification found), and the outbox that delivers them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.documents.models import Document, IncomingRecord


class Peer(models.Model):
    """Another installation (a province, a ministry) that agencies exchange documents with.
    Organs whose id starts with `organ_prefix` live there; only a trusted peer's packages are
    accepted, and only when their XML signature is good."""

    name = models.CharField(_("tên"), max_length=255)
    base_url = models.URLField(_("địa chỉ"), max_length=300,
                               help_text=_("Ví dụ: https://vanban.tinh-khac.gov.vn"))
    organ_prefix = models.CharField(_("tiền tố mã cơ quan"), max_length=32, unique=True)
    trusted = models.BooleanField(_("tin cậy"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hệ thống liên thông")
        verbose_name_plural = _("hệ thống liên thông")
        ordering = ["organ_prefix"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organ_prefix}*)"

    @property
    def endpoint(self) -> str:
        return self.base_url.rstrip("/") + "/api/v1/exchange/packages"


class Direction(models.TextChoices):
    OUT = "out", _("Gửi đi")
    IN = "in", _("Nhận về")


class Kind(models.TextChoices):
    DOCUMENT = "document", _("Văn bản")
    STATUS = "status", _("Trạng thái")


class Result(models.TextChoices):
    """What became of a received document package."""

    PENDING = "", _("Chưa xử lý")
    ARRIVED = "arrived", _("Đã đến")
    RETURNED = "returned", _("Bị trả lại")


class Package(models.Model):
    """One edXML package, as signed, one destination organ each."""

    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    message_id = models.CharField(max_length=64)
    from_organ = models.CharField(_("cơ quan gửi"), max_length=32)
    to_organ = models.CharField(_("cơ quan nhận"), max_length=32)
    peer = models.ForeignKey(Peer, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    # Outgoing: the document sent. Incoming: the copy registered for the receiving agency.
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    incoming = models.ForeignKey(IncomingRecord, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    # A status package: the document package it reports on.
    response_for = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="statuses")
    status_code = models.CharField(_("mã trạng thái"), max_length=2, blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    raw = models.BinaryField()  # the signed XML, byte for byte
    # Incoming: the checks of the XML signature and of the PDF's signatures, as made.
    verification = models.JSONField(default=dict, blank=True)
    result = models.CharField(_("kết quả"), max_length=10, choices=Result.choices, blank=True)
    # Incoming document: the signed status answered (a repeat gets the same bytes).
    answer = models.BinaryField(null=True, blank=True)
    # Outgoing document: the latest status its recipient reported.
    last_status = models.CharField(_("trạng thái bên nhận"), max_length=2, blank=True)
    last_status_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("gói tin liên thông")
        verbose_name_plural = _("gói tin liên thông")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["direction", "message_id"],
                                    name="exchange_package_once"),
        ]
        indexes = [models.Index(fields=["document", "direction"], name="exchange_pkg_document"),
                   models.Index(fields=["incoming"], name="exchange_pkg_incoming")]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.message_id}"


class OutboxItem(models.Model):
    """A package waiting to reach its destination: POSTed until the peer answers, retried
    with exponential backoff; at-least-once (the receiver is idempotent by message id)."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="outbox")
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="+")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Refused for good (the peer answered 4xx): an operator must look.
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("gói tin chờ gửi")
        verbose_name_plural = _("gói tin chờ gửi")
        constraints = [models.UniqueConstraint(fields=["package", "peer"],
                                               name="exchange_outbox_once")]
        indexes = [models.Index(fields=["next_attempt_at"],
                                condition=Q(delivered_at__isnull=True, failed_at__isnull=True),
                                name="exchange_outbox_due")]

    def __str__(self) -> str:
        return f"{self.package_id} -> {self.peer_id}"
