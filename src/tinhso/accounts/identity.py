"""Validation of the numbers that identify people and businesses.

Citizen ID (căn cước, 12 digits, Circular 59/2021/TT-BCA): 3 digits of the province of birth
(or of registration), 1 digit for century and sex, 2 digits of the year of birth, 6 random
digits. Century/sex digit: 0/1 for the 20th century (male/female), 2/3 for the 21st, 4/5 for
the 22nd, 6/7 for the 23rd, 8/9 for the 24th. The number has no check digit.

Tax code (mã số thuế): 10 digits with a check digit, or 13 for a branch (10 + "-" + 3);
python-stdnum's `vn.mst` implements the check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

# Province codes in citizen IDs: the 63 pre-2025 provinces (Decree 137/2015 annex), which
# stay valid for numbers already issued.
CITIZEN_ID_PROVINCE_CODES = frozenset(
    """001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034
    035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070
    072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096""".split()
)


class IdentityError(ValueError):
    pass


@dataclass(frozen=True)
class CitizenId:
    number: str
    province_code: str
    birth_year: int
    sex: str  # "male" or "female"


def parse_citizen_id(value: str, *, today: dt.date | None = None) -> CitizenId:
    number = "".join(value.split())
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        raise IdentityError("Số định danh cá nhân phải gồm đúng 12 chữ số.")
    province = number[:3]
    if province not in CITIZEN_ID_PROVINCE_CODES:
        raise IdentityError("Ba chữ số đầu không phải mã tỉnh nơi đăng ký khai sinh hợp lệ.")
    century_sex = int(number[3])
    century = 1900 + 100 * (century_sex // 2)
    year = century + int(number[4:6])
    today = today or dt.datetime.now(dt.UTC).date()
    if year > today.year:
        raise IdentityError("Năm sinh trong số định danh nằm ở tương lai.")
    if year < today.year - 130:
        raise IdentityError("Năm sinh trong số định danh không hợp lệ.")
    return CitizenId(number, province, year, "female" if century_sex % 2 else "male")


def normalize_tax_code(value: str) -> str:
    """Return the tax code in its standard form (10 digits or 10-3), or raise IdentityError."""
    try:
        return str(mst.format(mst.validate(value)))
    except StdnumError as exc:
        raise IdentityError("Mã số thuế không hợp lệ (sai độ dài hoặc chữ số kiểm tra).") from exc
