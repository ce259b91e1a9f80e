"""The registers' search by full-text vector (issue 4: registers of 3.5 million documents
searched in under 200 ms).

1. A document's type is part of its searched text: `search_folded` starts with the type's
   folded name ("cong van", "quyet dinh": the type's value with spaces), on every database,
   so "cong van ve chuyen doi so" finds the công văn about digital transformation. An incoming
   record takes its document's text again.
2. On PostgreSQL, each register's table gets `search_vector`, a generated column (kept by the
   database on every insert and update, the ORM's as well as COPY's): the words of
   `search_folded` (letters and digits; every other character separates words) as a `simple`
   tsvector without positions, each word twice: as it is, and keyed by the row's agency
   (`x12xquyet`: the issuing agency for a document, the receiving agency for an incoming
   record). A GIN index on it answers `search_vector @@ 'x12xquyet' & 'x12xdinh' & ... &
   'x12xhoach':*` from the agency's own lists of those words, so a search of common words in
   one agency reads only that agency's matches (the trigram index of migration 0007 read
   70,000 documents of every agency for "quyet dinh phe duyet ke hoach": 0.7-3.7 s; a single
   agency term beside plain words still intersected the province-wide lists of "cong", "van",
   "ve": 200 ms). The plain words serve a search across many agencies. The trigram indexes
   of migrations 0002 and 0007 go: nothing searches the documents by LIKE on PostgreSQL any
   more.

Adding a stored generated column rewrites the table: on a big installation run this migration
in a maintenance window (measured on 3.54 million documents and 7.1 million incoming records:
see docs/benchmarks.md, "Document registers"). SQLite only gets step 1 (its search stays LIKE).
"""

from django.db import migrations, transaction

# The words of the folded text (runs of [a-z0-9]), each also keyed by the row's agency
# ("quyet" in a row of agency 12 is also "x12xquyet"), as a `simple` tsvector without
# positions. Every function here is immutable, as a generated column requires
# (`agency_id::text`: `'x' || agency_id` would be stable only).
WORDS = "regexp_replace(search_folded, '[^a-z0-9]+', ' ', 'g')"
VECTOR = (f"strip(to_tsvector('simple'::regconfig, {WORDS} || ' ' || "
          f"regexp_replace({WORDS}, '([a-z0-9]+)', 'x' || agency_id::text || 'x\\1', 'g')))")
TABLES = {
    "document_search_vector": "documents_document",
    "incoming_search_vector": "documents_incomingrecord",
}
TRIGRAM = {
    "document_agency_search": "documents_document",
    "incoming_agency_search": "documents_incomingrecord",
}
TYPE_WORDS = "replace(doc_type, '_', ' ')"


def forwards(apps, schema_editor):
    execute = schema_editor.execute
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:  # first: the updates below would otherwise keep them up (5 min of 3.5 M rows)
        for name in (*TRIGRAM, "document_search_trgm"):
            execute(f"DROP INDEX IF EXISTS {name}")
        execute("SET LOCAL maintenance_work_mem = '256MB'")  # the GIN builds below
    execute(f"UPDATE documents_document SET search_folded = rtrim({TYPE_WORDS} || ' ' || "  # noqa: S608 (constants)
            "search_folded)")
    if postgres:
        execute("UPDATE documents_incomingrecord AS i SET search_folded = d.search_folded "
                "FROM documents_document AS d WHERE d.id = i.document_id")
    else:
        execute("UPDATE documents_incomingrecord SET search_folded = (SELECT d.search_folded "
                "FROM documents_document AS d WHERE d.id = documents_incomingrecord.document_id)")
    if not postgres:
        return
    for name, table in TABLES.items():
        execute(f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
                f"GENERATED ALWAYS AS ({VECTOR}) STORED")
        execute(f"CREATE INDEX {name} ON {table} USING gin (search_vector)")
        execute(f"ANALYZE {table}")  # the words' frequencies, for the planner's estimates


def backwards(apps, schema_editor):
    execute = schema_editor.execute
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        for name, table in TABLES.items():
            execute(f"DROP INDEX IF EXISTS {name}")
            execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    length = "length(replace(doc_type, '_', ' '))"
    execute(f"UPDATE documents_document SET search_folded = ltrim(substr(search_folded, "  # noqa: S608 (constants)
            f"{length} + 1)) WHERE substr(search_folded, 1, {length}) = {TYPE_WORDS}")
    if postgres:
        execute("UPDATE documents_incomingrecord AS i SET search_folded = d.search_folded "
                "FROM documents_document AS d WHERE d.id = i.document_id")
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                for name, table in TRIGRAM.items():
                    execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                            "USING gin (agency_id, search_folded gin_trgm_ops)")
        except Exception:  # noqa: BLE001, S110 (no pg_trgm/btree_gin: as in 0007)
            pass
    else:
        execute("UPDATE documents_incomingrecord SET search_folded = (SELECT d.search_folded "
                "FROM documents_document AS d WHERE d.id = documents_incomingrecord.document_id)")


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0007_register_search_by_agency"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
