"""Relevance for `sort=score desc` (`opendata/ranking.py`) on PostgreSQL: two generated columns
made of the dataset's name and title, folded in SQL as `core.text.fold` does in Python
(đ -> d, NFD, combining marks dropped, lowercase):

- `title_vector`: their words as a `tsvector`, split as 0008's `search_vector` (same
  separators, words over 99 characters left out), with a GIN index, so "every word of `q` in
  the title" is a `@@` the index serves;
- `title_words`: the title's words (the name left out: it is often the title again, and a
  phrase must not run from one into the other) joined by single spaces, with a space at each
  end, so "the words of `q` in this order in the title" is a `LIKE '% w1 w2 %'`.

Only the ranking reads them; what matches stays `search_vector`'s. Unknown to Django's models,
like `search_vector`: every write of `name` or `title` refreshes them. SQLite: nothing to do
(the ranking folds in Python there)."""

from django.db import migrations

# fulltext.SEPARATORS, frozen as in 0008 (a change is a new migration).
SEPARATORS = (
    r"\u0001-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f"
    r"\u00a0-\u00bf\u00d7\u00f7"
    r"\u2000-\u206f"
    r"\u3000-\u303f\ufe30-\ufe4f"
    r"\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
)
LONG = 100  # fulltext.LONGEST_WORD + 1
# Combining marks (Unicode category Mn) of the Latin, Vietnamese and symbol blocks.
MARKS = r"\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"


def folded(column: str) -> str:
    """SQL for `core.text.fold(column)` (words only: spaces are not collapsed)."""
    return (f"lower(regexp_replace(normalize(replace(replace({column}, 'đ', 'd'), 'Đ', 'D'), "
            f"NFD), '[{MARKS}]', '', 'g'))")


def vector(text: str) -> str:
    """SQL for the tsvector of the words of folded `text`, as 0008's `search_vector`."""
    return ("array_to_tsvector(array_remove(regexp_split_to_array("
            f"regexp_replace({text}, '[^{SEPARATORS}]{{{LONG},}}', ' ', 'g'), "
            f"'[{SEPARATORS}]+'), ''))")


TITLE = folded("name || ' ' || title")
TITLE_VECTOR = vector(TITLE)
TITLE_WORDS = (f"' ' || btrim(regexp_replace({folded('title')}, '[{SEPARATORS}]+', ' ', 'g')) "
               "|| ' '")


def add_columns(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE opendata_dataset "
        f"ADD COLUMN IF NOT EXISTS title_vector tsvector GENERATED ALWAYS AS ({TITLE_VECTOR}) "
        "STORED, "
        f"ADD COLUMN IF NOT EXISTS title_words text GENERATED ALWAYS AS ({TITLE_WORDS}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS dataset_title_vector ON opendata_dataset "
        "USING gin (title_vector)"
    )


def drop_columns(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS dataset_title_vector")
    schema_editor.execute("ALTER TABLE opendata_dataset DROP COLUMN IF EXISTS title_vector, "
                          "DROP COLUMN IF EXISTS title_words")


class Migration(migrations.Migration):
    dependencies = [("opendata", "0009_resource_access")]
    operations = [migrations.RunPython(add_columns, drop_columns)]
