"""`q`'s words through a full-text index on PostgreSQL.

Migration 0008 gives `opendata_dataset` a generated column, `search_vector`: the words of
`search_folded` (the folded name, title, notes, tags, themes, publisher and resources, "Hồ sơ"
-> "ho so") as a `tsvector`, with a GIN index. A word is a run of characters between
separators (SEPARATORS: ASCII punctuation and spaces, Latin-1 and Unicode general punctuation,
CJK and full-width punctuation), split the same way here, in Python, for the query, so both
sides agree without any text-search configuration or dictionary; a property test holds the two
splits equal. Words longer than LONGEST_WORD characters (hashes, base64) are left out of the
vector (PostgreSQL refuses lexemes over 2 KB).

What `q` matches (CKAN's Solr matches whole words too, ANDed): every word of the query must be
a whole word of the dataset's text; `word*` matches the words that start with `word`. Before
this, a word matched any substring ("ho" found "giao thong"); on SQLite it still does
(`query._text`), as the search there is a `LIKE` over `search_folded`.

The user's text never reaches `to_tsquery`: the query is built from the split words, each
quoted as a lexeme, and cast with `::tsquery`, a bound parameter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Expression, Q

from tinhso.core.text import fold

# The same class is written into migration 0008's generated column (there without U+0000,
# which PostgreSQL text cannot hold). Change both together, with a migration.
SEPARATORS = (
    r"\u0001-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f"  # ASCII punctuation, spaces
    r"\u00a0-\u00bf\u00d7\u00f7"  # Latin-1: no-break space, « » ¿ ° · × ÷ ...
    r"\u2000-\u206f"  # general punctuation: spaces, dashes, “ ” ‘ ’ … ‰ ‹ ›
    r"\u3000-\u303f\ufe30-\ufe4f"  # CJK punctuation
    r"\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"  # full-width punctuation
)
LONGEST_WORD = 99
COLUMN = "search_vector"
MAX_WORDS = 10

_SPLIT = re.compile(rf"[\u0000{SEPARATORS}]+")


def enabled() -> bool:
    """True where migration 0008 made the column (PostgreSQL)."""
    return connection.vendor == "postgresql"


def words(folded: str) -> list[str]:
    """The words of folded text, as the generated column splits them (long ones included:
    the caller decides; the column leaves them out)."""
    return [w for w in _SPLIT.split(folded) if w]


def _lexeme(word: str, prefix: bool) -> str:
    # `word` holds no separator, so neither ' nor \; quoted anyway, as tsquery reads them
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + ":*" if prefix else quoted


def _terms(text: str, prefixes: bool) -> list[tuple[str, bool]] | None:
    """(word, is a prefix) for `text`'s words (at most MAX_WORDS), `word*` a prefix when
    `prefixes`; None when a word can never match (longer than LONGEST_WORD)."""
    found: list[tuple[str, bool]] = []
    for piece in text.split():
        split = words(fold(piece))
        for i, word in enumerate(split):
            if len(word) > LONGEST_WORD:
                return None
            last = i == len(split) - 1
            found.append((word, prefixes and last and piece.endswith("*")))
    return found[:MAX_WORDS]


def terms(text: str, *, prefixes: bool = True) -> list[tuple[str, bool]] | None:
    """(folded word, is a prefix) for each word of `text`, as `lexemes` reads them."""
    return _terms(text, prefixes)


def lexemes(text: str, *, prefixes: bool = True) -> list[str] | None:
    """The tsquery lexemes of `text`'s words, each quoted, `'word':*` for a prefix; None when
    a word can never match."""
    terms = _terms(text, prefixes)
    return None if terms is None else [_lexeme(word, prefix) for word, prefix in terms]


def tsquery_of(terms: list[tuple[str, bool]]) -> str:
    """The tsquery (text) of these (word, is a prefix) terms, ANDed."""
    return " & ".join(_lexeme(word, prefix) for word, prefix in terms)


def tsquery(text: str, *, prefixes: bool = True) -> str | None:
    """The tsquery (text, for a `::tsquery` parameter) of every word of `text`, ANDed. "" when
    `text` has no words (it matches everything, as an empty `q` does); None when a word can
    never match."""
    found = lexemes(text, prefixes=prefixes)
    return None if found is None else " & ".join(found)


class OnDataset(Expression):
    """SQL over the dataset's row, `{t}` standing for its table's alias: the alias is taken
    when the expression joins a query and follows the query into subqueries (the facets'
    `IN`), which a raw SQL string cannot do."""

    def __init__(self, sql: str, params: list[Any], output_field: Any = None,
                 alias: str | None = None) -> None:
        super().__init__(output_field=output_field or BooleanField())
        self.sql, self.params, self.alias = sql, params, alias

    def __repr__(self) -> str:
        return f"OnDataset({self.sql!r})"

    def resolve_expression(self, query: Any = None, allow_joins: bool = True, reuse: Any = None,
                           summarize: bool = False, for_save: bool = False) -> OnDataset:
        clone = self.copy()
        clone.alias = query.get_initial_alias()
        return clone

    def relabeled_clone(self, change_map: Mapping[str, str]) -> OnDataset:
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias) if self.alias else None
        return clone

    def get_group_by_cols(self) -> list[Any]:
        return []

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        table = compiler.quote_name_unless_alias(self.alias)
        return self.sql.replace("{t}", table), tuple(self.params)


def matches(query: str) -> OnDataset:
    """`<dataset table>.search_vector @@ %s::tsquery`."""
    return OnDataset(f"{{t}}.{COLUMN} @@ %s::tsquery", [query])


_EDGE = rf"[\u0000{SEPARATORS}]"


def words_q(text: str, *, prefixes: bool = True) -> Q | None:
    """A Q for datasets having every word of `text`, whole (a prefix for `word*`); None when
    the text has no word. PostgreSQL: the full-text index. SQLite (development, tests): a
    regular expression per word over the folded text, with the same word boundaries, so both
    databases find the same datasets."""
    if not enabled():
        terms = _terms(text, prefixes)
        if terms is None:
            return Q(pk__in=[])
        cond = Q()
        for word, prefix in terms:
            tail = "" if prefix else f"(?:{_EDGE}|$)"
            cond &= Q(search_folded__regex=f"(?:^|{_EDGE}){re.escape(word)}{tail}")
        return cond if terms else None
    query = tsquery(text, prefixes=prefixes)
    if query is None:
        return Q(pk__in=[])
    return Q(matches(query)) if query else None
