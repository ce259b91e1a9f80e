"""Open data: datasets (CKAN "packages") published by agencies, their resources, the tags and
themes (CKAN "groups") that classify them, and a kept version of every change.

An organization in CKAN's sense is a directory `Agency`; no table of its own. Ids are UUIDs,
as CKAN clients expect opaque string ids."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.directory.models import AdminUnit, Agency

NAME_MAX = 100  # CKAN's limit for dataset, group and tag names
TITLE_MAX = 500
URL_MAX = 2000


class State(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    ACTIVE = "active", _("Đã công bố")
    DELETED = "deleted", _("Đã xóa")


class AccessLevel(models.TextChoices):
    """Who may see a dataset and download its resources."""

    OPEN = "open", _("Mở cho mọi người")
    AGENCIES = "agencies", _("Ai cũng xem được, chỉ cơ quan nhà nước được tải")
    NAMED = "named", _("Riêng cơ quan chủ quản và các cơ quan được chia sẻ")


class Frequency(models.TextChoices):
    """Update frequency, named as the EU frequency vocabulary that DCAT-AP uses."""

    CONTINUOUS = "continuous", _("Liên tục")
    DAILY = "daily", _("Hằng ngày")
    WEEKLY = "weekly", _("Hằng tuần")
    MONTHLY = "monthly", _("Hằng tháng")
    QUARTERLY = "quarterly", _("Hằng quý")
    ANNUAL = "annual", _("Hằng năm")
    IRREGULAR = "irregular", _("Không định kỳ")
    NEVER = "never", _("Không cập nhật")


class Tag(models.Model):
    name = models.CharField(_("từ khóa"), max_length=NAME_MAX, unique=True)

    class Meta:
        verbose_name = _("từ khóa")
        verbose_name_plural = _("từ khóa")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Group(models.Model):
    """A theme (chủ đề) that datasets of any agency belong to: CKAN's "group"."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(_("tên định danh"), max_length=NAME_MAX, unique=True)
    title = models.CharField(_("tên chủ đề"), max_length=TITLE_MAX)
    description = models.TextField(_("mô tả"), blank=True)
    image_url = models.CharField(max_length=URL_MAX, blank=True)
    created = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("chủ đề")
        verbose_name_plural = _("chủ đề")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.title


class Dataset(models.Model):
    """A dataset as its publisher describes it. Only the services change it, and each change
    bumps `revision` and keeps a DatasetVersion."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("tên định danh"), max_length=NAME_MAX, unique=True)
    title = models.CharField(_("tiêu đề"), max_length=TITLE_MAX)
    notes = models.TextField(_("mô tả"), blank=True)
    url = models.CharField(_("trang nguồn"), max_length=URL_MAX, blank=True)
    version = models.CharField(_("phiên bản"), max_length=100, blank=True)
    license_id = models.CharField(_("giấy phép"), max_length=100, blank=True)
    author = models.CharField(_("tác giả"), max_length=255, blank=True)
    author_email = models.CharField(max_length=255, blank=True)
    maintainer = models.CharField(_("người liên hệ"), max_length=255, blank=True)
    maintainer_email = models.CharField(_("thư điện tử liên hệ"), max_length=255, blank=True)
    owner_org = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("cơ quan công bố"))
    province_code = models.CharField(max_length=8)
    tags = models.ManyToManyField(Tag, blank=True, related_name="datasets")
    groups = models.ManyToManyField(Group, blank=True, related_name="datasets")
    temporal_start = models.DateField(_("dữ liệu từ ngày"), null=True, blank=True)
    temporal_end = models.DateField(_("dữ liệu đến ngày"), null=True, blank=True)
    spatial_units = models.ManyToManyField(AdminUnit, blank=True, related_name="+",
                                           verbose_name=_("phạm vi địa lý"))
    frequency = models.CharField(_("tần suất cập nhật"), max_length=12,
                                 choices=Frequency.choices, blank=True)
    state = models.CharField(_("trạng thái"), max_length=8, choices=State.choices,
                             default=State.ACTIVE)
    access_level = models.CharField(_("mức truy cập"), max_length=8,
                                    choices=AccessLevel.choices, default=AccessLevel.OPEN)
    # For AccessLevel.NAMED: the agencies, besides the owner, that see the dataset.
    shared_with = models.ManyToManyField(Agency, blank=True, related_name="+",
                                         verbose_name=_("chia sẻ với cơ quan"))
    extras = models.JSONField(default=list, blank=True)  # CKAN's [{"key", "value"}]
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    metadata_created = models.DateTimeField()
    metadata_modified = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)
    # Name, title, description, tags and the publisher's name folded ("Hồ sơ" -> "ho so");
    # a trigram index serves it on PostgreSQL (migration 0002).
    search_folded = models.TextField(editable=False, default="")
    # The facet index (`facets.py`): a dense number for the dataset's bit in the per-process
    # bitmaps (assigned once, from FacetState.next_seq) and the FacetState.generation of the
    # last write that changed its organization, license, tags, themes or formats.
    seq = models.BigIntegerField(unique=True, editable=False)
    facet_generation = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("bộ dữ liệu")
        verbose_name_plural = _("bộ dữ liệu")
        constraints = [
            models.CheckConstraint(
                condition=Q(temporal_start__isnull=True) | Q(temporal_end__isnull=True)
                | Q(temporal_end__gte=models.F("temporal_start")),
                name="dataset_temporal_range",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "access_level", "metadata_modified"],
                         name="dataset_listing"),
            models.Index(fields=["owner_org", "state"], name="dataset_owner_state"),
            models.Index(fields=["-metadata_modified", "id"], name="dataset_newest_first"),
            # The facet index's matched set for the public catalogue: an index-only scan.
            models.Index(fields=["state", "access_level", "seq"], name="dataset_visible_seq"),
            models.Index(fields=["facet_generation"], name="dataset_facet_generation"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def private(self) -> bool:
        """CKAN's `private`: hidden from everyone but the owner (and, here, named agencies)."""
        return self.access_level == AccessLevel.NAMED


