"""Background work of the open data portal, run by the database task worker."""

from __future__ import annotations

from django_tasks import task


@task()
def datastore_load(resource_id: str, revision: int) -> str:
    """Load a tabular resource's file (as of `revision`) into the datastore."""
    from tinhso.opendata.datastore.loader import load_table

    return load_table(resource_id, revision)
