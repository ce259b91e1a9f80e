from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from tinhso.notifications.models import Notification
from tinhso.notifications.services import notifications_send_due


@task()
def send_due_notifications() -> int:
    sent = notifications_send_due()
    # Retries are due later: schedule the next round for the earliest of them.
    nxt = (Notification.objects.filter(state=Notification.State.PENDING)
           .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())
    if nxt is not None:
        send_due_notifications.using(run_after=max(nxt, timezone.now() + timedelta(seconds=5))).enqueue()
    return sent