class FacetState(models.Model):
    """One row: the facet index's clock. `generation` goes up by one in every write that changes
    a dataset's facet values (the row stays locked until that write commits, so generations
    commit in order and a process can catch up by reading the datasets above the one it has
    seen); `next_seq` numbers new datasets; `epoch` changes when the row is made anew (an
    emptied database), which makes every process rebuild its index."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    epoch = models.UUIDField(default=uuid.uuid4)
    generation = models.BigIntegerField(default=0)
    next_seq = models.BigIntegerField(default=1)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="facet_state_single_row")]

    def __str__(self) -> str:
        return f"facets {self.epoch} @ {self.generation}"


class Resource(models.Model):
    """A file or link of a dataset: a CSV, an XLSX, an API endpoint, a PDF report."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources",
                                db_index=False)  # led by resource_position
    url = models.CharField(_("đường dẫn"), max_length=URL_MAX, blank=True)
    url_type = models.CharField(max_length=16, blank=True)  # "" (a link) or "upload"
    # An uploaded file's name in the default storage; each upload gets a new one, so the
    # files of older versions stay.
    storage_path = models.CharField(max_length=500, blank=True)
    name = models.CharField(_("tên"), max_length=TITLE_MAX, blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    format = models.CharField(_("định dạng"), max_length=32, blank=True)
    mimetype = models.CharField(max_length=100, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    hash = models.CharField(max_length=128, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.ACTIVE)
    position = models.PositiveIntegerField(default=0)
    created = models.DateTimeField()
    last_modified = models.DateTimeField(null=True, blank=True)  # of the data itself
    metadata_modified = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)
    # The resource's own access level; "" follows its dataset's (`access.effective_level`).
    # NAMED: only the owner, the agencies in `shared_with` and grants covering it see it.
    access_level = models.CharField(_("mức truy cập"), max_length=8, blank=True, default="",
                                    choices=AccessLevel.choices)
    shared_with = models.ManyToManyField(Agency, blank=True, related_name="+",
                                         verbose_name=_("chia sẻ với cơ quan"))

    class Meta:
        verbose_name = _("tài nguyên")
        verbose_name_plural = _("tài nguyên")
        ordering = ["dataset", "position"]
        indexes = [models.Index(fields=["dataset", "state", "position"],
                                name="resource_position")]

    def __str__(self) -> str:
        return self.name or str(self.id)


class DatasetVersion(models.Model):
    """The dataset's metadata (its CKAN dictionary, resources included) as one change left
    it; kept for good."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions",
                                db_index=False)  # led by the unique constraint
    number = models.PositiveIntegerField()
    data = models.JSONField()
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("phiên bản bộ dữ liệu")
        verbose_name_plural = _("phiên bản bộ dữ liệu")
        constraints = [models.UniqueConstraint(fields=["dataset", "number"],
                                               name="dataset_version_unique")]

    def __str__(self) -> str:
        return f"{self.dataset_id} v{self.number}"


class ResourceVersion(models.Model):
    """A resource as one change left it (its URL or stored file, size, hash); kept for good,
    so that older data stays reachable."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions",
                                 db_index=False)  # led by the unique constraint
    number = models.PositiveIntegerField()
    data = models.JSONField()
    storage_path = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("phiên bản tài nguyên")
        verbose_name_plural = _("phiên bản tài nguyên")
        constraints = [models.UniqueConstraint(fields=["resource", "number"],
                                               name="resource_version_unique")]

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.number}"


class DatastoreStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ nạp")
    LOADING = "loading", _("Đang nạp")
    DONE = "done", _("Đã nạp")
    ERROR = "error", _("Nạp lỗi")


class DatastoreTable(models.Model):
    """The queryable table of a tabular resource (`datastore`): the last load's status and the
    table currently served. A load writes a new DuckDB file and only then points `table_file`
    at it, so a failed or running load leaves the previous table served, whole."""

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, primary_key=True,
                                    related_name="datastore")
    # The last load asked for: the resource revision and stored file it reads.
    status = models.CharField(_("trạng thái nạp"), max_length=8,
                              choices=DatastoreStatus.choices, default=DatastoreStatus.PENDING)
    revision = models.PositiveIntegerField(default=0)
    source_path = models.CharField(max_length=500, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    rows_loaded = models.BigIntegerField(default=0)  # read so far, then loaded
    rows_rejected = models.BigIntegerField(default=0)
    row_errors = models.JSONField(default=list, blank=True)  # the first ones, by line
    encoding = models.CharField(max_length=32, blank=True)
    message = models.TextField(blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The table served: its DuckDB file (under VAR_DIR/datastore/), columns and row count.
    table_file = models.CharField(max_length=300, blank=True)
    fields = models.JSONField(default=list, blank=True)  # [{"id", "type"}], without _id
    row_count = models.BigIntegerField(default=0)
    table_revision = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bảng dữ liệu")
        verbose_name_plural = _("bảng dữ liệu")

    def __str__(self) -> str:
        return f"{self.resource_id} ({self.status})"

    @property
    def active(self) -> bool:
        """CKAN's `datastore_active`: a table is served."""
        return bool(self.table_file)


# --- Restricted sharing between agencies (sharing.py) ----------------------------------------


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Chờ duyệt")
    APPROVED = "approved", _("Đã chấp thuận")
    REFUSED = "refused", _("Bị từ chối")


class AccessRequest(models.Model):
    """An agency asks the owner of a restricted dataset for its data, stating its purpose.
    Only `sharing.request_approve` / `request_refuse` move `status`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("bộ dữ liệu"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("cơ quan đề nghị"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    purpose = models.TextField(_("mục đích sử dụng"))
    # Empty: the whole dataset.
    resources = models.ManyToManyField(Resource, blank=True, related_name="+",
                                       verbose_name=_("tài nguyên"))
    wanted_until = models.DateField(_("đề nghị đến ngày"), null=True, blank=True)
    status = models.CharField(_("trạng thái"), max_length=8, choices=RequestStatus.choices,
                              default=RequestStatus.PENDING)
    created = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("lý do từ chối"), blank=True)

    class Meta:
        verbose_name = _("đề nghị truy cập dữ liệu")
        verbose_name_plural = _("đề nghị truy cập dữ liệu")
        constraints = [
            models.UniqueConstraint(fields=["dataset", "agency"],
                                    condition=Q(status="pending"),
                                    name="access_request_one_pending"),
        ]
        indexes = [
            models.Index(fields=["agency", "-created"], name="access_request_by_agency"),
            models.Index(fields=["dataset", "status"], name="access_request_by_dataset"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} → {self.dataset_id} ({self.status})"


class AccessGrant(models.Model):
    """The right of an agency's officers to a restricted dataset's data (all of it, or the
    listed resources) from `valid_from` until `valid_until` (exclusive), unless revoked."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("bộ dữ liệu"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("cơ quan được cấp quyền"))
    request = models.OneToOneField(AccessRequest, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="grant")
    resources = models.ManyToManyField(Resource, blank=True, related_name="+",
                                       verbose_name=_("tài nguyên"))
    valid_from = models.DateTimeField(_("hiệu lực từ"))
    valid_until = models.DateTimeField(_("hiệu lực đến"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    revoke_reason = models.TextField(_("lý do thu hồi"), blank=True)

    class Meta:
        verbose_name = _("quyền truy cập dữ liệu")
        verbose_name_plural = _("quyền truy cập dữ liệu")
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("valid_from")),
                                   name="access_grant_period"),
        ]
        indexes = [
            models.Index(fields=["agency", "valid_until"], name="access_grant_by_agency"),
            models.Index(fields=["dataset", "valid_until"], name="access_grant_by_dataset"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} → {self.dataset_id}"

    def valid_at(self, at: Any) -> bool:
        return self.revoked_at is None and self.valid_from <= at < self.valid_until


class DownloadRoute(models.TextChoices):
    FILE = "file", _("Tải tệp")
    API = "api", _("Đường dẫn qua API")
    DATASTORE = "datastore", _("Tra cứu kho dữ liệu bảng")


class DownloadLog(models.Model):
    """One download of data that is not open: who, for which agency, what, when, by which
    route. Appended by `sharing.download_log`; never changed."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="+",
                                db_index=False)  # led by download_log_by_month
    resource = models.ForeignKey(Resource, null=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                             related_name="+")
    agency = models.ForeignKey(Agency, null=True, on_delete=models.PROTECT, related_name="+")
    grant = models.ForeignKey(AccessGrant, null=True, on_delete=models.PROTECT, related_name="+")
    route = models.CharField(max_length=10, choices=DownloadRoute.choices)
    version = models.PositiveIntegerField(null=True)
    ip = models.GenericIPAddressField(null=True)

    class Meta:
        verbose_name = _("lượt tải dữ liệu")
        verbose_name_plural = _("lượt tải dữ liệu")
        indexes = [models.Index(fields=["dataset", "at"], name="download_log_by_month")]

    def __str__(self) -> str:
        return f"{self.dataset_id} {self.at:%Y-%m-%d %H:%M}"


# --- Quality and use (quality.py, usage.py) ---------------------------------------------------


class DatasetQuality(models.Model):
    """A dataset's quality score as its last write (or the daily refresh) left it; the
    criteria are recomputed from the dataset whenever shown. `stale_after` is when its data
    stops being fresh, so "stale now" is exact whenever asked, whatever the refresh's lag."""

    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, primary_key=True,
                                   related_name="quality")
    score = models.PositiveSmallIntegerField(_("điểm chất lượng"))
    criteria = models.JSONField(default=list)  # [{"code", "points", "max_points"}]
    data_updated = models.DateTimeField(_("dữ liệu cập nhật lần cuối"), null=True)
    stale_after = models.DateTimeField(_("quá hạn cập nhật từ"), null=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("chất lượng bộ dữ liệu")
        verbose_name_plural = _("chất lượng bộ dữ liệu")
        indexes = [models.Index(fields=["stale_after"], name="dataset_quality_stale")]

    def __str__(self) -> str:
        return f"{self.dataset_id}: {self.score}"


class UsageKind(models.TextChoices):
    VIEW = "view", _("Lượt xem")
    DOWNLOAD = "download", _("Lượt tải")
    API = "api", _("Lượt gọi API")


NO_RESOURCE = uuid.UUID(int=0)  # a row counting the dataset itself, not one resource


class DatasetUsageMonth(models.Model):
    """Views, downloads and API calls of a dataset (or one of its resources) in a month,
    added to in batches by `usage.flush` (one upsert per key)."""

    id = models.BigAutoField(primary_key=True)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="+",
                                db_index=False)  # led by the unique constraint
    resource = models.UUIDField(default=NO_RESOURCE)  # not a key: counts outlive resources
    month = models.DateField()  # the first day of the month (province time)
    kind = models.CharField(max_length=8, choices=UsageKind.choices)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("lượt sử dụng theo tháng")
        verbose_name_plural = _("lượt sử dụng theo tháng")
        constraints = [models.UniqueConstraint(fields=["dataset", "month", "kind", "resource"],
                                               name="dataset_usage_month_unique")]

    def __str__(self) -> str:
        return f"{self.dataset_id} {self.month:%Y-%m} {self.kind}: {self.count}"
