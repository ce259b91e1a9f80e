"""The harvesting schedule, run by the database task worker (`tinhso db_worker`). There is
no periodic scheduler in Django's Tasks API: `harvest_due` runs the sources that are due and
then queues itself for when the next one is (as `exchange.tasks.deliver_packages` does). A
source added with a schedule starts the chain. `tinhso harvest run --all-due` from a cron job
or systemd timer does the same and restarts a chain that a stopped worker dropped."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from tinhso.harvest.models import Frequency, Source


def _round_waiting() -> bool:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - another backend
        return False
    return DBTaskResult.objects.filter(task_path=harvest_due.module_path, status="READY").exists()


@task()
def harvest_due() -> int:
    from tinhso.harvest import services

    jobs = services.harvest_due()
    nxt = (
        Source.objects.filter(active=True, next_run_at__isnull=False)
        .exclude(frequency=Frequency.MANUAL)
        .order_by("next_run_at")
        .values_list("next_run_at", flat=True)
        .first()
    )
    backend = harvest_due.get_backend()
    if nxt is not None and backend.supports_defer and not _round_waiting():
        run_after = max(nxt, timezone.now() + timedelta(seconds=5))
        harvest_due.using(run_after=run_after).enqueue()
    return len(jobs)
