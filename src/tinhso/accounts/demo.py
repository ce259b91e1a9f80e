"""Demo people: an account for each role, citizens with valid ID numbers and businesses with
valid tax codes. Idempotent: existing accounts are left as they are."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from stdnum.vn import mst

from tinhso.accounts.models import User
from tinhso.core.audit import audit_record
from tinhso.directory.models import Agency, Grant, Role

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng", "Ngô", "Lê Thị",
            "Nguyễn Thị", "Trịnh", "Mai", "Hà"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hòa", "Hùng", "Lan",
         "Linh", "Mai", "Minh", "Nam", "Ngọc", "Phương", "Quang", "Sơn", "Thảo", "Trang", "Tuấn",
         "Vân", "Yến"]
BUSINESS_KINDS = ["Công ty TNHH", "Công ty Cổ phần", "Hợp tác xã", "Doanh nghiệp tư nhân"]
BUSINESS_NAMES = ["Nông sản Xứ Thanh", "Cói Nga Sơn", "Nem chua Thanh Hóa", "Du lịch Sầm Sơn",
                  "Xây dựng Hàm Rồng", "Dược liệu Pù Luông", "Thủy sản Hậu Lộc", "Gốm Lò Chum"]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: Role
    agency: Agency | None


def citizen_id_for(rng: random.Random, province: str = "038") -> str:
    year = rng.randint(1950, 2005)
    century_sex = (0 if year < 2000 else 2) + rng.randint(0, 1)
    return f"{province}{century_sex}{year % 100:02d}{rng.randint(0, 999999):06d}"


def tax_code_for(rng: random.Random) -> str:
    while True:
        # Thanh Hóa's tax codes begin with 28 (the provincial tax office's prefix).
        body = "28" + f"{rng.randint(0, 9_999_999):07d}"
        check = mst.calc_check_digit(body)
        if len(check) == 1:
            return body + check


def staff_accounts(agencies: dict[str, Agency]) -> list[DemoAccount]:
    return [
        DemoAccount("banchidao", "Ban Chỉ đạo chuyển đổi số tỉnh", Role.OBSERVER, None),
        DemoAccount("motcua", "Lê Thị Thu (một cửa, Trung tâm PVHCC)", Role.ONESTOP_OFFICER,
                    agencies["service_centre"]),
        DemoAccount("chuyenvien", "Phạm Văn Đức (chuyên viên Sở Tư pháp)", Role.SPECIALIST,
                    agencies["justice"]),
        DemoAccount("lanhdao", "Nguyễn Văn Hùng (Giám đốc Sở Tư pháp)", Role.LEADER,
                    agencies["justice"]),
        DemoAccount("vanthu", "Trần Thị Mai (văn thư Văn phòng UBND tỉnh)", Role.CLERK,
                    agencies["office"]),
        DemoAccount("quantri.stp", "Hoàng Minh Tuấn (quản trị Sở Tư pháp)", Role.AGENCY_ADMIN,
                    agencies["justice"]),
        DemoAccount("motcua.xa", "Đỗ Thị Lan (một cửa cấp xã)", Role.ONESTOP_OFFICER,
                    agencies["commune"]),
        DemoAccount("chuyenvien.xa", "Bùi Văn Nam (công chức tư pháp - hộ tịch xã)",
                    Role.SPECIALIST, agencies["commune"]),
        DemoAccount("lanhdao.xa", "Vũ Quang Sơn (Chủ tịch UBND xã)", Role.LEADER,
                    agencies["commune"]),
    ]


@transaction.atomic
def load_people(*, agencies: dict[str, Agency], province_code: str, admin_password: str,
                demo_password: str, citizens: int = 200, businesses: int = 50) -> list[str]:
    """Create the demo accounts; returns the usernames created now (empty on a re-run)."""
    created: list[str] = []
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User(username="admin", full_name="Quản trị hệ thống tỉnh", kind=User.Kind.OFFICER,
                     is_staff=True, is_superuser=True)
        admin.set_password(admin_password)
        admin.save()
        created.append("admin")
        audit_record(actor=None, object_type="accounts.user", object_id=str(admin.pk),
                     action="account.bootstrap_admin", data={"province": province_code})
    Grant.objects.get_or_create(user=admin, role=Role.PROVINCE_ADMIN, agency=None,
                                province_code=province_code)

    for acc in staff_accounts(agencies):
        user = User.objects.filter(username=acc.username).first()
        if user is None:
            user = User(username=acc.username, full_name=acc.full_name, kind=User.Kind.OFFICER)
            user.set_password(demo_password)
            user.save()
            created.append(acc.username)
        Grant.objects.get_or_create(
            user=user, role=acc.role, agency=acc.agency,
            province_code=acc.agency.province_code if acc.agency else province_code,
        )

    rng = random.Random(38)  # the same demo people on every machine
    existing = set(User.objects.filter(username__startswith="congdan").values_list("username", flat=True))
    new_people: list[User] = []
    probe = User()
    probe.set_password(demo_password)
    password_hash = probe.password  # one hash shared by the demo citizens: hashing is slow
    used_ids = {c for c in User.objects.values_list("citizen_id", flat=True) if c}
    for i in range(1, citizens + 1):
        name = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"
        cid = citizen_id_for(rng)
        username = f"congdan{i}"
        if username in existing or cid in used_ids:
            continue
        used_ids.add(cid)
        new_people.append(User(username=username, full_name=name, kind=User.Kind.CITIZEN,
                               citizen_id=cid, password=password_hash,
                               address=f"Số {rng.randint(1, 200)}, tỉnh Thanh Hóa"))
    used_tax = {t for t in User.objects.values_list("tax_code", flat=True) if t}
    existing_b = set(User.objects.filter(username__startswith="doanhnghiep").values_list("username", flat=True))
    for i in range(1, businesses + 1):
        tax = tax_code_for(rng)
        username = f"doanhnghiep{i}"
        name = f"{rng.choice(BUSINESS_KINDS)} {rng.choice(BUSINESS_NAMES)} {i}"
        if username in existing_b or tax in used_tax:
            continue
        used_tax.add(tax)
        new_people.append(User(username=username, full_name=name, kind=User.Kind.BUSINESS,
                               tax_code=tax, password=password_hash))
    User.objects.bulk_create(new_people, batch_size=500)
    created.extend(u.username for u in new_people)
    return created
