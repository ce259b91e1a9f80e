from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tinhso.notifications.models import Notification
from tinhso.notifications.services import MAX_ATTEMPTS, notification_queue, notifications_send_due


class FlakyProvider:
    """An SMS provider that is down: what a real outage looks like from here."""

    def send(self, *, recipient, subject, body):
        raise ConnectionError("nhà mạng không phản hồi")


@pytest.mark.django_db
def test_an_email_is_sent_after_commit_and_recorded(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification_queue(channel="email", recipient="dan@example.vn",
                           subject="Hồ sơ đã được tiếp nhận", body="Mã hồ sơ 000.01.01.H56-251127-0001",
                           reference="000.01.01.H56-251127-0001")
        assert mail.outbox == []  # nothing leaves inside the transaction
    assert [m.subject for m in mail.outbox] == ["Hồ sơ đã được tiếp nhận"]
    assert Notification.objects.get().state == Notification.State.SENT


@pytest.mark.django_db
def test_a_failing_provider_is_retried_with_backoff_then_given_up(settings):
    settings.TINHSO_NOTIFICATION_ADAPTERS = {"sms": f"{__name__}.FlakyProvider"}
    note = notification_queue(channel="sms", recipient="0912345678", subject="Hồ sơ",
                              body="Đã có kết quả")
    now = timezone.now()
    assert notifications_send_due(now=now) == 0
    note.refresh_from_db()
    assert note.state == Notification.State.PENDING
    assert note.attempts == 1
    assert note.next_attempt_at > now
    assert "không phản hồi" in note.last_error
    assert notifications_send_due(now=now) == 0  # not due again yet
    note.refresh_from_db()
    assert note.attempts == 1
    for day in range(1, MAX_ATTEMPTS + 1):
        notifications_send_due(now=now + timedelta(days=day))
    note.refresh_from_db()
    assert note.state == Notification.State.FAILED
    assert note.attempts == MAX_ATTEMPTS


@pytest.mark.django_db
def test_an_unconfigured_channel_is_recorded_not_sent():
    note = notification_queue(channel="zalo", recipient="0912345678", subject="Hồ sơ", body="...")
    notifications_send_due()
    note.refresh_from_db()
    assert note.state == Notification.State.FAILED
    assert "chưa cấu hình" in note.last_error


@pytest.mark.django_db
def test_no_recipient_means_no_notification():
    assert notification_queue(channel="email", recipient="", subject="x", body="y") is None
    assert not Notification.objects.exists()
