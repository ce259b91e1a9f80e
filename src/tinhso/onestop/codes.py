"""Dossier codes: `<receiving agency code>-<yyMMdd>-<sequence>`, e.g. `000.01.01.H56-251127-0001`.

The sequence counts per receiving agency and local (Vietnam) day from 0001. It is four digits
wide; an agency that receives more than 9,999 dossiers on one day keeps counting with five
digits (`...-251127-10000`), so codes stay unique and still sort by number within a width.
Numbers are handed out under a row lock on the agency's `DayCounter`, so two desks submitting
at the same moment never get the same code; a rolled-back submission gives its number back.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection

from tinhso.core.onetrip import fetch
from tinhso.directory.models import Agency
from tinhso.onestop.models import DayCounter

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
WIDTH = 4

DOSSIER_CODE_RE = re.compile(
    r"^(?P<agency>\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(?P<day>\d{6})-(?P<seq>\d{4}|[1-9]\d{4,})$"
)


class InvalidDossierCode(ValueError):
    pass


@dataclass(frozen=True)
class DossierCode:
    agency_code: str
    day: dt.date
    sequence: int

    def __str__(self) -> str:
        return format_dossier_code(self.agency_code, self.day, self.sequence)


def format_dossier_code(agency_code: str, day: dt.date, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{agency_code}-{day:%y%m%d}-{sequence:0{WIDTH}d}"


def parse_dossier_code(value: str) -> DossierCode:
    """Parse a code as printed (surrounding spaces and lowercase letters tolerated)."""
    text = value.strip().upper() if isinstance(value, str) else ""
    match = DOSSIER_CODE_RE.match(text)
    if not match:
        raise InvalidDossierCode("Mã hồ sơ không hợp lệ: cần dạng 000.01.01.H56-251127-0001.")
    raw_day = match["day"]
    try:
        day = dt.date(2000 + int(raw_day[:2]), int(raw_day[2:4]), int(raw_day[4:]))
    except ValueError:
        raise InvalidDossierCode("Ngày trong mã hồ sơ không hợp lệ.") from None
    sequence = int(match["seq"])
    if sequence < 1:
        raise InvalidDossierCode("Số thứ tự trong mã hồ sơ bắt đầu từ 0001.")
    return DossierCode(match["agency"], day, sequence)


def normalize_dossier_code(value: str) -> str:
    return str(parse_dossier_code(value))


def is_dossier_code(value: str) -> bool:
    try:
        parse_dossier_code(value)
    except InvalidDossierCode:
        return False
    return True


def local_day(at: dt.datetime) -> dt.date:
    return at.astimezone(TZ).date()


def next_sequence(agency: Agency, day: dt.date) -> int:
    """The next number for `agency` on `day`: one upsert that also locks the counter row until
    the caller's transaction ends, so concurrent desks queue and never share a number. Must run
    inside a transaction."""
    q = connection.ops.quote_name
    table, last = q(DayCounter._meta.db_table), q("last")
    rows = fetch(  # prepared on PostgreSQL: this runs for every new dossier
        f"INSERT INTO {table} ({q('agency_id')}, {q('day')}, {last}) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT ({q('agency_id')}, {q('day')}) DO UPDATE SET {last} = {table}.{last} + 1 "
        f"RETURNING {last}",
        [agency.pk, connection.ops.adapt_datefield_value(day)],
    )
    return int(rows[0][0])


def next_dossier_code(agency: Agency, at: dt.datetime) -> str:
    day = local_day(at)
    return format_dossier_code(agency.code, day, next_sequence(agency, day))
