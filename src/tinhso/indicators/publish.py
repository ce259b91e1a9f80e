"""The province's public indicators as an open dataset (issue 6: "public indicators published
as open data datasets"): `indicators_publish` creates the dataset `chi-so-chuyen-doi-so-tinh`
on the open data portal, or brings an existing one's links up to date, through
`opendata.services` (the same validation, a kept version, an audit event). Run by
`tinhso indicators publish`; running it again changes nothing.

The dataset holds no copy of the figures: its resources are links to the live exports
(`/api/v1/indicators/table` as CSV and JSON, this year's values of the public indicators for
the province and each agency; `/api/v1/indicators`, the public indicators with their formulas
and groups), so it is always current and holds public indicators only, since those exports
serve nothing else. `tinhso demo` publishes through this function too (`web.demo`, after the
other demo datasets), so on a demo installation the command finds the dataset in place, as it
does one made by the demo of earlier versions (the same links).

What an existing dataset keeps: its title, description, owner, access level and every other
resource (the demo's uploaded snapshot, files a publisher added); only the live links are
added, or moved to the current site address. A deleted dataset is not brought back: the
portal's publishers deleted it, so the command says so and stops.

Who publishes: the owner is the agency given (`--agency`, else the setting
`TINHSO_INDICATORS_PUBLISHER`), else the existing dataset's owner, else the province's
Department of Science and Technology (the agency in charge of digital transformation since
2025; the demo's owner too). The writes are made by a system account, acting with a publisher
grant in that agency for this run only (held in memory, as `harvest` does), so the portal's
permission checks apply unchanged and the audit trail names it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.accounts.services import system_account
from tinhso.core.errors import DomainError
from tinhso.directory.models import AdminUnit, Agency, Grant, Role
from tinhso.directory.permissions import grants_in_memory
from tinhso.opendata.dictize import org_name, resource_dict
from tinhso.opendata.models import Dataset, Group, State
from tinhso.opendata.services import dataset_create, dataset_patch

DATASET_NAME = "chi-so-chuyen-doi-so-tinh"
SYSTEM_USERNAME = "he-thong-chi-so"
DX_AGENCY_NAME = "Sở Khoa học và Công nghệ"
THEMES = ("khoa-hoc", "hanh-chinh")  # where present on the portal
# (name, format, path on this site): the live exports, as the demo links them.
LIVE: tuple[tuple[str, str, str], ...] = (
    ("Chỉ số năm nay (CSV)", "CSV", "/api/v1/indicators/table?format=csv"),
    ("Chỉ số năm nay (JSON)", "JSON", "/api/v1/indicators/table?format=json"),
    ("Danh mục chỉ số (JSON)", "JSON", "/api/v1/indicators"),
)


@dataclass(frozen=True)
class Published:
    dataset: Dataset
    action: Literal["created", "updated", "unchanged"]
    owner: Agency


def _local(url: str) -> str:
    """A link's path and query, whatever the site address in front."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def publisher_account(agency: Agency) -> User:
    """The system account, able to publish in `agency` for this run only (the grant is held
    in memory, never stored; the row stays inactive, so nobody signs in with it)."""
    user = system_account(SYSTEM_USERNAME, "Hệ thống công bố chỉ số")
    user.is_active = True  # in memory only
    grants_in_memory(user, [Grant(user=user, role=Role.SPECIALIST, agency=agency,
                                  province_code=agency.province_code)])
    return user


def publisher_agency(*, province_code: str, agency_code: str = "",
                     dataset: Dataset | None = None) -> Agency:
    """The dataset's owner: `agency_code` (else the setting TINHSO_INDICATORS_PUBLISHER),
    else the existing dataset's owner, else the province's Department of Science and
    Technology. DomainError naming `agency` when none is found."""
    code = (agency_code or getattr(settings, "TINHSO_INDICATORS_PUBLISHER", "") or "").strip()
    active = Agency.objects.filter(province_code=province_code, is_active=True)
    if code:
        found = active.filter(code=code).first()
        if found is None:
            raise DomainError.for_field("agency", _(
                "Không có cơ quan đang hoạt động mã %(code)s trong tỉnh.") % {"code": code})
        return found
    if dataset is not None:
        return dataset.owner_org
    found = (active.filter(name__iexact=DX_AGENCY_NAME, kind=Agency.Kind.DEPARTMENT)
             .order_by("pk").first())
    if found is None:
        raise DomainError.for_field("agency", _(
            "Không tìm thấy %(name)s của tỉnh: chọn cơ quan công bố bằng --agency (mã cơ quan).")
            % {"name": DX_AGENCY_NAME})
    return found


