"""The demo year of documents: sized and mixed like the report, numbered as the registers
number, signed once (shared templates), and consistent with the monthly rollup."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count

from tinhso.core.text import fold
from tinhso.directory.demo import load_agencies
from tinhso.directory.services import units_import
from tinhso.documents import demo
from tinhso.documents.demo import (
    AGENCY_RATE,
    PERSONAL_RATE,
    expected_documents,
    load_documents,
    unload_documents,
)
from tinhso.documents.files import pdf_read
from tinhso.documents.kinds import Confidentiality, DocStatus, DocType, IncomingStatus
from tinhso.documents.models import (
    Document,
    DocumentEvent,
    DocumentFile,
    DocumentStatMonth,
    IncomingRecord,
    NumberCounter,
    search_text,
)
from tinhso.documents.notation import parse_notation
from tinhso.documents.rollups import COUNTERS, doc_stats_recount

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 11, 27, 10, 30, tzinfo=TZ)
SCALE = 0.0004  # about 1,400 documents


@pytest.fixture
def province(pki, settings, tmp_path):
    """The demo province's agencies, and the signing fixture's leader and agency (with their
    certificates) to sign the templates."""
    settings.MEDIA_ROOT = tmp_path / "media"
    units_import(province_codes=["38"])
    load_agencies("38")
    return "38"


def _rollup() -> dict[tuple[dt.date, int], dict[str, int]]:
    return {(r.month, r.agency_id): {c: getattr(r, c) for c in COUNTERS}
            for r in DocumentStatMonth.objects.all()}


def _recount() -> dict[tuple[dt.date, int], dict[str, int]]:
    counts = doc_stats_recount(province_code="38", first=dt.date(2024, 1, 1),
                               end=dt.date(2028, 1, 1))
    return {k: {c: v.get(c, 0) for c in COUNTERS} for k, v in counts.items()}


def _snapshot() -> list[tuple[object, ...]]:
    return list(Document.objects.order_by("agency__code", "year", "number").values_list(
        "agency__code", "year", "number", "notation", "doc_type", "subject", "urgency",
        "confidentiality", "status", "issued_on", "sent_at"))


def test_a_small_year_matches_the_report_and_its_rollup(province):
    made = load_documents(province_code=province, scale=SCALE, now=NOW)
    assert made == Document.objects.count()
    assert abs(made - expected_documents(SCALE)) <= 0.02 * made

    personal = DocumentFile.objects.filter(kind=DocumentFile.Kind.PERSONAL).count()
    sealed = DocumentFile.objects.filter(kind=DocumentFile.Kind.AGENCY).count()
    assert abs(personal / made - PERSONAL_RATE) < 0.01
    assert abs(sealed / made - AGENCY_RATE) < 0.01

    types = Counter(Document.objects.values_list("doc_type", flat=True))
    assert types.most_common(1)[0][0] == DocType.CONG_VAN
    assert 0.45 < types[DocType.CONG_VAN] / made < 0.65
    for common in (DocType.QUYET_DINH, DocType.BAO_CAO, DocType.TO_TRINH, DocType.KE_HOACH,
                   DocType.THONG_BAO):
        assert types[common] > 0

    # Nothing in the window's future; working days carry nearly everything.
    first, last = demo.demo_window(None, NOW)
    days = list(Document.objects.values_list("issued_on", flat=True))
    assert min(days) >= first and max(days) <= last
    assert sum(1 for d in days if d.weekday() < 5) / made > 0.95

    # The rollup says what the documents' history says, and the totals are the rows'.
    assert _rollup() == _recount()
    totals = Counter[str]()
    for counts in _rollup().values():
        totals.update(counts)
    assert totals["issued"] == made
    assert totals["personal_signed"] == personal and totals["agency_signed"] == sealed
    sent = Document.objects.filter(status=DocStatus.SENT).count()
    assert totals["sent_online"] == sent
    assert totals["received_online"] == IncomingRecord.objects.count() > sent


def test_numbers_follow_the_registers_and_notations_the_decree(province):
    load_documents(province_code=province, scale=SCALE, now=NOW)
    by_register: dict[tuple[int, int], list[tuple[dt.datetime, int]]] = {}
    for doc in Document.objects.select_related("agency"):
        assert doc.search_folded == search_text(doc.doc_type, doc.notation, doc.subject,
                                                doc.body)
        parsed = parse_notation(doc.notation, doc_type=doc.doc_type)
        assert parsed.number == doc.number and doc.year == doc.issued_on.year
        assert doc.agency.short_name in (parsed.agency, parsed.unit)
        assert doc.registered_at is not None
        by_register.setdefault((doc.agency_id, doc.year), []).append(
            (doc.registered_at, doc.number))
    for rows in by_register.values():
        rows.sort()
        assert [n for _, n in rows] == list(range(1, len(rows) + 1))  # in order of issue
    arrivals: dict[tuple[int, int], list[tuple[dt.datetime, int]]] = {}
    for rec in IncomingRecord.objects.all():
        arrivals.setdefault((rec.agency_id, rec.year), []).append((rec.arrived_at, rec.number))
    for rows in arrivals.values():
        rows.sort()
        assert [n for _, n in rows] == list(range(1, len(rows) + 1))
    # Live registrations continue after the demo's numbers.
    for counter in NumberCounter.objects.filter(register="out"):
        assert counter.last == len(by_register[counter.agency_id, counter.year])


def test_documents_go_to_other_agencies_and_are_handled(province):
    load_documents(province_code=province, scale=SCALE, now=NOW)
    secret = Document.objects.exclude(confidentiality=Confidentiality.NORMAL)
    assert not IncomingRecord.objects.filter(document__in=secret).exists()  # never online
    assert not Document.objects.filter(status=DocStatus.SENT, sent_at__isnull=True).exists()
    for doc in Document.objects.filter(status=DocStatus.SENT).annotate(n=Count("incoming"))[:200]:
        recipients = set(doc.recipients.values_list("pk", flat=True))
        assert doc.agency_id not in recipients
        assert set(doc.incoming.values_list("agency_id", flat=True)) == recipients
    statuses = Counter(IncomingRecord.objects.values_list("status", flat=True))
    assert statuses[IncomingStatus.DONE] / sum(statuses.values()) > 0.8
    today = NOW.date()
    overdue = IncomingRecord.objects.filter(deadline__lt=today).exclude(
        status=IncomingStatus.DONE)
    assert overdue.exists()
    done = IncomingRecord.objects.filter(status=IncomingStatus.DONE)
    assert not done.filter(done_at__isnull=True).exists()
    assert not done.filter(assignee__isnull=True).exists()
    assert not IncomingRecord.objects.filter(arrived_at__gt=NOW).exists()
    assert not IncomingRecord.objects.filter(done_at__gt=NOW).exists()


def test_files_share_a_few_signed_templates(province):
    made = load_documents(province_code=province, scale=SCALE, now=NOW)
    paths = set(DocumentFile.objects.values_list("storage_path", "sha256"))
    assert len(paths) <= 3  # small loads: the công văn's two revisions and the sealed scan
    assert DocumentFile.objects.count() > 1.9 * made
    for path, sha256 in paths:
        assert pdf_read(path, sha256).startswith(b"%PDF")  # stored once, checked
    rec = IncomingRecord.objects.filter(
        document__files__kind=DocumentFile.Kind.AGENCY).first()
    assert rec is not None and rec.verification["ok"] is True
    assert rec.verification["shared_template"] is True
    issue = DocumentEvent.objects.filter(action="issue").first()
    assert issue is not None and issue.data["shared_template"] is True


def test_the_same_seed_makes_the_same_year_and_loading_again_changes_nothing(province):
    first = load_documents(province_code=province, scale=SCALE, now=NOW)
    before = _snapshot()
    assert load_documents(province_code=province, scale=SCALE, now=NOW) == 0  # in place
    assert _snapshot() == before
    again = load_documents(province_code=province, scale=SCALE, now=NOW, replace=True)
    assert again == first
    assert _snapshot() == before
    assert _rollup() == _recount()
    unload_documents(province_code=province, now=NOW)
    assert not Document.objects.exists()
    assert all(not any(v.values()) for v in _recount().values())
    assert not DocumentStatMonth.objects.exclude(issued=0, received_online=0).exists()


def test_a_load_without_certificates_is_refused_with_a_reason(db):
    units_import(province_codes=["38"])
    load_agencies("38")
    with pytest.raises(ValueError, match="certificate"):
        load_documents(province_code="38", scale=SCALE, now=NOW)
    assert not Document.objects.exists()


def test_a_load_in_small_chunks_writes_every_chunk(province, monkeypatch):
    monkeypatch.setattr(demo, "CHUNK", 100)
    made = load_documents(province_code=province, scale=SCALE / 2, now=NOW)
    assert made == Document.objects.count() > 300
    assert _rollup() == _recount()


def test_registers_search_and_deep_pages_in_a_demo_year_cost_the_same_queries(province,
                                                                             monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tinhso.accounts.tests.factories import officer
    from tinhso.directory.models import Agency, Role
    from tinhso.documents import selectors
    from tinhso.documents.selectors import (
        RegisterFilters,
        incoming_register,
        outgoing_register,
        page_of,
    )

    load_documents(province_code=province, scale=SCALE, now=NOW)
    busiest = (IncomingRecord.objects.values("agency").annotate(n=Count("pk"))
               .order_by("-n").first())
    assert busiest is not None
    clerk = officer(Role.CLERK, Agency.objects.get(pk=busiest["agency"]))
    for rec in IncomingRecord.objects.select_related("document")[:300]:
        assert rec.search_folded == rec.document.search_folded  # kept as it arrived
    monkeypatch.setattr(selectors, "DEFERRED_JOIN_FROM", 20)
    for register in (outgoing_register, incoming_register):
        everything = list(register(clerk, RegisterFilters()))
        assert len(everything) > 45
        costs = []
        for page in (1, 2, 3):
            with CaptureQueriesContext(connection) as ctx:
                count, rows = page_of(register(clerk, RegisterFilters()), page=page,
                                      page_size=20)
                for row in rows:  # what a list shows, without more queries
                    doc = row if register is outgoing_register else row.document
                    _ = (doc.agency.name, doc.signer)
            assert count == len(everything)
            assert rows == everything[(page - 1) * 20:page * 20]  # deep pages in order
            costs.append(len(ctx.captured_queries))
        assert costs[1] == costs[2] == costs[0] + 1  # the keys first, then the rows
        word = fold(everything[0].subject if register is outgoing_register
                    else everything[0].document.subject).split()[-1]
        found = list(register(clerk, RegisterFilters(q=word)))
        assert found and all(word in (r.search_folded) for r in found)
