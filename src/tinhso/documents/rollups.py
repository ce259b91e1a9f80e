"""The documents' monthly rollup (`DocumentStatMonth`), kept by the services in the same
transaction as each counted step, and recounted from the documents' history for checking.

What counts, on the month (Vietnam time) of the step:
- issued: an outgoing document issued (numbered, the agency's signature applied), for the
  issuing agency; personal_signed / agency_signed: of those, the ones whose kept files carry the
  signer's personal signature / the agency's;
- sent_online: an issued document sent electronically (once, however many recipients);
- received_online: a document received electronically by an agency (one per agency), whether
  from this installation or another (`exchange`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import connection
from django.utils import timezone

from tinhso.directory.models import Agency
from tinhso.documents.models import DocumentEvent, DocumentFile, DocumentStatMonth

COUNTERS = ("issued", "personal_signed", "agency_signed", "sent_online", "received_online")
Key = tuple[dt.date, int]  # month, agency id


def month_of(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date().replace(day=1)


def doc_stat_bump(agency: Agency, at: dt.datetime, counts: dict[str, int]) -> None:
    """Add `counts` to the agency's row for the month of `at` (one upsert; inside the step's
    transaction)."""
    counts = {k: v for k, v in counts.items() if v}
    if not counts:
        return
    unknown = set(counts) - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown document counters {sorted(unknown)}")
    q = connection.ops.quote_name
    table = q(DocumentStatMonth._meta.db_table)
    columns = ["month", "province_code", "agency_id", *COUNTERS]
    adds = ", ".join(f"{q(c)} = {table}.{q(c)} + EXCLUDED.{q(c)}" for c in sorted(counts))
    month = connection.ops.adapt_datefield_value(month_of(at))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT ({q('agency_id')}, {q('month')}) DO UPDATE SET {adds}",
            [month, agency.province_code, agency.pk, *(counts.get(c, 0) for c in COUNTERS)])


def doc_stats_recount(*, province_code: str, first: dt.date, end: dt.date,
                      agency_id: int | None = None) -> dict[Key, dict[str, int]]:
    """The same counts from the documents' history (events and kept files) for the months in
    [first, end): what the rollup must equal."""
    start = dt.datetime.combine(first, dt.time(), tzinfo=timezone.get_current_timezone())
    stop = dt.datetime.combine(end, dt.time(), tzinfo=timezone.get_current_timezone())
    # By the event's agency (the issuing agency, or the receiving one): a document received
    # from another province is that province's document but this province's receipt.
    events = DocumentEvent.objects.filter(
        agency__province_code=province_code, at__gte=start, at__lt=stop,
        action__in=("issue", "send", "incoming.receive"))
    out: dict[Key, Counter[str]] = {}
    issued: list[Any] = []
    for action, at, doc_id, event_agency in events.values_list(
            "action", "at", "document_id", "agency_id"):
        key = (month_of(at), event_agency)
        if action == "incoming.receive":
            counter = "received_online"
        else:
            counter = "issued" if action == "issue" else "sent_online"
            if action == "issue":
                issued.append((key, doc_id))
        out.setdefault(key, Counter())[counter] += 1
    kinds: dict[int, set[str]] = {}
    for doc_id, kind in DocumentFile.objects.filter(
            document_id__in=[d for _, d in issued]).values_list("document_id", "kind"):
        kinds.setdefault(doc_id, set()).add(kind)
    for key, doc_id in issued:
        have = kinds.get(doc_id, set())
        out[key]["personal_signed"] += DocumentFile.Kind.PERSONAL in have
        out[key]["agency_signed"] += DocumentFile.Kind.AGENCY in have
    return {k: dict(v) for k, v in out.items()
            if agency_id is None or k[1] == agency_id}
