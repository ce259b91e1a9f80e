"""Number and notation (số, ký hiệu) as Decree 30/2020/NĐ-CP writes them.

`05/QĐ-UBND`: the number (a leading zero below 10), "/", the type's abbreviation, "-", the
issuing agency's abbreviation; no spaces. A công văn (and a thư công) has no type
abbreviation: `45/SNN-VP` is the agency's, then the drafting unit's (or the field's).

Read without its type, `12/TTr-VP` is ambiguous when an agency's abbreviation equals a type's
(Thanh tra tỉnh is "TTr", a tờ trình is "TTr"); `parse_notation` then reads it as the typed
form unless told the type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tinhso.documents.kinds import ABBREVIATIONS, TYPE_BY_ABBREVIATION, UNIT_NOTATION_TYPES

PART = r"[A-Za-zĐđ][A-Za-zĐđ0-9]*"
PART_RE = re.compile(rf"\A{PART}\Z")
NOTATION_RE = re.compile(rf"^(?P<number>0[1-9]|[1-9]\d+)/(?P<first>{PART})-(?P<second>{PART})\Z")
MAX_PART = 16


class InvalidNotation(ValueError):
    pass


@dataclass(frozen=True)
class Notation:
    number: int
    doc_type: str
    agency: str  # the issuing agency's abbreviation
    unit: str = ""  # the drafting unit's (công văn, thư công only)

    def __str__(self) -> str:
        return format_notation(self.number, self.doc_type, self.agency, self.unit)


def is_abbreviation(value: str) -> bool:
    return bool(PART_RE.match(value)) and len(value) <= MAX_PART


def format_number(number: int) -> str:
    if number < 1:
        raise InvalidNotation("numbers start at 1")
    return f"{number:02d}"


def format_notation(number: int, doc_type: str, agency: str, unit: str = "") -> str:
    """`05/QĐ-UBND`, or `45/SNN-VP` for a công văn (unit = the drafting unit)."""
    if doc_type in UNIT_NOTATION_TYPES:
        parts = (agency, unit)
    elif doc_type in ABBREVIATIONS:
        parts = (ABBREVIATIONS[doc_type], agency)
    else:
        raise InvalidNotation(f"unknown document type {doc_type!r}")
    for part in parts:
        if not is_abbreviation(part):
            raise InvalidNotation(f"not an abbreviation: {part!r}")
    return f"{format_number(number)}/{parts[0]}-{parts[1]}"


def parse_notation(value: str, *, doc_type: str = "") -> Notation:
    """Read a notation as printed (surrounding spaces tolerated)."""
    match = NOTATION_RE.match(value.strip() if isinstance(value, str) else "")
    if not match:
        raise InvalidNotation("expected the form 05/QĐ-UBND or 45/SNN-VP")
    number, first, second = int(match["number"]), match["first"], match["second"]
    if len(first) > MAX_PART or len(second) > MAX_PART:
        raise InvalidNotation("abbreviation too long")
    if not doc_type:
        doc_type = TYPE_BY_ABBREVIATION.get(first, "cong_van")
    if doc_type in UNIT_NOTATION_TYPES:
        return Notation(number, doc_type, agency=first, unit=second)
    if ABBREVIATIONS.get(doc_type) != first:
        raise InvalidNotation("the abbreviation does not match the document type")
    return Notation(number, doc_type, agency=second)
