"""What the documents are, as Decree 30/2020/NĐ-CP names them: the document types of Article 7
with the abbreviations of its Appendix III, urgency and confidentiality, and the statuses of a
document and of an incoming record.

Type values are the folded Vietnamese names (`quyet_dinh`), readable by officers in URLs and
API calls; the abbreviation (`QĐ`) is what a notation carries. Two types (công văn, thư công)
have no abbreviation: a công văn's notation names the drafting unit instead.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocType(models.TextChoices):
    NGHI_QUYET = "nghi_quyet", _("Nghị quyết")
    QUYET_DINH = "quyet_dinh", _("Quyết định")
    CHI_THI = "chi_thi", _("Chỉ thị")
    QUY_CHE = "quy_che", _("Quy chế")
    QUY_DINH = "quy_dinh", _("Quy định")
    THONG_CAO = "thong_cao", _("Thông cáo")
    THONG_BAO = "thong_bao", _("Thông báo")
    HUONG_DAN = "huong_dan", _("Hướng dẫn")
    CHUONG_TRINH = "chuong_trinh", _("Chương trình")
    KE_HOACH = "ke_hoach", _("Kế hoạch")
    PHUONG_AN = "phuong_an", _("Phương án")
    DE_AN = "de_an", _("Đề án")
    DU_AN = "du_an", _("Dự án")
    BAO_CAO = "bao_cao", _("Báo cáo")
    BIEN_BAN = "bien_ban", _("Biên bản")
    TO_TRINH = "to_trinh", _("Tờ trình")
    HOP_DONG = "hop_dong", _("Hợp đồng")
    CONG_VAN = "cong_van", _("Công văn")
    CONG_DIEN = "cong_dien", _("Công điện")
    BAN_GHI_NHO = "ban_ghi_nho", _("Bản ghi nhớ")
    BAN_THOA_THUAN = "ban_thoa_thuan", _("Bản thỏa thuận")
    GIAY_UY_QUYEN = "giay_uy_quyen", _("Giấy ủy quyền")
    GIAY_MOI = "giay_moi", _("Giấy mời")
    GIAY_GIOI_THIEU = "giay_gioi_thieu", _("Giấy giới thiệu")
    GIAY_NGHI_PHEP = "giay_nghi_phep", _("Giấy nghỉ phép")
    PHIEU_GUI = "phieu_gui", _("Phiếu gửi")
    PHIEU_CHUYEN = "phieu_chuyen", _("Phiếu chuyển")
    PHIEU_BAO = "phieu_bao", _("Phiếu báo")
    THU_CONG = "thu_cong", _("Thư công")


# Appendix III of Decree 30/2020: the abbreviation of each type in a notation.
ABBREVIATIONS: dict[str, str] = {
    DocType.NGHI_QUYET: "NQ",
    DocType.QUYET_DINH: "QĐ",
    DocType.CHI_THI: "CT",
    DocType.QUY_CHE: "QC",
    DocType.QUY_DINH: "QyĐ",
    DocType.THONG_CAO: "TC",
    DocType.THONG_BAO: "TB",
    DocType.HUONG_DAN: "HD",
    DocType.CHUONG_TRINH: "CTr",
    DocType.KE_HOACH: "KH",
    DocType.PHUONG_AN: "PA",
    DocType.DE_AN: "ĐA",
    DocType.DU_AN: "DA",
    DocType.BAO_CAO: "BC",
    DocType.BIEN_BAN: "BB",
    DocType.TO_TRINH: "TTr",
    DocType.HOP_DONG: "HĐ",
    DocType.CONG_DIEN: "CĐ",
    DocType.BAN_GHI_NHO: "BGN",
    DocType.BAN_THOA_THUAN: "BTT",
    DocType.GIAY_UY_QUYEN: "GUQ",
    DocType.GIAY_MOI: "GM",
    DocType.GIAY_GIOI_THIEU: "GGT",
    DocType.GIAY_NGHI_PHEP: "GNP",
    DocType.PHIEU_GUI: "PG",
    DocType.PHIEU_CHUYEN: "PC",
    DocType.PHIEU_BAO: "PB",
}
# Types whose notation names the drafting unit (or field) after the agency, not a type.
UNIT_NOTATION_TYPES = frozenset({DocType.CONG_VAN, DocType.THU_CONG})
TYPE_BY_ABBREVIATION: dict[str, str] = {abbr: t for t, abbr in ABBREVIATIONS.items()}


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Thường")
    URGENT = "urgent", _("Khẩn")
    VERY_URGENT = "very_urgent", _("Thượng khẩn")
    FLASH = "flash", _("Hỏa tốc")


class Confidentiality(models.TextChoices):
    """Mật, tối mật, tuyệt mật: state secrets, never exchanged electronically."""

    NORMAL = "normal", _("Thường")
    CONFIDENTIAL = "confidential", _("Mật")
    SECRET = "secret", _("Tối mật")
    TOP_SECRET = "top_secret", _("Tuyệt mật")


class DocStatus(models.TextChoices):
    """An outgoing document's life: approved, signed by the leader (personal signature),
    registered (number and notation), issued (the agency's signature), sent."""

    DRAFT = "draft", _("Dự thảo")
    IN_REVIEW = "in_review", _("Chờ duyệt")
    APPROVED = "approved", _("Đã duyệt, chờ ký")
    SIGNED = "signed", _("Đã ký")
    REGISTERED = "registered", _("Đã vào sổ, cấp số")
    ISSUED = "issued", _("Đã ban hành")
    SENT = "sent", _("Đã gửi")


class IncomingStatus(models.TextChoices):
    REGISTERED = "registered", _("Đã vào sổ đến")
    DIRECTED = "directed", _("Đã có ý kiến chỉ đạo")
    ASSIGNED = "assigned", _("Đã giao xử lý")
    HANDLING = "handling", _("Đang xử lý")
    DONE = "done", _("Đã xử lý xong")


class Register(models.TextChoices):
    """The two number series an agency keeps each year."""

    OUTGOING = "out", _("Sổ văn bản đi")
    INCOMING = "in", _("Sổ văn bản đến")
