"""package_search's facet counts (organization, groups, tags, res_format, license_id).

Counted in SQL, each facet joins the whole matched set again: at 100,000 datasets the five
facets took ~430 ms (docs/benchmarks.md). So each process keeps a **bitmap index**: for every
facet value, a Python int whose bit `seq` is set when the dataset numbered `seq` has that value
(an organization, a license, a tag, a theme, a format of an active resource). A search asks the
database only for the matched datasets' numbers, packed into 64-bit words by the database
(`seq >> 6`, `bit_or`) so a few thousand rows cross instead of one per dataset; each facet
value's count is then `(matched & value).bit_count()`, ~10 µs a value. What a signed-in caller
or a search with `fq` may see is decided by the database in that same query
(`access.visible_q`). One set is kept with the values: what anyone may see (PUBLIC, active and
not private to named agencies), which an anonymous search without `fq` counts from (~40 ms
less at 100,000 datasets). It is stamped by the same writes as the values, and asked of the
database again every PUBLIC_RECHECK seconds, so a write that went around the services (and
`touch`: a shell, a data migration, SQL) shows in anonymous counts and facets for a minute at
most; such writes must end with `touch_all()`, as bulk loaders do. The page of results itself
always comes from the database, with visibility in SQL.

Keeping it current across processes: every write that changes a dataset's facet values bumps
`FacetState.generation` and stamps the dataset with it (`touch`, in the write's transaction).
The counter row stays locked until the write commits, so generations become visible in order;
a process that has seen generation g reads the datasets stamped above g (an index) and redoes
their bits. A new `FacetState.epoch` (an emptied database) or a long way behind means a full
rebuild (~1 s for 100,000 datasets). Inside a transaction (`atomic`) the index is not used at
all: it must only ever learn committed data, so there the facets are counted in SQL as before
(`sql_facets`, also the reference the tests compare the index with).

Words of `q` (PostgreSQL, `fulltext`): a broad word costs the database a visit of every
matching row to learn its number (~50 ms for 45,000 datasets), so the index also keeps, for the
words recently searched (WORDS_KEPT, least recently used dropped), the bitmap of the datasets
having each word, asked of the database the first time and patched with the facet values
(from the changed datasets' `search_folded`). A search of plain words then asks the database
only for what the caller may see under the `fq` (as for the whole catalogue) and ANDs the
words' bitmaps into it; when fewer than WORDS_DIRECT_BELOW datasets have all the words, the
database matches them itself (a few GIN lookups, cheaper than the visible set).

Why not a search server (Solr, as CKAN has, or OpenSearch): one more service to run and keep
in step for a count PostgreSQL + a few MB per process do in milliseconds; `architecture.md`
keeps search in the database. pyroaring would shrink the bitmaps but adds a compiled
dependency for no gain at this size (12.5 KB per value at 100,000 datasets)."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet

from tinhso.directory.models import Agency
from tinhso.opendata import fulltext
from tinhso.opendata.dictize import among
from tinhso.opendata.licenses import LICENSES
from tinhso.opendata.models import (
    AccessLevel,
    Dataset,
    FacetState,
    Group,
    Resource,
    State,
    Tag,
)

log = logging.getLogger(__name__)

FIELDS = ("organization", "groups", "tags", "res_format", "license_id")
# Kept with the facet values though not a facet: the datasets anyone may see (`access.visible_q`
# for no one). No facet.field can name it (it has no namer).
PUBLIC = "_public"
KEPT = (*FIELDS, PUBLIC)
# More changed datasets than this since a process last looked: rebuild instead of patching.
REBUILD_AFTER = 2_000
# Word bitmaps kept (least recently used dropped): 12.5 KB each at 100,000 datasets, so
# 3.2 MB at most; a broad word pushed out costs its next search ~50 ms once.
WORDS_KEPT = 256
# The public set kept with the index is asked of the database again after this many seconds.
PUBLIC_RECHECK = 60.0
# Fewer datasets than this with all the words of a `q`: the database intersects them with the
# rest of the search itself (a few index lookups) instead of the index.
WORDS_DIRECT_BELOW = 2_000


@dataclass
class FacetItem:
    name: str
    display_name: str
    count: int


# --- writes: numbering and stamping (called by services in the write's transaction) ----------

def _state_row_sql(assignment: str) -> int:
    """`UPDATE opendata_facetstate SET <assignment> RETURNING ...`; the row is made if missing
    (a database emptied by a test run), numbered after the datasets there are."""
    sql = f"UPDATE opendata_facetstate SET {assignment} WHERE id = 1 RETURNING "  # noqa: S608
    column = assignment.split("=")[0].strip()
    with connection.cursor() as cursor:
        cursor.execute(sql + column)
        row = cursor.fetchone()
        if row is not None:
            return int(row[0])
    top = Dataset.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    FacetState.objects.get_or_create(id=1, defaults={"next_seq": top + 1})
    return _state_row_sql(assignment)


def next_seqs(count: int) -> range:
    """`count` fresh dataset numbers (bulk loaders number their rows with these)."""
    last = _state_row_sql(f"next_seq = next_seq + {int(count)}")
    return range(last - count, last)


def next_seq() -> int:
    return next_seqs(1)[0]


def _in_the_write() -> None:
    if not connection.in_atomic_block:  # the stamp must commit with the write, never before
        raise RuntimeError("facets.touch belongs in the write's transaction (atomic)")


def touch(dataset_ids: Iterable[Any]) -> int:
    """Record that these datasets' facet values may have changed; returns the generation. The
    FacetState row stays locked until the caller's transaction ends."""
    _in_the_write()
    generation = _state_row_sql("generation = generation + 1")
    Dataset.objects.filter(pk__in=list(dataset_ids)).update(facet_generation=generation)
    return generation


