"""Background work of the one-stop system, run by the database task worker."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from tinhso.onestop.outbox import outbox_deliver, outbox_next_attempt


@task()
def deliver_to_national_portal() -> int:
    """Deliver due outbox messages; schedule the next round when retries are pending."""
    report = outbox_deliver()
    nxt = outbox_next_attempt()
    if nxt is not None and (report.failed or report.waiting):
        run_after = max(nxt, timezone.now() + timedelta(seconds=5))
        deliver_to_national_portal.using(run_after=run_after).enqueue()
    return report.delivered
