"""core.onetrip: rows written together are the rows the ORM would write; a failing row leaves
nothing; the statements still show where Django lists queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.core.audit import audit_record, audit_row, audit_verify
from tinhso.core.models import AuditEvent
from tinhso.core.onetrip import Trip, fetch
from tinhso.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields
            if not f.primary_key}


def _note(n: int, at: dt.datetime) -> Notification:
    return Notification(channel="email", recipient=f"n{n}@example.vn", subject=f"Hồ sơ {n}",
                        body="Nội dung có dấu: Trường hợp «đặc biệt»", reference=f"R-{n}",
                        created_at=at, next_attempt_at=at)


def test_rows_written_together_read_back_as_the_orm_writes_them():
    at = timezone.now().replace(microsecond=123456)
    by_orm = _note(0, at)
    by_orm.save()
    rows = [_note(i, at) for i in (1, 2, 3)]
    with transaction.atomic(), Trip() as trip:
        trip.reserve(*rows[:2])  # two with keys taken up front, one without
        trip.insert(*rows)
    assert all(r.pk is not None and not r._state.adding for r in rows)
    assert len({r.pk for r in rows} | {by_orm.pk}) == 4
    for row in rows:
        stored = Notification.objects.get(pk=row.pk)
        expected = {**_fields(by_orm), "recipient": row.recipient, "subject": row.subject,
                    "reference": row.reference}
        assert _fields(stored) == expected


def test_a_row_that_breaks_a_constraint_leaves_nothing_of_the_trip():
    user_chain = audit_record(actor=None, action="test.first", object_type="test.thing",
                              object_id="1")
    before = AuditEvent.objects.count()
    note = _note(9, timezone.now())
    again = audit_row(actor=None, action="test.again", object_type="test.thing", object_id="1")

    def write() -> None:
        with transaction.atomic(), Trip() as trip:
            trip.reserve(note)
            trip.insert(note)
            trip.insert(again)  # seq 1 of the same object again: (object, seq) is unique

    with pytest.raises(IntegrityError):
        write()
    assert AuditEvent.objects.count() == before
    assert not Notification.objects.filter(recipient=note.recipient).exists()
    assert user_chain.pk is not None


def test_audit_rows_written_with_a_trip_keep_the_chain_verifiable():
    first = audit_row(actor=None, action="test.create", object_type="test.other", object_id="7")
    with transaction.atomic(), Trip() as trip:
        trip.insert(first)
    audit_record(actor=None, action="test.update", object_type="test.other", object_id="7",
                 data={"changed": "tên"})
    assert list(audit_verify()) == []


def test_statements_of_a_trip_are_listed_with_the_queries():
    earlier = _note(4, timezone.now())
    earlier.save()
    note = _note(5, timezone.now())
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), Trip() as trip:
        trip.reserve(note)
        trip.insert(note)
        # another row than the trip's own (statements of a trip do not see each other's rows)
        trip.execute(f"UPDATE {Notification._meta.db_table} SET attempts = attempts + 1 "  # noqa: S608
                     "WHERE id = %s", [earlier.pk])
    sql = [q["sql"] for q in queries]
    assert any(s.startswith(f'INSERT INTO "{Notification._meta.db_table}"') for s in sql)
    assert any(s.startswith(f"UPDATE {Notification._meta.db_table}") for s in sql)
    assert Notification.objects.get(pk=earlier.pk).attempts == 1
    assert Notification.objects.filter(pk=note.pk).exists()


def test_fetch_reads_rows_with_parameters_bound():
    audit_record(actor=None, action="test.fetch", object_type="test.fetch", object_id="x'; --")
    rows = fetch(f"SELECT action, object_id FROM {AuditEvent._meta.db_table} "  # noqa: S608
                 "WHERE object_type = %s", ["test.fetch"])
    assert rows == [("test.fetch", "x'; --")]
