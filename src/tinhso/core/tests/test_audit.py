from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from tinhso.accounts.tests.factories import UserFactory
from tinhso.core.audit import audit_record, audit_verify
from tinhso.core.models import AuditEvent


def _events(n, user):
    for i in range(n):
        audit_record(actor=user, action=f"step{i}", obj=user, data={"i": i, "ghi chú": "hồ sơ"},
                     ip="203.0.113.7")


def _tamper(sql, params):
    """Change a row behind the application's back, as an attacker with database access would."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("SET session_replication_role = replica")  # superuser: triggers off
            c.execute(sql, params)
            c.execute("SET session_replication_role = DEFAULT")
        else:
            c.execute("DROP TRIGGER audit_no_update")
            c.execute(sql, params)


@pytest.mark.django_db
def test_events_chain_per_object_and_verify_clean():
    user, other = UserFactory(), UserFactory()
    _events(3, user)
    _events(2, other)
    mine = list(AuditEvent.objects.filter(object_id=str(user.pk)).order_by("seq"))
    assert [e.seq for e in mine] == [1, 2, 3]
    assert mine[0].prev_hash == "" and mine[1].prev_hash == mine[0].hash
    assert mine[0].actor == user and mine[0].ip == "203.0.113.7"
    assert list(audit_verify()) == []


@pytest.mark.django_db
def test_the_database_refuses_to_edit_or_delete_an_event():
    user = UserFactory()
    _events(1, user)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="xoá dấu vết")
    with _purge_forbidden(), pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


@contextmanager
def _purge_forbidden():
    """Outside the test suite nobody may purge: switch the suite's permission off."""
    from tinhso.core import db

    db.AUDIT_PURGE_ALLOWED = False
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("SET tinhso.audit_purge = 'off'")
        try:
            yield
        finally:
            db.AUDIT_PURGE_ALLOWED = True
            if connection.vendor == "postgresql":
                c.execute("SET tinhso.audit_purge = 'on'")


@pytest.mark.django_db
def test_an_edited_event_is_detected():
    user = UserFactory()
    _events(3, user)
    target = AuditEvent.objects.get(object_id=str(user.pk), seq=2)
    _tamper("UPDATE core_auditevent SET action = %s WHERE id = %s", ["không có gì", target.pk])
    breaks = list(audit_verify())
    assert [(b.seq, b.reason) for b in breaks] == [(2, "content does not match its hash")]
    with pytest.raises(CommandError):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_a_removed_event_is_detected():
    user = UserFactory()
    _events(3, user)
    AuditEvent.objects.filter(object_id=str(user.pk), seq=2).delete()  # the suite may purge
    breaks = list(audit_verify())
    assert {b.seq for b in breaks} == {3}


@pytest.mark.django_db
def test_audit_verify_command_reports_a_clean_log(capsys):
    _events(2, UserFactory())
    call_command("audit", "verify")
    assert "toàn vẹn" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_a_read_outside_any_transaction_can_still_be_logged():
    """Views that only read (a page showing personal data) run in autocommit mode."""
    user = UserFactory()
    audit_record(actor=user, action="personal_data.view", obj=user)
    audit_record(actor=user, action="personal_data.view", obj=user)
    assert list(AuditEvent.objects.filter(object_id=str(user.pk)).values_list("seq", flat=True)
                .order_by("seq")) == [1, 2]
