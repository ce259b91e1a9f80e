"""The demo catalog: common procedures citizens use, then generated ones up to the report's
numbers (707 full online services and 182 partial ones in all).

Honesty about the data (also in each version's `sources`):

- `code`: codes marked "dvcqg" were seen as the `ma_thu_tuc` of the National Public Service
  Portal in public integrations of that portal; "dvcqg-inferred" were seen there beside a
  procedure of that kind, but the exact variant is our reading; "placeholder" means we did not
  find the real code, so a 9.xxxxxx code stands in (leading digit 9 is never used by real codes).
- `facts`: deadlines, fees and documents are summarised by us from the legal texts named in
  `legal_basis`; they were NOT checked against the national database entry. Fees set by the
  provincial People's Council are left out unless stated in a national text.
- Generated procedures (`Procedure.is_generated`) have plausible names (field + action) and
  codes 9.1xxxxx; nothing about them is real.

Agencies are chosen by role: pass `agencies={"commune": ..., "justice": ...}` (keys in ROLES);
any role missing falls back to the first agency in the database that fits (by name, then kind).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from django.db import transaction

from tinhso.catalog.models import OnlineLevel
from tinhso.catalog.schema import ProcedureData, clean_procedure
from tinhso.catalog.services import load_versions
from tinhso.core.audit import audit_record
from tinhso.core.text import fold
from tinhso.directory.models import Agency

TOTAL_FULL = 707
TOTAL_PARTIAL = 182
DEMO_EFFECTIVE_FROM = "2025-07-01"  # the two-tier local government took effect

# role -> words looked for (folded) in agency names when the role is not given.
ROLES: dict[str, tuple[str, ...]] = {
    "province": ("uy ban nhan dan tinh",),
    "service_centre": ("phuc vu hanh chinh cong",),
    "commune": (),
    "police": ("cong an",),
    "justice": ("tu phap",),
    "finance": ("tai chinh",),
    "construction": ("xay dung",),
    "agriculture": ("nong nghiep",),
    "industry": ("cong thuong",),
    "health": ("y te",),
    "education": ("giao duc",),
    "home_affairs": ("noi vu",),
    "culture": ("van hoa",),
    "science": ("khoa hoc",),
}
# When no agency of a role exists: who does the work instead.
_ROLE_FALLBACK = {"police": "justice", "service_centre": "province"}

_SRC_CODE = {
    "dvcqg": "Mã thấy ở tham số ma_thu_tuc của Cổng DVCQG trong mã nguồn công khai tích hợp cổng.",
    "dvcqg-inferred": "Mã thấy trên Cổng DVCQG cho nhóm thủ tục này; biến thể cụ thể do chúng tôi suy ra.",
    "placeholder": "Chưa tìm được mã thật; mã 9.xxxxxx là mã tạm.",
}
# Procedures with no fee in REAL that the law makes free; for the others with none listed, the
# fee is set locally and not in the demo data, which the page says instead of "free".
FREE_BY_LAW = {"1.001193", "1.000894", "1.000656", "3.000182"}
_FEES_UNKNOWN = "Mức thu do HĐND tỉnh quy định; chưa có trong dữ liệu mẫu."
_SRC_FACTS = ("Thời hạn, phí, thành phần hồ sơ do nhóm phát triển tóm tắt từ văn bản ở mục căn "
              "cứ pháp lý; chưa đối chiếu với CSDL quốc gia về TTHC.")

ID_DOC = {"name": "Giấy tờ tùy thân của người yêu cầu (CCCD, hộ chiếu; xuất trình hoặc "
                  "khai thác từ CSDL quốc gia về dân cư)", "mandatory": False,
          "file_types": ["pdf", "jpg", "png"]}
RESIDENCE_FORM = {"name": "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)",
                  "file_types": ["pdf", "docx"]}
LEGAL_ADDRESS = {"name": "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp",
                 "file_types": ["pdf", "jpg", "png"]}
HKD_FORM = {"name": "Giấy đề nghị đăng ký hộ kinh doanh", "file_types": ["pdf", "docx"]}

HOTICH = "Luật Hộ tịch số 60/2014/QH13;\nNghị định số 123/2015/NĐ-CP;\nThông tư số 04/2020/TT-BTP."
CUTRU = "Luật Cư trú số 68/2020/QH14;\nNghị định số 62/2021/NĐ-CP;\nThông tư số 55/2021/TT-BCA;\nThông tư số 75/2022/TT-BTC (lệ phí đăng ký cư trú)."
CHUNGTHUC = "Nghị định số 23/2015/NĐ-CP;\nThông tư số 226/2016/TT-BTC (phí chứng thực)."
HKD = "Luật Doanh nghiệp số 59/2020/QH14;\nNghị định số 01/2021/NĐ-CP."
DN = "Luật Doanh nghiệp số 59/2020/QH14;\nNghị định số 01/2021/NĐ-CP;\nThông tư số 47/2019/TT-BTC (lệ phí đăng ký doanh nghiệp)."
XAYDUNG = "Luật Xây dựng số 50/2014/QH13 (sửa đổi 2020);\nNghị định số 15/2021/NĐ-CP."
DATDAI = "Luật Đất đai số 31/2024/QH15;\nNghị định số 101/2024/NĐ-CP."
LLTP = "Luật Lý lịch tư pháp số 28/2009/QH12;\nThông tư số 06/2024/TT-BTP;\nThông tư số 244/2016/TT-BTC (phí cấp Phiếu lý lịch tư pháp)."

# (code, code source, name, field, role, government level, online level, legacy level,
#  deadline (value, unit, note), fees, documents, result, legal basis, joint)
REAL: list[tuple[Any, ...]] = [
    ("1.001193", "dvcqg", "Đăng ký khai sinh", "Hộ tịch", "commune", "commune", "full", 4,
     (1, "day", "Ngay trong ngày tiếp nhận; nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo."),
     [], [{"name": "Tờ khai đăng ký khai sinh theo mẫu", "file_types": ["pdf", "docx"]},
          {"name": "Giấy chứng sinh, hoặc văn bản của người làm chứng, hoặc giấy cam đoan về việc sinh",
           "file_types": ["pdf", "jpg", "png"]}, ID_DOC],
     "Giấy khai sinh (bản chính, bản điện tử)", HOTICH, False),
    ("1.000894", "dvcqg", "Đăng ký kết hôn", "Hộ tịch", "commune", "commune", "partial", 3,
     (1, "day", "Ngay trong ngày; cần xác minh thì không quá 05 ngày làm việc."),
     [], [{"name": "Tờ khai đăng ký kết hôn theo mẫu (hai bên có thể khai chung)",
           "file_types": ["pdf", "docx"]}, {**ID_DOC, "copies": 2}],
     "Giấy chứng nhận kết hôn", HOTICH, False),
    ("1.000656", "dvcqg", "Đăng ký khai tử", "Hộ tịch", "commune", "commune", "full", 4,
     (1, "day", "Ngay trong ngày; cần xác minh thì không quá 03 ngày làm việc."),
     [], [{"name": "Tờ khai đăng ký khai tử theo mẫu", "file_types": ["pdf", "docx"]},
          {"name": "Giấy báo tử hoặc giấy tờ thay Giấy báo tử", "file_types": ["pdf", "jpg", "png"]},
          ID_DOC],
     "Trích lục khai tử", HOTICH, False),
    ("1.004873", "dvcqg", "Cấp Giấy xác nhận tình trạng hôn nhân", "Hộ tịch", "commune",
     "commune", "full", 4, (3, "day", ""), [],
     [{"name": "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân theo mẫu",
       "file_types": ["pdf", "docx"]}, ID_DOC],
     "Giấy xác nhận tình trạng hôn nhân", HOTICH, False),
    ("2.000635", "dvcqg", "Cấp bản sao Trích lục hộ tịch", "Hộ tịch", "commune", "commune",
     "full", 4, (1, "day", "Ngay trong ngày tiếp nhận."),
     [{"amount": 8000, "description": "Phí cấp bản sao trích lục, mỗi bản"}],
     [{"name": "Tờ khai cấp bản sao trích lục hộ tịch theo mẫu", "file_types": ["pdf", "docx"]},
      {"name": "Văn bản ủy quyền (khi ủy quyền yêu cầu)", "mandatory": False,
       "file_types": ["pdf"]}, ID_DOC],
     "Bản sao Trích lục hộ tịch", HOTICH, False),
    ("1.004884", "dvcqg", "Đăng ký lại khai sinh", "Hộ tịch", "commune", "commune", "partial", 3,
     (5, "day", ""), [],
     [{"name": "Tờ khai đăng ký lại khai sinh theo mẫu", "file_types": ["pdf", "docx"]},
      {"name": "Bản sao Giấy khai sinh hoặc giấy tờ có thông tin khai sinh", "file_types": ["pdf"]},
      ID_DOC],
     "Giấy khai sinh", HOTICH, False),
    ("1.000689", "dvcqg", "Đăng ký khai sinh kết hợp nhận cha, mẹ, con", "Hộ tịch", "commune",
     "commune", "partial", 3, (3, "day", ""), [],
     [{"name": "Tờ khai đăng ký khai sinh và Tờ khai đăng ký nhận cha, mẹ, con theo mẫu",
       "file_types": ["pdf", "docx"]},
      {"name": "Giấy chứng sinh hoặc giấy tờ thay Giấy chứng sinh", "file_types": ["pdf", "jpg"]},
      {"name": "Chứng cứ chứng minh quan hệ cha, mẹ, con", "file_types": ["pdf", "jpg"]}, ID_DOC],
     "Giấy khai sinh; Trích lục đăng ký nhận cha, mẹ, con", HOTICH, False),
    ("2.000806", "dvcqg", "Đăng ký kết hôn có yếu tố nước ngoài", "Hộ tịch", "commune",
     "commune", "partial", 3, (15, "day", ""), [],
     [{"name": "Tờ khai đăng ký kết hôn theo mẫu", "file_types": ["pdf", "docx"]},
      {"name": "Giấy tờ chứng minh tình trạng hôn nhân của người nước ngoài (hợp pháp hóa lãnh sự)",
       "file_types": ["pdf"]},
      {"name": "Giấy xác nhận của tổ chức y tế về khả năng nhận thức", "file_types": ["pdf"]},
      {"name": "Bản sao hộ chiếu của người nước ngoài", "file_types": ["pdf", "jpg"]}],
     "Giấy chứng nhận kết hôn", HOTICH, False),
    ("1.004222", "dvcqg", "Đăng ký thường trú", "Đăng ký, quản lý cư trú", "police", "commune",
     "full", 4, (7, "day", ""),
     [{"amount": 20000, "description": "Lệ phí đăng ký cư trú, nộp trực tiếp"},
      {"amount": 10000, "description": "Lệ phí đăng ký cư trú, nộp trực tuyến"}],
     [RESIDENCE_FORM, LEGAL_ADDRESS], "Cập nhật thông tin thường trú vào CSDL về cư trú",
     CUTRU, False),
    ("1.004194", "dvcqg", "Đăng ký tạm trú", "Đăng ký, quản lý cư trú", "police", "commune",
     "full", 4, (3, "day", ""),
     [{"amount": 15000, "description": "Lệ phí đăng ký cư trú, nộp trực tiếp"},
      {"amount": 7000, "description": "Lệ phí đăng ký cư trú, nộp trực tuyến"}],
     [RESIDENCE_FORM, LEGAL_ADDRESS], "Cập nhật thông tin tạm trú vào CSDL về cư trú",
     CUTRU, False),
    ("1.002755", "dvcqg", "Gia hạn tạm trú", "Đăng ký, quản lý cư trú", "police", "commune",
     "full", 4, (3, "day", ""), [], [RESIDENCE_FORM],
     "Cập nhật thời hạn tạm trú vào CSDL về cư trú", CUTRU, False),
    ("1.003197", "dvcqg", "Xóa đăng ký thường trú", "Đăng ký, quản lý cư trú", "police",
     "commune", "full", 4, (1, "day", ""), [],
     [RESIDENCE_FORM, {"name": "Giấy tờ chứng minh thuộc trường hợp xóa đăng ký thường trú",
                       "mandatory": False, "file_types": ["pdf", "jpg"]}],
     "Cập nhật việc xóa đăng ký thường trú vào CSDL về cư trú", CUTRU, False),
    ("2.000884", "dvcqg", "Chứng thực chữ ký trong các giấy tờ, văn bản", "Chứng thực",
     "commune", "commune", "partial", 3,
     (1, "day", "Trong ngày; nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo."),
     [{"amount": 10000, "description": "Phí chứng thực chữ ký, mỗi trường hợp"}],
     [ID_DOC, {"name": "Giấy tờ, văn bản cần chứng thực chữ ký", "file_types": ["pdf"]}],
     "Giấy tờ, văn bản đã chứng thực chữ ký", CHUNGTHUC, False),
    ("2.000815", "dvcqg", "Cấp bản sao có chứng thực từ bản chính giấy tờ, văn bản",
     "Chứng thực", "commune", "commune", "partial", 3,
     (1, "day", "Trong ngày; nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo."),
     [{"amount": 2000, "description": "Phí chứng thực bản sao, mỗi trang (trang 1 và 2)"},
      {"amount": 1000, "description": "Từ trang thứ ba, mỗi trang; tối đa 200.000 đồng một bản"}],
     [{"name": "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao", "file_types": []},
      {"name": "Bản sao cần chứng thực", "file_types": ["pdf"]}],
     "Bản sao có chứng thực", CHUNGTHUC, False),
    ("1.001612", "dvcqg-inferred", "Đăng ký thành lập hộ kinh doanh",
     "Thành lập và hoạt động của hộ kinh doanh", "commune", "commune", "full", 4,
     (3, "day", ""), [],
     [HKD_FORM, {"name": "Biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh "
                         "(khi các thành viên hộ gia đình cùng đăng ký)", "mandatory": False,
                 "file_types": ["pdf"]},
      {"name": "Văn bản ủy quyền cho thành viên làm chủ hộ kinh doanh", "mandatory": False,
       "file_types": ["pdf"]}],
     "Giấy chứng nhận đăng ký hộ kinh doanh", HKD, False),
    ("2.000720", "dvcqg-inferred", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
     "Thành lập và hoạt động của hộ kinh doanh", "commune", "commune", "full", 4,
     (3, "day", ""), [], [HKD_FORM],
     "Giấy chứng nhận đăng ký hộ kinh doanh", HKD, False),
    ("1.001570", "dvcqg", "Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông "
     "báo của hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh", "commune", "commune",
     "full", 4, (3, "day", ""), [],
     [{"name": "Thông báo về việc tạm ngừng kinh doanh/tiếp tục kinh doanh trước thời hạn",
       "file_types": ["pdf", "docx"]}],
     "Giấy xác nhận về việc hộ kinh doanh đăng ký tạm ngừng kinh doanh", HKD, False),
    ("1.001266", "dvcqg", "Chấm dứt hoạt động hộ kinh doanh",
     "Thành lập và hoạt động của hộ kinh doanh", "commune", "commune", "full", 4,
     (3, "day", ""), [],
     [{"name": "Thông báo về việc chấm dứt hoạt động hộ kinh doanh", "file_types": ["pdf", "docx"]},
      {"name": "Thông báo của cơ quan thuế về việc chấm dứt hiệu lực mã số thuế",
       "file_types": ["pdf"]}],
     "Thông báo về việc chấm dứt hoạt động hộ kinh doanh", HKD, True),
    ("9.000001", "placeholder", "Đăng ký thành lập doanh nghiệp tư nhân",
     "Thành lập và hoạt động doanh nghiệp", "finance", "province", "full", 4, (3, "day", ""),
     [{"amount": 50000, "description": "Lệ phí đăng ký doanh nghiệp (miễn khi nộp trực tuyến "
                                       "trong thời gian có chính sách miễn)"},
      {"amount": 100000, "description": "Phí công bố nội dung đăng ký doanh nghiệp"}],
     [{"name": "Giấy đề nghị đăng ký doanh nghiệp", "file_types": ["pdf", "docx"]},
      {"name": "Bản sao giấy tờ pháp lý của chủ doanh nghiệp tư nhân", "file_types": ["pdf"]}],
     "Giấy chứng nhận đăng ký doanh nghiệp", DN, False),
    ("9.000002", "placeholder", "Đăng ký thành lập công ty TNHH một thành viên",
     "Thành lập và hoạt động doanh nghiệp", "finance", "province", "full", 4, (3, "day", ""),
     [{"amount": 50000, "description": "Lệ phí đăng ký doanh nghiệp"},
      {"amount": 100000, "description": "Phí công bố nội dung đăng ký doanh nghiệp"}],
     [{"name": "Giấy đề nghị đăng ký doanh nghiệp", "file_types": ["pdf", "docx"]},
      {"name": "Điều lệ công ty", "file_types": ["pdf"]},
      {"name": "Bản sao giấy tờ pháp lý của chủ sở hữu và người đại diện theo pháp luật",
       "file_types": ["pdf"]}],
     "Giấy chứng nhận đăng ký doanh nghiệp", DN, False),
    ("9.000003", "placeholder", "Đăng ký thành lập công ty TNHH hai thành viên trở lên",
     "Thành lập và hoạt động doanh nghiệp", "finance", "province", "full", 4, (3, "day", ""),
     [{"amount": 50000, "description": "Lệ phí đăng ký doanh nghiệp"},
      {"amount": 100000, "description": "Phí công bố nội dung đăng ký doanh nghiệp"}],
     [{"name": "Giấy đề nghị đăng ký doanh nghiệp", "file_types": ["pdf", "docx"]},
      {"name": "Điều lệ công ty", "file_types": ["pdf"]},
      {"name": "Danh sách thành viên", "file_types": ["pdf", "xlsx"]},
      {"name": "Bản sao giấy tờ pháp lý của các thành viên và người đại diện theo pháp luật",
       "file_types": ["pdf"]}],
     "Giấy chứng nhận đăng ký doanh nghiệp", DN, False),
    ("1.013225", "dvcqg-inferred", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
     "Hoạt động xây dựng", "commune", "commune", "partial", 3,
     (15, "day", "15 ngày đối với nhà ở riêng lẻ."), [],
     [{"name": "Đơn đề nghị cấp giấy phép xây dựng theo mẫu", "file_types": ["pdf", "docx"]},
      {"name": "Bản sao giấy tờ chứng minh quyền sử dụng đất", "file_types": ["pdf"]},
      {"name": "Bản vẽ thiết kế xây dựng (mặt bằng, mặt cắt, mặt đứng, móng)", "copies": 2,
       "file_types": ["pdf", "dwg"]}],
     "Giấy phép xây dựng", XAYDUNG, False),
    ("1.013227", "dvcqg", "Gia hạn giấy phép xây dựng", "Hoạt động xây dựng", "commune",
     "commune", "partial", 3, (5, "day", ""), [],
     [{"name": "Đơn đề nghị gia hạn giấy phép xây dựng", "file_types": ["pdf", "docx"]},
      {"name": "Bản chính giấy phép xây dựng đã được cấp", "file_types": ["pdf"]}],
     "Giấy phép xây dựng được gia hạn", XAYDUNG, False),
    ("1.013228", "dvcqg", "Cấp lại giấy phép xây dựng", "Hoạt động xây dựng", "commune",
     "commune", "partial", 3, (5, "day", ""), [],
     [{"name": "Đơn đề nghị cấp lại giấy phép xây dựng, nêu rõ lý do", "file_types": ["pdf"]},
      {"name": "Bản chính giấy phép xây dựng đã cấp (khi bị rách, nát)", "mandatory": False,
       "file_types": ["pdf"]}],
     "Giấy phép xây dựng cấp lại", XAYDUNG, False),
    ("9.000004", "placeholder", "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu "
     "tài sản gắn liền với đất lần đầu", "Đất đai", "agriculture", "province", "partial", 3,
     (20, "day", "Không kể thời gian thực hiện nghĩa vụ tài chính."), [],
     [{"name": "Đơn đăng ký đất đai, tài sản gắn liền với đất (Mẫu số 04/ĐK)",
       "file_types": ["pdf", "docx"]},
      {"name": "Giấy tờ về quyền sử dụng đất (nếu có)", "mandatory": False, "file_types": ["pdf"]},
      {"name": "Chứng từ thực hiện nghĩa vụ tài chính; giấy tờ miễn, giảm (nếu có)",
       "mandatory": False, "file_types": ["pdf"]}],
     "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", DATDAI, True),
    ("9.000005", "placeholder", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước "
     "ngoài đang cư trú tại Việt Nam", "Lý lịch tư pháp", "police", "province", "full", 4,
     (10, "day", "Cần xác minh thêm thì không quá 15 ngày."),
     [{"amount": 200000, "description": "Phí cấp Phiếu lý lịch tư pháp, mỗi lần"},
      {"amount": 100000, "description": "Sinh viên, người có công với cách mạng, thân nhân liệt sĩ"},
      {"amount": 5000, "description": "Từ Phiếu thứ 3 trở đi trong một lần yêu cầu, mỗi Phiếu"}],
     [{"name": "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (mẫu theo Thông tư 06/2024/TT-BTP)",
       "file_types": ["pdf", "docx"]}, {**ID_DOC, "mandatory": True}],
     "Phiếu lý lịch tư pháp", LLTP, False),
    ("3.000182", "dvcqg", "Tuyển sinh trung học cơ sở", "Giáo dục trung học", "commune",
     "commune", "full", 4, (None, "day", "Theo kế hoạch tuyển sinh hằng năm."), [],
     [{"name": "Đơn dự tuyển (theo mẫu của nhà trường)", "file_types": ["pdf", "docx"]},
      {"name": "Học bạ cấp tiểu học hoặc giấy tờ xác nhận hoàn thành chương trình tiểu học",
       "file_types": ["pdf", "jpg"]}],
     "Danh sách trúng tuyển", "Thông tư số 30/2024/TT-BGDĐT (Quy chế tuyển sinh THCS, THPT).",
     False),
]

# Generated procedures: per field, (role, government level, objects); names are action + object.
_ACTIONS = ["Cấp", "Cấp lại", "Cấp đổi", "Gia hạn", "Điều chỉnh", "Thu hồi", "Xác nhận",
            "Công nhận", "Thẩm định hồ sơ cấp", "Đăng ký"]
_GENERATED_FIELDS: list[tuple[str, str, str, list[str]]] = [
    ("Giao thông vận tải", "construction", "province",
     ["giấy phép kinh doanh vận tải bằng xe ô tô", "phù hiệu xe ô tô kinh doanh vận tải",
      "giấy phép lái xe quốc tế", "giấy chứng nhận đăng ký phương tiện thủy nội địa",
      "giấy phép thi công công trình trên đường bộ đang khai thác"]),
    ("Môi trường", "agriculture", "province",
     ["giấy phép môi trường", "giấy phép xả nước thải vào nguồn nước",
      "giấy phép khai thác nước mặt", "sổ đăng ký chủ nguồn thải chất thải nguy hại",
      "giấy phép thăm dò khoáng sản"]),
    ("Nông nghiệp", "agriculture", "province",
     ["giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm nông lâm thủy sản",
      "giấy chứng nhận đủ điều kiện buôn bán thuốc bảo vệ thực vật",
      "giấy chứng nhận đủ điều kiện sản xuất thức ăn chăn nuôi",
      "mã số vùng trồng", "giấy phép khai thác thủy sản"]),
    ("Công nghiệp, thương mại", "industry", "province",
     ["giấy phép bán lẻ sản phẩm rượu", "giấy phép bán lẻ sản phẩm thuốc lá",
      "giấy chứng nhận đủ điều kiện cửa hàng bán lẻ xăng dầu",
      "giấy phép hoạt động điện lực", "giấy chứng nhận huấn luyện kỹ thuật an toàn hóa chất"]),
    ("Y tế", "health", "province",
     ["chứng chỉ hành nghề dược", "giấy phép hành nghề khám bệnh, chữa bệnh",
      "giấy chứng nhận đủ điều kiện kinh doanh dược", "giấy phép hoạt động phòng khám",
      "giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm"]),
    ("Giáo dục và Đào tạo", "education", "province",
     ["giấy phép tổ chức hoạt động dạy thêm", "quyết định cho phép trung tâm ngoại ngữ hoạt động",
      "bản sao văn bằng, chứng chỉ từ sổ gốc", "giấy chứng nhận kiểm định chất lượng giáo dục",
      "quyết định công nhận trường đạt chuẩn quốc gia"]),
    ("Lao động, việc làm", "home_affairs", "province",
     ["giấy phép lao động cho người nước ngoài", "giấy phép hoạt động dịch vụ việc làm",
      "giấy phép cho thuê lại lao động", "trợ cấp thất nghiệp",
      "giấy chứng nhận đăng ký nội quy lao động"]),
    ("Văn hóa, thể thao và du lịch", "culture", "province",
     ["giấy phép kinh doanh dịch vụ lữ hành nội địa", "thẻ hướng dẫn viên du lịch",
      "giấy phép tổ chức biểu diễn nghệ thuật", "giấy chứng nhận đủ điều kiện kinh doanh karaoke",
      "quyết định công nhận điểm du lịch"]),
    ("Khoa học và công nghệ", "science", "province",
     ["giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
      "giấy phép tiến hành công việc bức xạ", "chứng chỉ nhân viên bức xạ",
      "giấy chứng nhận doanh nghiệp khoa học và công nghệ",
      "giấy chứng nhận đăng ký kết quả thực hiện nhiệm vụ khoa học"]),
    ("Tư pháp", "justice", "province",
     ["thẻ công chứng viên", "giấy đăng ký hoạt động văn phòng công chứng",
      "giấy đăng ký hoạt động của tổ chức hành nghề luật sư",
      "thẻ đấu giá viên", "giấy đăng ký hoạt động trung tâm trọng tài"]),
    ("Xây dựng", "construction", "province",
     ["chứng chỉ hành nghề hoạt động xây dựng", "chứng chỉ năng lực hoạt động xây dựng",
      "giấy phép di dời công trình", "văn bản thẩm định thiết kế xây dựng",
      "giấy phép xây dựng công trình cấp đặc biệt, cấp I"]),
    ("Đất đai (cấp xã)", "commune", "commune",
     ["xác nhận nguồn gốc sử dụng đất", "đăng ký biến động quyền sử dụng đất",
      "giấy chứng nhận quyền sử dụng đất do đo đạc lại", "quyết định giao đất cho hộ gia đình",
      "xác nhận hiện trạng sử dụng đất"]),
    ("Bảo trợ xã hội", "commune", "commune",
     ["trợ cấp xã hội hằng tháng", "hỗ trợ chi phí mai táng", "giấy xác nhận khuyết tật",
      "hỗ trợ khẩn cấp do thiên tai", "công nhận hộ nghèo, hộ cận nghèo"]),
    ("Người có công", "commune", "commune",
     ["trợ cấp ưu đãi người có công", "giấy xác nhận thân nhân liệt sĩ",
      "trợ cấp thờ cúng liệt sĩ", "hỗ trợ cải thiện nhà ở người có công",
      "bảo hiểm y tế cho thân nhân người có công"]),
    ("Nội vụ", "home_affairs", "province",
     ["quyết định công nhận ban vận động thành lập hội", "giấy phép thành lập quỹ xã hội",
      "quyết định công nhận điều lệ hội", "danh hiệu thi đua", "hình thức khen thưởng"]),
    ("Tài chính", "finance", "province",
     ["mã số đơn vị có quan hệ với ngân sách", "giấy chứng nhận đăng ký đầu tư",
      "quyết định chủ trương đầu tư", "giấy chứng nhận đăng ký hoạt động chi nhánh",
      "giấy chứng nhận đăng ký hợp tác xã"]),
    ("Tôn giáo, tín ngưỡng", "home_affairs", "province",
     ["văn bản chấp thuận tổ chức lễ hội tín ngưỡng", "giấy chứng nhận đăng ký sinh hoạt tôn giáo tập trung",
      "văn bản chấp thuận việc tổ chức hội nghị tôn giáo", "văn bản chấp thuận việc cải tạo công trình tín ngưỡng",
      "văn bản chấp thuận mở lớp bồi dưỡng tôn giáo"]),
    ("Thi đua, khen thưởng (cấp xã)", "commune", "commune",
     ["danh hiệu gia đình văn hóa", "danh hiệu khu dân cư văn hóa", "giấy khen của Chủ tịch UBND xã",
      "danh hiệu lao động tiên tiến", "khen thưởng đột xuất"]),
    ("Hộ tịch (thủ tục khác)", "commune", "commune",
     ["thông tin hộ tịch điện tử", "trích lục ghi chú ly hôn", "trích lục thay đổi hộ tịch",
      "trích lục giám hộ", "trích lục nhận cha, mẹ, con"]),
    ("Quy hoạch, kiến trúc", "construction", "province",
     ["giấy phép quy hoạch", "chứng chỉ quy hoạch", "thỏa thuận phương án kiến trúc",
      "văn bản góp ý thiết kế đô thị", "chứng chỉ hành nghề kiến trúc"]),
]


def _fallback(role: str, by_kind: dict[str, list[Agency]], all_agencies: list[Agency]
              ) -> Agency | None:
    if role == "commune":
        for kind in (Agency.Kind.COMMUNE, Agency.Kind.PEOPLES_COMMITTEE):
            if by_kind.get(kind):
                return by_kind[kind][0]
        return all_agencies[0] if all_agencies else None
    if role == "province":
        committees = by_kind.get(Agency.Kind.PEOPLES_COMMITTEE) or all_agencies
        return committees[0] if committees else None
    if role == "service_centre" and by_kind.get(Agency.Kind.SERVICE_CENTRE):
        return by_kind[Agency.Kind.SERVICE_CENTRE][0]
    words = ROLES.get(role, ())
    for agency in all_agencies:
        name = fold(agency.name)
        if words and any(w in name for w in words):
            return agency
    return None


def resolve_agencies(agencies: dict[str, Agency] | None = None) -> dict[str, Agency]:
    """Every role in ROLES mapped to an agency: the ones given, then the first that fits."""
    out = dict(agencies or {})
    missing = [r for r in ROLES if r not in out]
    if not missing:
        return out
    all_agencies = list(Agency.objects.filter(is_active=True).order_by("code"))
    if not all_agencies:
        raise RuntimeError("Chưa có cơ quan nào: nạp danh bạ cơ quan trước (tinhso demo).")
    by_kind: dict[str, list[Agency]] = {}
    for a in all_agencies:
        by_kind.setdefault(a.kind, []).append(a)
    for role in missing:
        found = _fallback(role, by_kind, all_agencies)
        if found is None and role in _ROLE_FALLBACK:
            found = out.get(_ROLE_FALLBACK[role]) or _fallback(_ROLE_FALLBACK[role], by_kind,
                                                                all_agencies)
        if found is None:
            departments = by_kind.get(Agency.Kind.DEPARTMENT) or all_agencies
            found = departments[0]
        out[role] = found
    return out


def _real_rows(roles: dict[str, Agency]) -> list[dict[str, Any]]:
    rows = []
    for (code, code_src, name, field, role, gov, online, legacy, deadline, fees, docs, result,
         legal, joint) in REAL:
        value, unit, note = deadline
        rows.append({
            "code": code, "name": name, "field": field, "agency_code": roles[role].code,
            "online_level": online, "legacy_level": legacy, "government_level": gov,
            "deadline_value": value, "deadline_unit": unit, "deadline_note": note,
            "result_type": result, "legal_basis": legal, "is_joint": joint,
            "effective_from": DEMO_EFFECTIVE_FROM, "required_documents": docs, "fees": fees,
            "sources": {"code": _SRC_CODE[code_src], "code_status": code_src,
                        "facts": _SRC_FACTS,
                        **({"fees": _FEES_UNKNOWN} if not fees and code not in FREE_BY_LAW
                           else {})},
        })
    return rows


def _generated_rows(roles: dict[str, Agency], full: int, partial: int) -> list[dict[str, Any]]:
    per_field = [
        [(field, role, gov, action, obj) for obj in objects for action in _ACTIONS]
        for (field, role, gov, objects) in _GENERATED_FIELDS
    ]
    # Round-robin over the fields, so that any prefix of the list spreads over all of them.
    ordered = [c for group in itertools.zip_longest(*per_field) for c in group if c]
    needed = full + partial
    if needed > len(ordered):
        raise RuntimeError("not enough generated names")  # our own table is too small
    rows = []
    for i, (field, role, gov, action, obj) in enumerate(ordered[:needed]):
        # Spread the partial ones evenly rather than putting them all at the end.
        is_partial = partial and (i * partial) // needed != ((i + 1) * partial) // needed
        level = OnlineLevel.PARTIAL if is_partial else OnlineLevel.FULL
        rows.append({
            "code": f"9.{100001 + i:06d}", "name": f"{action} {obj}", "field": field,
            "agency_code": roles[role].code, "online_level": level.value,
            "legacy_level": 3 if is_partial else 4, "government_level": gov,
            "deadline_value": (3, 5, 7, 10, 15, 20)[i % 6], "deadline_unit": "day",
            "result_type": obj[:1].upper() + obj[1:], "is_joint": i % 17 == 0,
            "effective_from": DEMO_EFFECTIVE_FROM,
            "required_documents": [
                {"name": f"Đơn đề nghị {action.lower()} {obj}", "file_types": ["pdf", "docx"]},
                {"name": "Giấy tờ chứng minh đủ điều kiện theo quy định", "file_types": ["pdf"],
                 "mandatory": i % 3 != 0},
            ],
            "fees": [] if i % 4 else [{"amount": (50000, 100000, 150000)[i % 3],
                                       "description": "Phí thẩm định hồ sơ (số liệu minh họa)"}],
            "sources": {"generated": True,
                        "note": "Thủ tục minh họa sinh tự động; không phải thủ tục thật."},
        })
    return rows


@transaction.atomic
def load_catalog(*, agencies: dict[str, Agency] | None = None,
                 progress: Callable[[int], Any] | None = None) -> int:
    """Load the demo catalog; procedures already there (by code) are left as they are.
    Returns how many procedures were created. `progress(n)` is told of each batch done."""
    roles = resolve_agencies(agencies)
    real = _real_rows(roles)
    real_full = sum(1 for r in real if r["online_level"] == OnlineLevel.FULL)
    real_partial = sum(1 for r in real if r["online_level"] == OnlineLevel.PARTIAL)
    generated = _generated_rows(roles, TOTAL_FULL - real_full, TOTAL_PARTIAL - real_partial)
    agency_by_code = {a.code: a for a in roles.values()}
    rows: list[tuple[ProcedureData, bool]] = []
    for raw, is_generated in [(r, False) for r in real] + [(r, True) for r in generated]:
        rows.append((clean_procedure(raw, known_agency_codes=set(agency_by_code)), is_generated))
    created = 0
    for start in range(0, len(rows), 300):
        batch = rows[start:start + 300]
        created += load_versions(batch, agencies=agency_by_code)
        if progress:
            progress(len(batch))
    if created:
        audit_record(actor=None, action="catalog.demo_load", object_type="catalog.catalog",
                     object_id="catalog", data={"created": created})
    return created
