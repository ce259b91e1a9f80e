"""`q` through a full-text index on PostgreSQL (`opendata/fulltext.py`): a generated
`search_vector` column, the words of `search_folded` split on `fulltext.SEPARATORS` as a
`tsvector` (no positions, no dictionary: the text is already folded), words over
`fulltext.LONGEST_WORD` characters left out, and a GIN index. The trigram index of 0002
served `LIKE '%word%'`, which `q` no longer asks PostgreSQL; it is dropped (put back on the way
down when pg_trgm is there). The column is unknown to Django's models: every write of
`search_folded` refreshes it, whoever writes it. SQLite: nothing to do."""

from django.db import migrations, transaction

# fulltext.SEPARATORS, frozen here (a change is a new migration).
SEPARATORS = (
    r"\u0001-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f"
    r"\u00a0-\u00bf\u00d7\u00f7"
    r"\u2000-\u206f"
    r"\u3000-\u303f\ufe30-\ufe4f"
    r"\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
)
LONG = 100  # fulltext.LONGEST_WORD + 1: runs this long or longer are not words

VECTOR = (
    "array_to_tsvector(array_remove(regexp_split_to_array("
    f"regexp_replace(search_folded, '[^{SEPARATORS}]{{{LONG},}}', ' ', 'g'), "
    f"'[{SEPARATORS}]+'), ''))"
)


def add_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE opendata_dataset ADD COLUMN IF NOT EXISTS search_vector tsvector "
        f"GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS dataset_search_vector ON opendata_dataset "
        "USING gin (search_vector)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS dataset_search_trgm")


def drop_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS dataset_search_vector")
    schema_editor.execute("ALTER TABLE opendata_dataset DROP COLUMN IF EXISTS search_vector")
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(
                "CREATE INDEX IF NOT EXISTS dataset_search_trgm ON opendata_dataset "
                "USING gin (search_folded gin_trgm_ops)"
            )
    except Exception:  # noqa: BLE001, S110 (no pg_trgm: as 0002, search works without it)
        pass


class Migration(migrations.Migration):
    dependencies = [("opendata", "0007_facet_index")]
    operations = [migrations.RunPython(add_vector, drop_vector)]
