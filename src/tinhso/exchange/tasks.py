"""Background delivery of the exchange outbox, run by the database task worker."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from tinhso.exchange.delivery import next_attempt, outbox_deliver


def _round_waiting() -> bool:
    """A later round is already queued (the database backend), so none is added."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - another backend
        return False
    return DBTaskResult.objects.filter(task_path=deliver_packages.module_path,
                                       status="READY").exists()


@task()
def deliver_packages() -> int:
    """Deliver due packages; come back when the next retry is due."""
    report = outbox_deliver()
    nxt = next_attempt()
    backend = deliver_packages.get_backend()
    if nxt is not None and backend.supports_defer and not _round_waiting():
        run_after = max(nxt, timezone.now() + timedelta(seconds=5))
        deliver_packages.using(run_after=run_after).enqueue()
    return report.delivered
