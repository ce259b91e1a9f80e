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


WARN_EVERY = timedelta(minutes=15)


@task()
def warn_due_soon() -> int:
    """Warn the officers in charge of dossiers about to miss their due date, then come back in
    a quarter of an hour."""
    from tinhso.onestop.warnings import dossiers_warn_due_soon

    try:
        return dossiers_warn_due_soon()
    finally:
        warn_due_soon.using(run_after=timezone.now() + WARN_EVERY).enqueue()


def schedule_due_warnings() -> bool:
    """Start the periodic sweep unless one is already waiting in the queue (the database
    backend); returns whether it started one."""
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(task_path=warn_due_soon.module_path, status="READY").exists():
        return False
    warn_due_soon.enqueue()
    return True
