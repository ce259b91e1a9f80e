"""Demo datasets of the demo province (Thanh Hóa): a few dozen real-looking datasets of its
departments, with themes, tags, licenses, update frequencies, temporal and spatial coverage.
Some datasets are for agencies only, one is private to named agencies, one is a draft, so the
access rules show in the demo. Loading again changes nothing.

`tinhso demo` loads them. The province's public indicators are not among them: that dataset
(`chi-so-chuyen-doi-so-tinh`) is made as on a real installation, by `indicators.publish`
(`tinhso indicators publish`), which the demo calls after these (`web.demo`; this app may not
import `indicators`, above it in the layers). The datasets made from the platform's own data
(the administrative units, the procedure catalog, dossiers by month and agency, and that
indicators' dataset once published) carry two kinds of resources: a CSV snapshot of that data
uploaded at demo time (`load_snapshots`, loaded into the datastore at once, so its page shows a
preview table and a chart) and the live exports under `/api/v1/`, which stay current without
being published again. The other datasets describe data the platform does not hold; they are
catalogue entries without resources (never links to hosts that do not exist).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.directory.demo import PROVINCE_LETTERS, PROVINCIAL_BODIES
from tinhso.directory.models import AdminUnit, Agency
from tinhso.opendata.datastore.loader import load_table
from tinhso.opendata.dictize import org_name, resource_dict
from tinhso.opendata.models import Dataset, Group, Resource, State
from tinhso.opendata.services import dataset_create, dataset_patch, resource_add, resource_change

logger = logging.getLogger(__name__)

THEMES = [
    ("dan-cu", "Dân cư và lao động"), ("hanh-chinh", "Hành chính công"), ("y-te", "Y tế"),
    ("giao-duc", "Giáo dục"), ("kinh-te", "Kinh tế và tài chính"),
    ("nong-nghiep", "Nông nghiệp và môi trường"), ("xay-dung", "Xây dựng và giao thông"),
    ("van-hoa", "Văn hóa, thể thao và du lịch"), ("khoa-hoc", "Khoa học và công nghệ"),
]

# (agency short name, name, title, notes, tags, themes, frequency, access, resources
#  [(name, format, url path; "{site}" is the portal itself)], start year); a dataset of
#  SNAPSHOTS also gets its snapshot, first, from `load_snapshots`)
SPECS: list[tuple[Any, ...]] = [
    ("VP", "don-vi-hanh-chinh-tinh-thanh-hoa", "Danh mục đơn vị hành chính tỉnh Thanh Hóa",
     "Các xã, phường của tỉnh sau sắp xếp ngày 01/7/2025, với mã đơn vị hành chính và đơn vị "
     "kế thừa.", ["đơn vị hành chính", "sáp nhập"], ["hanh-chinh", "dan-cu"], "irregular",
     "open", [("Đơn vị hành chính mọi thời kỳ (CSV)", "CSV",
               "{site}/api/v1/units/export?format=csv"),
              ("Đơn vị hành chính mọi thời kỳ (JSON)", "JSON",
               "{site}/api/v1/units/export?format=json")], 2025),
    ("VP", "danh-muc-thu-tuc-hanh-chinh", "Danh mục thủ tục hành chính",
     "Thủ tục hành chính của tỉnh: mã, tên, cơ quan thực hiện, mức độ dịch vụ công trực tuyến, "
     "thời hạn giải quyết, phí và lệ phí.", ["thủ tục hành chính", "dịch vụ công"],
     ["hanh-chinh"], "weekly", "open",
     [("Danh mục thủ tục (CSV)", "CSV", "{site}/api/v1/procedures/export?format=csv"),
      ("Danh mục thủ tục (JSON)", "JSON", "{site}/api/v1/procedures/export")], 2023),
    ("VP", "ho-so-theo-thang-va-co-quan", "Hồ sơ thủ tục hành chính theo tháng và cơ quan",
     "Số hồ sơ tiếp nhận, đã giải quyết, đúng hạn, quá hạn theo tháng và cơ quan.",
     ["hồ sơ", "một cửa", "thống kê"], ["hanh-chinh"], "monthly", "open",
     [("Hồ sơ theo tháng và cơ quan, năm nay (CSV)", "CSV",
       "{site}/api/v1/stats/dossiers/monthly?format=csv"),
      ("Hồ sơ theo tháng và cơ quan, năm nay (JSON)", "JSON",
       "{site}/api/v1/stats/dossiers/monthly?format=json")], 2022),
    ("VP", "van-ban-di-den-theo-co-quan", "Số văn bản đi, đến theo cơ quan",
     "Số văn bản điện tử gửi, nhận và tỷ lệ ký số theo cơ quan, theo quý.",
     ["văn bản điện tử", "ký số"], ["hanh-chinh"], "quarterly", "agencies",
     [], 2022),
    ("SNV", "bien-che-cong-chuc", "Biên chế công chức, viên chức theo cơ quan",
     "Số biên chế được giao và có mặt theo cơ quan, đơn vị.", ["biên chế", "công chức"],
     ["hanh-chinh"], "annual", "agencies",
     [], 2021),
    ("SNV", "to-cong-nghe-so-cong-dong", "Tổ công nghệ số cộng đồng",
     "Tổ công nghệ số cộng đồng theo xã, phường: số tổ, số thành viên, số người được tập huấn.",
     ["chuyển đổi số", "tổ công nghệ số"], ["khoa-hoc", "dan-cu"], "quarterly", "open",
     [], 2022),
    ("STP", "dang-ky-ho-tich", "Đăng ký hộ tịch theo xã, phường",
     "Số khai sinh, kết hôn, khai tử đăng ký theo xã, phường và tháng.",
     ["hộ tịch", "khai sinh"], ["dan-cu"], "monthly", "open",
     [], 2022),
    ("STP", "to-chuc-hanh-nghe-cong-chung", "Tổ chức hành nghề công chứng",
     "Văn phòng công chứng, phòng công chứng: tên, địa chỉ, số công chứng viên.",
     ["công chứng"], ["hanh-chinh"], "irregular", "open",
     [], 2020),
    ("STC", "thu-chi-ngan-sach", "Thu, chi ngân sách nhà nước trên địa bàn tỉnh",
     "Dự toán và thực hiện thu, chi ngân sách theo quý.", ["ngân sách", "tài chính"],
     ["kinh-te"], "quarterly", "open",
     [], 2021),
    ("STC", "doanh-nghiep-thanh-lap-moi", "Doanh nghiệp thành lập mới theo tháng",
     "Số doanh nghiệp thành lập mới, vốn đăng ký, ngành nghề theo tháng.",
     ["doanh nghiệp", "đăng ký kinh doanh"], ["kinh-te"], "monthly", "open",
     [], 2022),
    ("STC", "du-an-dau-tu-cong", "Dự án đầu tư công",
     "Danh mục dự án đầu tư công: tổng mức đầu tư, tiến độ giải ngân.",
     ["đầu tư công", "giải ngân"], ["kinh-te", "xay-dung"], "monthly", "agencies",
     [], 2023),
    ("SXD", "cap-phep-xay-dung", "Giấy phép xây dựng đã cấp",
     "Giấy phép xây dựng đã cấp theo xã, phường và loại công trình.",
     ["xây dựng", "giấy phép"], ["xay-dung"], "monthly", "open",
     [], 2022),
    ("SXD", "mang-luoi-duong-bo", "Mạng lưới đường bộ do tỉnh quản lý",
     "Tuyến đường tỉnh: chiều dài, cấp đường, hình học.", ["giao thông", "đường bộ"],
     ["xay-dung"], "annual", "open",
     [], 2024),
    ("SXD", "diem-dung-xe-buyt", "Điểm dừng xe buýt", "Vị trí, tuyến đi qua các điểm dừng.",
     ["xe buýt", "giao thông công cộng"], ["xay-dung"], "irregular", "open",
     [], 2024),
    ("SNNMT", "san-pham-ocop", "Sản phẩm OCOP", "Sản phẩm OCOP được công nhận: chủ thể, hạng "
     "sao, xã, phường.", ["OCOP", "nông sản"], ["nong-nghiep", "kinh-te"], "quarterly",
     "open", [], 2020),
    ("SNNMT", "chat-luong-khong-khi", "Quan trắc chất lượng không khí",
     "Chỉ số chất lượng không khí (AQI) tại các trạm quan trắc tự động.",
     ["môi trường", "không khí"], ["nong-nghiep"], "daily", "open",
     [], 2024),
    ("SNNMT", "dien-tich-gieo-trong", "Diện tích gieo trồng và sản lượng lúa",
     "Diện tích, năng suất, sản lượng lúa theo vụ và xã.", ["lúa", "trồng trọt"],
     ["nong-nghiep"], "annual", "open", [], 2019),
    ("SNNMT", "bang-gia-dat", "Bảng giá đất", "Bảng giá đất áp dụng trên địa bàn tỉnh.",
     ["đất đai", "giá đất"], ["nong-nghiep", "kinh-te"], "annual", "open",
     [], 2025),
    ("SCT", "cho-va-sieu-thi", "Chợ, siêu thị, trung tâm thương mại",
     "Danh sách và vị trí chợ, siêu thị, trung tâm thương mại.", ["thương mại", "chợ"],
     ["kinh-te"], "annual", "open", [], 2023),
    ("SCT", "tieu-thu-dien", "Sản lượng điện thương phẩm", "Điện thương phẩm theo tháng, theo "
     "thành phần phụ tải.", ["điện", "năng lượng"], ["kinh-te"], "monthly", "agencies",
     [], 2022),
    ("SYT", "co-so-kham-chua-benh", "Cơ sở khám bệnh, chữa bệnh",
     "Bệnh viện, trạm y tế, phòng khám: địa chỉ, số giường, chuyên khoa.",
     ["y tế", "bệnh viện"], ["y-te"], "annual", "open",
     [], 2023),
    ("SYT", "tiem-chung-mo-rong", "Tiêm chủng mở rộng", "Tỷ lệ tiêm chủng đầy đủ ở trẻ dưới 1 "
     "tuổi theo xã, phường.", ["tiêm chủng", "trẻ em"], ["y-te"], "monthly", "open",
     [], 2022),
    ("SYT", "benh-truyen-nhiem", "Ca bệnh truyền nhiễm theo tuần",
     "Số ca mắc sốt xuất huyết, tay chân miệng theo tuần và xã (chỉ cho cơ quan nhà nước).",
     ["dịch bệnh", "sốt xuất huyết"], ["y-te"], "weekly", "agencies",
     [], 2024),
    ("SGDĐT", "truong-hoc", "Trường học các cấp", "Trường mầm non, tiểu học, THCS, THPT: địa "
     "chỉ, số lớp, số học sinh.", ["trường học", "giáo dục"], ["giao-duc"], "annual", "open",
     [], 2023),
    ("SGDĐT", "ket-qua-thi-tot-nghiep", "Kết quả thi tốt nghiệp THPT",
     "Điểm trung bình, tỷ lệ đỗ theo trường và môn.", ["thi tốt nghiệp", "THPT"],
     ["giao-duc"], "annual", "open", [], 2020),
    ("SKHCN", "ha-tang-so", "Hạ tầng số của cơ quan nhà nước",
     "Máy tính, máy in, thiết bị mạng của các cơ quan tỉnh, huyện, xã.",
     ["hạ tầng số", "chuyển đổi số"], ["khoa-hoc"], "annual", "named",
     [], 2022),
    ("SKHCN", "chi-so-chuyen-doi-so", "Chỉ số chuyển đổi số cấp xã",
     "Kết quả đánh giá chỉ số chuyển đổi số của xã, phường.", ["chuyển đổi số", "chỉ số"],
     ["khoa-hoc"], "annual", "open", [], 2022),
    ("SVHTTDL", "diem-du-lich", "Điểm du lịch", "Khu, điểm du lịch: vị trí, loại hình, lượt "
     "khách.", ["du lịch", "Sầm Sơn"], ["van-hoa"], "annual", "open",
     [], 2023),
    ("SVHTTDL", "luot-khach-du-lich", "Lượt khách du lịch theo tháng",
     "Lượt khách, doanh thu du lịch theo tháng.", ["du lịch", "thống kê"], ["van-hoa"],
     "monthly", "open", [], 2022),
    ("SVHTTDL", "di-tich-lich-su", "Di tích lịch sử, văn hóa", "Di tích được xếp hạng cấp quốc "
     "gia và cấp tỉnh.", ["di tích", "văn hóa"], ["van-hoa"], "irregular", "open",
     [], 2018),
    ("SDTTG", "co-so-ton-giao", "Cơ sở tôn giáo", "Cơ sở tôn giáo theo xã, phường.",
     ["tôn giáo"], ["van-hoa"], "annual", "agencies",
     [], 2023),
    ("TTr", "ket-qua-thanh-tra", "Kết quả thanh tra, kiểm tra", "Số cuộc thanh tra, kiến nghị "
     "thu hồi theo năm.", ["thanh tra"], ["hanh-chinh"], "annual", "open",
     [], 2021),
    ("BQLKKTNS", "doanh-nghiep-khu-cong-nghiep", "Doanh nghiệp trong khu kinh tế, khu công "
     "nghiệp", "Dự án, vốn đăng ký, lao động trong Khu kinh tế Nghi Sơn và các khu công "
     "nghiệp.", ["khu công nghiệp", "Nghi Sơn"], ["kinh-te"], "quarterly", "open",
     [], 2021),
    ("BQLKKTNS", "quy-hoach-khu-kinh-te", "Quy hoạch Khu kinh tế Nghi Sơn (dự thảo)",
     "Bản đồ phân khu đang lấy ý kiến.", ["quy hoạch"], ["xay-dung"], "never", "draft",
     [], 2025),
]


def _themes() -> None:
    now = timezone.now()
    for name, title in THEMES:
        Group.objects.get_or_create(name=name, defaults={"title": title, "created": now})


def _agencies(province_code: str) -> dict[str, Agency]:
    letters = PROVINCE_LETTERS[province_code]
    codes = {f"000.00.{third}.{letters}": short for third, _n, short, _k in PROVINCIAL_BODIES}
    return {codes[a.code]: a for a in Agency.objects.filter(code__in=codes)}


def _data(spec: tuple[Any, ...], agency: Agency, site_url: str, everyone: list[Agency],
          province_unit: bool, province_code: str) -> dict[str, Any]:
    _short, name, title, notes, tags, themes, frequency, access, resources, since = spec
    data: dict[str, Any] = {
        "name": name, "title": title, "notes": notes, "owner_org": org_name(agency),
        "tags": [{"name": t} for t in tags], "groups": [{"name": g} for g in themes],
        "license_id": "cc-by-4.0" if access == "open" else "other-closed",
        "frequency": frequency, "temporal_start": f"{since}-01-01",
        "maintainer": agency.name, "maintainer_email": f"dulieu.{name[:20]}@example.gov.vn",
        "spatial_units": [province_code] if province_unit else [],
        "resources": [{"name": n, "format": f, "url": u.replace("{site}", site_url)}
                      for n, f, u in resources],
    }
    if access == "draft":
        data["state"] = "draft"
    elif access == "named":
        data["access_level"] = "named"
        data["shared_with"] = [org_name(a) for a in everyone if a.pk != agency.pk][:3]
    else:
        data["access_level"] = access
    return data


def load_datasets(*, actor: Any, province_code: str = "38", site_url: str = "",
                  snapshots: bool = True) -> int:
    """Create the demo datasets through the services (so each has its first version and audit
    event), as `actor`, who must publish for the province (its administrator); links to the
    portal's own exports start with `site_url` (default TINHSO_PUBLIC_URL). Returns how many
    were created; datasets already there (by name) are left as they are. `snapshots`: also
    upload the snapshots now (`load_snapshots`); `tinhso demo` passes False and calls
    `load_snapshots` once the dossiers and documents are in, so the figures are there."""
    created = _create_datasets(actor=actor, province_code=province_code, site_url=site_url)
    if snapshots:
        load_snapshots(actor=actor)
    return created


@transaction.atomic
def _create_datasets(*, actor: Any, province_code: str, site_url: str) -> int:
    site_url = site_url or settings.TINHSO_PUBLIC_URL
    _themes()
    agencies = _agencies(province_code)
    existing = set(Dataset.objects.values_list("name", flat=True))
    province_unit = AdminUnit.objects.filter(code=province_code, level=1).exists()
    created = 0
    for spec in SPECS:
        agency = agencies.get(spec[0])
        if agency is None or spec[1] in existing:
            continue
        dataset_create(actor=actor, data=_data(spec, agency, site_url.rstrip("/"),
                                               list(agencies.values()), province_unit,
                                               province_code))
        created += 1
    return created


# -- snapshots: the platform's own data as uploaded CSV files -----------------------------------

def _export(path: str) -> bytes | None:
    """The body a live export at `path` answers (a GET of /api/v1/...), asked in process: the
    snapshot is byte for byte what the live link serves, and this app needs none of the apps
    that make those tables (they sit above it in the layers)."""
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    match = resolve(request.path)
    response = match.func(request, *match.args, **match.kwargs)
    if response.status_code != 200:
        logger.warning("demo snapshot: %s answered %s", path, response.status_code)
        return None
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


PROVINCE_MONTHLY = ("thang", "tiep_nhan", "da_giai_quyet", "truoc_han", "dung_han", "qua_han",
                    "rut_ho_so", "dung_xu_ly", "tu_choi")


def _province_months(body: bytes) -> bytes:
    """The monthly table by agency summed over the agencies (a dozen rows, so the preview
    draws a chart); the on-time rate is left out, as rates do not add up."""
    months: dict[str, dict[str, Any]] = {}
    for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig"))):
        month = months.setdefault(row["thang"], {"thang": row["thang"]})
        for column in PROVINCE_MONTHLY[1:]:
            month[column] = month.get(column, 0) + int(row.get(column) or 0)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=PROVINCE_MONTHLY, lineterminator="\n")
    writer.writeheader()
    writer.writerows(months.values())
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class Snapshot:
    dataset: str
    file_name: str  # also how the resource is found again
    title: str
    export: str  # the live export it copies
    reshape: Callable[[bytes], bytes] | None = None


MONTHLY = "/api/v1/stats/dossiers/monthly?format=csv"
SNAPSHOTS = (
    Snapshot("don-vi-hanh-chinh-tinh-thanh-hoa", "don-vi-hanh-chinh.csv",
             "Đơn vị hành chính mọi thời kỳ (bản chụp CSV)", "/api/v1/units/export?format=csv"),
    Snapshot("danh-muc-thu-tuc-hanh-chinh", "danh-muc-thu-tuc.csv",
             "Danh mục thủ tục (bản chụp CSV)", "/api/v1/procedures/export?format=csv"),
    Snapshot("ho-so-theo-thang-va-co-quan", "ho-so-theo-thang-va-co-quan.csv",
             "Hồ sơ theo tháng và cơ quan, năm nay (bản chụp CSV)", MONTHLY),
    Snapshot("ho-so-theo-thang-va-co-quan", "ho-so-toan-tinh-theo-thang.csv",
             "Hồ sơ toàn tỉnh theo tháng, năm nay (bản chụp CSV)", MONTHLY, _province_months),
    # The indicators' dataset is published by `indicators.publish` (the demo calls it before
    # taking the snapshots); where it is not there, this snapshot is skipped.
    Snapshot("chi-so-chuyen-doi-so-tinh", "chi-so-chuyen-doi-so.csv",
             "Chỉ số năm nay (bản chụp CSV)", "/api/v1/indicators/table?format=csv"),
)


def load_snapshots(*, actor: Any) -> int:
    """Upload each of SNAPSHOTS, the platform's data as it is now, as a CSV resource before
    the dataset's live links (a later snapshot of a dataset goes before an earlier one), and
    load it into the datastore here rather than by the worker, so the demo shows its preview
    at once (the queued load then finds it done). An export that does not answer is skipped. A snapshot whose bytes have not changed is left alone; a changed one is a
    new version of the same resource. The exports are of this installation's province
    (TINHSO_PROVINCE_CODE). Returns how many files were uploaded."""
    uploaded = 0
    exports: dict[str, bytes | None] = {}
    for snap in SNAPSHOTS:
        ds = Dataset.objects.filter(name=snap.dataset).exclude(state=State.DELETED).first()
        if ds is None:
            continue
        if snap.export not in exports:
            exports[snap.export] = _export(snap.export)
        body = exports[snap.export]
        if body is None:
            continue
        if snap.reshape is not None:
            body = snap.reshape(body)
        digest = f"sha256:{hashlib.sha256(body).hexdigest()}"
        res = ds.resources.filter(state=State.ACTIVE, url_type="upload",
                                  url=snap.file_name).first()
        if res is not None and res.hash == digest:
            continue
        upload = SimpleUploadedFile(snap.file_name, body, content_type="text/csv")
        note = _("Bản chụp dữ liệu của hệ thống ngày %(d)s; bản trực tuyến luôn cập nhật là "
                 "các tài nguyên tiếp theo.") % {"d": timezone.localdate().strftime("%d/%m/%Y")}
        if res is None:
            res = resource_add(actor=actor, data={
                "package_id": str(ds.pk), "name": snap.title, "format": "CSV",
                "description": note, "upload": upload})
            _first(actor, ds, res)
        else:
            res = resource_change(actor=actor, patch=True, data={
                "id": str(res.pk), "description": note, "upload": upload})
        load_table(str(res.pk), res.revision)
        uploaded += 1
    return uploaded


def _first(actor: Any, ds: Dataset, res: Resource) -> None:
    """Move the new snapshot before the live links (package_patch with the list reordered)."""
    others = [r for r in ds.resources.filter(state=State.ACTIVE).order_by("position", "created")
              if r.pk != res.pk]
    site = "http://demo"  # any origin: an upload is matched by its file name
    dataset_patch(actor=actor, data={"id": str(ds.pk), "resources": [
        resource_dict(r, site_url=site) for r in [res, *others]]})
