"""On PostgreSQL, a trigram index makes `search_folded LIKE '%word%'` fast on a large catalog.
Without the right to create the pg_trgm extension, the index is skipped (search still works,
only slower)."""

from django.db import migrations, transaction


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                "CREATE INDEX IF NOT EXISTS dataset_search_trgm ON opendata_dataset "
                "USING gin (search_folded gin_trgm_ops)"
            )
    except Exception:  # noqa: BLE001, S110 (no privilege for the extension: search still works)
        pass


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS dataset_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("opendata", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
