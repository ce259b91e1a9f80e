"""Relevance for package_search's `sort=score desc` (CKAN's default sort, "score desc,
metadata_modified desc"), when the search has words (`query.score_words`).

The score, as CKAN's Solr schema boosts fields (`name^4 title^4 tags^2 groups^2 text`): each
word of `q` counts TITLE (4) when the dataset's name or title has it, else TAGS (2) when one of
its tags or themes has it, else TEXT (1) when the rest of its text has it (description,
publisher, resources), else 0; PHRASE (1) more when the title (the name left out) has all the
words in the order written. So a title match ranks before a tag match, before a
description-only one; a dataset with more of the words (`q` with OR) ranks higher; ties go to
the rest of the sort (by default the most recently changed first), then the id: one total
order, the same on every page.

PostgreSQL (migration 0010: `title_vector`, `title_words`, folded in SQL as
`core.text.fold`). Scoring every match is what costs: a broad word matches up to half the
catalogue, and any per-row rank over 45,000 rows took 55-450 ms. The top scores (the phrase
in the title; every word in the title) need no per-row work, so:

- at most RANK_ALL_BELOW matches: one query, ordered by the score computed per row;
- more, with `score desc` first: tiers (`_tiers`), exactly the score values from the top,
  taken in turn until the page is full, each ordered by the rest of the sort: (1) the title
  has the phrase, (2) every word in the title, not the phrase, (3) a word in the title or a
  tag, scored per row, (4) the words only elsewhere (all the same score, when every match
  has every word: plain words; for other `q`, 3 is all the rest; for one word, 3 is "in a
  tag" and not scored either). A page of a tier that is not scored is first looked for among
  the first WINDOW matches in the sort's order (`_in_window`: a few thousand rows read
  through that order's index), then through the indexes of the title and the tags. A first page
  of a broad word is served by tier 1 or 2 alone; a tier's size is counted only when the page
  starts after its end. The order is the one the single query gives (a test compares them).
- anything else (`score asc`, score after another key): the single query, every match scored.

SQLite (development, tests, small catalogues): every match scored in Python, the same
weights, on the same words."""

from __future__ import annotations

from collections import defaultdict
from contextlib import nullcontext
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import IntegerField, QuerySet, TextField

from tinhso.core.text import fold
from tinhso.opendata import facets, fulltext
from tinhso.opendata.dictize import among, fetch_relations
from tinhso.opendata.fulltext import OnDataset
from tinhso.opendata.models import Dataset, Group, Tag
from tinhso.opendata.query import SCORE

TITLE, TAGS, TEXT, PHRASE = 4, 2, 1, 1
# Up to this many matches, every one is scored in one query.
RANK_ALL_BELOW = 5_000
# A tier's page is first looked for among this many first matches (`_in_window`).
WINDOW = 2_000
ALIAS = "relevance"

Terms = list[tuple[str, bool]]

# core.text.fold in SQL, and the words of folded text as a tsvector: as migration 0010 (for the
# names of tags and themes here; the ranking only, never what matches).
_MARKS = r"\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_SEPS = fulltext.SEPARATORS


def _folded_vector(column: str) -> str:
    folded = (f"lower(regexp_replace(normalize(replace(replace({column}, 'đ', 'd'), 'Đ', 'D'), "
              f"NFD), '[{_MARKS}]', '', 'g'))")
    return f"array_to_tsvector(array_remove(regexp_split_to_array({folded}, '[{_SEPS}]+'), ''))"


def phrase(terms: Terms) -> str | None:
    """The words as a phrase to find in the title (two or more, none a prefix)."""
    if len(terms) < 2 or any(prefix for _, prefix in terms):
        return None
    return " ".join(word for word, _ in terms)


def _related(relation: str, model: type[Any], column: str) -> str:
    """SQL: the datasets having a tag/theme whose `column` has the word (`%s`)."""
    through = getattr(Dataset, relation).through._meta
    link = "tag_id" if relation == "tags" else "group_id"
    # table and column names from the models; the word is a parameter
    return (f"SELECT x.dataset_id FROM {through.db_table} x WHERE x.{link} IN ("  # noqa: S608
            f"SELECT g.id FROM {model._meta.db_table} g WHERE "
            f"{_folded_vector('g.' + column)} @@ %s::tsquery)")


# Not depending on the row, the list is made once a query and looked up in a hash per row.
_IN_TAGS = (f"{{t}}.id IN ({_related('tags', Tag, 'name')} UNION ALL "
            f"{_related('groups', Group, 'title')})")


