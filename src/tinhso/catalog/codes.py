"""Procedure codes (mã thủ tục hành chính) as the National Database on Administrative Procedures
(CSDL quốc gia về TTHC, csdl.dichvucong.gov.vn) and the National Public Service Portal
(dichvucong.gov.vn) write them.

What is confirmed, and how:

- The national code is one digit, a dot and six digits: ``1.001193`` (Đăng ký khai sinh),
  ``2.000884`` (Chứng thực chữ ký), ``3.000182``. This is the ``ma_thu_tuc`` parameter of the
  portal's procedure pages (``dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc=1.001193``), seen
  in many public integrations of the portal.
- Provincial systems publish a longer form: the national code followed by a dotted suffix in the
  shape of an agency electronic identifier, e.g. ``1.001612.000.00.00.H48``,
  ``2.000884.000.00.00.H55``, ``3.000181.000.00.00.H22``, ``1.010708.000.00.00.H56`` (H56 is Thanh
  Hóa). The suffix has the shape ``ddd.dd.dd.Xdd`` (three digits, two, two, a capital letter and
  two digits), like ``000.00.17.H56``.

What is NOT confirmed (we accept it, but do not rely on it):

- the meaning of the first digit: leading digits 1, 2, 3, 5 and 6 have been seen; we accept 1-9;
- the meaning of the three numeric groups of the suffix (always ``000.00.00`` in what we saw);
- whether letters other than H (provinces) and G (ministries) occur in the suffix; we accept any
  capital letter.

Generated demo codes use the leading digit 9, which has not been seen in real codes, so they can
never collide with a real one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BASE_RE = r"[1-9]\.\d{6}"
SUFFIX_RE = r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}"
CODE_RE = re.compile(rf"(?P<base>{BASE_RE})(?:\.(?P<suffix>{SUFFIX_RE}))?", re.ASCII)
# For URL patterns: loose enough to reach the view, which then answers 404/422 precisely.
CODE_PATH_PATTERN = r"[0-9A-Za-z.]{1,40}"
MAX_LENGTH = 24  # 8 + 1 + 13 = 22, with a little room


@dataclass(frozen=True)
class ProcedureCode:
    base: str  # the national code, "1.001193"
    suffix: str  # "" or the agency-shaped suffix, "000.00.00.H56"

    def __str__(self) -> str:
        return f"{self.base}.{self.suffix}" if self.suffix else self.base

    @property
    def kind_digit(self) -> int:
        return int(self.base[0])


class InvalidProcedureCode(ValueError):
    pass


def parse_procedure_code(value: str) -> ProcedureCode:
    """Parse a code, accepting surrounding spaces and a lowercase suffix letter."""
    if not isinstance(value, str):
        raise InvalidProcedureCode("not a string")
    text = value.strip()
    text = text[:-3] + text[-3:].upper()  # the suffix letter: h56 -> H56
    match = CODE_RE.fullmatch(text)
    if not match:
        raise InvalidProcedureCode(value)
    return ProcedureCode(match["base"], match["suffix"] or "")


def normalize_procedure_code(value: str) -> str:
    return str(parse_procedure_code(value))


def is_procedure_code(value: str) -> bool:
    try:
        parse_procedure_code(value)
    except InvalidProcedureCode:
        return False
    return True


CODE_FORMAT_MESSAGE = _(
    "Mã thủ tục không hợp lệ: cần dạng 1.001193 hoặc 1.001193.000.00.00.H56."
)


def validate_procedure_code(value: str) -> None:
    """Django field validator."""
    if not is_procedure_code(value) or normalize_procedure_code(value) != value:
        raise ValidationError(CODE_FORMAT_MESSAGE, code="procedure_code")
