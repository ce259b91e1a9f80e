"""Queue notifications inside the caller's transaction; send them after commit, in the
background, with retries (`tasks.send_due_notifications`)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tinhso.notifications.adapters import NotConfigured, adapter_for
from tinhso.notifications.models import Notification

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6


def notification_queue(*, channel: str, recipient: str, subject: str, body: str,
                       reference: str = "") -> Notification | None:
    """Record a notification and have it sent once the current transaction commits."""
    if not recipient:
        return None
    now = timezone.now()
    note = Notification.objects.create(channel=channel, recipient=recipient, subject=subject[:255],
                                       body=body, reference=reference, created_at=now,
                                       next_attempt_at=now)
    transaction.on_commit(_enqueue_sending)
    return note


def _enqueue_sending() -> None:
    from tinhso.notifications.tasks import send_due_notifications

    try:
        send_due_notifications.enqueue()
    except Exception:  # noqa: BLE001 - a queue hiccup must not break the request; the worker's next round sends it
        log.exception("could not enqueue notification sending")


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** attempts, 240))


def notifications_send_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Send what is due; returns how many were sent. Failures are retried with backoff, up to
    MAX_ATTEMPTS, then marked failed."""
    now = now or timezone.now()
    sent = 0
    due = list(Notification.objects.filter(state=Notification.State.PENDING,
                                           next_attempt_at__lte=now).order_by("pk")[:limit])
    for note in due:
        try:
            adapter_for(note.channel).send(recipient=note.recipient, subject=note.subject,
                                           body=note.body)
        except NotConfigured as exc:
            Notification.objects.filter(pk=note.pk).update(state=Notification.State.FAILED,
                                                           last_error=str(exc))
        except Exception as exc:  # noqa: BLE001 - any transport error is retried
            attempts = note.attempts + 1
            Notification.objects.filter(pk=note.pk).update(
                attempts=attempts, last_error=str(exc)[:1000],
                state=(Notification.State.FAILED if attempts >= MAX_ATTEMPTS
                       else Notification.State.PENDING),
                next_attempt_at=now + _retry_delay(attempts),
            )
        else:
            Notification.objects.filter(pk=note.pk).update(state=Notification.State.SENT,
                                                           sent_at=now, attempts=note.attempts + 1)
            sent += 1
    return sent