def score(terms: Terms) -> OnDataset:
    """The score of a dataset (PostgreSQL), one CASE a word."""
    parts, params = [], []
    for term in terms:
        word = fulltext.tsquery_of([term])
        parts.append(f"CASE WHEN {{t}}.title_vector @@ %s::tsquery THEN {TITLE} "
                     f"WHEN {_IN_TAGS} THEN {TAGS} "
                     f"WHEN {{t}}.{fulltext.COLUMN} @@ %s::tsquery THEN {TEXT} ELSE 0 END")
        params += [word, word, word, word]
    said = phrase(terms)
    if said:
        parts.append(f"CASE WHEN {{t}}.title_words LIKE %s THEN {PHRASE} ELSE 0 END")
        params.append(f"% {said} %")
    return OnDataset("(" + " + ".join(parts) + ")", params, IntegerField())


def _ordered(order: list[str]) -> list[str]:
    return [o.replace(SCORE, ALIAS) if o.lstrip("-") == SCORE else o for o in order]


def _fetch_in_order(ids: list[Any]) -> list[Dataset]:
    found = {ds.pk: ds for ds in fetch_relations(Dataset.objects.filter(pk__in=among(ids)))}
    return [found[pk] for pk in ids if pk in found]


def _tiers(qs: QuerySet[Dataset], terms: Terms, rest: list[str],
           every_word: bool) -> list[tuple[QuerySet[Any], Any]]:
    """The matches split by score, best first, each tier ordered by the rest of the sort (as
    querysets of ids): the title has the phrase; every word in the title (not the phrase);
    then, when every match has every word (`every_word`: plain words ANDed), those with a word
    in the title or a tag (scored per row) before those with the words in their other text
    only (all the same score: k words, TEXT each); else all the others, scored per row.
    With each tier its condition when it is not scored (for `_in_window`), else None."""
    every = fulltext.tsquery_of(terms)
    said = phrase(terms)
    in_title = "{t}.title_vector @@ %s::tsquery"
    tiers: list[tuple[QuerySet[Any], Any]] = []
    conditions = []
    if said:
        like = f"% {said} %"
        conditions.append(OnDataset(f"{in_title} AND {{t}}.title_words LIKE %s", [every, like]))
        conditions.append(OnDataset(f"{in_title} AND {{t}}.title_words NOT LIKE %s",
                                    [every, like]))
    else:
        conditions.append(OnDataset(in_title, [every]))
    tiers += [(qs.filter(c).order_by(*rest).values_list("pk", flat=True), c) for c in conditions]
    if every_word and len(terms) == 1:  # one word: tags (TAGS), then elsewhere (TEXT)
        word = fulltext.tsquery_of(terms)
        conditions = [OnDataset(f"NOT ({in_title}) AND {_IN_TAGS}", [word, word, word]),
                      OnDataset(f"NOT ({in_title}) AND NOT {_IN_TAGS}", [word, word, word])]
        return tiers + [(qs.filter(c).order_by(*rest).values_list("pk", flat=True), c)
                        for c in conditions]
    others = qs.filter(OnDataset(f"NOT ({in_title})", [every]))
    last = None
    if every_word:
        any_word = " | ".join(fulltext.tsquery_of([term]) for term in terms)
        params = [any_word, *[fulltext.tsquery_of([term]) for term in terms for _ in (1, 2)]]
        # tested row by row over the matches: bounded by them (one IN of a union of the
        # datasets with a word in the title or a tag was tried: 2 ms when they are few, but
        # 1.8 s for a word in every title)
        somewhere = " OR ".join([in_title, *[_IN_TAGS] * len(terms)])
        others, last = (others.filter(OnDataset(f"({somewhere})", params)),
                        others.filter(OnDataset(f"NOT ({somewhere})", params)))
    scored = others.annotate(**{ALIAS: score(terms)}).order_by(f"-{ALIAS}", *rest)
    tiers.append((scored.values_list("pk", flat=True), None))
    if last is not None:
        tiers.append((last.order_by(*rest).values_list("pk", flat=True), None))
    return tiers


def _in_window(qs: QuerySet[Dataset], condition: OnDataset, rest: list[str], skip: int,
               need: int, count: int) -> list[Any] | None:
    """The tier's ids `skip` to `skip + need` when the first WINDOW matches (in the order of
    the rest of the sort) hold them all, else None. A broad tier is found this way through the
    index of that order, a few thousand rows read; asked directly, PostgreSQL takes every row
    of the tier from the full-text indexes and sorts them (it cannot tell a tier of 15,000
    from one of 30). The condition is applied outside the window's LIMIT, so only to the
    window's rows."""
    keys = [k.lstrip("-") for k in rest]
    columns = {"title_vector": OnDataset("{t}.title_vector", [], TextField()),
               "title_words": OnDataset("{t}.title_words", [], TextField())}
    window = (qs.annotate(**columns).order_by(*rest)
              .values(*dict.fromkeys(["id", *keys]), *columns)[:WINDOW])
    inner, params = window.query.sql_with_params()
    walk = _walk_the_order(count)
    order = ", ".join(f"w.{k.lstrip('-')} {'DESC' if k.startswith('-') else 'ASC'}"
                      for k in rest)
    sql = (f"SELECT w.id FROM ({inner}) w WHERE {condition.sql.replace('{t}', 'w')} "  # noqa: S608
           f"ORDER BY {order} LIMIT %s OFFSET %s")
    with transaction.atomic() if walk else nullcontext(), connection.cursor() as cursor:
        if walk:  # for this statement only: the transaction ends with it
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(sql, [*params, *condition.params, need, skip])
        got = [row[0] for row in cursor.fetchall()]
    return got if len(got) == need else None


