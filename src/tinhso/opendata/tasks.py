"""Background work of the open data portal, run by the database task worker."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def datastore_load(resource_id: str, revision: int) -> str:
    """Load a tabular resource's file (as of `revision`) into the datastore."""
    from tinhso.opendata.datastore.loader import load_table

    return load_table(resource_id, revision)


QUALITY_EVERY = timedelta(days=1)


@task()
def quality_refresh_daily() -> int:
    """Take the platform's own data snapshots again, rescore every dataset (freshness changes
    with time alone) and write this worker's usage counts, then come back in a day."""
    from tinhso.opendata.quality_store import quality_refresh
    from tinhso.opendata.usage import flush

    try:
        flush()
        snapshots_refresh()
        return quality_refresh()
    finally:
        if quality_refresh_daily.get_backend().supports_defer:  # not the tests' immediate one
            quality_refresh_daily.using(run_after=timezone.now() + QUALITY_EVERY).enqueue()


def snapshots_refresh() -> int:
    """The CSV snapshots of the platform's own figures (`demo.SNAPSHOTS`: units, procedures,
    dossiers by month, indicators) taken again, so those datasets stay current: a changed one
    is a new version of its resource, an unchanged one is left alone. Uploaded as the user who
    created the first of those datasets; nothing when there are none, or unless the
    installation asks for it (TINHSO_OPENDATA_SNAPSHOTS: the demo's `make run` does), so a
    real portal's datasets that happen to bear those names are never written. A failure is
    logged and leaves the rescoring to run."""
    from django.conf import settings

    from tinhso.opendata.demo import SNAPSHOTS, load_snapshots
    from tinhso.opendata.models import Dataset, State

    if not getattr(settings, "TINHSO_OPENDATA_SNAPSHOTS", False):
        return 0
    first = (Dataset.objects.filter(name__in={s.dataset for s in SNAPSHOTS})
             .exclude(state=State.DELETED).exclude(creator=None)
             .select_related("creator").order_by("metadata_created").first())
    if first is None or first.creator is None:
        return 0
    try:
        return load_snapshots(actor=first.creator)
    except Exception:
        logger.exception("open data snapshots were not refreshed")
        return 0


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
