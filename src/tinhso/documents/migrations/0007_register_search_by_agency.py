"""The registers' search by agency (issue 4: registers of 3.5 million documents searched in under
200 ms).

An incoming record keeps its document's folded text (`search_folded`, filled here for the
records there are), so the incoming register searches its own rows. On PostgreSQL, a trigram
index led by the agency (`btree_gin` lets a GIN index hold the agency id beside the trigrams)
serves each register's search within one agency: with one province-wide trigram index, a
search for common words ("quyet dinh phe duyet ke hoach") found 70,000 documents of every
agency and read each from the table to keep the 5,000 of one agency (0.4 s for the count, 0.7
s for the page); led by the agency, the index yields that agency's matches only. Every search
of documents is within the user's agencies (no province-wide role reads correspondence), so the
province-wide index of migration 0002 is dropped once these exist (one GIN index fewer to keep
up: about two minutes of a demo load at scale 1.0). Without the right to create the extensions
nothing changes: search still works, only slower."""

from django.db import migrations, models, transaction

INDEXES = {
    "document_agency_search": "documents_document",
    "incoming_agency_search": "documents_incomingrecord",
}


def fill_and_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE documents_incomingrecord AS i SET search_folded = d.search_folded "
            "FROM documents_document AS d WHERE d.id = i.document_id")
    else:
        schema_editor.execute(
            "UPDATE documents_incomingrecord SET search_folded = (SELECT d.search_folded "
            "FROM documents_document AS d WHERE d.id = documents_incomingrecord.document_id)")
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
            for name, table in INDEXES.items():
                schema_editor.execute(
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                    "USING gin (agency_id, search_folded gin_trgm_ops)")
            schema_editor.execute("DROP INDEX IF EXISTS document_search_trgm")
    except Exception:  # noqa: BLE001, S110 (no privilege for the extensions: search still works)
        pass


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute(
                    "CREATE INDEX IF NOT EXISTS document_search_trgm ON documents_document "
                    "USING gin (search_folded gin_trgm_ops)")
        except Exception:  # noqa: BLE001, S110 (as in 0002)
            pass


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0006_shared_template_files"),
    ]

    operations = [
        migrations.AddField(
            model_name="incomingrecord",
            name="search_folded",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_and_index, drop_indexes),
    ]