def _walk_the_order(count: int) -> bool:
    """Whether the window must be read through the sort's index. Words that go together
    ("đất đai") match together, but PostgreSQL estimates each word's share apart and
    multiplies them: it expects a quarter of the matches, takes them all from the full-text
    index and sorts them (22,000 rows, 30 ms) instead of walking the sort's index until the
    page is full (0.4 ms, measured on 100,000 datasets). When the matches are at least an
    eighth of the catalogue (`facets.catalogue_size`), walking reads at most 8 rows per match
    needed, so the bitmap scans are turned off for that one statement (`SET LOCAL` in its own
    transaction; inside a caller's transaction, left to the planner)."""
    size = facets.catalogue_size()
    return bool(size) and count * 8 >= size and not connection.in_atomic_block


def _tiered(qs: QuerySet[Dataset], terms: Terms, rest: list[str], start: int,
            rows: int, every_word: bool, count: int) -> list[Dataset]:
    ids: list[Any] = []
    skip, need = start, rows
    for tier, condition in _tiers(qs, terms, rest, every_word):
        if need <= 0:
            break
        got = None
        if condition is not None and skip + need <= WINDOW:
            got = _in_window(qs, condition, rest, skip, need, count)
        if got is None:
            got = list(tier[skip:skip + need])
        if got:
            ids += got
            need -= len(got)
            skip = 0
        elif skip:
            skip -= tier.count()  # the page starts after this tier's end
    return _fetch_in_order(ids)


# --- SQLite: in Python ----------------------------------------------------------------------

def _has(word: str, prefix: bool, words: set[str]) -> bool:
    return any(w.startswith(word) for w in words) if prefix else word in words


def _python_scores(qs: QuerySet[Dataset], terms: Terms, keys: list[str]) -> list[tuple[Any, ...]]:
    """(pk, score, *sort key values) of every match, scored as `score` does in SQL."""
    fields = ["pk", "name", "title", "search_folded", "tags__name", "groups__title"]
    rows: dict[Any, dict[str, Any]] = {}
    related: dict[Any, set[str]] = defaultdict(set)
    for values in qs.order_by().values_list(*fields, *keys):
        pk, name, title, text, tag, group = values[:6]
        related[pk] |= {w for v in (tag, group) if v for w in fulltext.words(fold(v))}
        rows.setdefault(pk, {"name": name, "title": title, "text": text, "keys": values[6:]})
    said = phrase(terms)
    out = []
    for pk, row in rows.items():
        title = fulltext.words(fold(row["title"]))
        in_title = {*title, *fulltext.words(fold(row["name"]))}
        text = set(fulltext.words(row["text"]))
        total = 0
        for word, prefix in terms:
            if _has(word, prefix, in_title):
                total += TITLE
            elif _has(word, prefix, related[pk]):
                total += TAGS
            elif _has(word, prefix, text):
                total += TEXT
        if said and f" {said} " in f" {' '.join(title)} ":
            total += PHRASE
        out.append((pk, total, *row["keys"]))
    return out


def _python_page(qs: QuerySet[Dataset], terms: Terms, order: list[str], start: int,
                 rows: int) -> list[Dataset]:
    keys = [o.lstrip("-") for o in order if o.lstrip("-") != SCORE]
    keys = ["pk" if k == "id" else k for k in keys]
    scored = _python_scores(qs, terms, keys)
    columns = {"pk": 0, SCORE: 1} | {k: i + 2 for i, k in enumerate(keys)}
    for term in reversed(order):  # stable sorts, the last key first
        key = term.lstrip("-")
        column = columns["pk" if key == "id" else key]
        scored.sort(key=itemgetter(column), reverse=term.startswith("-"))
    return _fetch_in_order([row[0] for row in scored[start:start + rows]])


def page(qs: QuerySet[Dataset], terms: Terms, order: list[str], start: int, rows: int,
         count: int, *, every_word: bool = False) -> list[Dataset]:
    """The datasets `start` to `start + rows` of `qs` in `order` (`query.parse_sort(...,
    scored=True)`, holding `score`), with their relations. `every_word`: every match has
    every word of `terms` (a `q` of plain words)."""
    if not rows or start >= count:
        return []
    if connection.vendor != "postgresql":
        return _python_page(qs, terms, order, start, rows)
    if order[0] == f"-{SCORE}" and count > RANK_ALL_BELOW:
        return _tiered(qs, terms, order[1:], start, rows, every_word, count)
    ranked = qs.annotate(**{ALIAS: score(terms)}).order_by(*_ordered(order))
    return fetch_relations(ranked[start:start + rows])