def touch_all() -> int:
    """After a bulk load that went around the services, or any write that did (a shell, a
    data migration, SQL): every process rebuilds."""
    _in_the_write()
    generation = _state_row_sql(f"generation = generation + {REBUILD_AFTER + 1}")
    Dataset.objects.update(facet_generation=generation)
    return generation


# --- the per-process index --------------------------------------------------------------------

def _agg(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"string_agg(({column})::text, ',')"
    return f"group_concat({column})"  # ',' is the default separator


def _bits(seqs: Iterable[int]) -> int:
    """A bitmap with these bits set."""
    seqs = list(seqs)
    if not seqs:
        return 0
    buf = bytearray(max(seqs) // 8 + 1)
    for s in seqs:
        buf[s >> 3] |= 1 << (s & 7)
    return int.from_bytes(buf, "little")


def _members(where: str, params: list[Any]) -> dict[str, dict[Any, list[int]]]:
    """Facet value -> dataset numbers, for the datasets matching `where` (on `d`)."""
    datasets = f"{Dataset._meta.db_table} d"
    tags = f"{Dataset.tags.through._meta.db_table} t JOIN {datasets} ON d.id = t.dataset_id"
    groups = f"{Dataset.groups.through._meta.db_table} t JOIN {datasets} ON d.id = t.dataset_id"
    resources = f"{Resource._meta.db_table} r JOIN {datasets} ON d.id = r.dataset_id"
    sources = {  # facet: (value column, tables, more conditions, their parameters)
        "organization": ("d.owner_org_id", datasets, "", []),
        "license_id": ("d.license_id", datasets, "AND d.license_id <> ''", []),
        "tags": ("t.tag_id", tags, "", []),
        "groups": ("t.group_id", groups, "", []),
        "res_format": ("r.format", resources,
                       "AND r.state = %s AND r.format <> '' AND r.access_level <> %s",
                       [State.ACTIVE, AccessLevel.NAMED]),
        # as access.visible_q for an anonymous caller (a test holds the two equal)
        PUBLIC: ("d.state", datasets, "AND d.state = %s AND d.access_level <> %s",
                 [State.ACTIVE, AccessLevel.NAMED]),
    }
    found: dict[str, dict[Any, list[int]]] = {f: defaultdict(list) for f in KEPT}
    with connection.cursor() as cursor:
        for name, (value, tables, more, extra) in sources.items():
            # table names from the models, `where` from this module; values are parameters
            sql = f"SELECT {value}, {_agg('d.seq')} FROM {tables} WHERE {where} {more} GROUP BY {value}"  # noqa: E501, S608
            cursor.execute(sql, [*params, *extra])
            for key, seqs in cursor.fetchall():
                if seqs:  # a raw cursor: SQLite gives UUIDs as hex text
                    key = Group._meta.pk.to_python(key) if name == "groups" else key
                    found[name][key].extend(int(s) for s in str(seqs).split(","))
    return found


def _word_bits(lexeme: str) -> int:
    """The datasets (any state, any access) whose search words match one tsquery lexeme."""
    table = Dataset._meta.db_table
    return _packed(f"SELECT seq FROM {table} WHERE search_vector @@ %s::tsquery",  # noqa: S608
                   [lexeme])


def _word_matches(lexeme: str, words: set[str]) -> bool:
    """Whether a dataset with these words matches the lexeme (`'w'` or the prefix `'w':*`)."""
    prefix = lexeme.endswith(":*")
    word = lexeme[1:-3] if prefix else lexeme[1:-1]
    word = word.replace("''", "'").replace("\\\\", "\\")
    return any(w.startswith(word) for w in words) if prefix else word in words


@dataclass
class _Index:
    epoch: Any = None
    generation: int = -1
    values: dict[str, dict[Any, int]] = field(default_factory=lambda: {f: {} for f in KEPT})
    # tsquery lexeme -> bitmap of the datasets having it (`fulltext`), filled on demand
    words: OrderedDict[str, int] = field(default_factory=OrderedDict)
    public_checked: float = 0.0  # time.monotonic() when PUBLIC was last asked of the database

    def rebuild(self, epoch: Any, generation: int) -> None:
        found = _members("1 = 1", [])
        self.values = {f: {k: _bits(v) for k, v in found[f].items()} for f in KEPT}
        self.words = OrderedDict()
        self.public_checked = time.monotonic()
        self.epoch, self.generation = epoch, generation

    def public(self) -> int:
        """The datasets anyone may see, as current as the facet values, and asked of the
        database again at least every PUBLIC_RECHECK seconds: a write that went around the
        services (and so around `touch`) shows for a minute at most, not until a restart."""
        now = time.monotonic()
        if now - self.public_checked > PUBLIC_RECHECK:
            public = Dataset.objects.filter(state=State.ACTIVE).exclude(
                access_level=AccessLevel.NAMED)
            self.values[PUBLIC] = {State.ACTIVE: matched_bits(public)}
            self.public_checked = now
        return self.values[PUBLIC].get(State.ACTIVE, 0)

    def word_bits(self, lexemes: list[str]) -> int | None:
        """The datasets having all these words (None for no words), from the kept bitmaps,
        the missing ones asked of the database (one query a word) and kept."""
        if not lexemes:
            return None
        out = -1
        for lexeme in lexemes:
            bits = self.words.get(lexeme)
            if bits is None:
                bits = _word_bits(lexeme)
                self.words[lexeme] = bits
                while len(self.words) > WORDS_KEPT:
                    self.words.popitem(last=False)
            self.words.move_to_end(lexeme)
            out &= bits
        return out

    def _patch_words(self, low: int, high: int) -> None:
        """Redo the kept word bitmaps' bits of the datasets stamped in (low, high]."""
        if not self.words:
            return
        rows = (Dataset.objects.filter(facet_generation__gt=low, facet_generation__lte=high)
                .values_list("seq", "search_folded"))
        changed = [(seq, {w for w in fulltext.words(text) if len(w) <= fulltext.LONGEST_WORD})
                   for seq, text in rows]
        mask = ~_bits(seq for seq, _ in changed)
        for lexeme, bits in list(self.words.items()):
            having = _bits(seq for seq, words in changed if _word_matches(lexeme, words))
            self.words[lexeme] = (bits & mask) | having

    def patch(self, generation: int) -> None:
        """Redo the bits of the datasets stamped above the generation seen."""
        window = [self.generation, generation]
        found = _members("d.facet_generation > %s AND d.facet_generation <= %s", window)
        changed = (Dataset.objects.filter(facet_generation__gt=self.generation,
                                          facet_generation__lte=generation)
                   .values_list("seq", flat=True))
        mask = ~_bits(changed)
        for name in KEPT:
            values = self.values[name]
            for key in list(values):
                values[key] &= mask
            for key, seqs in found[name].items():
                values[key] = values.get(key, 0) | _bits(seqs)
        self._patch_words(self.generation, generation)
        self.generation = generation


_index = _Index()
_lock = threading.Lock()


def _current() -> _Index | None:
    """The index brought up to the committed generation; None inside a transaction."""
    if connection.in_atomic_block:
        return None
    with _lock:
        state = FacetState.objects.filter(pk=1).values_list("epoch", "generation").first()
        if state is None:
            return None
        epoch, generation = state
        if epoch != _index.epoch or generation < _index.generation:
            _index.rebuild(epoch, generation)
        elif generation > _index.generation:
            behind = Dataset.objects.filter(facet_generation__gt=_index.generation)[
                :REBUILD_AFTER + 1].count()
            if behind > REBUILD_AFTER:
                _index.rebuild(epoch, generation)
            else:
                _index.patch(generation)
        return _index


def catalogue_size() -> int:
    """How many datasets anyone may see, as this process's index last counted them (0 before
    its first use): a size for planning, never for deciding who sees what."""
    return _index.values[PUBLIC].get(State.ACTIVE, 0).bit_count()


def matched_bits(matched: QuerySet[Dataset]) -> int:
    """The matched datasets as a bitmap, packed into words by the database."""
    inner, params = matched.order_by().values("seq").query.sql_with_params()
    return _packed(inner, list(params))


def _packed(inner: str, params: list[Any]) -> int:
    """The `seq`s of a query as a bitmap, packed into 64-bit words by the database."""
    if connection.vendor == "postgresql":  # a signed bigint: bit 63 makes it negative
        width, word, signed = 64, "bit_or(1::bigint << (seq & 63)::int)", True
    else:  # SQLite has no bit_or; distinct powers of two add up to the same word
        width, word, signed = 32, "sum(1 << (seq & 31))", False
    shift = width.bit_length() - 1
    sql = f"SELECT seq >> {shift}, {word} FROM ({inner}) m GROUP BY 1"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return 0
    nbytes = width // 8
    buf = bytearray((max(w for w, _ in rows) + 1) * nbytes)
    for w, bits in rows:
        buf[w * nbytes:(w + 1) * nbytes] = int(bits).to_bytes(nbytes, "little", signed=signed)
    return int.from_bytes(buf, "little")


# --- naming the values ----------------------------------------------------------------------

def _named_organizations(keys: list[Any]) -> dict[Any, tuple[str, str, str]]:
    rows = Agency.objects.filter(pk__in=among(keys, "bigint")).values_list("pk", "code", "name")
    return {pk: (code.lower().replace(".", "-"), name, code) for pk, code, name in rows}


def _named_groups(keys: list[Any]) -> dict[Any, tuple[str, str, str]]:
    rows = Group.objects.filter(pk__in=among(keys)).values_list("pk", "name", "title")
    return {pk: (name, title, name) for pk, name, title in rows}


def _named_tags(keys: list[Any]) -> dict[Any, tuple[str, str, str]]:
    rows = Tag.objects.filter(pk__in=among(keys, "bigint")).values_list("pk", "name")
    return {pk: (name, name, name) for pk, name in rows}


def _named_formats(keys: list[Any]) -> dict[Any, tuple[str, str, str]]:
    return {k: (k, k, k) for k in keys}


def _named_licenses(keys: list[Any]) -> dict[Any, tuple[str, str, str]]:
    return {k: (k, getattr(LICENSES.get(k), "title", k), k) for k in keys}


# (name, display name, sort key) of each counted value; values since removed drop out
NAMERS: dict[str, Callable[[list[Any]], dict[Any, tuple[str, str, str]]]] = {
    "organization": _named_organizations,
    "groups": _named_groups,
    "tags": _named_tags,
    "res_format": _named_formats,
    "license_id": _named_licenses,
}


def _from_index(values: dict[str, dict[Any, int]], matched: int, fields: Iterable[str],
                limit: int, mincount: int) -> dict[str, list[FacetItem]]:
    least = max(1, mincount)
    facets: dict[str, list[FacetItem]] = {}
    for name in fields:
        if name not in NAMERS:
            facets[name] = []
            continue
        counts = {k: n for k, bits in values[name].items()
                  if (n := (matched & bits).bit_count()) >= least}
        named = NAMERS[name](list(counts))
        ranked = sorted(((counts[k], *named[k]) for k in counts if k in named),
                        key=lambda row: (-row[0], row[3]))
        facets[name] = [FacetItem(value, display, n) for n, value, display, _ in ranked[:limit]]
    return facets


# --- counted in SQL: inside transactions, and the tests' reference ------------------------------

def _organization_facet(matched: QuerySet[Dataset]) -> tuple[Any, Any]:
    rows = (matched.values_list("owner_org__code", "owner_org__name")
            .annotate(n=Count("pk")).order_by("-n", "owner_org__code"))
    return rows, lambda code, name, n: (code.lower().replace(".", "-"), name, n)


def _through_facet(matched: QuerySet[Dataset], relation: str, title: str) -> tuple[Any, Any]:
    rel = relation[:-1]  # groups -> group, tags -> tag
    through = getattr(Dataset, relation).through.objects.filter(
        dataset_id__in=matched.values("pk"))
    rows = (through.values_list(f"{rel}__name", f"{rel}__{title}")
            .annotate(n=Count("dataset_id")).order_by("-n", f"{rel}__name"))
    return rows, lambda name, display, n: (name, display, n)


def _format_facet(matched: QuerySet[Dataset]) -> tuple[Any, Any]:
    rows = (Resource.objects.filter(dataset_id__in=matched.values("pk"), state=State.ACTIVE)
            .exclude(format="").exclude(access_level=AccessLevel.NAMED).values_list("format")
            .annotate(n=Count("dataset_id", distinct=True)).order_by("-n", "format"))
    return rows, lambda fmt, n: (fmt, fmt, n)


def _license_facet(matched: QuerySet[Dataset]) -> tuple[Any, Any]:
    rows = (matched.exclude(license_id="").values_list("license_id").annotate(n=Count("pk"))
            .order_by("-n", "license_id"))
    return rows, lambda lic, n: (lic, getattr(LICENSES.get(lic), "title", lic), n)


SQL_FACETS = {
    "organization": _organization_facet,
    "groups": lambda qs: _through_facet(qs, "groups", "title"),
    "tags": lambda qs: _through_facet(qs, "tags", "name"),
    "res_format": _format_facet,
    "license_id": _license_facet,
}


def sql_facets(matched: QuerySet[Dataset], fields: Iterable[str], limit: int,
               mincount: int) -> dict[str, list[FacetItem]]:
    """Each facet counted by the database: one query a facet over the matched set."""
    facets: dict[str, list[FacetItem]] = {}
    for name in fields:
        fn = SQL_FACETS.get(name)
        if fn is None:
            facets[name] = []
            continue
        rows, shape = fn(matched)
        if mincount > 1:
            rows = rows.filter(n__gte=mincount)
        facets[name] = [FacetItem(*shape(*row)) for row in rows[:limit]]
    return facets


def facet_counts(matched: QuerySet[Dataset], fields: tuple[str, ...], limit: int,
                 mincount: int, *, words: tuple[QuerySet[Dataset], list[str]] | None = None,
                 public: bool = False) -> tuple[int | None, dict[str, list[FacetItem]]]:
    """(the number matched when the index counted it, else None; the facets). `words`: when
    `matched` is a search without its words (`fulltext` lexemes) and those words, the words'
    datasets come from the index's word bitmaps when there are many (a broad word costs the
    database a visit of every matching row, ~50 ms for 45,000 of them; the bitmap ~0.1 ms).
    `public`: the search without its words (`words[0]`, else `matched`) is exactly what anyone
    may see (an anonymous caller, no `fq`), which the index keeps (asking the database costs ~40 ms at 100,000
    datasets); it is stamped by the same writes as the facet values, in their transactions."""
    index = _current() if fields or words or public else None
    if index is None:
        return None, sql_facets(matched, fields, limit, mincount)
    wanted, seen = None, None
    with _lock:  # the kept bitmaps are shared by the process's threads
        if words:
            wanted = index.word_bits(words[1])
        if public:
            seen = index.public()
        # the values counted below, as they are now: another thread may patch the index
        values = {name: dict(index.values[name]) for name in fields if name in NAMERS}
    if words and wanted is not None and wanted.bit_count() >= WORDS_DIRECT_BELOW:
        bits = (seen if seen is not None else matched_bits(words[0])) & wanted
    elif seen is not None and not words:
        bits = seen
    else:
        bits = matched_bits(matched)
    return bits.bit_count(), _from_index(values, bits, fields, limit, mincount)
