"""Register numbers: per agency and year, restarting on 1 January, never reused or skipped,
unique when many clerks register at once."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.core.errors import DomainError
from tinhso.documents import services as s
from tinhso.documents.kinds import Register
from tinhso.documents.models import Document, IncomingRecord, NumberCounter
from tinhso.documents.numbering import next_number
from tinhso.documents.tests.world import make_world, vn


@pytest.mark.django_db
def test_numbers_count_per_agency_and_restart_each_year_in_vietnam_time():
    w = make_world()
    first = w.registered(at=vn(2026, 12, 31, 16, 0))
    second = w.registered(at=vn(2026, 12, 31, 23, 30))  # 16:30 UTC: still 2026 here
    other_agency = w.registered(w.ubnd, at=vn(2026, 12, 31, 17, 0))
    new_year = w.registered(at=vn(2027, 1, 1, 0, 10))
    assert [d.notation for d in (first, second, other_agency, new_year)] == [
        "01/QĐ-SNN", "02/QĐ-SNN", "01/QĐ-UBND", "01/QĐ-SNN"]
    assert [d.year for d in (first, second, new_year)] == [2026, 2026, 2027]


@pytest.mark.django_db
def test_a_rolled_back_registration_gives_its_number_back():
    agency = AgencyFactory()
    try:
        with transaction.atomic():
            next_number(agency, Register.OUTGOING, 2026)
            raise RuntimeError
    except RuntimeError:
        pass
    with transaction.atomic():
        assert next_number(agency, Register.OUTGOING, 2026) == 1


@pytest.mark.django_db
def test_a_refused_registration_uses_no_number():
    w = make_world()
    doc = w.signed()
    w.snn.agency.short_name = "S N N"
    w.snn.agency.save()
    with pytest.raises(DomainError):
        s.document_register(document=doc, actor=w.snn.clerk)
    w.snn.agency.short_name = "SNN"
    w.snn.agency.save()
    assert s.document_register(document=doc, actor=w.snn.clerk).number == 1


@pytest.mark.django_db
def test_outgoing_and_incoming_registers_count_separately():
    w = make_world()
    w.sent(w.stc, recipients=[w.ubnd.agency])
    w.sent(w.snn)  # to STC: its first arrival, while STC's outgoing register is at 1
    w.sent(w.snn)
    assert [r.number for r in IncomingRecord.objects.filter(agency=w.stc.agency)
            .order_by("number")] == [1, 2]
    assert NumberCounter.objects.get(agency=w.stc.agency, register=Register.OUTGOING).last == 1


@pytest.mark.django_db
def test_the_database_refuses_a_duplicate_number():
    w = make_world()
    doc = w.registered()
    twin = w.approved()
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.filter(pk=twin.pk).update(number=doc.number, year=doc.year,
                                                   notation=doc.notation)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent PostgreSQL")
def test_numbers_are_unique_and_gapless_when_clerks_register_at_once():
    agency = AgencyFactory()
    numbers: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(i: int) -> None:
        try:
            barrier.wait()
            for j in range(10):
                try:
                    with transaction.atomic():
                        n = next_number(agency, Register.OUTGOING, 2026)
                        if (i + j) % 7 == 0:
                            raise RuntimeError("rolled back")  # its number must come back
                        numbers.append(n)
                except RuntimeError:
                    pass
        except BaseException as exc:  # noqa: BLE001  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert NumberCounter.objects.get(agency=agency).last == len(numbers)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent PostgreSQL")
def test_clerks_registering_documents_at_once_get_distinct_notations():
    w = make_world()
    docs = [w.signed() for _ in range(16)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work(batch: list[Document]) -> None:
        try:
            barrier.wait()
            for doc in batch:
                s.document_register(document=doc, actor=w.snn.clerk, at=vn(2026, 5, 5, 9, 0))
        except BaseException as exc:  # noqa: BLE001  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(docs[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = sorted(Document.objects.filter(agency=w.snn.agency).values_list("number", flat=True))
    assert got == list(range(1, 17))