def _links(site_url: str) -> list[dict[str, Any]]:
    return [{"name": name, "format": fmt, "url": f"{site_url}{path}",
             "description": _("Luôn cập nhật: giá trị các chỉ số công khai, tính khi tải về.")}
            for name, fmt, path in LIVE]


def _new_dataset(owner: Agency, province_code: str, site_url: str) -> dict[str, Any]:
    themes = list(Group.objects.filter(name__in=THEMES).values_list("name", flat=True))
    province = AdminUnit.objects.filter(code=province_code, level=AdminUnit.Level.PROVINCE)
    return {
        "name": DATASET_NAME, "title": "Chỉ số chuyển đổi số của tỉnh theo đơn vị",
        "notes": ("Giá trị các chỉ số chuyển đổi số công khai (chính quyền số, kinh tế số, xã "
                  "hội số) của tỉnh và từng cơ quan, xã, phường trong năm, tính từ dữ liệu của "
                  "hệ thống. Danh mục chỉ số nêu công thức (tử số, mẫu số), đơn vị, nguồn và "
                  "văn bản quy định của từng chỉ số."),
        "owner_org": org_name(owner), "tags": [{"name": "chuyển đổi số"}, {"name": "chỉ số"}],
        "groups": [{"name": g} for g in themes], "license_id": "cc-by-4.0",
        "frequency": "monthly", "access_level": "open", "maintainer": owner.name,
        "spatial_units": [province_code] if province.exists() else [],
        "resources": _links(site_url),
    }


def _resources_wanted(ds: Dataset, site_url: str) -> list[dict[str, Any]] | None:
    """The dataset's resources with the live links in place, or None when they already are:
    every other resource kept, in its order; a missing link added at the end; a link to
    another site address (or renamed) set back."""
    current = [resource_dict(r, site_url=site_url)
               for r in ds.resources.filter(state=State.ACTIVE).order_by("position", "created")]
    wanted = [dict(r) for r in current]
    changed = False
    for link in _links(site_url):
        same = next((r for r in wanted if r["url_type"] is None
                     and _local(r["url"]) == _local(link["url"])), None)
        if same is None:
            wanted.append(link)
            changed = True
        elif (same["url"], same["format"]) != (link["url"], link["format"]):
            same.update(url=link["url"], format=link["format"])
            changed = True
    return wanted if changed else None


@transaction.atomic
def indicators_publish(*, province_code: str = "", agency_code: str = "",
                       site_url: str = "") -> Published:
    """Create or update the indicators' open dataset (module docstring). One transaction;
    DomainError (naming the field) for an unknown province or agency, a province other
    than this installation's, or a deleted dataset."""
    province_code = (province_code or settings.TINHSO_PROVINCE_CODE).strip()
    if province_code != settings.TINHSO_PROVINCE_CODE:
        raise DomainError.for_field("province", _(
            "Các bảng chỉ số trực tuyến là của tỉnh %(code)s (TINHSO_PROVINCE_CODE): không "
            "công bố được cho tỉnh khác.") % {"code": settings.TINHSO_PROVINCE_CODE})
    site_url = (site_url or settings.TINHSO_PUBLIC_URL).rstrip("/")
    ds = (Dataset.objects.select_for_update().select_related("owner_org")
          .filter(name=DATASET_NAME).first())
    if ds is not None and ds.state == State.DELETED:
        raise DomainError.for_field("dataset", _(
            "Bộ dữ liệu %(name)s đã bị xóa trên cổng dữ liệu mở: khôi phục nó trước khi công bố "
            "lại.") % {"name": DATASET_NAME})
    owner = publisher_agency(province_code=province_code, agency_code=agency_code, dataset=ds)
    actor = publisher_account(owner)
    if ds is None:
        ds = dataset_create(actor=actor, data=_new_dataset(owner, province_code, site_url))
        return Published(ds, "created", owner)
    patch: dict[str, Any] = {"id": str(ds.pk)}
    if owner.pk != ds.owner_org_id:
        patch["owner_org"] = org_name(owner)
        # the system account publishes in the new owner; the old one must allow it too
        grants_in_memory(actor, [
            Grant(user=actor, role=Role.SPECIALIST, agency=a, province_code=a.province_code)
            for a in (owner, ds.owner_org)])
    resources = _resources_wanted(ds, site_url)
    if resources is not None:
        patch["resources"] = resources
    if len(patch) == 1:
        return Published(ds, "unchanged", owner)
    ds = dataset_patch(actor=actor, data=patch)
    return Published(ds, "updated", owner)
