"""What the demo year of documents is drawn to: the report's figures, the mix of document
types, urgency and confidentiality, how many agencies a document goes to, the seasons, and the
words of the subjects (trích yếu) as Vietnamese agencies write them."""

from __future__ import annotations

from tinhso.documents.kinds import Confidentiality, DocType, Urgency

# The source report's year: documents between state agencies, and the shares carrying the
# signer's personal digital signature and the issuing agency's.
REPORT_DOCUMENTS = 3_436_164
PERSONAL_RATE = 0.9872
AGENCY_RATE = 0.9907

MAX_SCALE = 2.0
CHUNK = 20_000  # documents per transaction (whole days, so a little more)
DEMO_USERNAME = "du-lieu-mau-van-ban"
DEMO_ACTOR = "Dữ liệu mẫu"

# Document types (Decree 30/2020, Art. 7) and their shares; công văn first by far.
TYPE_MIX: list[tuple[str, float]] = [
    (DocType.CONG_VAN, 0.545),
    (DocType.QUYET_DINH, 0.10),
    (DocType.BAO_CAO, 0.09),
    (DocType.GIAY_MOI, 0.06),
    (DocType.THONG_BAO, 0.05),
    (DocType.TO_TRINH, 0.05),
    (DocType.KE_HOACH, 0.04),
    (DocType.HUONG_DAN, 0.015),
    (DocType.GIAY_GIOI_THIEU, 0.012),
    (DocType.BIEN_BAN, 0.01),
    (DocType.PHIEU_CHUYEN, 0.008),
    (DocType.CHUONG_TRINH, 0.006),
    (DocType.PHUONG_AN, 0.005),
    (DocType.DE_AN, 0.003),
    (DocType.QUY_CHE, 0.002),
    (DocType.CHI_THI, 0.002),  # People's Committees only (others: a công văn)
    (DocType.CONG_DIEN, 0.002),  # People's Committees only
]
COMMITTEE_ONLY = frozenset({DocType.CHI_THI, DocType.CONG_DIEN})

URGENCY_MIX: list[tuple[str, float]] = [
    (Urgency.NORMAL, 0.88), (Urgency.URGENT, 0.09), (Urgency.VERY_URGENT, 0.02),
    (Urgency.FLASH, 0.01),
]
# State secrets are issued but never sent electronically (the report's "except secret ones").
CONFIDENTIALITY_MIX: list[tuple[str, float]] = [
    (Confidentiality.NORMAL, 0.995), (Confidentiality.CONFIDENTIAL, 0.004),
    (Confidentiality.SECRET, 0.001),
]

# How many agencies a document goes to: (weight, fewest, most). Mean about 2.
RECIPIENT_COUNTS: list[tuple[float, int, int]] = [
    (0.65, 1, 1), (0.25, 2, 3), (0.09, 4, 8), (0.01, 10, 40),
]

# The months: the year's plans in January, Tết in February, half-year and year-end reports.
MONTH_FACTOR = [1.1, 0.7, 1.0, 1.0, 1.0, 1.15, 1.0, 0.95, 1.0, 1.05, 1.1, 1.25]
NON_WORKING_DAY = 0.03  # a day off still sees a few urgent documents
TET = 0.01

# Office hours in seconds after midnight (morning, afternoon).
HOURS = ((7 * 3600 + 30 * 60, 11 * 3600 + 30 * 60), (13 * 3600 + 30 * 60, 17 * 3600))

# Incoming handling: days (working days, roughly) from arrival to each step, and what share
# misses its deadline.
DEADLINE_DAYS = (5, 7, 10, 15)
LATE_SHARE = 0.04
STUCK_SHARE = 0.01  # never finished within the year (overdue and open at the end)

# The drafting units a công văn's notation names (after the agency's abbreviation).
UNITS_PROVINCE = ["VP", "KTTC", "NC", "VX", "THCB", "KTN"]
UNITS_DEPARTMENT = ["VP", "KHTC", "TCCB", "NV", "TTr", "QLCL"]
UNITS_COMMUNE = ["VP", "KT", "VHXH"]
ASSIGNED_UNITS = ["Văn phòng", "Phòng Kế hoạch - Tài chính", "Phòng Tổ chức cán bộ",
                  "Phòng Nghiệp vụ", "Phòng Kinh tế", "Phòng Văn hóa - Xã hội"]
DIRECTIONS = [
    "Giao {unit} chủ trì, tham mưu xử lý theo quy định.",
    "Giao {unit} nghiên cứu, đề xuất; báo cáo trước hạn.",
    "Chuyển {unit} để biết và thực hiện.",
]
RESULT = "Đã xử lý, lưu hồ sơ công việc."

