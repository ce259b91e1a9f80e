"""Register numbers: per agency, register (outgoing or incoming) and year, from 1.

One upsert both creates the year's counter and moves it, and holds its row until the caller's
transaction ends: concurrent clerks queue, none shares a number, and a rolled-back registration
gives its number back, so numbers are neither reused nor skipped. A new year has a new row, so
numbering restarts at 1 on 1 January (Vietnam time)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection

from tinhso.directory.models import Agency
from tinhso.documents.models import NumberCounter

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_date(at: dt.datetime) -> dt.date:
    return at.astimezone(TZ).date()


def next_number(agency: Agency, register: str, year: int) -> int:
    """The next number in `agency`'s `register` for `year`. Must run inside a transaction."""
    q = connection.ops.quote_name
    table, last = q(NumberCounter._meta.db_table), q("last")
    keys = ", ".join(q(c) for c in ("agency_id", "register", "year"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({keys}, {last}) VALUES (%s, %s, %s, 1) "  # noqa: S608
            f"ON CONFLICT ({keys}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}",
            [agency.pk, register, year],
        )
        return int(cursor.fetchone()[0])
