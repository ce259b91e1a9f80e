"""Harvesting other catalogs: where from (`Source`), each run (`Job`) and what each remote
dataset became here (`HarvestedObject`). The datasets themselves are ordinary open data
datasets of the source's agency, written through `opendata.services`."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.directory.models import Agency
from tinhso.opendata.models import Dataset

ERRORS_KEPT = 100  # a job keeps its first errors; the count says how many there were


class Kind(models.TextChoices):
    CKAN = "ckan", _("CKAN (Action API)")
    DCAT = "dcat", _("DCAT (RDF: Turtle, RDF/XML, JSON-LD)")


class Frequency(models.TextChoices):
    MANUAL = "manual", _("Chạy tay")
    HOURLY = "hourly", _("Hằng giờ")
    DAILY = "daily", _("Hằng ngày")
    WEEKLY = "weekly", _("Hằng tuần")


INTERVALS = {
    Frequency.HOURLY: dt.timedelta(hours=1),
    Frequency.DAILY: dt.timedelta(days=1),
    Frequency.WEEKLY: dt.timedelta(weeks=1),
}


class Source(models.Model):
    """A catalog harvested on a schedule. Its datasets are published here under `agency`."""

    name = models.SlugField(_("tên định danh"), max_length=50, unique=True)
    title = models.CharField(_("tên nguồn"), max_length=255, blank=True)
    url = models.URLField(
        _("địa chỉ"),
        max_length=500,
        help_text=_(
            "CKAN: địa chỉ gốc của cổng; DCAT: địa chỉ danh mục "
            "(ví dụ https://data.example.vn/catalog.ttl)"
        ),
    )
    kind = models.CharField(_("loại"), max_length=4, choices=Kind.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan công bố")
    )
    # CKAN only: a `fq` limiting what is harvested, e.g. "organization:so-y-te".
    remote_filter = models.CharField(_("bộ lọc (fq)"), max_length=500, blank=True)
    frequency = models.CharField(
        _("tần suất"), max_length=8, choices=Frequency.choices, default=Frequency.DAILY
    )
    active = models.BooleanField(_("đang hoạt động"), default=True)
    # The highest remote metadata_modified (CKAN) / dct:modified (DCAT) of the last complete
    # run: the next run asks only for what changed since (less a small overlap).
    watermark = models.DateTimeField(_("mốc thay đổi đã thu"), null=True, blank=True)
    next_run_at = models.DateTimeField(_("lần chạy tới"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("nguồn thu thập")
        verbose_name_plural = _("nguồn thu thập")
        ordering = ["name"]
        indexes = [models.Index(fields=["active", "next_run_at"], name="harvest_source_due")]

    def __str__(self) -> str:
        return self.title or self.name


class JobStatus(models.TextChoices):
    RUNNING = "running", _("Đang chạy")
    DONE = "done", _("Hoàn tất")
    PARTIAL = "partial", _("Hoàn tất, có lỗi")
    FAILED = "failed", _("Thất bại")


class Job(models.Model):
    """One run of a source. At most one runs per source (a partial unique constraint)."""

    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="jobs", db_index=False
    )  # led by harvest_job_by_source
    status = models.CharField(
        _("trạng thái"), max_length=8, choices=JobStatus.choices, default=JobStatus.RUNNING
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField()
    full = models.BooleanField(default=False)  # asked for everything, not changes only
    fetched = models.PositiveIntegerField(default=0)  # remote datasets read
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    # The first ERRORS_KEPT errors: [{"remote_id", "name", "message", "fields": [...]}].
    error_list = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        verbose_name = _("lượt thu thập")
        verbose_name_plural = _("lượt thu thập")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source"], condition=Q(status="running"), name="harvest_job_one_running"
            ),
        ]
        indexes = [models.Index(fields=["source", "-started_at"], name="harvest_job_by_source")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class HarvestedObject(models.Model):
    """A remote dataset and the local dataset it became. `content_hash` is the SHA-256 of
    what was last written, so an unchanged remote dataset writes nothing."""

    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="harvested", db_index=False
    )  # led by the unique constraint
    remote_id = models.CharField(_("định danh ở nguồn"), max_length=500)
    remote_name = models.CharField(max_length=200, blank=True)
    dataset = models.OneToOneField(Dataset, on_delete=models.PROTECT, related_name="+")
    remote_modified = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    # Remote resource id -> local resource id, so an update keeps the local resources.
    resource_ids = models.JSONField(default=dict, blank=True)
    deleted = models.BooleanField(default=False)  # gone upstream, deleted here
    harvested_at = models.DateTimeField()  # last written, or last read and found the same

    class Meta:
        verbose_name = _("bộ dữ liệu đã thu thập")
        verbose_name_plural = _("bộ dữ liệu đã thu thập")
        constraints = [
            models.UniqueConstraint(fields=["source", "remote_id"], name="harvested_object_unique"),
        ]
        indexes = [models.Index(fields=["source", "deleted"], name="harvested_object_live")]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.remote_id}"