# Subjects: (a type's wording with {topic} and {period}).
TOPICS = [
    "chuyển đổi số", "cải cách hành chính", "xây dựng chính quyền số",
    "cung cấp dịch vụ công trực tuyến toàn trình", "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "xây dựng nông thôn mới", "giải ngân vốn đầu tư công", "quản lý đất đai",
    "bồi thường, giải phóng mặt bằng", "phòng cháy, chữa cháy", "an toàn giao thông",
    "bảo vệ môi trường", "phòng, chống dịch bệnh", "tiêm chủng mở rộng",
    "xóa nhà tạm, nhà dột nát", "giảm nghèo bền vững", "bảo hiểm xã hội, bảo hiểm y tế",
    "tuyển sinh các cấp học", "kỳ thi tốt nghiệp trung học phổ thông", "sáp nhập đơn vị hành chính",
    "sắp xếp tổ chức bộ máy", "tinh giản biên chế", "thi đua, khen thưởng",
    "tiếp công dân, giải quyết khiếu nại, tố cáo", "phòng, chống tham nhũng, lãng phí",
    "thu ngân sách nhà nước", "quyết toán ngân sách", "mua sắm tài sản công",
    "quản lý chất lượng công trình xây dựng", "cấp giấy chứng nhận quyền sử dụng đất",
    "an toàn thực phẩm", "chống buôn lậu, gian lận thương mại", "phát triển du lịch",
    "bảo tồn di tích lịch sử - văn hóa", "ứng dụng công nghệ thông tin",
    "bảo đảm an toàn thông tin mạng", "cơ sở dữ liệu quốc gia về dân cư", "Đề án 06",
    "trồng rừng và bảo vệ rừng", "phòng, chống hạn hán, xâm nhập mặn",
    "chương trình mục tiêu quốc gia", "hỗ trợ doanh nghiệp nhỏ và vừa",
    "thu hút đầu tư", "đào tạo, bồi dưỡng cán bộ, công chức", "lấy ý kiến nhân dân",
    "tổ chức Tết Nguyên đán", "kỷ niệm ngày Quốc khánh 2/9", "bầu cử đại biểu Hội đồng nhân dân",
    "chính sách đối với người có công", "quản lý cụm công nghiệp", "vệ sinh môi trường đô thị",
]
PERIOD_MONTH = "tháng {m} năm {y}"
PERIODS_QUARTER = ["quý I năm {y}", "quý II năm {y}", "quý III năm {y}", "quý IV năm {y}"]
SUBJECTS: dict[str, list[str]] = {
    DocType.CONG_VAN: [
        "V/v triển khai thực hiện {topic}", "V/v đôn đốc thực hiện {topic}",
        "V/v góp ý dự thảo văn bản về {topic}", "V/v tăng cường công tác {topic}",
        "V/v báo cáo tình hình {topic} {period}", "V/v phối hợp thực hiện {topic}",
        "V/v đề nghị cung cấp thông tin về {topic}", "V/v chấn chỉnh công tác {topic}",
        "V/v hướng dẫn thực hiện {topic}", "V/v trả lời kiến nghị về {topic}",
    ],
    DocType.QUYET_DINH: [
        "Quyết định về việc phê duyệt kế hoạch {topic} {period}",
        "Quyết định về việc thành lập Tổ công tác {topic}",
        "Quyết định về việc ban hành Quy chế {topic}",
        "Quyết định về việc phân bổ kinh phí {topic}",
        "Quyết định về việc khen thưởng thành tích {topic}",
    ],
    DocType.BAO_CAO: [
        "Báo cáo kết quả {topic} {period}", "Báo cáo tình hình {topic} {period}",
        "Báo cáo sơ kết {topic} {period}", "Báo cáo tổng kết {topic} năm {y}",
    ],
    DocType.GIAY_MOI: [
        "Giấy mời dự họp về {topic}", "Giấy mời dự hội nghị triển khai {topic}",
        "Giấy mời dự tập huấn {topic}",
    ],
    DocType.THONG_BAO: [
        "Thông báo kết luận của lãnh đạo tại cuộc họp về {topic}",
        "Thông báo lịch làm việc về {topic}", "Thông báo kết quả kiểm tra {topic}",
    ],
    DocType.TO_TRINH: [
        "Tờ trình đề nghị phê duyệt kế hoạch {topic} {period}",
        "Tờ trình đề nghị bổ sung kinh phí {topic}",
        "Tờ trình về việc ban hành quy định về {topic}",
    ],
    DocType.KE_HOACH: [
        "Kế hoạch thực hiện {topic} {period}", "Kế hoạch kiểm tra {topic} năm {y}",
        "Kế hoạch tuyên truyền về {topic}",
    ],
    DocType.HUONG_DAN: ["Hướng dẫn thực hiện {topic}", "Hướng dẫn nghiệp vụ về {topic}"],
    DocType.GIAY_GIOI_THIEU: ["Giấy giới thiệu cán bộ liên hệ công tác về {topic}"],
    DocType.BIEN_BAN: ["Biên bản họp về {topic}", "Biên bản kiểm tra {topic}"],
    DocType.PHIEU_CHUYEN: ["Phiếu chuyển đơn kiến nghị về {topic}"],
    DocType.CHUONG_TRINH: ["Chương trình công tác về {topic} năm {y}"],
    DocType.PHUONG_AN: ["Phương án {topic} {period}"],
    DocType.DE_AN: ["Đề án {topic} giai đoạn {y}-{y5}"],
    DocType.QUY_CHE: ["Quy chế phối hợp về {topic}"],
    DocType.CHI_THI: ["Chỉ thị về việc tăng cường {topic}"],
    DocType.CONG_DIEN: ["Công điện về việc chủ động ứng phó, {topic}"],
}

# The few types whose shared template PDF is signed (others use the công văn's): the PDFs are
# signed once per load, each about 0.2 s, so their number is kept small.
ALL_TEMPLATES_FROM = 0.05  # below this scale, the công văn's template serves every type
TEMPLATE_TYPES = (DocType.CONG_VAN, DocType.QUYET_DINH, DocType.BAO_CAO, DocType.TO_TRINH,
                  DocType.KE_HOACH, DocType.THONG_BAO)
