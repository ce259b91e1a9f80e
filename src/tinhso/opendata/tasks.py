"""Background work of the open data portal, run by the database task worker."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task


@task()
def datastore_load(resource_id: str, revision: int) -> str:
    """Load a tabular resource's file (as of `revision`) into the datastore."""
    from tinhso.opendata.datastore.loader import load_table

    return load_table(resource_id, revision)


QUALITY_EVERY = timedelta(days=1)


@task()
def quality_refresh_daily() -> int:
    """Rescore every dataset (freshness changes with time alone) and write this worker's usage
    counts, then come back in a day."""
    from tinhso.opendata.quality_store import quality_refresh
    from tinhso.opendata.usage import flush

    try:
        flush()
        return quality_refresh()
    finally:
        if quality_refresh_daily.get_backend().supports_defer:  # not the tests' immediate one
            quality_refresh_daily.using(run_after=timezone.now() + QUALITY_EVERY).enqueue()


def schedule_quality_refresh() -> bool:
    """Start the daily rescoring unless one is already waiting in the queue (the database
    backend); returns whether it started one."""
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(
        task_path=quality_refresh_daily.module_path, status="READY"
    ).exists():
        return False
    quality_refresh_daily.enqueue()
    return True
